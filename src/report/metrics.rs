//! The report as metrics: OpenMetrics text (or Prometheus' text format 0.0.4, which has
//! no state sets and names counters with their `_total`), for `drnfs metrics` and the
//! node_exporter textfile collector. Rendered from the same [`Report`] every other output
//! renders, so a scrape and `snapshot --json` never disagree.
//!
//! Units follow Prometheus' conventions: bytes, seconds and ratios (0–1), never KiB or
//! percent. A figure the source did not give is left out, never written as 0.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use drnfs_parsers::drbd_state::{ConnectionState, DiskState, ProcCs, ReplicationState, Role};

use crate::engine::Report;
use crate::model::summary::{self, VolumeLine};

/// How the text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/openmetrics-text; version=1.0.0`: state sets, `# UNIT`, `# EOF`.
    OpenMetrics,
    /// `text/plain; version=0.0.4`: what node_exporter's textfile collector reads.
    Prometheus,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub format: Format,
    /// Clients get a series each up to this many (busiest first); the rest are summed
    /// into `client="other"`, so a server with thousands of clients stays a small scrape.
    pub top_clients: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { format: Format::OpenMetrics, top_clients: 10 }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Gauge,
    Counter,
    StateSet,
}

/// One metric family being written: its header once, then its samples.
struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
    kind: Kind,
}

impl Family<'_> {
    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let suffix = if self.kind == Kind::Counter { "_total" } else { "" };
        let _ = write!(self.out, "{}{suffix}", self.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// A state set: one sample per known state, 1 for the one it is in. A state drnfs
    /// does not know (a newer DRBD) gets its own sample, so it is never silently 0
    /// everywhere.
    fn states(&mut self, labels: &[(&str, &str)], known: &[&str], now: &str) {
        let label = self.name;
        for state in known.iter().copied().chain((!known.contains(&now) && !now.is_empty()).then_some(now)) {
            let mut l = labels.to_vec();
            l.push((label, state));
            self.sample(&l, if state == now { 1.0 } else { 0.0 });
        }
    }
}

/// Starts a family: `# TYPE`, `# UNIT` (OpenMetrics) and `# HELP`.
fn family<'a>(out: &'a mut String, format: Format, name: &'static str, kind: Kind, help: &str) -> Family<'a> {
    let type_name = match (kind, format) {
        (Kind::Gauge, _) | (Kind::StateSet, Format::Prometheus) => "gauge",
        (Kind::Counter, _) => "counter",
        (Kind::StateSet, Format::OpenMetrics) => "stateset",
    };
    // Prometheus' format names a counter's family with its `_total`; OpenMetrics without.
    let shown =
        if kind == Kind::Counter && format == Format::Prometheus { format!("{name}_total") } else { name.to_owned() };
    let _ = writeln!(out, "# TYPE {shown} {type_name}");
    if format == Format::OpenMetrics
        && let Some(unit) = ["bytes", "seconds", "ratio"].into_iter().find(|u| name.ends_with(&format!("_{u}")))
    {
        let _ = writeln!(out, "# UNIT {shown} {unit}");
    }
    let _ = writeln!(out, "# HELP {shown} {}", help.replace('\\', "\\\\").replace('\n', "\\n"));
    Family { out, name, kind }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v == v.trunc() && v.abs() < 1e15 {
        // Whole numbers as integers (and never `-0`).
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The connection and replication state a volume line stands for: DRBD 9 lines carry the
/// replication state when connected and the connection state otherwise; 8.x lines carry
/// `cs:`, which folds the two.
fn split_state(state: &str) -> (String, String) {
    if let Some((c, r)) = ProcCs::parse(state).split() {
        return (c.to_string(), r.to_string());
    }
    if ConnectionState::KNOWN.contains(&state) {
        return (state.to_owned(), "Off".to_owned());
    }
    if ReplicationState::KNOWN.contains(&state) {
        return ("Connected".to_owned(), state.to_owned());
    }
    (String::new(), String::new())
}

/// /proc/drbd's counters of the volume line's minor (DRBD 8.x).
fn minor_counters<'a>(report: &'a Report, v: &VolumeLine) -> Option<&'a drnfs_parsers::proc_drbd::Counters> {
    let m = v.minor?;
    report.drbd.minors.iter().find(|x| x.minor == m)?.counters.as_ref()
}

/// The events2 peer device the volume line stands for (DRBD 9, and 8.4's emulation).
fn peer_device<'a>(report: &'a Report, v: &VolumeLine) -> Option<&'a drnfs_parsers::events2::PeerDevice> {
    let r = report.drbd.resources.iter().find(|r| r.name == v.name)?;
    let c = r.connections.iter().find(|c| Some(&c.peer) == v.peer.as_ref())?;
    c.peer_devices.iter().find(|p| Some(p.volume) == v.volume)
}

/// Bytes sent to and received from the peer for one volume line, from /proc/drbd's
/// `ns:`/`nr:` (8.x) or the peer device's `sent:`/`received:` (9), both in KiB.
fn traffic(report: &Report, v: &VolumeLine) -> Option<(u64, u64)> {
    if let Some(c) = minor_counters(report, v) {
        return Some((c.ns * 1024, c.nr * 1024));
    }
    let pd = peer_device(report, v)?;
    Some((pd.sent_kib? * 1024, pd.received_kib? * 1024))
}

/// Requests sent to the peer and not answered, and answers not yet sent (`pe:`/`ua:` or
/// `pending:`/`unacked:`).
fn requests(report: &Report, v: &VolumeLine) -> Option<(f64, f64)> {
    if let Some(c) = minor_counters(report, v) {
        return Some((c.pe as f64, c.ua as f64));
    }
    let pd = peer_device(report, v)?;
    Some((pd.pending? as f64, pd.unacked? as f64))
}

/// The labels of one volume line's series, worked out once per render.
struct VolumeKey {
    resource: String,
    volume: String,
    peer: String,
}

impl VolumeKey {
    fn labels(&self) -> [(&'static str, &str); 3] {
        [("resource", &self.resource), ("volume", &self.volume), ("peer", &self.peer)]
    }
}

pub fn render(report: &Report, opts: &Options) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let f = opts.format;
    {
        let mut m = family(&mut out, f, "drnfs_info", Kind::Gauge, "drnfs and the DRBD version it read");
        let version = report.drbd.version.clone().unwrap_or_default();
        m.sample(&[("version", &report.drnfs_version), ("drbd_version", &version)], 1.0);
    }
    sources(&mut out, report, f);
    drbd(&mut out, report, f);
    nfsd(&mut out, report, f);
    clients(&mut out, report, opts);
    write_path(&mut out, report, f);
    {
        let mut m = family(
            &mut out,
            f,
            "drnfs_finding",
            Kind::Gauge,
            "One series per active finding (drnfs doctor): rule, subject and severity",
        );
        for finding in &report.findings {
            let rule = finding.id.split(':').next().unwrap_or(&finding.id);
            let severity = format!("{:?}", finding.severity).to_lowercase();
            m.sample(&[("rule", rule), ("subject", &finding.subject), ("severity", &severity)], 1.0);
        }
    }
    if f == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn sources(out: &mut String, report: &Report, f: Format) {
    let mut m = family(
        out,
        f,
        "drnfs_source_up",
        Kind::Gauge,
        "1 when drnfs could read the source this sample, 0 when not (the reason is in drnfs doctor)",
    );
    let d = &report.drbd;
    let n = &report.nfsd;
    let config_read = !d.config.is_empty() && d.config_error.is_none();
    for (source, up) in [
        ("drbd", d.available),
        ("drbd_events2", d.events2.available),
        ("drbd_config", config_read),
        ("nfsd", n.available),
        ("nfsd_fs", n.nfsd_fs.available),
        ("client_sockets", report.clients_error.is_none()),
    ] {
        m.sample(&[("source", source)], if up { 1.0 } else { 0.0 });
    }
}

fn drbd(out: &mut String, report: &Report, f: Format) {
    let lines = summary::volumes(&report.drbd);
    let volume = |v: &VolumeLine| v.volume.map_or_else(String::new, |x| x.to_string());
    // DRBD 8.4's emulated events2 calls every connection `peer`: the configuration names
    // it (the host of the resource that is not this one), as the views do.
    let configured_peer = |resource: &str| -> Option<String> {
        let me = report.host.hostname.as_deref()?;
        report.drbd.config.iter().find(|r| r.name == resource)?.other_hosts(me).next().map(str::to_owned)
    };
    let keyed: Vec<(&VolumeLine, VolumeKey)> = lines
        .iter()
        .map(|v| {
            let peer = match v.peer.as_deref() {
                Some("peer") | None => configured_peer(&v.name).or_else(|| v.peer.clone()).unwrap_or_default(),
                Some(p) => p.to_owned(),
            };
            (v, VolumeKey { resource: v.name.clone(), volume: volume(v), peer })
        })
        .collect();
    // A resource's role once, though DRBD 9 gives it a line per peer and volume.
    let mut roles: BTreeMap<&str, String> = BTreeMap::new();
    for v in &lines {
        roles.entry(&v.name).or_insert_with(|| v.role.as_ref().map(Role::to_string).unwrap_or_default());
    }
    {
        let mut m = family(out, f, "drnfs_drbd_role", Kind::StateSet, "This node's role in the resource");
        for (resource, role) in &roles {
            m.states(&[("resource", resource)], Role::KNOWN, role);
        }
    }
    {
        let mut m = family(out, f, "drnfs_drbd_peer_role", Kind::StateSet, "The peer's role as this node sees it");
        for (v, k) in &keyed {
            let role = v.peer_role.as_ref().map(Role::to_string).unwrap_or_default();
            m.states(&k.labels(), Role::KNOWN, &role);
        }
    }
    {
        let mut m = family(
            out,
            f,
            "drnfs_drbd_connection_state",
            Kind::StateSet,
            "The connection to the peer (DRBD 8's cs: folded connection and replication; split here)",
        );
        for (v, k) in &keyed {
            let (c, _) = split_state(&v.state);
            m.states(&k.labels(), ConnectionState::KNOWN, &c);
        }
    }
    {
        let mut m = family(
            out,
            f,
            "drnfs_drbd_replication_state",
            Kind::StateSet,
            "Replication with the peer (Established, SyncSource, VerifyT, ...)",
        );
        for (v, k) in &keyed {
            let (_, r) = split_state(&v.state);
            m.states(&k.labels(), ReplicationState::KNOWN, &r);
        }
    }
    {
        let mut m = family(out, f, "drnfs_drbd_disk_state", Kind::StateSet, "This node's disk state of the volume");
        let mut seen = std::collections::BTreeSet::new();
        for v in lines.iter().filter(|v| seen.insert((v.name.clone(), v.volume))) {
            let disk = v.disk.as_ref().map(DiskState::to_string).unwrap_or_default();
            m.states(&[("resource", &v.name), ("volume", &volume(v))], DiskState::KNOWN, &disk);
        }
    }
    {
        let mut m = family(out, f, "drnfs_drbd_peer_disk_state", Kind::StateSet, "The peer's disk state of the volume");
        for (v, k) in &keyed {
            let disk = v.peer_disk.as_ref().map(DiskState::to_string).unwrap_or_default();
            m.states(&k.labels(), DiskState::KNOWN, &disk);
        }
    }
    {
        let mut m = family(
            out,
            f,
            "drnfs_drbd_out_of_sync_bytes",
            Kind::Gauge,
            "Data this node knows differs from the peer's (to resync)",
        );
        for (v, k) in &keyed {
            if let Some(oos) = v.out_of_sync_kib {
                m.sample(&k.labels(), (oos * 1024) as f64);
            }
        }
    }
    {
        let mut m = family(
            out,
            f,
            "drnfs_drbd_resync_done_ratio",
            Kind::Gauge,
            "Progress of the resync or online verify under way (0-1); absent when none is",
        );
        for (v, k) in &keyed {
            if let Some(s) = &v.sync {
                let kind = if s.verify { "verify" } else { "resync" };
                let role = if s.target { "target" } else { "source" };
                let [resource, volume, peer] = k.labels();
                m.sample(
                    &[resource, volume, peer, ("kind", kind), ("side", role)],
                    (s.percent / 100.0).clamp(0.0, 1.0),
                );
            }
        }
    }
    {
        let mut m =
            family(out, f, "drnfs_drbd_resync_speed_bytes_per_second", Kind::Gauge, "DRBD's own recent resync speed");
        for (v, k) in &keyed {
            if let Some(speed) = v.sync.as_ref().and_then(|s| s.speed_kib_s) {
                m.sample(&k.labels(), (speed * 1024) as f64);
            }
        }
    }
    {
        let mut m =
            family(out, f, "drnfs_drbd_resync_eta_seconds", Kind::Gauge, "DRBD's estimate of the time left to resync");
        for (v, k) in &keyed {
            if let Some(eta) = v.sync.as_ref().and_then(|s| s.eta_seconds) {
                m.sample(&k.labels(), eta as f64);
            }
        }
    }
    for (name, help, pick) in [
        (
            "drnfs_drbd_sent_bytes",
            "Bytes sent to the peer over the replication link (ns: or sent:)",
            (|t: (u64, u64)| t.0) as fn((u64, u64)) -> u64,
        ),
        ("drnfs_drbd_received_bytes", "Bytes received from the peer (nr: or received:)", |t: (u64, u64)| t.1),
    ] {
        let mut m = family(out, f, name, Kind::Counter, help);
        for (v, k) in &keyed {
            if let Some(t) = traffic(report, v) {
                m.sample(&k.labels(), pick(t) as f64);
            }
        }
    }
    for (name, help, pick) in [
        (
            "drnfs_drbd_pending_requests",
            "Requests sent to the peer and not yet answered (pe: or pending:)",
            (|r: (f64, f64)| r.0) as fn((f64, f64)) -> f64,
        ),
        (
            "drnfs_drbd_unacked_requests",
            "Requests from the peer not yet answered (ua: or unacked:)",
            |r: (f64, f64)| r.1,
        ),
    ] {
        let mut m = family(out, f, name, Kind::Gauge, help);
        for (v, k) in &keyed {
            if let Some(r) = requests(report, v) {
                m.sample(&k.labels(), pick(r));
            }
        }
    }
    {
        let mut m = family(
            out,
            f,
            "drnfs_drbd_split_brain",
            Kind::Gauge,
            "1 while DRBD has reported a split brain for the resource that it has not connected past",
        );
        for resource in roles.keys() {
            let split = report.drbd.split_brain.contains_key(*resource)
                || lines
                    .iter()
                    .filter(|v| v.name == *resource)
                    .any(|v| v.minor.is_some_and(|mi| report.drbd.split_brain.contains_key(&format!("minor{mi}"))));
            m.sample(&[("resource", resource)], if split { 1.0 } else { 0.0 });
        }
    }
}

fn nfsd(out: &mut String, report: &Report, f: Format) {
    let n = &report.nfsd;
    if !n.available {
        return;
    }
    if let Some(t) = n.threads {
        family(out, f, "drnfs_nfsd_threads", Kind::Gauge, "nfsd threads running").sample(&[], t as f64);
    }
    if let Some(rpc) = n.rpc {
        family(out, f, "drnfs_nfsd_rpc_calls", Kind::Counter, "RPC calls nfsd received").sample(&[], rpc.calls as f64);
        family(out, f, "drnfs_nfsd_rpc_bad_calls", Kind::Counter, "RPC calls nfsd rejected (format, auth, client)")
            .sample(&[], rpc.bad_calls as f64);
    }
    if let Some(io) = n.io {
        family(out, f, "drnfs_nfsd_read_bytes", Kind::Counter, "Bytes nfsd read for clients")
            .sample(&[], io.read_bytes as f64);
        family(out, f, "drnfs_nfsd_written_bytes", Kind::Counter, "Bytes nfsd wrote for clients")
            .sample(&[], io.write_bytes as f64);
    }
    {
        let mut m = family(out, f, "drnfs_nfsd_operations", Kind::Counter, "NFS operations by protocol version");
        for (version, ops) in &n.ops {
            for (op, count) in ops {
                m.sample(&[("version", version), ("operation", op)], *count as f64);
            }
        }
    }
    for (name, help, pick) in [
        (
            "drnfs_nfsd_pool_packets_arrived",
            "Requests that arrived at the thread pool",
            (|p: &drnfs_parsers::nfsd_fs::PoolStats| p.packets_arrived)
                as fn(&drnfs_parsers::nfsd_fs::PoolStats) -> u64,
        ),
        (
            "drnfs_nfsd_pool_sockets_enqueued",
            "Transports queued because no thread was free",
            |p: &drnfs_parsers::nfsd_fs::PoolStats| p.sockets_enqueued,
        ),
        (
            "drnfs_nfsd_pool_threads_woken",
            "Threads woken to take queued work",
            |p: &drnfs_parsers::nfsd_fs::PoolStats| p.threads_woken,
        ),
    ] {
        if n.pool_stats.is_empty() {
            continue;
        }
        let mut m = family(out, f, name, Kind::Counter, help);
        for p in &n.pool_stats {
            m.sample(&[("pool", &p.pool.to_string())], pick(p) as f64);
        }
    }
    if let Some(g) = n.in_grace {
        family(out, f, "drnfs_nfsd_in_grace", Kind::Gauge, "1 while nfsd is in its grace period (NFSv4 reclaim)")
            .sample(&[], if g { 1.0 } else { 0.0 });
    }
}

fn clients(out: &mut String, report: &Report, opts: &Options) {
    let f = opts.format;
    if report.clients_error.is_some() {
        return;
    }
    let (top, rest) = report.clients.split_at(report.clients.len().min(opts.top_clients));
    let addr: Vec<String> = top.iter().map(|c| c.address.to_string()).collect();
    let sum = |pick: fn(&crate::model::clients::ClientRow) -> Option<f64>| -> Option<f64> {
        rest.iter().map(pick).try_fold(0.0, |a, v| v.map(|v| a + v))
    };
    type Pick = fn(&crate::model::clients::ClientRow) -> Option<f64>;
    let rows: [(&'static str, &str, Pick); 4] = [
        ("drnfs_client_receive_bytes_per_second", "Bytes/s nfsd received from the client over the last 5 s", |c| {
            c.in_bytes_per_s
        }),
        ("drnfs_client_send_bytes_per_second", "Bytes/s nfsd sent to the client over the last 5 s", |c| {
            c.out_bytes_per_s
        }),
        ("drnfs_client_recv_queue_bytes", "Bytes from the client waiting for nfsd to read them (Recv-Q)", |c| {
            Some(c.recv_q as f64)
        }),
        (
            "drnfs_client_calls_share_ratio",
            "The client's share of the NFS calls over the last minute (estimated)",
            |c| c.calls_share,
        ),
    ];
    for (name, help, pick) in rows {
        let mut m = family(out, f, name, Kind::Gauge, help);
        for (c, a) in top.iter().zip(&addr) {
            if let Some(v) = pick(c) {
                m.sample(&[("client", a)], v);
            }
        }
        if !rest.is_empty()
            && let Some(v) = sum(pick)
        {
            m.sample(&[("client", "other")], v);
        }
    }
    family(out, f, "drnfs_clients", Kind::Gauge, "NFS client addresses connected")
        .sample(&[], report.clients.len() as f64);
}

fn write_path(out: &mut String, report: &Report, f: Format) {
    let Some(w) = &report.write_path else { return };
    let mut m = family(
        out,
        f,
        "drnfs_write_path_write_await_seconds",
        Kind::Gauge,
        "Mean time a write waited at each hop over the last 5 s (the DRBD device, its backing disk)",
    );
    for d in &w.devices {
        let resource = d.resource.clone().unwrap_or_default();
        if let Some(a) = d.device.as_ref().and_then(|r| r.write_await_ms) {
            m.sample(&[("resource", &resource), ("hop", "drbd"), ("device", &format!("drbd{}", d.minor))], a / 1000.0);
        }
        if let Some((name, a)) =
            d.backing.as_ref().and_then(|b| Some((b.name.clone()?, b.rates.as_ref()?.write_await_ms?)))
        {
            m.sample(&[("resource", &resource), ("hop", "local_disk"), ("device", &name)], a / 1000.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thousands of clients stay a bounded scrape: the busiest N have series of their own,
    /// the rest are summed into `other`, and the sum is the sum (no client is lost).
    #[test]
    fn clients_beyond_the_top_are_summed_into_other() {
        let mut report = Report::default();
        for i in 0..50u32 {
            let mut row =
                crate::model::clients::empty_row(format!("10.0.{}.{}", i / 200, i % 200 + 1).parse().unwrap());
            row.in_bytes_per_s = Some(f64::from(1000 - i));
            row.recv_q = u64::from(i);
            report.clients.push(row);
        }
        let text = render(&report, &Options { format: Format::OpenMetrics, top_clients: 3 });
        let receive: Vec<&str> =
            text.lines().filter(|l| l.starts_with("drnfs_client_receive_bytes_per_second{")).collect();
        assert_eq!(
            receive,
            [
                "drnfs_client_receive_bytes_per_second{client=\"10.0.0.1\"} 1000",
                "drnfs_client_receive_bytes_per_second{client=\"10.0.0.2\"} 999",
                "drnfs_client_receive_bytes_per_second{client=\"10.0.0.3\"} 998",
                // 997 down to 951, summed.
                "drnfs_client_receive_bytes_per_second{client=\"other\"} 45778",
            ]
        );
        assert!(text.contains("drnfs_client_recv_queue_bytes{client=\"other\"} 1222\n"), "3..=49 summed");
        assert!(text.contains("drnfs_clients 50\n"));
        // A figure unknown for one of the rest makes `other` unknown, not a smaller sum.
        report.clients[10].in_bytes_per_s = None;
        let text = render(&report, &Options { format: Format::OpenMetrics, top_clients: 3 });
        assert!(!text.contains("drnfs_client_receive_bytes_per_second{client=\"other\"}"), "{text}");
    }

    #[test]
    fn numbers_and_labels_are_written_as_the_formats_want() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(split_state("SyncSource"), ("Connected".to_owned(), "SyncSource".to_owned()));
        assert_eq!(split_state("WFConnection"), ("Connecting".to_owned(), "Off".to_owned()));
        assert_eq!(split_state("StandAlone"), ("StandAlone".to_owned(), "Off".to_owned()));
        assert_eq!(split_state("Connected"), ("Connected".to_owned(), "Established".to_owned()));
        assert_eq!(split_state("Established"), ("Connected".to_owned(), "Established".to_owned()));
        assert_eq!(split_state("Connecting"), ("Connecting".to_owned(), "Off".to_owned()));
    }
}
