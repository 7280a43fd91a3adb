//! Non-interactive output built on the same [`crate::model::Snapshot`] the TUI shows.

pub mod doctor;
pub mod json;
pub mod metrics;
pub mod text;
pub mod top_clients;
pub mod write_path;
