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

use crate::source::SourceError;
use crate::source::proc_files::{CLIENTS_DIR, FileSet, NFSD_DIR};

/// Version of the snapshot document. Bumped when a field changes meaning or goes away
/// (added fields do not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// One sample of every file and stream, parsed: what the engine's report starts from.
#[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(default)]
pub struct Host {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    /// Filesystems mounted from DRBD devices (from mountinfo).
    pub drbd_mounts: Vec<Mount>,
    /// This host's addresses but loopback, both families, the VIP among them when
    /// keepalived put it here.
    pub addresses: Vec<IpAddr>,
    /// Where `addresses` came from: `rtnetlink` (live, IPv4 and IPv6) or
    /// `/proc/net/fib_trie` (IPv4 only: a capture, or a recording made before drnfs read
    /// rtnetlink); none when neither could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses_from: Option<String>,
    /// The counters a write waits behind: block devices, CPU, memory, load.
    pub io: HostIo,
}

/// `/proc/diskstats`, `/proc/stat`, `/proc/meminfo` and `/proc/loadavg` as read. Each is
/// `None` (with its reason in `unavailable`) when it could not be read: a capture without
/// them says so instead of showing an idle disk.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(default)]
pub struct HostIo {
    /// Devices that have done any I/O since boot (never-used ones are left out).
    pub disks: Option<Vec<drnfs_parsers::diskstats::DiskStats>>,
    /// Device-mapper names by kernel name (`vg0-data` for `dm-3`), to find a DRBD backing
    /// device given as `/dev/mapper/…` or `/dev/VG/LV` (live only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dm_names: BTreeMap<String, String>,
    pub cpu: Option<drnfs_parsers::proc_stat::CpuTimes>,
    pub cpus: Option<u32>,
    pub procs_blocked: Option<u64>,
    pub memory: Option<drnfs_parsers::meminfo::MemInfo>,
    pub load: Option<drnfs_parsers::loadavg::LoadAvg>,
    /// Why a file above could not be read, by file.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unavailable: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
pub struct Mount {
    pub device: String,
    pub mount_point: String,
    pub fstype: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DrbdSource {
    /// `/proc/drbd` (DRBD 8.x): device lines with resync progress.
    Proc,
    /// `drbdsetup events2` (DRBD 9, or drbd-utils 9 emulating it on 8.4).
    Events2,
    /// `drbdsetup status --json` (DRBD 9).
    StatusJson,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(default)]
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
    /// The DRBD configuration (`drbdadm dump all`) as drnfs understood it: hosts and
    /// addresses, protocol, fencing, quorum, handlers.
    pub config: Vec<drnfs_parsers::drbd_config::ResourceConfig>,
    /// Why the configuration could not be read (not asked: `None` and no resources).
    pub config_error: Option<String>,
    /// Split-brain evidence per resource (and `minorN`) since drnfs started reading:
    /// what the kernel and events2 said, and what each side changed while apart.
    pub split_brain: BTreeMap<String, crate::model::SplitBrainEvidence>,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(default)]
pub struct SourceStatus {
    pub available: bool,
    pub reason: Option<String>,
    /// A child that died is started again after this many seconds.
    pub retry_in_seconds: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
#[serde(default)]
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
    /// What is exported: exportfs's table (`/var/lib/nfs/etab`, what mountd and nfsd
    /// serve), or where that cannot be read the kernel's export cache.
    pub exports: Vec<Export>,
    /// Where `exports` came from: `etab`, or `kernel_cache` (which only holds what clients
    /// used recently: empty right after nfsd starts).
    pub exports_source: Option<String>,
    /// The kernel's export cache (`/proc/fs/nfsd/exports`): what clients used recently.
    pub export_cache: Vec<Export>,
    pub export_stats: Vec<ExportStats>,
    /// NFSv4 clients (`/proc/fs/nfsd/clients/*/info`).
    pub clients_v4: Vec<ClientV4>,
    /// `nfsv4leasetime` and `nfsv4gracetime`, seconds.
    pub lease_time_seconds: Option<u64>,
    pub grace_time_seconds: Option<u64>,
    /// The NFSv4 grace period is running (`v4_end_grace` reads `N`): clients reclaim their
    /// state and new opens and locks wait.
    pub in_grace: Option<bool>,
    /// Whether `/proc/fs/nfsd` (the nfsd filesystem) could be read, and why not.
    pub nfsd_fs: SourceStatus,
    /// Lines of `/proc/net/rpc/nfsd` this drnfs does not know, kept as printed.
    pub other_lines: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
pub struct ClientV4 {
    /// The directory name under `/proc/fs/nfsd/clients/`.
    pub id: String,
    #[serde(flatten)]
    pub info: ClientInfo,
    /// Counts of this client's stateids by type (`open`, `lock`, `deleg`, `layout`).
    pub states: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, JsonSchema)]
pub struct Warning {
    /// The file or command the problem is in.
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

/// How events2 state reaches a snapshot.
pub enum Events2Input<'a> {
    /// Captured `drbdsetup events2` output (or `status --json`), and where it came from.
    Text { text: &'a str, source: String },
    /// The state a long-lived events2 child (or a status JSON) has built.
    State(&'a Events2State, DrbdSource),
    /// Not readable, why, and when it is tried again (a child that died).
    Unavailable(String, Option<u64>),
}

/// Everything one snapshot is made of, already read.
pub struct SnapshotInputs<'a> {
    pub files: &'a FileSet,
    pub events2: Events2Input<'a>,
    pub taken_at: Timestamp,
}

const DRBD_MISSING: &str = "the drbd module is not loaded";
const NFSD_MISSING: &str = "the nfsd module is not loaded";
const NFSD_FS_MISSING: &str = "the nfsd filesystem is not mounted (mount -t nfsd nfsd /proc/fs/nfsd)";

/// Parses one sample of inputs into a [`Snapshot`].
pub fn build(inputs: &SnapshotInputs<'_>) -> Snapshot {
    let files = inputs.files;
    let mut warnings: Vec<Warning> = files
        .cuts
        .iter()
        .flat_map(|(rel, cuts)| {
            cuts.iter().map(|c| Warning { source: files.path(rel), line: None, message: c.clone() })
        })
        .collect();
    let host = read_host(files, &mut warnings);
    let drbd = read_drbd(files, &inputs.events2, &mut warnings);
    let nfsd = read_nfsd(files, &mut warnings);
    Snapshot {
        schema_version: SCHEMA_VERSION,
        drnfs_version: env!("DRNFS_VERSION").to_owned(),
        taken_at: inputs.taken_at,
        host,
        drbd,
        nfsd,
        warnings,
    }
}

fn read_drbd(files: &FileSet, events2: &Events2Input<'_>, warnings: &mut Vec<Warning>) -> Drbd {
    let mut d = Drbd::default();
    let proc_drbd: Option<ProcDrbd> = match files.get("drbd") {
        Ok(text) => {
            let parsed = proc_drbd::parse(text);
            push_line_errors(warnings, &files.path("drbd"), parsed.errors, parsed.more_errors);
            Some(parsed.value)
        }
        Err(e) => {
            d.reason = Some(with_hint(e, DRBD_MISSING));
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
    let resources = match events2 {
        Events2Input::Text { text, source } => {
            let (kind, r) = resources_from_events2_or_json(text, source, warnings);
            Some((kind, r))
        }
        Events2Input::State(state, kind) => Some((*kind, state.resources.values().cloned().collect())),
        Events2Input::Unavailable(reason, retry) => {
            d.events2 = SourceStatus { available: false, reason: Some(reason.clone()), retry_in_seconds: *retry };
            None
        }
    };
    if let Some((kind, resources)) = resources {
        d.events2 = SourceStatus { available: true, reason: None, retry_in_seconds: None };
        d.resources = resources;
        if d.source.is_none() && !d.resources.is_empty() {
            d.source = Some(kind);
        }
        if !d.available {
            d.available = true;
            d.reason = None;
        }
    }
    if proc_drbd.as_ref().is_some_and(ProcDrbd::device_state_needs_events2) && !d.events2.available {
        warnings.push(Warning {
            source: files.path("drbd"),
            line: None,
            message: "DRBD 9 shows no devices in /proc/drbd and events2 could not be read".to_owned(),
        });
    }
    fill_progress_from_proc(&mut d.resources, &d.minors);
    d
}

/// A missing-file error with what it means on this kind of server.
fn with_hint(e: SourceError, hint: &str) -> String {
    match e {
        SourceError::Missing { path, hint: None } => {
            SourceError::Missing { path, hint: Some(hint.to_owned()) }.to_string()
        }
        other => other.to_string(),
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
    push_line_errors(warnings, source, parsed.errors, parsed.more_errors);
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
                let kib = |k: Option<u64>| k.map(|k| k as f64);
                pd.sync = Some(drnfs_parsers::events2::ResyncStats {
                    percent: Some(p.percent),
                    eta_seconds: p.eta_seconds.map(|s| s as f64),
                    speed_kib_s: kib(p.speed_kib_s),
                    avg_speed_kib_s: kib(p.avg_speed_kib_s),
                    want_kib_s: kib(p.want_kib_s),
                    rs_total_sectors: Some(p.total_kib * 2),
                    ..Default::default()
                });
            }
        }
    }
}

/// The host's addresses from rtnetlink when it was read (both families), else from
/// fib_trie (IPv4): loopback left out, each address once.
fn read_addresses(files: &FileSet, h: &mut Host, warnings: &mut Vec<Warning>) {
    use crate::source::proc_files::ADDRESSES;
    let mut push = |a: IpAddr| {
        if !a.is_loopback() && !h.addresses.contains(&a) {
            h.addresses.push(a);
        }
    };
    if let Ok(text) = files.get(ADDRESSES) {
        let parsed = drnfs_parsers::rtnl_addr::parse(text);
        push_line_errors(warnings, ADDRESSES, parsed.errors, parsed.more_errors);
        parsed.value.into_iter().for_each(|a| push(a.address));
        h.addresses_from = Some("rtnetlink".to_owned());
    } else if let Ok(text) = files.get("net/fib_trie") {
        drnfs_parsers::net_fib_trie::local_addresses(text).into_iter().for_each(|a| push(IpAddr::V4(a)));
        h.addresses_from = Some("/proc/net/fib_trie".to_owned());
    }
}

fn read_host(files: &FileSet, warnings: &mut Vec<Warning>) -> Host {
    let mut h = Host {
        hostname: files.get("sys/kernel/hostname").ok().map(|s| s.trim().to_owned()),
        kernel: files.get("sys/kernel/osrelease").ok().map(|s| s.trim().to_owned()),
        drbd_mounts: Vec::new(),
        addresses: Vec::new(),
        addresses_from: None,
        io: HostIo::default(),
    };
    read_addresses(files, &mut h, warnings);
    match files.get("self/mountinfo") {
        Ok(text) => {
            let parsed = drnfs_parsers::mountinfo::parse(text);
            push_line_errors(warnings, &files.path("self/mountinfo"), parsed.errors, parsed.more_errors);
            h.drbd_mounts = parsed
                .value
                .into_iter()
                .filter(|m| m.source.starts_with("/dev/drbd"))
                .map(|m| Mount {
                    read_only: m.read_only(),
                    device: m.source,
                    mount_point: m.mount_point,
                    fstype: m.fstype,
                })
                .collect();
        }
        Err(SourceError::Missing { .. }) => {}
        Err(e) => warnings.push(Warning { source: files.path("self/mountinfo"), line: None, message: e.to_string() }),
    }
    h.io = read_host_io(files, warnings);
    h
}

fn read_host_io(files: &FileSet, warnings: &mut Vec<Warning>) -> HostIo {
    let mut io = HostIo::default();
    let text = |rel: &str, io: &mut HostIo| match files.get(rel) {
        Ok(t) => Some(t),
        Err(e) => {
            io.unavailable.insert(rel.to_owned(), e.to_string());
            None
        }
    };
    if let Some(t) = text("diskstats", &mut io) {
        let parsed = drnfs_parsers::diskstats::parse(t);
        push_line_errors(warnings, &files.path("diskstats"), parsed.errors, parsed.more_errors);
        io.disks = Some(parsed.value.into_iter().filter(|d| d.reads + d.writes > 0 || d.in_flight > 0).collect());
    }
    if let Some(t) = text("stat", &mut io) {
        let parsed = drnfs_parsers::proc_stat::parse(t);
        push_line_errors(warnings, &files.path("stat"), parsed.errors, parsed.more_errors);
        io.cpu = parsed.value.cpu;
        io.cpus = Some(parsed.value.cpus).filter(|n| *n > 0);
        io.procs_blocked = parsed.value.procs_blocked;
    }
    if let Some(t) = text("meminfo", &mut io) {
        let parsed = drnfs_parsers::meminfo::parse(t);
        push_line_errors(warnings, &files.path("meminfo"), parsed.errors, parsed.more_errors);
        io.memory = Some(parsed.value);
    }
    if let Some(t) = text("loadavg", &mut io) {
        match drnfs_parsers::loadavg::parse(t) {
            Ok(l) => io.load = Some(l),
            Err(e) => warnings.push(Warning { source: files.path("loadavg"), line: Some(1), message: e.to_string() }),
        }
    }
    for (key, value) in &files.files {
        if let (Some(dm), Ok(name)) =
            (key.strip_prefix("/sys/block/").and_then(|k| k.strip_suffix("/dm/name")), value.as_ref())
        {
            io.dm_names.insert(dm.to_owned(), name.trim().to_owned());
        }
    }
    io
}

fn read_nfsd(files: &FileSet, warnings: &mut Vec<Warning>) -> Nfsd {
    let mut n = Nfsd::default();
    match files.get("net/rpc/nfsd") {
        Ok(text) => {
            let parsed = nfsd_stats::parse(text);
            push_line_errors(warnings, &files.path("net/rpc/nfsd"), parsed.errors, parsed.more_errors);
            apply_stats(&mut n, parsed.value);
            n.available = true;
        }
        Err(e) => n.reason = Some(with_hint(e, NFSD_MISSING)),
    }
    read_nfsd_fs(files, &mut n, warnings);
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

fn read_nfsd_fs(files: &FileSet, n: &mut Nfsd, warnings: &mut Vec<Warning>) {
    match files.list(NFSD_DIR) {
        Ok(entries) if entries.is_empty() => {
            let reason = format!("{} is empty: {NFSD_FS_MISSING}", files.path(NFSD_DIR));
            n.nfsd_fs = SourceStatus { available: false, reason: Some(reason), retry_in_seconds: None };
            return;
        }
        Ok(_) => n.nfsd_fs = SourceStatus { available: true, reason: None, retry_in_seconds: None },
        Err(e) => {
            n.nfsd_fs =
                SourceStatus { available: false, reason: Some(with_hint(e, NFSD_FS_MISSING)), retry_in_seconds: None };
            return;
        }
    }
    let mut r = Reader { files, warnings };
    if let Some(t) = r.optional("fs/nfsd/threads") {
        match nfsd_fs::threads(t) {
            Ok(v) => n.threads = Some(v),
            Err(e) => r.warn("fs/nfsd/threads", Some(1), e.to_string()),
        }
    }
    n.pool_stats = r.parsed("fs/nfsd/pool_stats", nfsd_fs::pool_stats).unwrap_or_default();
    n.versions = r.parsed("fs/nfsd/versions", nfsd_fs::versions).unwrap_or_default();
    let cache = r.parsed("fs/nfsd/exports", nfsd_fs::exports);
    n.export_cache = cache.clone().unwrap_or_default();
    // etab is optional: captures made before drnfs read it, and nodes that never ran
    // exportfs, lack it. Then the kernel cache is the best there is; with neither, what is
    // exported is not known (and no source is named), which is not "nothing".
    match (r.parsed(crate::source::proc_root::ETAB, nfsd_fs::exports), cache) {
        (Some(exported), _) => {
            n.exports = exported;
            n.exports_source = Some("etab".to_owned());
        }
        (None, Some(cache)) => {
            n.exports = cache;
            n.exports_source = Some("kernel_cache".to_owned());
        }
        (None, None) => n.exports_source = None,
    }
    n.export_stats = r.parsed("fs/nfsd/export_stats", nfsd_fs::export_stats).unwrap_or_default();
    n.lease_time_seconds = r.optional("fs/nfsd/nfsv4leasetime").and_then(|t| t.trim().parse().ok());
    n.grace_time_seconds = r.optional("fs/nfsd/nfsv4gracetime").and_then(|t| t.trim().parse().ok());
    n.in_grace = r.optional("fs/nfsd/v4_end_grace").and_then(|t| match t.trim() {
        "N" => Some(true),
        "Y" => Some(false),
        _ => None,
    });
    for id in files.list(CLIENTS_DIR).unwrap_or_default() {
        // A client that went away between listing and reading is simply skipped.
        let Some(info) = r.parsed(&format!("{CLIENTS_DIR}/{id}/info"), nfsd_fs::client_info) else { continue };
        let mut states = BTreeMap::new();
        for s in r.parsed(&format!("{CLIENTS_DIR}/{id}/states"), nfsd_fs::client_states).unwrap_or_default() {
            let s: ClientState = s;
            *states.entry(s.kind.unwrap_or_else(|| "unknown".to_owned())).or_insert(0) += 1;
        }
        n.clients_v4.push(ClientV4 { id, info, states });
    }
}

/// Optional files of a sample: a missing file is `None` (older kernels lack some); any
/// other failure, and every malformed line, becomes a warning.
struct Reader<'a> {
    files: &'a FileSet,
    warnings: &'a mut Vec<Warning>,
}

impl<'a> Reader<'a> {
    fn warn(&mut self, rel: &str, line: Option<usize>, message: String) {
        self.warnings.push(Warning { source: self.files.path(rel), line, message });
    }

    fn optional(&mut self, rel: &str) -> Option<&'a str> {
        match self.files.get(rel) {
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
        let p = parse(text);
        push_line_errors(self.warnings, &self.files.path(rel), p.errors, p.more_errors);
        Some(p.value)
    }
}

/// Warnings shown per source in full; the rest are counted in one more.
const WARNINGS_SHOWN: usize = 5;

/// The first [`WARNINGS_SHOWN`] errors of one parse as warnings, and one that counts the
/// rest: a file of junk says what is wrong with it in a few lines, not a million.
fn push_line_errors(warnings: &mut Vec<Warning>, source: &str, errors: Vec<LineError>, more: u64) {
    let rest = errors.len().saturating_sub(WARNINGS_SHOWN) as u64 + more;
    warnings.extend(errors.into_iter().take(WARNINGS_SHOWN).map(|e| Warning {
        source: source.to_owned(),
        line: Some(e.line),
        message: format!("{}: {:?}", e.kind, e.excerpt),
    }));
    if rest > 0 {
        warnings.push(Warning {
            source: source.to_owned(),
            line: None,
            message: format!("and {rest} more unreadable lines or fields in {source}"),
        });
    }
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
