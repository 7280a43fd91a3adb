//! Non-interactive output built on the same [`crate::model::Snapshot`] the TUI shows.

pub mod json;
pub mod text;
