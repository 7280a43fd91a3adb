//! The one model every view and report reads: a [`snapshot::Snapshot`] of everything read
//! at one instant.

pub mod snapshot;

pub use snapshot::Snapshot;
