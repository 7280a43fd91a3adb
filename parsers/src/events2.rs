//! `drbdsetup events2` lines, and [`Events2State`], which merges the partial `change` lines
//! into full state: resource → devices, and resource → connections → paths and peer devices.
//!
//! ```text
//! [TIMESTAMP ' '] ACTION ' ' OBJECT { ' ' key ':' value }
//! 2026-11-25T13:50:23.973595+00:00 change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:SyncSource
//! exists -
//! ```
//! Facts from drbd-utils this parser relies on: values may contain `:` (paths), so a token
//! splits at its first colon; `eta` can be `nan`; keys are added over time and unknown ones
//! must be kept, not rejected; on an 8.4 kernel drbd-utils 9 emulates the stream with
//! `peer-node-id:0 conn-name:peer`, and 2017-era DRBD 9 printed no `peer-node-id` at all, so
//! a connection is identified by its node id when there is one and by its name otherwise.
//!
//! [`parse_line`] borrows from the line and allocates nothing; [`Events2State::apply`]
//! allocates only when an object appears or a string-valued state changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::drbd_state::{ConnectionState, DiskState, ReplicationState, Role};
use crate::error::{ErrorKind, ErrorSink, LineError, Parsed};
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Exists,
    Create,
    Change,
    Destroy,
    Call,
    Response,
    Rename,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Resource,
    Connection,
    Path,
    Device,
    PeerDevice,
    Helper,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resource => "resource",
            Self::Connection => "connection",
            Self::Path => "path",
            Self::Device => "device",
            Self::PeerDevice => "peer-device",
            Self::Helper => "helper",
        }
    }
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    Event(Event<'a>),
    /// `exists -`: the initial state dump is complete.
    EndOfInitialState {
        timestamp: Option<Timestamp>,
    },
    /// `- skipped N`: drbdsetup lost netlink messages; the state should be re-read.
    Skipped {
        timestamp: Option<Timestamp>,
        count: Option<u64>,
    },
}

/// An event line: action, object and its `key:value` fields (borrowed from the line).
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    pub timestamp: Option<Timestamp>,
    pub action: Action,
    pub object: ObjectKind,
    fields: &'a str,
}

impl<'a> Event<'a> {
    /// The `key:value` pairs in line order.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.fields.split(' ').filter(|t| !t.is_empty()).filter_map(|t| t.split_once(':'))
    }

    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// Parses one line of `drbdsetup events2` output (with or without `--timestamps`).
pub fn parse_line(line: &str) -> Result<Line<'_>, ErrorKind> {
    let parsed = parse_head(line)?;
    if let Line::Event(ev) = &parsed {
        walk_fields(ev.fields, |_| {})?;
    }
    Ok(parsed)
}

/// The line's timestamp, action and object; its fields are left unsplit (and unchecked)
/// for [`walk_fields`], so that applying a line walks its fields once.
fn parse_head(line: &str) -> Result<Line<'_>, ErrorKind> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (first, mut rest) = split_token(line);
    let mut timestamp = None;
    let mut action_word = first;
    if first.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        timestamp = Some(Timestamp::parse_rfc3339(first).ok_or_else(|| ErrorKind::BadValue {
            field: "timestamp".into(),
            value: first.chars().take(40).collect(),
        })?);
        let (a, r) = split_token(rest);
        action_word = a;
        rest = r;
    }
    let (object_word, fields) = split_token(rest);
    if action_word == "-" {
        if object_word == "skipped" {
            let count = fields.trim().parse().ok();
            return Ok(Line::Skipped { timestamp, count });
        }
        return Err(ErrorKind::Unrecognised);
    }
    let action = match action_word {
        "exists" => Action::Exists,
        "create" => Action::Create,
        "change" => Action::Change,
        "destroy" => Action::Destroy,
        "call" => Action::Call,
        "response" => Action::Response,
        "rename" => Action::Rename,
        "" => return Err(ErrorKind::Missing { field: "action".into() }),
        other => return Err(ErrorKind::BadValue { field: "action".into(), value: other.chars().take(40).collect() }),
    };
    let object = match object_word {
        "resource" => ObjectKind::Resource,
        "connection" => ObjectKind::Connection,
        "path" => ObjectKind::Path,
        "device" => ObjectKind::Device,
        "peer-device" => ObjectKind::PeerDevice,
        "helper" => ObjectKind::Helper,
        "-" if action == Action::Exists => return Ok(Line::EndOfInitialState { timestamp }),
        "" => return Err(ErrorKind::Missing { field: "object".into() }),
        other => return Err(ErrorKind::BadValue { field: "object".into(), value: other.chars().take(40).collect() }),
    };
    Ok(Line::Event(Event { timestamp, action, object, fields }))
}

/// The high bit of each byte of `word` that equals `c`, and no other bit: exact for every
/// byte value (no carry crosses a byte).
fn bytes_equal(word: u64, c: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(c));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Where one `key:value` token lies in an event's field text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    colon: usize,
    end: usize,
}

/// Walks an event's field text once: splits it at spaces and each token at its first
/// colon (values may hold colons: paths), calling `field` for each token in line order; a
/// token without a key or without a colon is a damaged line. The text is read eight bytes
/// at a time and only its spaces and colons are visited.
fn walk_fields(s: &str, mut field: impl FnMut(Span)) -> Result<(), ErrorKind> {
    const NONE: usize = usize::MAX;
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut colon = NONE;
    let mut base = 0;
    let mut token = |start: usize, colon: usize, end: usize| {
        if colon == NONE || colon == start {
            // Spaces and colons are ASCII, so the cut is on a character boundary.
            let token = &s[start..end];
            return Err(ErrorKind::BadValue { field: "key:value".into(), value: token.chars().take(40).collect() });
        }
        field(Span { start, colon, end });
        Ok(())
    };
    while base < bytes.len() {
        let mut word = [0u8; 8];
        let chunk = &bytes[base..bytes.len().min(base + 8)];
        word[..chunk.len()].copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let mut marks = bytes_equal(word, b' ') | bytes_equal(word, b':');
        while marks != 0 {
            let at = base + (marks.trailing_zeros() / 8) as usize;
            marks &= marks - 1;
            if bytes[at] == b':' {
                if colon == NONE {
                    colon = at;
                }
                continue;
            }
            if at > start {
                token(start, colon, at)?;
            }
            start = at + 1;
            colon = NONE;
        }
        base += 8;
    }
    if bytes.len() > start {
        token(start, colon, bytes.len())?;
    }
    Ok(())
}

/// An event's `key:value` pairs, split once, in line order.
struct Fields<'a> {
    text: &'a str,
    spans: &'a [Span],
}

impl<'a> Fields<'a> {
    fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        let text = self.text;
        self.spans.iter().map(move |s| (&text[s.start..s.colon], &text[s.colon + 1..s.end]))
    }
}

/// The spans of the line being applied, kept between lines so that splitting a line
/// allocates nothing once the longest line has been seen. Not state: always equal, never
/// written.
#[derive(Debug, Clone, Default)]
struct SpanBuffer(Vec<Span>);

impl PartialEq for SpanBuffer {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

fn split_token(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches(' ');
    match s.find(' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

// ------------------------------------------------------------------------------------
// State model

/// Full DRBD state rebuilt from an events2 stream (or converted from `status --json`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Events2State {
    pub resources: Resources,
    /// `exists -` was seen: the initial dump is complete.
    pub initial_state_done: bool,
    /// Timestamp of the newest line applied (with `--timestamps`).
    pub last_timestamp: Option<Timestamp>,
    /// `- skipped` lines seen: events were lost and the state may be stale.
    pub skipped_events: u64,
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    spans: SpanBuffer,
}

/// The resources by name, in name order: a map to its readers (and in JSON), a sorted
/// list inside. A stream names the same resource on line after line (an object's lines
/// come together, and statistics come resource by resource), so a lookup first tries the
/// resource found last and the one after it before searching by name.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    sorted: Vec<Resource>,
    /// Index of the resource found last; only a starting guess, checked before use.
    last: usize,
}

impl Resources {
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        for guess in [self.last, self.last + 1] {
            if self.sorted.get(guess).is_some_and(|r| r.name == name) {
                return Ok(guess);
            }
        }
        self.sorted.binary_search_by(|r| r.name.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Resource> {
        self.position(name).ok().map(|i| &self.sorted[i])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Resource> {
        let i = self.position(name).ok()?;
        self.last = i;
        Some(&mut self.sorted[i])
    }

    /// The resource of that name, added (empty) when there is none; `true` when added.
    pub fn get_or_add(&mut self, name: &str) -> (&mut Resource, bool) {
        let (i, added) = match self.position(name) {
            Ok(i) => (i, false),
            Err(at) => {
                self.sorted.insert(at, Resource { name: name.to_owned(), ..Resource::default() });
                (at, true)
            }
        };
        self.last = i;
        (&mut self.sorted[i], added)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Files `resource` under `name` (its name becomes `name`), replacing any resource of
    /// that name, which is returned.
    pub fn insert(&mut self, name: String, mut resource: Resource) -> Option<Resource> {
        resource.name = name;
        match self.position(&resource.name) {
            Ok(i) => Some(std::mem::replace(&mut self.sorted[i], resource)),
            Err(at) => {
                self.sorted.insert(at, resource);
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Resource> {
        let i = self.position(name).ok()?;
        Some(self.sorted.remove(i))
    }

    /// Name and resource, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Resource)> {
        self.sorted.iter().map(|r| (&r.name, r))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.sorted.iter().map(|r| &r.name)
    }

    pub fn values(&self) -> std::slice::Iter<'_, Resource> {
        self.sorted.iter()
    }

    pub fn into_values(self) -> std::vec::IntoIter<Resource> {
        self.sorted.into_iter()
    }
}

/// Equal when they hold the same resources (the lookup guess is not state).
impl PartialEq for Resources {
    fn eq(&self, other: &Self) -> bool {
        self.sorted == other.sorted
    }
}

impl std::ops::Index<&str> for Resources {
    type Output = Resource;

    fn index(&self, name: &str) -> &Resource {
        self.get(name).unwrap_or_else(|| panic!("no resource {name:?}"))
    }
}

impl std::ops::Index<&String> for Resources {
    type Output = Resource;

    fn index(&self, name: &String) -> &Resource {
        &self[name.as_str()]
    }
}

impl<'r> IntoIterator for &'r Resources {
    type Item = (&'r String, &'r Resource);
    type IntoIter = std::iter::Map<std::slice::Iter<'r, Resource>, fn(&'r Resource) -> (&'r String, &'r Resource)>;

    fn into_iter(self) -> Self::IntoIter {
        self.sorted.iter().map(|r| (&r.name, r))
    }
}

impl FromIterator<(String, Resource)> for Resources {
    fn from_iter<I: IntoIterator<Item = (String, Resource)>>(iter: I) -> Self {
        let mut resources = Resources::default();
        for (name, r) in iter {
            resources.insert(name, r);
        }
        resources
    }
}

/// Written as the map it was before it became a list: `{"name": {...}, ...}`.
impl Serialize for Resources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Resources {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, Resource>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Resources {
    fn inline_schema() -> bool {
        <BTreeMap<String, Resource> as schemars::JsonSchema>::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        <BTreeMap<String, Resource> as schemars::JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <BTreeMap<String, Resource> as schemars::JsonSchema>::json_schema(generator)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Resource {
    pub name: String,
    pub role: Option<Role>,
    /// `no`, or the reasons (`user`, `no-data`, `fencing`, `quorum`, comma-joined).
    pub suspended: Option<String>,
    pub write_ordering: Option<String>,
    pub may_promote: Option<bool>,
    pub promotion_score: Option<i64>,
    pub force_io_failures: Option<bool>,
    pub devices: Vec<Device>,
    pub connections: Vec<Connection>,
    /// Recent usermode helper calls (`call helper`/`response helper`), oldest first.
    pub helpers: Vec<HelperCall>,
    /// Keys this version of drnfs does not know, as printed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Device {
    pub volume: u32,
    pub minor: Option<u32>,
    pub disk: Option<DiskState>,
    pub backing_dev: Option<String>,
    /// Intentionally diskless (`client:yes`); `None` when unknown.
    pub client: Option<bool>,
    pub open: Option<bool>,
    pub quorum: Option<bool>,
    pub size_kib: Option<u64>,
    pub read_kib: Option<u64>,
    pub written_kib: Option<u64>,
    pub al_writes: Option<u64>,
    pub bm_writes: Option<u64>,
    pub upper_pending: Option<u64>,
    pub lower_pending: Option<u64>,
    pub al_suspended: Option<bool>,
    /// `no`, `upper`, `lower` or `upper,lower`.
    pub blocked: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Connection {
    /// The peer's connection name (`conn-name`; the literal `peer` on DRBD 8.4).
    pub peer: String,
    pub peer_node_id: Option<u32>,
    /// Connection state (`connection:`).
    pub state: Option<ConnectionState>,
    pub peer_role: Option<Role>,
    pub congested: Option<bool>,
    /// Application data in flight, 512-byte sectors.
    pub ap_in_flight_sectors: Option<u64>,
    /// Resync data in flight, 512-byte sectors.
    pub rs_in_flight_sectors: Option<u64>,
    pub tls: Option<bool>,
    pub paths: Vec<Path>,
    pub peer_devices: Vec<PeerDevice>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Path {
    /// `ipv4:10.50.0.1:7789` as printed.
    pub local: String,
    pub peer: String,
    pub established: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PeerDevice {
    pub volume: u32,
    pub replication: Option<ReplicationState>,
    pub peer_disk: Option<DiskState>,
    pub peer_client: Option<bool>,
    /// `no`, or `user`, `peer`, `dependency`, `max-parallel` (comma-joined).
    pub resync_suspended: Option<String>,
    pub received_kib: Option<u64>,
    pub sent_kib: Option<u64>,
    pub out_of_sync_kib: Option<u64>,
    pub pending: Option<u64>,
    pub unacked: Option<u64>,
    /// Resync details, present while a resync or verify is in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<ResyncStats>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl PeerDevice {
    /// What is left of the resync or verify under way, KiB, `done` being `percent`: a
    /// resync's out-of-sync; during a verify out-of-sync counts the differences found so
    /// far, so what is left follows from the verify's total (`rs-total`, sectors).
    pub fn sync_left_kib(&self, percent: f64) -> Option<u64> {
        if self.replication.as_ref().is_some_and(ReplicationState::is_verify) {
            let total_kib = self.sync.as_ref()?.rs_total_sectors? / 2;
            Some((total_kib as f64 * (1.0 - percent / 100.0)).max(0.0) as u64)
        } else {
            self.out_of_sync_kib
        }
    }
}

/// Progress keys of a peer device during a resync (`done`, `eta`, `dbdt1`, and with
/// `--full` the raw `rs-*` counters).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResyncStats {
    /// `done:` percent of this resync.
    pub percent: Option<f64>,
    /// `eta:` seconds; `None` when DRBD printed `nan` (no progress measured yet).
    pub eta_seconds: Option<f64>,
    /// `dbdt1:` recent rate, in KiB/s (DRBD prints MiB/s; drnfs reports every rate in
    /// one unit).
    pub speed_kib_s: Option<f64>,
    /// `dbdt:` average since start, KiB/s.
    pub avg_speed_kib_s: Option<f64>,
    /// `dbdt0:` rate over the last interval DRBD measured, KiB/s.
    pub dbdt0_kib_s: Option<f64>,
    /// `want:` the resync controller's target, KiB/s.
    pub want_kib_s: Option<f64>,
    pub rs_total_sectors: Option<u64>,
    pub rs_dt_start_ms: Option<u64>,
    pub rs_paused_ms: Option<u64>,
    pub rs_dt0_ms: Option<u64>,
    pub rs_db0_sectors: Option<u64>,
    pub rs_dt1_ms: Option<u64>,
    pub rs_db1_sectors: Option<u64>,
    pub rs_failed: Option<u64>,
    pub rs_same_csum: Option<u64>,
    pub ov_start_sector: Option<u64>,
    pub ov_stop_sector: Option<u64>,
    pub ov_position: Option<u64>,
    pub ov_left: Option<u64>,
    pub ov_skipped: Option<u64>,
}

/// DRBD's resync rates are MiB/s (`dbdt1:`, `want:`); drnfs reports KiB/s everywhere.
pub fn mib_to_kib(mib_s: f64) -> f64 {
    mib_s * 1024.0
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HelperCall {
    pub timestamp: Option<Timestamp>,
    pub helper: String,
    pub peer: Option<String>,
    pub volume: Option<u32>,
    pub minor: Option<u32>,
    /// Exit status from the `response helper` line; `None` while running.
    pub status: Option<i32>,
}

/// What one applied line changed, for timelines. Statistics never produce a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Change {
    pub timestamp: Option<Timestamp>,
    pub resource: String,
    pub peer: Option<String>,
    pub volume: Option<u32>,
    pub what: ChangeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeKind {
    Created {
        object: ObjectKind,
    },
    Destroyed {
        object: ObjectKind,
    },
    /// A state field moved, e.g. `replication` from `Established` to `SyncSource`.
    State {
        field: String,
        old: Option<String>,
        new: String,
    },
    HelperCalled {
        helper: String,
    },
    HelperReturned {
        helper: String,
        status: Option<i32>,
    },
    Renamed {
        old_name: String,
    },
}

/// Helper calls kept per resource.
const HELPERS_KEPT: usize = 32;

/// Identity keys of an event line (everything else is state or statistics).
#[derive(Default)]
struct Identity<'a> {
    name: Option<&'a str>,
    peer_node_id: Option<u32>,
    conn_name: Option<&'a str>,
    volume: Option<u32>,
    minor: Option<u32>,
    local: Option<&'a str>,
    peer: Option<&'a str>,
    helper: Option<&'a str>,
    status: Option<i32>,
    new_name: Option<&'a str>,
}

impl<'a> Identity<'a> {
    fn take(ev: &Event<'a>, fields: &Fields<'a>) -> Result<Self, ErrorKind> {
        let mut id = Identity::default();
        for (k, v) in fields.iter() {
            match k {
                "name" => id.name = Some(v),
                "peer-node-id" => id.peer_node_id = Some(num(k, v)?),
                "conn-name" => id.conn_name = Some(v),
                "volume" => id.volume = Some(num(k, v)?),
                "minor" => id.minor = Some(num(k, v)?),
                // A path's two ends (only a path's are read).
                "local" => id.local = Some(v),
                "peer" => id.peer = Some(v),
                "helper" => id.helper = Some(v),
                "status" if ev.object == ObjectKind::Helper => id.status = Some(num(k, v)?),
                "new_name" => id.new_name = Some(v),
                _ => {}
            }
        }
        Ok(id)
    }

    /// Keys that name a connection or peer device rather than describe it (a device's
    /// minor is a field of the device, read where devices are).
    fn names_a_connection(k: &str) -> bool {
        matches!(k, "name" | "peer-node-id" | "conn-name" | "volume" | "new_name" | "minor")
    }
}

fn num<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, ErrorKind> {
    v.parse().map_err(|_| ErrorKind::BadValue { field: key.to_owned(), value: v.chars().take(40).collect() })
}

fn yes_no(key: &str, v: &str) -> Result<Option<bool>, ErrorKind> {
    match v {
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        "unknown" => Ok(None),
        _ => Err(ErrorKind::BadValue { field: key.to_owned(), value: v.chars().take(40).collect() }),
    }
}

/// `nan` (and `inf`) become `None`.
fn float(key: &str, v: &str) -> Result<Option<f64>, ErrorKind> {
    let x: f64 = num(key, v)?;
    Ok(x.is_finite().then_some(x))
}

/// A share in 0..=100 (`done:`): anything else is a damaged line, not a value to show.
fn percent(key: &str, v: &str) -> Result<Option<f64>, ErrorKind> {
    match float(key, v)? {
        Some(x) if (0.0..=100.0).contains(&x) => Ok(Some(x)),
        _ => Err(ErrorKind::BadValue { field: key.to_owned(), value: v.to_owned() }),
    }
}

fn set_string(slot: &mut Option<String>, v: &str) -> bool {
    if slot.as_deref() == Some(v) {
        return false;
    }
    *slot = Some(v.to_owned());
    true
}

/// Sets a text state and records the change when it moved; an unchanged value (every
/// statistics line repeats it) costs a comparison, not a copy.
fn track_string(rec: &mut Recorder<'_, '_>, field: &str, slot: &mut Option<String>, v: &str) {
    if slot.as_deref() == Some(v) {
        return;
    }
    let old = slot.replace(v.to_owned());
    rec.state(field, old.as_deref(), v);
}

/// Records a state change (old → new) in `changes` when the value moved.
struct Recorder<'c, 'a> {
    changes: &'c mut Vec<Change>,
    ev: &'c Event<'a>,
    resource: &'a str,
    peer: Option<&'a str>,
    volume: Option<u32>,
}

impl Recorder<'_, '_> {
    fn push(&mut self, what: ChangeKind) {
        self.changes.push(Change {
            timestamp: self.ev.timestamp,
            resource: self.resource.to_owned(),
            peer: self.peer.map(str::to_owned),
            volume: self.volume,
            what,
        });
    }

    /// `old` is the value before; reports when it differs from `new` (an object's first
    /// value in the initial `exists` dump is not a change).
    fn state(&mut self, field: &str, old: Option<&str>, new: &str) {
        if old == Some(new) || (old.is_none() && self.ev.action == Action::Exists) {
            return;
        }
        self.push(ChangeKind::State { field: field.to_owned(), old: old.map(str::to_owned), new: new.to_owned() });
    }
}

macro_rules! track_state {
    ($rec:expr, $field:literal, $slot:expr, $new:expr) => {{
        let new = $new;
        if $slot.as_ref() != Some(&new) {
            let old = $slot.as_ref().map(|o| o.as_str().to_owned());
            $rec.state($field, old.as_deref(), new.as_str());
            $slot = Some(new);
        }
    }};
}

impl Events2State {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses and applies one line. Blank lines are ignored.
    pub fn apply_line(&mut self, line: &str, changes: &mut Vec<Change>) -> Result<(), ErrorKind> {
        if line.trim().is_empty() {
            return Ok(());
        }
        match parse_head(line)? {
            Line::Event(ev) => self.apply(&ev, changes),
            Line::EndOfInitialState { timestamp } => {
                self.initial_state_done = true;
                self.note_time(timestamp);
                Ok(())
            }
            Line::Skipped { timestamp, .. } => {
                self.skipped_events += 1;
                self.note_time(timestamp);
                Ok(())
            }
        }
    }

    fn note_time(&mut self, t: Option<Timestamp>) {
        if t.is_some() {
            self.last_timestamp = t;
        }
    }

    /// Merges one event into the state and appends what it changed to `changes`.
    pub fn apply(&mut self, ev: &Event<'_>, changes: &mut Vec<Change>) -> Result<(), ErrorKind> {
        let mut spans = std::mem::take(&mut self.spans.0);
        spans.clear();
        let walked = walk_fields(ev.fields, |span| spans.push(span));
        let applied = walked.and_then(|()| self.apply_fields(ev, &Fields { text: ev.fields, spans: &spans }, changes));
        self.spans.0 = spans;
        applied
    }

    fn apply_fields(
        &mut self,
        ev: &Event<'_>,
        fields: &Fields<'_>,
        changes: &mut Vec<Change>,
    ) -> Result<(), ErrorKind> {
        let id = Identity::take(ev, fields)?;
        let name = id.name.ok_or(ErrorKind::Missing { field: "name".into() })?;
        self.note_time(ev.timestamp);
        let mut rec = Recorder { changes, ev, resource: name, peer: id.conn_name, volume: id.volume };

        if ev.action == Action::Rename {
            let new_name = id.new_name.ok_or(ErrorKind::Missing { field: "new_name".into() })?;
            if let Some(mut r) = self.resources.remove(name) {
                r.name = new_name.to_owned();
                self.resources.insert(new_name.to_owned(), r);
                rec.resource = new_name;
                rec.push(ChangeKind::Renamed { old_name: name.to_owned() });
            }
            return Ok(());
        }

        if ev.action == Action::Destroy {
            return self.destroy(ev.object, &id, &mut rec);
        }

        // exists/create/change (and call/response for helpers): find or create the object.
        // Any object of a resource not yet seen (a helper too) creates it.
        let (res, created_resource) = self.resources.get_or_add(name);
        if created_resource && ev.object == ObjectKind::Resource && ev.action == Action::Create {
            rec.push(ChangeKind::Created { object: ObjectKind::Resource });
        }

        match ev.object {
            ObjectKind::Resource => apply_resource(res, fields, &mut rec),
            ObjectKind::Device => {
                let volume = id.volume.ok_or(ErrorKind::Missing { field: "volume".into() })?;
                let dev = match res.devices.iter().position(|d| d.volume == volume) {
                    Some(i) => &mut res.devices[i],
                    None => {
                        if ev.action == Action::Create {
                            rec.push(ChangeKind::Created { object: ObjectKind::Device });
                        }
                        let at = res.devices.partition_point(|d| d.volume < volume);
                        res.devices.insert(at, Device { volume, ..Device::default() });
                        &mut res.devices[at]
                    }
                };
                apply_device(dev, fields, &mut rec)
            }
            ObjectKind::Connection | ObjectKind::PeerDevice | ObjectKind::Path => {
                let conn = find_or_add_connection(res, &id, ev, &mut rec)?;
                match ev.object {
                    ObjectKind::Connection => apply_connection(conn, fields, &mut rec),
                    ObjectKind::Path => {
                        let local = id.local.ok_or(ErrorKind::Missing { field: "local".into() })?;
                        let peer = id.peer.ok_or(ErrorKind::Missing { field: "peer".into() })?;
                        let path = match conn.paths.iter().position(|p| p.local == local && p.peer == peer) {
                            Some(i) => &mut conn.paths[i],
                            None => {
                                conn.paths.push(Path {
                                    local: local.to_owned(),
                                    peer: peer.to_owned(),
                                    established: None,
                                });
                                let last = conn.paths.len() - 1;
                                &mut conn.paths[last]
                            }
                        };
                        for (k, v) in fields.iter() {
                            if k == "established" {
                                let new = yes_no(k, v)?;
                                if path.established != new {
                                    let old = path.established.map(yes_no_str);
                                    rec.state("established", old, v);
                                    path.established = new;
                                }
                            }
                        }
                        Ok(())
                    }
                    _ => {
                        let volume = id.volume.ok_or(ErrorKind::Missing { field: "volume".into() })?;
                        let pd = match conn.peer_devices.iter().position(|p| p.volume == volume) {
                            Some(i) => &mut conn.peer_devices[i],
                            None => {
                                if ev.action == Action::Create {
                                    rec.push(ChangeKind::Created { object: ObjectKind::PeerDevice });
                                }
                                let at = conn.peer_devices.partition_point(|p| p.volume < volume);
                                conn.peer_devices.insert(at, PeerDevice { volume, ..PeerDevice::default() });
                                &mut conn.peer_devices[at]
                            }
                        };
                        apply_peer_device(pd, fields, &mut rec)
                    }
                }
            }
            ObjectKind::Helper => {
                let helper = id.helper.ok_or(ErrorKind::Missing { field: "helper".into() })?;
                match ev.action {
                    Action::Response => {
                        let pending = res.helpers.iter_mut().rev().find(|h| {
                            h.helper == helper
                                && h.status.is_none()
                                && h.volume == id.volume
                                && h.peer.as_deref() == id.conn_name
                        });
                        match pending {
                            Some(h) => h.status = id.status,
                            None => res.helpers.push(HelperCall {
                                timestamp: ev.timestamp,
                                helper: helper.to_owned(),
                                peer: id.conn_name.map(str::to_owned),
                                volume: id.volume,
                                minor: id.minor,
                                status: id.status,
                            }),
                        }
                        rec.push(ChangeKind::HelperReturned { helper: helper.to_owned(), status: id.status });
                    }
                    _ => {
                        res.helpers.push(HelperCall {
                            timestamp: ev.timestamp,
                            helper: helper.to_owned(),
                            peer: id.conn_name.map(str::to_owned),
                            volume: id.volume,
                            minor: id.minor,
                            status: None,
                        });
                        rec.push(ChangeKind::HelperCalled { helper: helper.to_owned() });
                    }
                }
                if res.helpers.len() > HELPERS_KEPT {
                    let excess = res.helpers.len() - HELPERS_KEPT;
                    res.helpers.drain(..excess);
                }
                Ok(())
            }
        }
    }

    fn destroy(&mut self, object: ObjectKind, id: &Identity<'_>, rec: &mut Recorder<'_, '_>) -> Result<(), ErrorKind> {
        let name = rec.resource;
        let removed = match object {
            ObjectKind::Resource => self.resources.remove(name).is_some(),
            ObjectKind::Helper => false,
            _ => {
                let Some(res) = self.resources.get_mut(name) else { return Ok(()) };
                match object {
                    ObjectKind::Device => {
                        let volume = id.volume.ok_or(ErrorKind::Missing { field: "volume".into() })?;
                        let before = res.devices.len();
                        res.devices.retain(|d| d.volume != volume);
                        before != res.devices.len()
                    }
                    _ => {
                        let Some(ci) = res.connections.iter().position(|c| connection_matches(c, id)) else {
                            return Ok(());
                        };
                        match object {
                            ObjectKind::Connection => {
                                res.connections.remove(ci);
                                true
                            }
                            ObjectKind::PeerDevice => {
                                let volume = id.volume.ok_or(ErrorKind::Missing { field: "volume".into() })?;
                                let c = &mut res.connections[ci];
                                let before = c.peer_devices.len();
                                c.peer_devices.retain(|p| p.volume != volume);
                                before != c.peer_devices.len()
                            }
                            _ => {
                                let c = &mut res.connections[ci];
                                let before = c.paths.len();
                                c.paths
                                    .retain(|p| Some(p.local.as_str()) != id.local || Some(p.peer.as_str()) != id.peer);
                                before != c.paths.len()
                            }
                        }
                    }
                }
            }
        };
        if removed {
            rec.push(ChangeKind::Destroyed { object });
        }
        Ok(())
    }
}

fn yes_no_str(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn connection_matches(c: &Connection, id: &Identity<'_>) -> bool {
    match (id.peer_node_id, c.peer_node_id) {
        (Some(a), Some(b)) => a == b,
        _ => id.conn_name.is_some_and(|n| n == c.peer),
    }
}

fn find_or_add_connection<'r>(
    res: &'r mut Resource,
    id: &Identity<'_>,
    ev: &Event<'_>,
    rec: &mut Recorder<'_, '_>,
) -> Result<&'r mut Connection, ErrorKind> {
    if id.peer_node_id.is_none() && id.conn_name.is_none() {
        return Err(ErrorKind::Missing { field: "conn-name".into() });
    }
    if let Some(i) = res.connections.iter().position(|c| connection_matches(c, id)) {
        let c = &mut res.connections[i];
        if let Some(n) = id.conn_name
            && c.peer != n
        {
            c.peer = n.to_owned();
        }
        return Ok(c);
    }
    if ev.action == Action::Create && ev.object == ObjectKind::Connection {
        rec.push(ChangeKind::Created { object: ObjectKind::Connection });
    }
    res.connections.push(Connection {
        peer: id.conn_name.map_or_else(|| format!("node-{}", id.peer_node_id.unwrap_or(0)), str::to_owned),
        peer_node_id: id.peer_node_id,
        ..Connection::default()
    });
    let last = res.connections.len() - 1;
    Ok(&mut res.connections[last])
}

fn apply_resource(r: &mut Resource, fields: &Fields<'_>, rec: &mut Recorder<'_, '_>) -> Result<(), ErrorKind> {
    for (k, v) in fields.iter() {
        match k {
            "name" => {}
            "role" => track_state!(rec, "role", r.role, Role::parse(v)),
            "suspended" => {
                track_string(rec, "suspended", &mut r.suspended, v);
            }
            "write-ordering" => {
                set_string(&mut r.write_ordering, v);
            }
            "may_promote" => {
                let new = yes_no(k, v)?;
                if r.may_promote != new {
                    let old = r.may_promote.map(yes_no_str);
                    rec.state("may_promote", old, v);
                    r.may_promote = new;
                }
            }
            "promotion_score" => r.promotion_score = Some(num(k, v)?),
            "force-io-failures" => r.force_io_failures = yes_no(k, v)?,
            other => {
                r.extra.insert(other.to_owned(), v.to_owned());
            }
        }
    }
    Ok(())
}

fn apply_device(d: &mut Device, fields: &Fields<'_>, rec: &mut Recorder<'_, '_>) -> Result<(), ErrorKind> {
    for (k, v) in fields.iter() {
        match k {
            "name" | "volume" => {}
            "minor" => d.minor = Some(num(k, v)?),
            "disk" => track_state!(rec, "disk", d.disk, DiskState::parse(v)),
            "backing_dev" => {
                set_string(&mut d.backing_dev, v);
            }
            "client" => d.client = yes_no(k, v)?,
            "open" => d.open = yes_no(k, v)?,
            "quorum" => {
                let new = yes_no(k, v)?;
                if d.quorum != new {
                    let old = d.quorum.map(yes_no_str);
                    rec.state("quorum", old, v);
                    d.quorum = new;
                }
            }
            "size" => d.size_kib = Some(num(k, v)?),
            "read" => d.read_kib = Some(num(k, v)?),
            "written" => d.written_kib = Some(num(k, v)?),
            "al-writes" => d.al_writes = Some(num(k, v)?),
            "bm-writes" => d.bm_writes = Some(num(k, v)?),
            "upper-pending" => d.upper_pending = Some(num(k, v)?),
            "lower-pending" => d.lower_pending = Some(num(k, v)?),
            "al-suspended" => d.al_suspended = yes_no(k, v)?,
            "blocked" => {
                set_string(&mut d.blocked, v);
            }
            other => {
                d.extra.insert(other.to_owned(), v.to_owned());
            }
        }
    }
    Ok(())
}

fn apply_connection(c: &mut Connection, fields: &Fields<'_>, rec: &mut Recorder<'_, '_>) -> Result<(), ErrorKind> {
    for (k, v) in fields.iter() {
        if Identity::names_a_connection(k) {
            continue;
        }
        match k {
            "connection" => track_state!(rec, "connection", c.state, ConnectionState::parse(v)),
            "role" => track_state!(rec, "peer_role", c.peer_role, Role::parse(v)),
            "congested" => c.congested = yes_no(k, v)?,
            "ap-in-flight" => c.ap_in_flight_sectors = Some(num(k, v)?),
            "rs-in-flight" => c.rs_in_flight_sectors = Some(num(k, v)?),
            "tls" => c.tls = yes_no(k, v)?,
            other => {
                c.extra.insert(other.to_owned(), v.to_owned());
            }
        }
    }
    Ok(())
}

fn apply_peer_device(p: &mut PeerDevice, fields: &Fields<'_>, rec: &mut Recorder<'_, '_>) -> Result<(), ErrorKind> {
    for (k, v) in fields.iter() {
        if Identity::names_a_connection(k) {
            continue;
        }
        match k {
            "replication" => track_state!(rec, "replication", p.replication, ReplicationState::parse(v)),
            "peer-disk" => track_state!(rec, "peer_disk", p.peer_disk, DiskState::parse(v)),
            "peer-client" => p.peer_client = yes_no(k, v)?,
            "resync-suspended" => {
                track_string(rec, "resync_suspended", &mut p.resync_suspended, v);
            }
            "received" => p.received_kib = Some(num(k, v)?),
            "sent" => p.sent_kib = Some(num(k, v)?),
            "out-of-sync" => p.out_of_sync_kib = Some(num(k, v)?),
            "pending" => p.pending = Some(num(k, v)?),
            "unacked" => p.unacked = Some(num(k, v)?),
            _ => {
                if !apply_resync_key(p.sync.get_or_insert_with(ResyncStats::default), k, v)? {
                    p.extra.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    // Resync details only mean something while a resync (or verify) is in its course.
    let in_resync = p.replication.as_ref().is_some_and(|r| r.is_resync_phase() || r.is_syncing());
    if !in_resync || p.sync.as_ref().is_some_and(|s| *s == ResyncStats::default()) {
        p.sync = None;
    }
    Ok(())
}

/// Returns `Ok(false)` for a key that is not a resync key.
fn apply_resync_key(s: &mut ResyncStats, k: &str, v: &str) -> Result<bool, ErrorKind> {
    match k {
        "done" => s.percent = percent(k, v)?,
        "eta" => s.eta_seconds = float(k, v)?,
        "dbdt1" => s.speed_kib_s = float(k, v)?.map(mib_to_kib),
        "dbdt" => s.avg_speed_kib_s = float(k, v)?.map(mib_to_kib),
        "dbdt0" => s.dbdt0_kib_s = float(k, v)?.map(mib_to_kib),
        "want" => s.want_kib_s = float(k, v)?.map(mib_to_kib),
        "rs-total" => s.rs_total_sectors = Some(num(k, v)?),
        "rs-dt-start-ms" => s.rs_dt_start_ms = Some(num(k, v)?),
        "rs-paused-ms" => s.rs_paused_ms = Some(num(k, v)?),
        "rs-dt0-ms" => s.rs_dt0_ms = Some(num(k, v)?),
        "rs-db0-sectors" => s.rs_db0_sectors = Some(num(k, v)?),
        "rs-dt1-ms" => s.rs_dt1_ms = Some(num(k, v)?),
        "rs-db1-sectors" => s.rs_db1_sectors = Some(num(k, v)?),
        "rs-failed" => s.rs_failed = Some(num(k, v)?),
        "rs-same-csum" => s.rs_same_csum = Some(num(k, v)?),
        "ov-start-sector" => s.ov_start_sector = Some(num(k, v)?),
        "ov-stop-sector" => s.ov_stop_sector = Some(num(k, v)?),
        "ov-position" => s.ov_position = Some(num(k, v)?),
        "ov-left" => s.ov_left = Some(num(k, v)?),
        "ov-skipped" => s.ov_skipped = Some(num(k, v)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Applies a whole captured stream (e.g. `drbdsetup events2 --now --statistics all`
/// output). Lines that fail are reported with their line numbers; the rest is applied.
pub fn parse_stream(input: &str) -> Parsed<(Events2State, Vec<Change>)> {
    let mut state = Events2State::new();
    let mut changes = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        if let Err(kind) = state.apply_line(line, &mut changes) {
            errors.push(LineError::new(i + 1, kind, line));
        }
    }
    errors.finish((state, changes))
}

impl Resource {
    pub fn device(&self, volume: u32) -> Option<&Device> {
        self.devices.iter().find(|d| d.volume == volume)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resync has out-of-sync left; a verify has its total less what is done (its
    /// out-of-sync counts the differences found).
    #[test]
    fn what_is_left_of_a_resync_or_a_verify() {
        let mut pd = PeerDevice {
            replication: Some(ReplicationState::SyncSource),
            out_of_sync_kib: Some(300),
            sync: Some(ResyncStats { rs_total_sectors: Some(2000), ..ResyncStats::default() }),
            ..PeerDevice::default()
        };
        assert_eq!(pd.sync_left_kib(25.0), Some(300));
        pd.replication = Some(ReplicationState::VerifyT);
        assert_eq!(pd.sync_left_kib(25.0), Some(750));
        assert_eq!(pd.sync_left_kib(100.0), Some(0));
        pd.sync = None;
        assert_eq!(pd.sync_left_kib(25.0), None, "no total: not known, not the differences found");
    }

    const THREE_NODE: &str = "exists resource name:drbd1 role:Secondary suspended:no write-ordering:flush
exists connection name:drbd1 peer-node-id:0 conn-name:central-2004 connection:Connected role:Primary congested:no ap-in-flight:0 rs-in-flight:0
exists connection name:drbd1 peer-node-id:1 conn-name:poller-2004-1 connection:Connected role:Secondary congested:no ap-in-flight:0 rs-in-flight:0
exists device name:drbd1 volume:0 minor:1 disk:UpToDate client:no quorum:yes size:765868 read:0 written:765868 al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0 al-suspended:no blocked:no
exists peer-device name:drbd1 peer-node-id:0 conn-name:central-2004 volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no received:765868 sent:0 out-of-sync:0 pending:0 unacked:0
exists peer-device name:drbd1 peer-node-id:1 conn-name:poller-2004-1 volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:0 pending:0 unacked:0
exists -
";

    fn apply_all(state: &mut Events2State, lines: &str) -> Vec<Change> {
        let mut changes = Vec::new();
        for line in lines.lines() {
            state.apply_line(line, &mut changes).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        changes
    }

    fn destroyed(changes: &[Change]) -> Vec<&'static str> {
        changes
            .iter()
            .filter_map(|c| match c.what {
                ChangeKind::Destroyed { object } => Some(object.as_str()),
                _ => None,
            })
            .collect()
    }

    /// What names an object is not kept as one of its fields; a field first set by a
    /// `change` is a change (only the initial dump's first values are not); peer devices
    /// are kept in volume order whatever order they come in.
    #[test]
    fn identity_first_values_and_volume_order() {
        let mut state = Events2State::new();
        apply_all(&mut state, THREE_NODE);
        let r = &state.resources["drbd1"];
        assert!(r.connections.iter().all(|c| c.extra.is_empty()), "{:?}", r.connections);
        assert!(r.connections.iter().flat_map(|c| &c.peer_devices).all(|p| p.extra.is_empty()), "{:?}", r.connections);
        let mut fresh = Events2State::new();
        apply_all(
            &mut fresh,
            "exists resource name:r0 role:Secondary\nexists connection name:r0 peer-node-id:1 conn-name:b\nexists -",
        );
        let changes =
            apply_all(&mut fresh, "change connection name:r0 peer-node-id:1 conn-name:b connection:Connecting");
        let states: Vec<_> = changes
            .iter()
            .filter_map(|c| match &c.what {
                ChangeKind::State { field, old, new } => Some((field.as_str(), old.clone(), new.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(states, [("connection", None, "Connecting")]);
        apply_all(
            &mut fresh,
            "create peer-device name:r0 peer-node-id:1 conn-name:b volume:2 replication:Off
create peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:Off
create peer-device name:r0 peer-node-id:1 conn-name:b volume:1 replication:Off",
        );
        let volumes: Vec<u32> = fresh.resources["r0"].connections[0].peer_devices.iter().map(|p| p.volume).collect();
        assert_eq!(volumes, [0, 1, 2]);
    }

    /// Resync details are kept while a resync is paused and during a verify, and dropped
    /// once replication is Established.
    #[test]
    fn resync_details_live_through_a_pause_and_a_verify() {
        let mut state = Events2State::new();
        let base = "exists resource name:r0 role:Primary\nexists connection name:r0 peer-node-id:1 conn-name:b connection:Connected\nexists -";
        apply_all(&mut state, base);
        let at = |state: &mut Events2State, replication: &str| {
            apply_all(
                state,
                &format!(
                    "change peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:{replication} out-of-sync:400 rs-total:1000"
                ),
            );
            state.resources["r0"].connections[0].peer_devices[0].sync.is_some()
        };
        assert!(at(&mut state, "PausedSyncS"), "paused: still a resync");
        assert!(at(&mut state, "VerifyS"), "a verify has its totals");
        assert!(!at(&mut state, "Established"));
    }

    #[test]
    fn object_names_and_field_lookup() {
        let names = [
            ObjectKind::Resource,
            ObjectKind::Connection,
            ObjectKind::Path,
            ObjectKind::Device,
            ObjectKind::PeerDevice,
            ObjectKind::Helper,
        ]
        .map(ObjectKind::as_str);
        assert_eq!(names, ["resource", "connection", "path", "device", "peer-device", "helper"]);
        let Ok(Line::Event(ev)) = parse_line("exists device name:r0 volume:0 minor:0 disk:UpToDate") else {
            panic!("an event")
        };
        assert_eq!((ev.get("disk"), ev.get("minor"), ev.get("size")), (Some("UpToDate"), Some("0"), None));
    }

    /// `destroy` removes exactly the object it names, says so once, and says nothing for an
    /// object that was not there.
    #[test]
    fn destroy_removes_exactly_the_object_named() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Primary
exists device name:r0 volume:0 minor:0 disk:UpToDate
exists device name:r0 volume:1 minor:1 disk:UpToDate
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary
exists connection name:r0 peer-node-id:2 conn-name:c connection:Connected role:Secondary
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:yes
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:Established
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:1 replication:Established
exists -",
        );
        let changes = apply_all(&mut state, "destroy device name:r0 volume:1 minor:1");
        assert_eq!(destroyed(&changes), ["device"]);
        assert_eq!(state.resources["r0"].devices.iter().map(|d| d.volume).collect::<Vec<_>>(), [0]);
        // Gone already, or never there: nothing to say.
        assert!(destroyed(&apply_all(&mut state, "destroy device name:r0 volume:1 minor:1")).is_empty());
        let changes = apply_all(&mut state, "destroy peer-device name:r0 peer-node-id:1 conn-name:b volume:0");
        assert_eq!(destroyed(&changes), ["peer-device"]);
        let b = &state.resources["r0"].connections[0];
        assert_eq!((b.peer.as_str(), b.peer_devices.len(), b.peer_devices[0].volume), ("b", 1, 1));
        let changes = apply_all(
            &mut state,
            "destroy path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789",
        );
        assert_eq!(destroyed(&changes), ["path"]);
        assert!(state.resources["r0"].connections[0].paths.is_empty());
        let changes = apply_all(&mut state, "destroy connection name:r0 peer-node-id:2 conn-name:c");
        assert_eq!(destroyed(&changes), ["connection"]);
        assert_eq!(state.resources["r0"].connections.iter().map(|c| c.peer.as_str()).collect::<Vec<_>>(), ["b"]);
    }

    /// A connection found by its node id takes a new name; a path's `established` change
    /// says from what to what; a helper keeps its minor; peer-device counters and unknown
    /// keys land where they belong; lost events are counted.
    #[test]
    fn fields_land_where_they_belong() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Secondary
exists connection name:r0 peer-node-id:1 conn-name:old connection:Connected role:Primary
exists path name:r0 peer-node-id:1 conn-name:old local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:no
exists peer-device name:r0 peer-node-id:1 conn-name:old volume:0 replication:Established sent:12 received:34 newer-key:7
exists -",
        );
        let changes = apply_all(&mut state, "change connection name:r0 peer-node-id:1 conn-name:new role:Primary");
        assert!(changes.is_empty(), "{changes:?}");
        let c = &state.resources["r0"].connections[0];
        assert_eq!(c.peer, "new");
        let pd = &c.peer_devices[0];
        assert_eq!((pd.sent_kib, pd.received_kib), (Some(12), Some(34)));
        assert_eq!(pd.extra.get("newer-key").map(String::as_str), Some("7"));
        assert!(!pd.extra.contains_key("sent"));
        let changes = apply_all(
            &mut state,
            "change path name:r0 peer-node-id:1 conn-name:new local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:yes",
        );
        assert_eq!(
            changes.iter().map(|c| c.what.clone()).collect::<Vec<_>>(),
            [ChangeKind::State { field: "established".into(), old: Some("no".into()), new: "yes".into() }]
        );
        apply_all(
            &mut state,
            "call helper name:r0 peer-node-id:1 conn-name:new volume:0 minor:3 helper:before-resync-target",
        );
        assert_eq!(state.resources["r0"].helpers[0].minor, Some(3));
        apply_all(&mut state, "- skipped 4\n- skipped 1");
        assert_eq!(state.skipped_events, 2);
    }

    /// A helper's response completes that helper's call (not another pending one), a path
    /// is found by both its ends, and the helper list keeps only the newest calls.
    #[test]
    fn responses_and_paths_find_their_own_object() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Primary
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:yes
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.1.2:7789 established:yes
exists -
call helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:before-resync-target
call helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:fence-peer
response helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:before-resync-target status:0
change path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.1.2:7789 established:no",
        );
        let r = &state.resources["r0"];
        let status = |h: &str| r.helpers.iter().find(|c| c.helper == h).map(|c| c.status);
        assert_eq!((status("before-resync-target"), status("fence-peer")), (Some(Some(0)), Some(None)));
        let established: Vec<_> = r.connections[0].paths.iter().map(|p| (p.peer.as_str(), p.established)).collect();
        assert_eq!(established, [("ipv4:10.0.0.2:7789", Some(true)), ("ipv4:10.0.1.2:7789", Some(false))]);
        for i in 0..HELPERS_KEPT + 8 {
            apply_all(&mut state, &format!("call helper name:r0 volume:0 minor:{i} helper:h{i}"));
        }
        let kept: Vec<_> = state.resources["r0"].helpers.iter().map(|h| h.helper.clone()).collect();
        assert_eq!(kept.len(), HELPERS_KEPT);
        assert_eq!((kept[0].as_str(), kept[HELPERS_KEPT - 1].as_str()), ("h8", "h39"), "the oldest give way");
    }

    #[test]
    fn initial_dump_builds_the_tree_without_changes() {
        let p = parse_stream(THREE_NODE);
        assert_eq!(p.errors, vec![]);
        let (state, changes) = p.value;
        assert!(state.initial_state_done);
        assert!(changes.is_empty(), "{changes:?}");
        let r = &state.resources["drbd1"];
        assert_eq!(r.role, Some(Role::Secondary));
        assert_eq!(r.devices[0].size_kib, Some(765_868));
        assert_eq!(r.connections.len(), 2);
        assert_eq!(r.connections[0].peer_role, Some(Role::Primary));
        assert_eq!(r.connections[1].peer_devices[0].replication, Some(ReplicationState::Established));
    }

    #[test]
    fn a_peer_device_keeps_its_volume_number() {
        let stream = "exists resource name:r0 role:Primary
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:1 replication:Established peer-disk:UpToDate
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:SyncSource peer-disk:Inconsistent
exists -
";
        let (state, _) = parse_stream(stream).value;
        let pds = &state.resources["r0"].connections[0].peer_devices;
        let volumes: Vec<u32> = pds.iter().map(|p| p.volume).collect();
        assert_eq!(volumes, vec![0, 1], "kept in volume order, each with its own number");
        assert_eq!(pds[0].replication, Some(ReplicationState::SyncSource));
        assert_eq!(pds[1].replication, Some(ReplicationState::Established));
        // The node id a connection was created with stays on it (it tells two peers of
        // the same name apart after a rename).
        assert_eq!(state.resources["r0"].connections[0].peer_node_id, Some(1));
    }

    #[test]
    fn partial_change_lines_merge_and_report() {
        let mut p = parse_stream(THREE_NODE).value.0;
        let mut changes = Vec::new();
        p.apply_line(
            "2026-11-25T10:00:00.000001+00:00 change peer-device name:drbd1 peer-node-id:1 conn-name:poller-2004-1 volume:0 replication:SyncSource peer-disk:Inconsistent done:37.50 received:5 sent:10 out-of-sync:2500 pending:30 unacked:40 dbdt1:0.24 eta:nan",
            &mut changes,
        )
        .unwrap();
        let pd = &p.resources["drbd1"].connections[1].peer_devices[0];
        assert_eq!(pd.replication, Some(ReplicationState::SyncSource));
        assert_eq!(pd.out_of_sync_kib, Some(2500));
        let sync = pd.sync.as_ref().unwrap();
        assert_eq!((sync.percent, sync.eta_seconds, sync.speed_kib_s), (Some(37.5), None, Some(0.24 * 1024.0)));
        // The partial line did not touch the peer device's other fields.
        assert_eq!(pd.peer_client, Some(false));
        let fields: Vec<String> = changes
            .iter()
            .map(|c| match &c.what {
                ChangeKind::State { field, old, new } => format!("{field}:{}->{new}", old.as_deref().unwrap_or("?")),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(fields, vec!["replication:Established->SyncSource", "peer_disk:UpToDate->Inconsistent"]);
        assert_eq!(changes[0].timestamp.unwrap().to_rfc3339(), "2026-11-25T10:00:00.000001Z");

        // Back to Established: the resync details go away.
        p.apply_line("change peer-device name:drbd1 peer-node-id:1 conn-name:poller-2004-1 volume:0 replication:Established peer-disk:UpToDate", &mut changes).unwrap();
        assert!(p.resources["drbd1"].connections[1].peer_devices[0].sync.is_none());
    }

    #[test]
    fn dialects_without_node_id_and_84_emulation() {
        let old = "2017-02-15T14:43:16.688437+00:00 exists peer-device name:test0 conn-name:peer volume:0 replication:SyncSource peer-disk:Inconsistent resync-suspended:no received:0 sent:2050743348 out-of-sync:205655500 pending:0 unacked:0\n";
        let p = parse_stream(old);
        assert_eq!(p.errors, vec![]);
        let c = &p.value.0.resources["test0"].connections[0];
        assert_eq!((c.peer.as_str(), c.peer_node_id), ("peer", None));
        let emu = "exists connection name:r0 peer-node-id:0 conn-name:peer connection:Connected role:Secondary\nchange connection name:r0 peer-node-id:0 conn-name:peer connection:Connecting\n";
        let p = parse_stream(emu);
        assert_eq!(p.errors, vec![]);
        let r = &p.value.0.resources["r0"];
        assert_eq!(r.connections.len(), 1);
        assert_eq!(r.connections[0].state, Some(ConnectionState::Connecting));
    }

    #[test]
    fn helpers_destroy_and_unknown_keys() {
        let text = "exists resource name:r0 role:Primary
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connecting role:Unknown
call helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:split-brain
response helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:split-brain status:0
change resource name:r0 xxx:bla role:Secondary
change path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:yes
destroy connection name:r0 peer-node-id:1 conn-name:b
";
        let p = parse_stream(text);
        assert_eq!(p.errors, vec![]);
        let (state, changes) = p.value;
        let r = &state.resources["r0"];
        assert_eq!(r.helpers.len(), 1);
        assert_eq!(r.helpers[0].status, Some(0));
        assert_eq!(r.extra.get("xxx").map(String::as_str), Some("bla"));
        assert!(r.connections.is_empty());
        assert!(changes.iter().any(|c| c.what == ChangeKind::HelperCalled { helper: "split-brain".into() }));
        assert!(changes.iter().any(|c| c.what == ChangeKind::Destroyed { object: ObjectKind::Connection }));
    }

    #[test]
    fn every_resync_key_lands_in_its_field() {
        let text = "exists resource name:r0 role:Primary\nexists device name:r0 volume:0 minor:0 disk:UpToDate\nexists device name:r0 volume:1 minor:1 disk:UpToDate\nexists connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary\nexists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:SyncSource peer-disk:Inconsistent done:12.50 eta:30 dbdt1:2.00 dbdt:1.50 dbdt0:1.00 want:4.00 rs-total:1000 rs-dt-start-ms:2 rs-paused-ms:3 rs-dt0-ms:4 rs-db0-sectors:5 rs-dt1-ms:6 rs-db1-sectors:7 rs-failed:8 rs-same-csum:9 ov-start-sector:10 ov-stop-sector:11 ov-position:12 ov-left:13 ov-skipped:14\nexists -\n";
        let parsed = parse_stream(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let r = &parsed.value.0.resources["r0"];
        let s = r.connections[0].peer_devices[0].sync.clone().unwrap();
        let k = |mib: f64| Some(mib * 1024.0);
        assert_eq!(
            (s.percent, s.eta_seconds, s.speed_kib_s, s.avg_speed_kib_s, s.dbdt0_kib_s, s.want_kib_s),
            (Some(12.5), Some(30.0), k(2.0), k(1.5), k(1.0), k(4.0))
        );
        let sectors = [
            s.rs_total_sectors,
            s.rs_dt_start_ms,
            s.rs_paused_ms,
            s.rs_dt0_ms,
            s.rs_db0_sectors,
            s.rs_dt1_ms,
            s.rs_db1_sectors,
            s.rs_failed,
            s.rs_same_csum,
            s.ov_start_sector,
            s.ov_stop_sector,
            s.ov_position,
            s.ov_left,
            s.ov_skipped,
        ];
        assert_eq!(sectors, [1000, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(Some));
        assert_eq!(r.device(1).and_then(|d| d.minor), Some(1));
        assert_eq!(r.device(0).and_then(|d| d.minor), Some(0));
        assert!(r.device(2).is_none());
    }

    #[test]
    fn malformed_lines_are_errors_not_panics() {
        for bad in [
            "xxx resource name:foo",
            "call helper",
            "exists xxx name:foo",
            "change",
            "change resource role:Primary",
            "change device name:r0 volume:x",
            "change resource name:r0 role",
            "2019-99-07T13:50:23.973595-07:00 exists -",
            "change resource name:r0 may_promote:maybe",
        ] {
            let mut s = Events2State::new();
            assert!(s.apply_line(bad, &mut Vec::new()).is_err(), "{bad}");
        }
    }

    fn kinds(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match &c.what {
                ChangeKind::Created { object } => format!("created {}", object.as_str()),
                ChangeKind::Destroyed { object } => format!("destroyed {}", object.as_str()),
                ChangeKind::State { field, old, new } => format!("{field} {old:?}->{new}"),
                ChangeKind::HelperCalled { helper } => format!("called {helper}"),
                ChangeKind::HelperReturned { helper, .. } => format!("returned {helper}"),
                ChangeKind::Renamed { old_name } => format!("renamed from {old_name}"),
            })
            .collect()
    }

    /// A renamed resource is found under its new name only, with what it held.
    #[test]
    fn a_rename_moves_the_resource_and_says_so() {
        let mut state = Events2State::new();
        apply_all(&mut state, "exists resource name:r0 role:Primary\nexists -");
        let changes = apply_all(&mut state, "rename resource name:r0 new_name:data");
        assert_eq!(kinds(&changes), ["renamed from r0"]);
        assert_eq!(changes[0].resource, "data");
        assert!(!state.resources.contains_key("r0"));
        assert_eq!(state.resources["data"].role, Some(Role::Primary));
        assert_eq!(state.resources["data"].name, "data");
    }

    /// Only a `create resource` announces a resource; a device, connection or peer
    /// device announces itself only when created, never when first seen by a change.
    #[test]
    fn created_is_said_only_of_what_was_created() {
        let mut state = Events2State::new();
        apply_all(&mut state, "exists -");
        let changes = apply_all(&mut state, "create device name:r9 volume:0 minor:9 disk:Diskless");
        assert_eq!(kinds(&changes), ["created device", "disk None->Diskless"]);
        let changes =
            apply_all(&mut state, "create connection name:r9 peer-node-id:1 conn-name:b connection:StandAlone");
        assert_eq!(kinds(&changes)[0], "created connection");
        let changes = apply_all(&mut state, "change connection name:r9 peer-node-id:2 conn-name:c role:Secondary");
        assert!(kinds(&changes).iter().all(|k| !k.starts_with("created")), "{changes:?}");
        let changes = apply_all(&mut state, "create resource name:r8 role:Secondary");
        assert_eq!(kinds(&changes)[0], "created resource");
        let changes = apply_all(&mut state, "destroy resource name:r9");
        assert_eq!(kinds(&changes), ["destroyed resource"]);
        assert!(!state.resources.contains_key("r9"));
        assert!(state.resources.contains_key("r8"));
    }

    /// Devices are kept in volume order whatever order they are created in.
    #[test]
    fn devices_in_volume_order() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Secondary
exists device name:r0 volume:1 minor:1 disk:UpToDate
exists device name:r0 volume:0 minor:0 disk:UpToDate
exists device name:r0 volume:3 minor:3 disk:UpToDate
exists device name:r0 volume:2 minor:2 disk:UpToDate
exists -",
        );
        let volumes: Vec<u32> = state.resources["r0"].devices.iter().map(|d| d.volume).collect();
        assert_eq!(volumes, [0, 1, 2, 3]);
    }

    /// `may_promote` and `resync-suspended` are states: each move is a change.
    #[test]
    fn may_promote_and_resync_suspended_are_tracked() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Secondary may_promote:no
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 replication:Established resync-suspended:no
exists -",
        );
        let changes = apply_all(&mut state, "change resource name:r0 may_promote:yes");
        assert_eq!(kinds(&changes), ["may_promote Some(\"no\")->yes"]);
        assert_eq!(state.resources["r0"].may_promote, Some(true));
        assert!(apply_all(&mut state, "change resource name:r0 may_promote:yes").is_empty());
        let changes = apply_all(
            &mut state,
            "change peer-device name:r0 peer-node-id:1 conn-name:b volume:0 resync-suspended:user",
        );
        assert_eq!(kinds(&changes), ["resync_suspended Some(\"no\")->user"]);
        let pd = &state.resources["r0"].connections[0].peer_devices[0];
        assert_eq!(pd.resync_suspended.as_deref(), Some("user"));
        assert!(pd.extra.is_empty(), "{:?}", pd.extra);
    }

    /// A minor on a peer-device or connection line names it; it is not a statistic.
    #[test]
    fn a_minor_names_a_peer_device_but_is_a_field_of_a_device() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Secondary
exists device name:r0 volume:0 minor:7 disk:UpToDate
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected minor:7
exists peer-device name:r0 peer-node-id:1 conn-name:b volume:0 minor:7 replication:Established
exists -",
        );
        let r = &state.resources["r0"];
        assert_eq!(r.devices[0].minor, Some(7));
        assert!(r.devices[0].extra.is_empty(), "{:?}", r.devices[0].extra);
        assert!(r.connections[0].extra.is_empty(), "{:?}", r.connections[0].extra);
        assert!(r.connections[0].peer_devices[0].extra.is_empty(), "{:?}", r.connections[0].peer_devices[0].extra);
    }

    /// `exists -` ends the initial dump; a dash after any other action is no object;
    /// `unknown` is a yes/no value that is not known.
    #[test]
    fn a_dash_ends_only_the_initial_dump_and_unknown_is_not_yes_or_no() {
        assert!(matches!(parse_line("exists -"), Ok(Line::EndOfInitialState { .. })));
        assert!(parse_line("change -").is_err());
        assert_eq!(yes_no("peer-client", "unknown"), Ok(None));
        assert_eq!((yes_no("k", "yes"), yes_no("k", "no")), (Ok(Some(true)), Ok(Some(false))));
        assert!(yes_no("k", "maybe").is_err());
        // `status` names a helper's return only on a helper line; elsewhere it is a field.
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Secondary\nexists connection name:r0 peer-node-id:1 conn-name:b status:odd\nexists -",
        );
        assert_eq!(state.resources["r0"].connections[0].extra.get("status").map(String::as_str), Some("odd"));
    }

    /// Destroying a path removes that path only (not those sharing one end), and a
    /// destroyed helper takes nothing with it.
    #[test]
    fn a_destroyed_path_is_that_path_only() {
        let mut state = Events2State::new();
        apply_all(
            &mut state,
            "exists resource name:r0 role:Primary
exists connection name:r0 peer-node-id:1 conn-name:b connection:Connected
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789 established:yes
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.1.2:7789 established:yes
exists path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.1.1:7789 peer:ipv4:10.0.0.2:7789 established:no
exists -",
        );
        let changes = apply_all(
            &mut state,
            "destroy path name:r0 peer-node-id:1 conn-name:b local:ipv4:10.0.0.1:7789 peer:ipv4:10.0.0.2:7789",
        );
        assert_eq!(kinds(&changes), ["destroyed path"]);
        let left: Vec<_> =
            state.resources["r0"].connections[0].paths.iter().map(|p| (p.local.as_str(), p.peer.as_str())).collect();
        assert_eq!(left, [("ipv4:10.0.0.1:7789", "ipv4:10.0.1.2:7789"), ("ipv4:10.0.1.1:7789", "ipv4:10.0.0.2:7789")]);
        let changes = apply_all(&mut state, "destroy helper name:r0 peer-node-id:1 conn-name:b helper:fence-peer");
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(state.resources["r0"].connections.len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(lines in proptest::collection::vec("(exists|change|create|destroy|call|response|rename|-|[a-z]{0,6}) (resource|device|connection|peer-device|path|helper|-|x)( [a-z-]{1,8}:[a-zA-Z0-9:.-]{0,8}| name:r[0-2]| volume:[0-2]| peer-node-id:[0-2]| conn-name:p[0-1]| local:a| peer:b| helper:h| status:1){0,8}", 0..30)) {
            let mut s = Events2State::new();
            let mut changes = Vec::new();
            for l in &lines {
                let _ = s.apply_line(l, &mut changes);
            }
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,200}") {
            let mut st = Events2State::new();
            let _ = st.apply_line(&s, &mut Vec::new());
        }

        /// A stream cut at any line, its state saved (as drnfs's JSON) and the rest applied
        /// to the saved state, ends where the whole stream does: the state is all there is
        /// between lines.
        #[test]
        fn a_stream_cut_anywhere_and_resumed_from_saved_state_ends_the_same(cut in 0usize..=STREAM_LINES) {
            let lines: Vec<&str> = STREAM.lines().collect();
            let mut whole = Events2State::new();
            for l in &lines {
                whole.apply_line(l, &mut Vec::new()).unwrap();
            }
            let mut first = Events2State::new();
            for l in &lines[..cut] {
                first.apply_line(l, &mut Vec::new()).unwrap();
            }
            let saved = serde_json::to_string(&first).unwrap();
            let mut resumed: Events2State = serde_json::from_str(&saved).unwrap();
            for l in &lines[cut..] {
                resumed.apply_line(l, &mut Vec::new()).unwrap();
            }
            proptest::prop_assert_eq!(resumed, whole);
        }

        /// Whatever lines arrive, every percent read stays in 0..=100 and every object is
        /// filed under the resource its line named.
        #[test]
        fn fields_split_as_every_space_and_each_first_colon_would(line in "[a-z: é中0-9-]{0,70}") {
            let plain: Result<Vec<(&str, &str)>, String> = line
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| match t.split_once(':') {
                    Some((k, v)) if !k.is_empty() => Ok((k, v)),
                    _ => Err(t.chars().take(40).collect()),
                })
                .collect();
            let mut fields = Vec::new();
            let split = walk_fields(&line, |s| fields.push((&line[s.start..s.colon], &line[s.colon + 1..s.end])));
            let split = split.map(|()| fields).map_err(|e| match e {
                ErrorKind::BadValue { value, .. } => value,
                other => format!("{other:?}"),
            });
            proptest::prop_assert_eq!(split, plain);
        }

        /// The resources behave as a map by name whatever the order of lookups (the
        /// guess of the last one found is only a guess): the same names, in name order,
        /// the same answers.
        #[test]
        fn resources_answer_as_a_map_does(ops in proptest::collection::vec((0u8..5, 0u8..8), 0..60)) {
            let mut ours = Resources::default();
            let mut map: BTreeMap<String, u8> = BTreeMap::new();
            for (op, n) in ops {
                let name = format!("r{n}");
                match op {
                    0 => {
                        let (r, added) = ours.get_or_add(&name);
                        proptest::prop_assert_eq!(&r.name, &name);
                        proptest::prop_assert_eq!(added, !map.contains_key(&name));
                        map.entry(name).or_insert(0);
                    }
                    1 => {
                        proptest::prop_assert_eq!(ours.remove(&name).map(|r| r.name), map.remove(&name).map(|_| name.clone()));
                    }
                    2 => {
                        let old = ours.insert(name.clone(), Resource { promotion_score: Some(n.into()), ..Resource::default() });
                        proptest::prop_assert_eq!(old.is_some(), map.insert(name.clone(), n).is_some());
                        proptest::prop_assert_eq!(ours[&name].promotion_score, Some(i64::from(n)));
                    }
                    3 => {
                        let found = ours.get_mut(&name).map(|r| r.name.clone());
                        proptest::prop_assert_eq!(found, map.contains_key(&name).then(|| name.clone()));
                    }
                    _ => proptest::prop_assert_eq!(ours.contains_key(&name), map.contains_key(&name)),
                }
                proptest::prop_assert_eq!(ours.keys().collect::<Vec<_>>(), map.keys().collect::<Vec<_>>());
                proptest::prop_assert_eq!(ours.len(), map.len());
            }
            let json = serde_json::to_value(&ours).unwrap();
            let back: Resources = serde_json::from_value(json.clone()).unwrap();
            proptest::prop_assert_eq!(&back, &ours);
            let names: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
            proptest::prop_assert_eq!(names, map.keys().cloned().collect::<Vec<_>>());
        }

        #[test]
        fn state_invariants_hold_for_any_lines(lines in proptest::collection::vec("(exists|change) (resource name:r[0-1]|device name:r[0-1] volume:[0-1]|peer-device name:r[0-1] peer-node-id:[0-1] conn-name:p volume:[0-1] replication:SyncSource done:[0-9]{1,3}(\\.[0-9]{1,2})?|connection name:r[0-1] peer-node-id:[0-1] conn-name:p connection:Connected)", 0..30)) {
            let mut s = Events2State::new();
            for l in &lines {
                let _ = s.apply_line(l, &mut Vec::new());
            }
            for (name, r) in &s.resources {
                proptest::prop_assert_eq!(name, &r.name);
                for c in &r.connections {
                    for pd in &c.peer_devices {
                        if let Some(p) = pd.sync.as_ref().and_then(|x| x.percent) {
                            proptest::prop_assert!((0.0..=100.0).contains(&p), "done:{}", p);
                        }
                    }
                }
            }
        }
    }

    /// A DRBD 9 stream with every kind of object and a resync that starts and ends.
    const STREAM: &str = "exists resource name:r0 role:Primary suspended:no write-ordering:flush may_promote:no promotion_score:10101
exists connection name:r0 peer-node-id:1 conn-name:nodeb connection:Connected role:Secondary congested:no ap-in-flight:0 rs-in-flight:0
exists device name:r0 volume:0 minor:0 disk:UpToDate client:no quorum:yes size:204756 read:1 written:2 al-writes:3 bm-writes:4 upper-pending:0 lower-pending:0 al-suspended:no blocked:no
exists peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:0 pending:0 unacked:0
exists path name:r0 peer-node-id:1 conn-name:nodeb local:ipv4:10.50.0.1:7789 peer:ipv4:10.50.0.2:7789 established:yes
exists -
change connection name:r0 peer-node-id:1 conn-name:nodeb connection:Connecting role:Unknown
change peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 replication:Off peer-disk:DUnknown out-of-sync:8328
change connection name:r0 peer-node-id:1 conn-name:nodeb connection:Connected role:Secondary
change peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 replication:SyncSource peer-disk:Inconsistent done:20.49 dbdt1:2.37 eta:20
change peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 done:75.00 out-of-sync:2048
change peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 replication:Established peer-disk:UpToDate out-of-sync:0
call helper name:r0 peer-node-id:1 conn-name:nodeb volume:0 helper:before-resync-target
response helper name:r0 peer-node-id:1 conn-name:nodeb volume:0 helper:before-resync-target status:0
create resource name:r1 role:Secondary suspended:no
destroy resource name:r1
";
    const STREAM_LINES: usize = 16;
}
