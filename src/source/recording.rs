//! Recordings: every raw input of a drnfs session over time, in one file an engineer can
//! attach to a ticket and replay (`drnfs --replay FILE`).
//!
//! Format (version 1): JSON Lines, optionally gzip-compressed (detected by its magic
//! bytes). The first line is a [`Header`]; every other line is one [`Record`] with `t`,
//! seconds since the recording started. Proc files are stored only when they changed
//! since the previous sample (`changed`/`removed`); socket dumps are the kernel's raw
//! netlink reply bytes in base64; events2 and kernel log lines are stored as read. See
//! `docs/recording-format.md`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::IpAddr;
use std::path::Path;

use base64::Engine;
use drnfs_parsers::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

use super::SourceError;
use super::input::{ChildStatus, Input};
use super::proc_files::FileSet;

pub const FORMAT: &str = "drnfs-recording";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub drnfs_version: String,
    pub hostname: Option<String>,
    pub started_at: Timestamp,
    pub interval_ms: u64,
    /// keepalived's service addresses on the recorded node.
    #[serde(default)]
    pub vips: Vec<IpAddr>,
    /// Where the proc files were read from.
    pub proc_root: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Files {
        t: f64,
        wall: Timestamp,
        changed: BTreeMap<String, Result<String, SourceError>>,
        #[serde(default)]
        removed: Vec<String>,
        dirs: BTreeMap<String, Result<Vec<String>, SourceError>>,
    },
    Sockets {
        t: f64,
        raw_b64: Option<String>,
        error: Option<SourceError>,
    },
    /// DRBD's replication sockets (same encoding as `sockets`).
    ReplicationSockets {
        t: f64,
        raw_b64: Option<String>,
        error: Option<SourceError>,
    },
    Events2 {
        t: f64,
        wall: Timestamp,
        line: String,
    },
    Events2Status {
        t: f64,
        status: ChildStatus,
    },
    Kernel {
        t: f64,
        wall: Option<Timestamp>,
        line: String,
    },
    /// The DRBD configuration (`drbdadm dump all`), read at start.
    DrbdConfig {
        t: f64,
        text: Option<String>,
        error: Option<SourceError>,
    },
    /// One interval of nfsd rpc-status samples, summed per client.
    RpcActivity {
        t: f64,
        activity: Option<super::rpc_status::RpcActivity>,
        error: Option<SourceError>,
    },
}

impl Record {
    pub fn t(&self) -> f64 {
        match self {
            Record::Files { t, .. }
            | Record::Sockets { t, .. }
            | Record::ReplicationSockets { t, .. }
            | Record::Events2 { t, .. }
            | Record::Events2Status { t, .. }
            | Record::Kernel { t, .. }
            | Record::RpcActivity { t, .. }
            | Record::DrbdConfig { t, .. } => *t,
        }
    }
}

/// Writes inputs as records, storing only changed files.
pub struct Writer<W: Write> {
    out: W,
    last_files: FileSet,
    pub records: u64,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, header: &Header) -> std::io::Result<Self> {
        serde_json::to_writer(&mut out, header)?;
        out.write_all(b"\n")?;
        Ok(Self { out, last_files: FileSet::default(), records: 0 })
    }

    pub fn write(&mut self, input: &Input) -> std::io::Result<()> {
        let record = match input {
            Input::Files { at, wall, files } => {
                let (changed, removed) = files.delta_from(&self.last_files);
                self.last_files = (**files).clone();
                Record::Files { t: *at, wall: *wall, changed, removed, dirs: files.dirs.clone() }
            }
            Input::Sockets { at, raw } => match raw {
                Ok(bytes) => Record::Sockets {
                    t: *at,
                    raw_b64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                    error: None,
                },
                Err(e) => Record::Sockets { t: *at, raw_b64: None, error: Some(e.clone()) },
            },
            Input::ReplicationSockets { at, raw } => match raw {
                Ok(bytes) => Record::ReplicationSockets {
                    t: *at,
                    raw_b64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                    error: None,
                },
                Err(e) => Record::ReplicationSockets { t: *at, raw_b64: None, error: Some(e.clone()) },
            },
            Input::Events2Line { at, wall, line } => Record::Events2 { t: *at, wall: *wall, line: line.clone() },
            Input::Events2Status { at, status } => Record::Events2Status { t: *at, status: status.clone() },
            Input::KernelLog { at, wall, line } => Record::Kernel { t: *at, wall: *wall, line: line.clone() },
            Input::DrbdConfig { at, text } => match text {
                Ok(t) => Record::DrbdConfig { t: *at, text: Some(t.clone()), error: None },
                Err(e) => Record::DrbdConfig { t: *at, text: None, error: Some(e.clone()) },
            },
            Input::RpcActivity { at, activity } => match activity {
                Ok(a) => Record::RpcActivity { t: *at, activity: Some(a.clone()), error: None },
                Err(e) => Record::RpcActivity { t: *at, activity: None, error: Some(e.clone()) },
            },
            // Derived, not a source: resolved again on replay.
            // Names are looked up again on replay; the peer records itself (drnfs record there).
            // A source's warning is shown live; the recording keeps what was read.
            Input::Hostname { .. } | Input::PeerAsking { .. } | Input::Peer { .. } | Input::SourceWarning { .. } => {
                return Ok(());
            }
        };
        serde_json::to_writer(&mut self.out, &record)?;
        self.out.write_all(b"\n")?;
        self.records += 1;
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A whole recording, read into memory.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    pub records: Vec<Record>,
    /// Lines that could not be read (the rest of the recording still plays).
    pub problems: Vec<String>,
}

impl Recording {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses a recording, gzip-compressed or not.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        let reader: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::read::GzDecoder::new(bytes))
        } else {
            Box::new(bytes)
        };
        let mut lines = BufReader::new(reader).lines();
        let first = lines.next().ok_or_else(|| anyhow::anyhow!("empty file"))??;
        let header: Header =
            serde_json::from_str(&first).map_err(|e| anyhow::anyhow!("not a drnfs recording (first line: {e})"))?;
        if header.format != FORMAT {
            anyhow::bail!("not a drnfs recording (format {:?})", header.format);
        }
        if header.version > VERSION {
            anyhow::bail!("recording format version {} is newer than this drnfs reads ({VERSION})", header.version);
        }
        let mut records = Vec::new();
        let mut problems = Vec::new();
        for (i, line) in lines.enumerate() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    problems.push(format!("line {}: {e}", i + 2));
                    break; // a truncated gzip stream ends here
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(&line) {
                Ok(r) => records.push(r),
                Err(e) => problems.push(format!("line {}: {e}", i + 2)),
            }
        }
        records.sort_by(|a, b| a.t().total_cmp(&b.t()));
        Ok(Self { header, records, problems })
    }

    pub fn duration(&self) -> f64 {
        self.records.last().map_or(0.0, Record::t)
    }
}

/// Turns records back into inputs, rebuilding full file sets from the deltas.
#[derive(Debug, Default)]
pub struct Player {
    files: FileSet,
}

/// A recorded sock_diag dump back to its bytes, or its error.
fn socket_bytes(raw_b64: &Option<String>, error: &Option<SourceError>) -> Result<Vec<u8>, SourceError> {
    match (raw_b64, error) {
        (Some(b), _) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| SourceError::Io { path: "recording".to_owned(), message: format!("bad socket bytes: {e}") }),
        (None, Some(e)) => Err(e.clone()),
        (None, None) => Ok(Vec::new()),
    }
}

impl Player {
    pub fn new(root: &str) -> Self {
        Self { files: FileSet { root: root.to_owned(), ..Default::default() } }
    }

    pub fn input(&mut self, r: &Record) -> Input {
        match r {
            Record::Files { t, wall, changed, removed, dirs } => {
                self.files.apply_delta(changed.clone(), removed);
                self.files.dirs = dirs.clone();
                Input::Files { at: *t, wall: *wall, files: Box::new(self.files.clone()) }
            }
            Record::Sockets { t, raw_b64, error } => Input::Sockets { at: *t, raw: socket_bytes(raw_b64, error) },
            Record::ReplicationSockets { t, raw_b64, error } => {
                Input::ReplicationSockets { at: *t, raw: socket_bytes(raw_b64, error) }
            }
            Record::Events2 { t, wall, line } => Input::Events2Line { at: *t, wall: *wall, line: line.clone() },
            Record::Events2Status { t, status } => Input::Events2Status { at: *t, status: status.clone() },
            Record::Kernel { t, wall, line } => Input::KernelLog { at: *t, wall: *wall, line: line.clone() },
            Record::DrbdConfig { t, text, error } => Input::DrbdConfig {
                at: *t,
                text: match (text, error) {
                    (Some(x), _) => Ok(x.clone()),
                    (None, Some(e)) => Err(e.clone()),
                    (None, None) => Ok(String::new()),
                },
            },
            Record::RpcActivity { t, activity, error } => Input::RpcActivity {
                at: *t,
                activity: match (activity, error) {
                    (Some(a), _) => Ok(a.clone()),
                    (None, Some(e)) => Err(e.clone()),
                    (None, None) => Ok(Default::default()),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            drnfs_version: "test".into(),
            hostname: Some("nodea".into()),
            started_at: Timestamp::from_unix_micros(1_000_000),
            interval_ms: 1000,
            vips: vec!["10.50.0.100".parse().unwrap()],
            proc_root: "/proc".into(),
            note: None,
        }
    }

    #[test]
    fn round_trip_through_the_file_format() {
        let mut files = FileSet { root: "/proc".into(), ..Default::default() };
        files.files.insert("drbd".into(), Ok("version: 8.4.11\n".into()));
        files
            .files
            .insert("net/rpc/nfsd".into(), Err(SourceError::Missing { path: "/proc/net/rpc/nfsd".into(), hint: None }));
        let wall = Timestamp::from_unix_micros(2_000_000);
        let inputs = vec![
            Input::Files { at: 0.0, wall, files: Box::new(files.clone()) },
            Input::Sockets { at: 0.1, raw: Ok(vec![1, 2, 3]) },
            Input::Events2Status { at: 0.2, status: ChildStatus::Running { source: "drbdsetup".into() } },
            Input::Events2Line { at: 0.3, wall, line: "exists -".into() },
            Input::KernelLog { at: 0.4, wall: Some(wall), line: "6,1,2,-;drbd r0: conn( A -> B )".into() },
            Input::Files { at: 1.0, wall, files: Box::new(files.clone()) },
        ];
        let mut w = Writer::new(Vec::new(), &header()).unwrap();
        for i in &inputs {
            w.write(i).unwrap();
        }
        let bytes = w.into_inner();
        // The unchanged second sample stores no files at all.
        let last = String::from_utf8_lossy(&bytes).lines().last().unwrap().to_owned();
        assert!(last.contains("\"changed\":{}"), "{last}");
        let rec = Recording::from_bytes(&bytes).unwrap();
        assert_eq!(rec.header, header());
        assert!(rec.problems.is_empty());
        let mut p = Player::new("/proc");
        let replayed: Vec<Input> = rec.records.iter().map(|r| p.input(r)).collect();
        assert_eq!(format!("{replayed:?}"), format!("{inputs:?}"));

        // gzip-compressed, and with a garbage line in the middle.
        let mut text = String::from_utf8(bytes).unwrap();
        text.insert_str(text.find('\n').unwrap() + 1, "{not json}\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let rec = Recording::from_bytes(&gz.finish().unwrap()).unwrap();
        assert_eq!(rec.records.len(), inputs.len());
        assert_eq!(rec.problems.len(), 1);
    }

    #[test]
    fn rejects_other_files() {
        assert!(Recording::from_bytes(b"").is_err());
        assert!(Recording::from_bytes(b"hello\n").is_err());
        let mut h = header();
        h.version = 99;
        let s = serde_json::to_string(&h).unwrap();
        assert!(Recording::from_bytes(s.as_bytes()).unwrap_err().to_string().contains("newer"));
    }
}
