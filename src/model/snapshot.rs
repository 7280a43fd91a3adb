//! [`Snapshot`]: everything drnfs read from this node at one instant. `drnfs snapshot
//! --json` prints it as is, so its field names are an interface (see
//! `docs/snapshot.schema.json`, kept in sync by a test).

use std::collections::BTreeMap;
use std::net::IpAddr;

use drnfs_parsers::events2::{Events2State, Resource};
use drnfs_parsers::nfsd_fs::{ClientInfo, ClientState, Export, ExportStats, PoolStats, VersionFlag};
use drnfs_parsers::nfsd_stats::{Io, Net, NfsVersion, NfsdStats, ReplyCache, Rpc, op_name};
use drnfs_parsers::proc_drbd::{ProcDrbd, ProcMinor};
use drnfs_parsers::timestamp::Timestamp;
use drnfs_parsers::{LineError, drbd_status_json, events2, nfsd_fs, nfsd_stats, proc_drbd};
use schemars::JsonSchema;
use serde::Serialize;

use crate::source::{SourceConfig, SourceError, drbdsetup};

/// Version of the snapshot document. Bumped when a field changes meaning or goes away
/// (added fields do not bump it).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Snapshot {
    pub schema_version: u32,
    pub drnfs_version: String,
    /// When drnfs read the sources (wall clock of the machine running drnfs).
    pub taken_at: Timestamp,
    pub host: Host,
    pub drbd: Drbd,
    pub nfsd: Nfsd,
    /// Lines or files that could not be used; everything else still is.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Host {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    /// Filesystems mounted from DRBD devices (from mountinfo).
    pub drbd_mounts: Vec<Mount>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Mount {
    pub device: String,
    pub mount_point: String,
    pub fstype: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DrbdSource {
    /// `/proc/drbd` (DRBD 8.x): device lines with resync progress.
    Proc,
    /// `drbdsetup events2` (DRBD 9, or drbd-utils 9 emulating it on 8.4).
    Events2,
    /// `drbdsetup status --json` (DRBD 9).
    StatusJson,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Drbd {
    pub available: bool,
    /// Why DRBD state could not be read (module not loaded, permission denied, …).
    pub reason: Option<String>,
    /// Kernel module version, e.g. `8.4.11`.
    pub version: Option<String>,
    /// Where the device state below came from first.
    pub source: Option<DrbdSource>,
    /// `/proc/drbd` line 2 (srcversion or GIT-hash), opaque.
    pub build: Option<String>,
    /// Per minor, from `/proc/drbd` (DRBD 8.x).
    pub minors: Vec<ProcMinor>,
    /// Per resource, from events2 or status JSON. On DRBD 8.4 the resync progress of each
    /// peer device is filled in from `/proc/drbd`, which events2 lacks there.
    pub resources: Vec<Resource>,
    /// Whether events2 could be read, and why not.
    pub events2: SourceStatus,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SourceStatus {
    pub available: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Nfsd {
    pub available: bool,
    pub reason: Option<String>,
    /// Running nfsd threads (`/proc/fs/nfsd/threads`, else the `th` line).
    pub threads: Option<u64>,
    pub io: Option<Io>,
    pub rpc: Option<Rpc>,
    pub net: Option<Net>,
    pub reply_cache: Option<ReplyCache>,
    pub fh_stale: Option<u64>,
    pub wdeleg_getattr: Option<u64>,
    /// Operation counts by version (`v2`, `v3`, `v4`) and nfsstat's operation name.
    pub ops: BTreeMap<String, BTreeMap<String, u64>>,
    /// NFSv4 NULL and COMPOUND calls (`proc4`).
    pub v4_compounds: Option<u64>,
    pub pool_stats: Vec<PoolStats>,
    pub versions: Vec<VersionFlag>,
    /// What the kernel's export cache holds (`/proc/fs/nfsd/exports`).
    pub exports: Vec<Export>,
    pub export_stats: Vec<ExportStats>,
    /// NFSv4 clients (`/proc/fs/nfsd/clients/*/info`).
    pub clients_v4: Vec<ClientV4>,
    /// `nfsv4leasetime` and `nfsv4gracetime`, seconds.
    pub lease_time_seconds: Option<u64>,
    pub grace_time_seconds: Option<u64>,
    /// Whether `/proc/fs/nfsd` (the nfsd filesystem) could be read, and why not.
    pub nfsd_fs: SourceStatus,
    /// Lines of `/proc/net/rpc/nfsd` this drnfs does not know, kept as printed.
    pub other_lines: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClientV4 {
    /// The directory name under `/proc/fs/nfsd/clients/`.
    pub id: String,
    #[serde(flatten)]
    pub info: ClientInfo,
    /// Counts of this client's stateids by type (`open`, `lock`, `deleg`, `layout`).
    pub states: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Warning {
    /// The file or command the problem is in.
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Snapshot {
    /// True when no source at all could be read.
    pub fn nothing_readable(&self) -> bool {
        !self.drbd.available && !self.nfsd.available
    }

    pub fn unavailable_reasons(&self) -> Vec<String> {
        [&self.drbd.reason, &self.nfsd.reason].into_iter().flatten().cloned().collect()
    }
}

/// Reads every source once.
pub struct SnapshotRequest<'a> {
    sources: &'a SourceConfig,
}

const DRBD_MISSING: &str = "the drbd module is not loaded";
const NFSD_MISSING: &str = "the nfsd module is not loaded";
const NFSD_FS_MISSING: &str = "the nfsd filesystem is not mounted (mount -t nfsd nfsd /proc/fs/nfsd)";

impl<'a> SnapshotRequest<'a> {
    pub fn new(sources: &'a SourceConfig) -> Self {
        Self { sources }
    }

    pub fn take(&self) -> Snapshot {
        let mut warnings = Vec::new();
        let proc = self.sources.proc();
        let host = read_host(self, &mut warnings);
        let drbd = self.read_drbd(&mut warnings);
        let nfsd = read_nfsd(&proc, &mut warnings);
        Snapshot {
            schema_version: SCHEMA_VERSION,
            drnfs_version: env!("CARGO_PKG_VERSION").to_owned(),
            taken_at: now(),
            host,
            drbd,
            nfsd,
            warnings,
        }
    }

    fn read_drbd(&self, warnings: &mut Vec<Warning>) -> Drbd {
        let proc = self.sources.proc();
        let mut d = Drbd::default();
        let proc_drbd: Option<ProcDrbd> = match proc.read("drbd", Some(DRBD_MISSING)) {
            Ok(text) => {
                let parsed = proc_drbd::parse(&text);
                push_line_errors(warnings, &proc.path("drbd").display().to_string(), parsed.errors);
                Some(parsed.value)
            }
            Err(e) => {
                d.reason = Some(e.to_string());
                None
            }
        };
        if let Some(p) = &proc_drbd {
            d.available = true;
            d.version = p.version.as_ref().map(|v| v.release.clone());
            d.build = p.build.clone();
            d.minors = p.minors.clone();
            if !p.minors.is_empty() {
                d.source = Some(DrbdSource::Proc);
            }
        }
        // events2: from a file, or (live, with DRBD loaded) from drbdsetup.
        let events2_text = match (&self.sources.events2_file, self.sources.live) {
            (Some(file), _) => Some(
                std::fs::read_to_string(file)
                    .map_err(|e| SourceError::Io { path: file.display().to_string(), message: e.to_string() }),
            ),
            (None, true) if proc_drbd.is_some() => Some(drbdsetup::events2_now(&self.sources.drbdsetup)),
            (None, true) => None,
            (None, false) => None,
        };
        match events2_text {
            Some(Ok(text)) => {
                let source = self.sources.events2_file.as_ref().map_or_else(
                    || format!("{} {}", self.sources.drbdsetup.display(), drbdsetup::events2_now_args().join(" ")),
                    |f| f.display().to_string(),
                );
                let (state, resources) = resources_from_events2_or_json(&text, &source, warnings);
                d.events2 = SourceStatus { available: true, reason: None };
                d.resources = resources;
                if d.source.is_none() && !d.resources.is_empty() {
                    d.source = Some(state);
                }
                d.available = true;
                if d.version.is_none() {
                    d.reason = None;
                }
            }
            Some(Err(e)) => d.events2 = SourceStatus { available: false, reason: Some(e.to_string()) },
            None => {
                let why = if self.sources.live {
                    "DRBD is not loaded".to_owned()
                } else {
                    "reading a captured proc root; pass --events2-file".to_owned()
                };
                d.events2 = SourceStatus { available: false, reason: Some(why) };
            }
        }
        if proc_drbd.as_ref().is_some_and(ProcDrbd::device_state_needs_events2) && !d.events2.available {
            warnings.push(Warning {
                source: proc.path("drbd").display().to_string(),
                line: None,
                message: "DRBD 9 shows no devices in /proc/drbd and events2 could not be read".to_owned(),
            });
        }
        fill_progress_from_proc(&mut d.resources, &d.minors);
        d
    }
}

/// Parses `drbdsetup events2` output, or `drbdsetup status --json` when the text is JSON.
fn resources_from_events2_or_json(
    text: &str,
    source: &str,
    warnings: &mut Vec<Warning>,
) -> (DrbdSource, Vec<Resource>) {
    if text.trim_start().starts_with('[') {
        return match drbd_status_json::parse(text) {
            Ok(r) => (DrbdSource::StatusJson, r),
            Err(e) => {
                warnings.push(Warning { source: source.to_owned(), line: None, message: e.to_string() });
                (DrbdSource::StatusJson, Vec::new())
            }
        };
    }
    let parsed = events2::parse_stream(text);
    push_line_errors(warnings, source, parsed.errors);
    let (state, _changes): (Events2State, _) = parsed.value;
    (DrbdSource::Events2, state.resources.into_values().collect())
}

/// On DRBD 8.4, events2 (emulated by drbd-utils 9) carries no resync progress; /proc/drbd
/// does. Copy it onto the peer device of the same minor.
fn fill_progress_from_proc(resources: &mut [Resource], minors: &[ProcMinor]) {
    for r in resources.iter_mut() {
        let minors_by_volume: Vec<(u32, u32)> = r.devices.iter().filter_map(|d| Some((d.volume, d.minor?))).collect();
        for c in &mut r.connections {
            for pd in &mut c.peer_devices {
                if pd.sync.is_some() {
                    continue;
                }
                let Some(minor) = minors_by_volume.iter().find(|(v, _)| *v == pd.volume).map(|(_, m)| *m) else {
                    continue;
                };
                let Some(p) = minors.iter().find(|m| m.minor == minor).and_then(|m| m.sync.as_ref()) else { continue };
                let mib = |kib: Option<u64>| kib.map(|k| k as f64 / 1024.0);
                pd.sync = Some(drnfs_parsers::events2::ResyncStats {
                    percent: Some(p.percent),
                    eta_seconds: p.eta_seconds.map(|s| s as f64),
                    speed_mib_s: mib(p.speed_kib_s),
                    avg_speed_mib_s: mib(p.avg_speed_kib_s),
                    want_mib_s: mib(p.want_kib_s),
                    rs_total_sectors: Some(p.total_kib * 2),
                    ..Default::default()
                });
            }
        }
    }
}

fn read_host(req: &SnapshotRequest<'_>, warnings: &mut Vec<Warning>) -> Host {
    let proc = req.sources.proc();
    let mut h = Host {
        hostname: proc.read("sys/kernel/hostname", None).ok().map(|s| s.trim().to_owned()),
        kernel: proc.read("sys/kernel/osrelease", None).ok().map(|s| s.trim().to_owned()),
        drbd_mounts: Vec::new(),
    };
    match proc.read("self/mountinfo", None) {
        Ok(text) => {
            use procfs::FromBufRead;
            match procfs::process::MountInfos::from_buf_read(text.as_bytes()) {
                Ok(infos) => {
                    h.drbd_mounts = infos
                        .into_iter()
                        .filter_map(|m| {
                            let src = m.mount_source?;
                            src.starts_with("/dev/drbd").then(|| Mount {
                                read_only: m.mount_options.contains_key("ro"),
                                device: src,
                                mount_point: m.mount_point.display().to_string(),
                                fstype: m.fs_type,
                            })
                        })
                        .collect();
                }
                Err(e) => warnings.push(Warning {
                    source: proc.path("self/mountinfo").display().to_string(),
                    line: None,
                    message: e.to_string(),
                }),
            }
        }
        Err(SourceError::Missing { .. }) => {}
        Err(e) => warnings.push(Warning {
            source: proc.path("self/mountinfo").display().to_string(),
            line: None,
            message: e.to_string(),
        }),
    }
    h
}

fn read_nfsd(proc: &crate::source::ProcRoot, warnings: &mut Vec<Warning>) -> Nfsd {
    let mut n = Nfsd::default();
    match proc.read("net/rpc/nfsd", Some(NFSD_MISSING)) {
        Ok(text) => {
            let parsed = nfsd_stats::parse(&text);
            push_line_errors(warnings, &proc.path("net/rpc/nfsd").display().to_string(), parsed.errors);
            apply_stats(&mut n, parsed.value);
            n.available = true;
        }
        Err(e) => n.reason = Some(e.to_string()),
    }
    read_nfsd_fs(proc, &mut n, warnings);
    n
}

fn apply_stats(n: &mut Nfsd, s: NfsdStats) {
    n.threads = s.threads;
    n.io = s.io;
    n.rpc = s.rpc;
    n.net = s.net;
    n.reply_cache = s.reply_cache;
    n.fh_stale = s.fh_stale;
    n.wdeleg_getattr = s.wdeleg_getattr;
    n.v4_compounds = s.proc4.as_ref().and_then(|p| p.get(1).copied());
    for (key, version) in [("v2", NfsVersion::V2), ("v3", NfsVersion::V3), ("v4", NfsVersion::V4)] {
        if let Some(counts) = s.ops(version) {
            let by_name = counts.iter().enumerate().map(|(i, c)| (op_name(version, i).into_owned(), *c)).collect();
            n.ops.insert(key.to_owned(), by_name);
        }
    }
    n.other_lines = s.other;
}

fn read_nfsd_fs(proc: &crate::source::ProcRoot, n: &mut Nfsd, warnings: &mut Vec<Warning>) {
    let base = "fs/nfsd";
    match proc.list(base, Some(NFSD_FS_MISSING)) {
        Ok(entries) if entries.is_empty() => {
            let reason = format!("{} is empty: {NFSD_FS_MISSING}", proc.path(base).display());
            n.nfsd_fs = SourceStatus { available: false, reason: Some(reason) };
            return;
        }
        Ok(_) => n.nfsd_fs = SourceStatus { available: true, reason: None },
        Err(e) => {
            n.nfsd_fs = SourceStatus { available: false, reason: Some(e.to_string()) };
            return;
        }
    }
    let mut files = Files { proc, warnings };
    if let Some(t) = files.optional("fs/nfsd/threads") {
        match nfsd_fs::threads(&t) {
            Ok(v) => n.threads = Some(v),
            Err(e) => files.warn("fs/nfsd/threads", Some(1), e.to_string()),
        }
    }
    n.pool_stats = files.parsed("fs/nfsd/pool_stats", nfsd_fs::pool_stats).unwrap_or_default();
    n.versions = files.parsed("fs/nfsd/versions", nfsd_fs::versions).unwrap_or_default();
    n.exports = files.parsed("fs/nfsd/exports", nfsd_fs::exports).unwrap_or_default();
    n.export_stats = files.parsed("fs/nfsd/export_stats", nfsd_fs::export_stats).unwrap_or_default();
    n.lease_time_seconds = files.optional("fs/nfsd/nfsv4leasetime").and_then(|t| t.trim().parse().ok());
    n.grace_time_seconds = files.optional("fs/nfsd/nfsv4gracetime").and_then(|t| t.trim().parse().ok());
    let ids = proc.list("fs/nfsd/clients", None).unwrap_or_default();
    for id in ids {
        // A client that went away between listing and reading is simply skipped.
        let Some(info) = files.parsed(&format!("fs/nfsd/clients/{id}/info"), nfsd_fs::client_info) else { continue };
        let mut states = BTreeMap::new();
        for s in files.parsed(&format!("fs/nfsd/clients/{id}/states"), nfsd_fs::client_states).unwrap_or_default() {
            let s: ClientState = s;
            *states.entry(s.kind.unwrap_or_else(|| "unknown".to_owned())).or_insert(0) += 1;
        }
        n.clients_v4.push(ClientV4 { id, info, states });
    }
}

/// Optional files under the proc root: a missing file is `None` (older kernels lack some);
/// any other failure, and every malformed line, becomes a warning.
struct Files<'a> {
    proc: &'a crate::source::ProcRoot,
    warnings: &'a mut Vec<Warning>,
}

impl Files<'_> {
    fn warn(&mut self, rel: &str, line: Option<usize>, message: String) {
        self.warnings.push(Warning { source: self.proc.path(rel).display().to_string(), line, message });
    }

    fn optional(&mut self, rel: &str) -> Option<String> {
        match self.proc.read(rel, None) {
            Ok(t) => Some(t),
            Err(SourceError::Missing { .. }) => None,
            Err(e) => {
                self.warn(rel, None, e.to_string());
                None
            }
        }
    }

    fn parsed<T>(&mut self, rel: &str, parse: impl Fn(&str) -> drnfs_parsers::Parsed<T>) -> Option<T> {
        let text = self.optional(rel)?;
        let p = parse(&text);
        push_line_errors(self.warnings, &self.proc.path(rel).display().to_string(), p.errors);
        Some(p.value)
    }
}

fn push_line_errors(warnings: &mut Vec<Warning>, source: &str, errors: Vec<LineError>) {
    warnings.extend(errors.into_iter().map(|e| Warning {
        source: source.to_owned(),
        line: Some(e.line),
        message: format!("{}: {:?}", e.kind, e.excerpt),
    }));
}

fn now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_micros(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The client addresses of NFSv4 clients, for joining with sockets.
pub fn v4_clients_by_ip(n: &Nfsd) -> BTreeMap<IpAddr, Vec<&ClientV4>> {
    let mut m: BTreeMap<IpAddr, Vec<&ClientV4>> = BTreeMap::new();
    for c in &n.clients_v4 {
        if let Some(ip) = c.info.address {
            m.entry(drnfs_parsers::sock_diag::canonical_ip(ip)).or_default().push(c);
        }
    }
    m
}
