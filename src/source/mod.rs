//! Where data comes from: files under a proc root, `drbdsetup` child processes, netlink.
//! Everything here does I/O and hands text or bytes to the parsers; nothing here
//! interprets what it read.

pub mod bounded;
pub mod drbdsetup;
pub mod input;
pub mod keepalived;
pub mod live;
pub mod proc_files;
pub mod proc_root;
pub mod recording;
pub mod resolver;
pub mod rpc_status;
pub mod rtnetlink;
pub mod sock_diag;

use std::net::IpAddr;
use std::path::PathBuf;

pub use proc_root::{ProcRoot, SourceError};

/// How to reach every source: the one configuration each mode of the engine starts
/// from (built from the command line).
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// `/proc`, or a captured tree.
    pub proc_root: PathBuf,
    /// Reading the live system: child processes (drbdsetup, drbdadm), netlink sockets and
    /// the kernel log may be read. False on a captured proc root.
    pub live: bool,
    /// Read events2 lines (or `drbdsetup status --json`) from this file instead of
    /// running drbdsetup.
    pub events2_file: Option<PathBuf>,
    /// Read DRBD kernel-log lines from this file instead of /dev/kmsg.
    pub kernel_log_file: Option<PathBuf>,
    /// Read the DRBD configuration from this file instead of `drbdadm dump all`.
    pub drbd_config: Option<PathBuf>,
    pub drbdadm: PathBuf,
    pub drbdsetup: PathBuf,
    /// TCP port of the NFS server.
    pub nfs_port: u16,
    /// The service addresses keepalived moves; empty: keepalived's configuration (live).
    pub vips: Vec<IpAddr>,
    /// Ask the peer for its report (the live view of a node whose drnfs.toml names one).
    pub peer: Option<live::PeerSource>,
}

impl SourceConfig {
    /// The live system: /proc, drbdsetup and drbdadm from PATH, the NFS port 2049.
    pub fn live() -> Self {
        Self {
            proc_root: PathBuf::from("/proc"),
            live: true,
            events2_file: None,
            kernel_log_file: None,
            drbd_config: None,
            drbdadm: PathBuf::from("drbdadm"),
            drbdsetup: PathBuf::from("drbdsetup"),
            nfs_port: 2049,
            vips: Vec::new(),
            peer: None,
        }
    }

    /// A lab capture directory (`fixtures/<scenario>/<node>`): its proc tree, events2
    /// dump, kernel log and DRBD configuration.
    pub fn capture(dir: &std::path::Path) -> Self {
        let file = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        Self {
            proc_root: dir.join("proc"),
            live: false,
            events2_file: file("events2-now.txt"),
            kernel_log_file: file("dmesg.txt"),
            drbd_config: file("drbdadm-dump.txt"),
            ..Self::live()
        }
    }

    pub fn proc(&self) -> ProcRoot {
        ProcRoot::new(self.proc_root.clone())
    }

    /// The VIPs given, else keepalived's (live only).
    pub fn vips(&self) -> Vec<IpAddr> {
        if !self.vips.is_empty() || !self.live { self.vips.clone() } else { keepalived::detect() }
    }

    pub fn config_source(&self) -> live::ConfigSource {
        match &self.drbd_config {
            Some(f) => live::ConfigSource::File(f.clone()),
            None if self.live && self.proc().exists("drbd") => {
                live::ConfigSource::Drbdadm { program: self.drbdadm.clone() }
            }
            None => live::ConfigSource::None,
        }
    }

    /// What the collectors read, every `interval`.
    pub fn live_options(&self, interval: std::time::Duration) -> live::LiveOptions {
        let events2 = match &self.events2_file {
            Some(f) => live::Events2Source::File(f.clone()),
            None if self.live => live::Events2Source::Child { program: self.drbdsetup.clone() },
            None => live::Events2Source::None("reading a captured proc root; pass --events2-file".to_owned()),
        };
        let kernel_log = match &self.kernel_log_file {
            Some(f) => live::KernelLogSource::File(f.clone()),
            None if self.live => live::KernelLogSource::Kmsg,
            None => live::KernelLogSource::None,
        };
        live::LiveOptions {
            proc: self.proc(),
            interval,
            nfs_port: self.nfs_port,
            sockets: self.live,
            events2,
            kernel_log,
            drbd_config: self.config_source(),
            peer: self.peer.clone(),
        }
    }
}
