//! Where data comes from: files under a proc root, `drbdsetup` child processes, netlink.
//! Everything here does I/O and hands text or bytes to the parsers; nothing here
//! interprets what it read.

pub mod drbdsetup;
pub mod keepalived;
pub mod live;
pub mod proc_files;
pub mod proc_root;
pub mod recording;
pub mod resolver;
pub mod rpc_status;
pub mod sock_diag;

use std::path::PathBuf;

pub use proc_root::{ProcRoot, SourceError};

/// How to reach every source, from the command line.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// `/proc`, or a captured tree.
    pub proc_root: PathBuf,
    /// Reading the live system: child processes (drbdsetup) may be run.
    pub live: bool,
    /// Read events2 lines from this file instead of running drbdsetup.
    pub events2_file: Option<PathBuf>,
    pub drbdsetup: PathBuf,
}

impl SourceConfig {
    pub fn proc(&self) -> ProcRoot {
        ProcRoot::new(self.proc_root.clone())
    }
}
