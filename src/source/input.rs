//! What a source delivers to the model: one [`Input`] per file sample, events2 line,
//! kernel-log line, socket dump, peer answer. Sources only produce these; the model
//! folds them (`model::Model::apply`).

use drnfs_parsers::timestamp::Timestamp;
use serde::Serialize;

use super::proc_files::FileSet;

/// Something a source delivered.
#[derive(Debug, Clone)]
pub enum Input {
    /// One sample of the proc files. `at` is monotonic seconds (since drnfs started, or
    /// since the recording began).
    Files { at: f64, wall: Timestamp, files: Box<FileSet> },
    /// A line of the long-lived `drbdsetup events2` child.
    Events2Line { at: f64, wall: Timestamp, line: String },
    /// The events2 child started, stopped, or could not run.
    Events2Status { at: f64, status: ChildStatus },
    /// A line of the kernel log (`/dev/kmsg` record or dmesg line); `wall` is when the
    /// kernel logged it, when known (a dmesg file has only the time since boot).
    KernelLog { at: f64, wall: Option<Timestamp>, line: String },
    /// A netlink sock_diag dump of the NFS port (raw reply bytes), or why there is none.
    Sockets { at: f64, raw: Result<Vec<u8>, super::SourceError> },
    /// A sock_diag dump of DRBD's replication ports (raw reply bytes), or why there is none.
    ReplicationSockets { at: f64, raw: Result<Vec<u8>, super::SourceError> },
    /// Samples of nfsd's in-flight RPCs over one interval (rpc-status), or why none.
    RpcActivity { at: f64, activity: Result<super::rpc_status::RpcActivity, super::SourceError> },
    /// The DRBD configuration (`drbdadm dump all`), or why it could not be read.
    DrbdConfig { at: f64, text: Result<String, super::SourceError> },
    /// Reverse DNS answered for a client address (`None`: no name).
    Hostname { address: std::net::IpAddr, name: Option<String> },
    /// The live view asks the peer (drnfs.toml names one); its first answer is pending.
    PeerAsking { at: f64, name: String },
    /// The peer's own `drnfs snapshot --json` over ssh, or why it could not be had.
    Peer { at: f64, name: String, snapshot: Result<serde_json::Value, String> },
    /// A source could not be read, or was cut ([`super::bounded`]): said, never read as
    /// empty.
    SourceWarning { source: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChildStatus {
    /// Not started (no DRBD, or reading a capture without events2).
    NotRunning { reason: String },
    /// Lines are coming from `source` (the command line, or a file).
    Running { source: String },
    /// It exited or could not start; drnfs retries after `retry_in_seconds`.
    Failed { reason: String, retry_in_seconds: u64 },
}
