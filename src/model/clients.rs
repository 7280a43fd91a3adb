//! Who is loading nfsd: TCP connections to the NFS port grouped by client address, with
//! byte rates from `tcp_info` deltas keyed by socket cookie, joined with NFSv4 identity.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use drnfs_parsers::sock_diag::TcpSocket;
use serde::{Deserialize, Serialize};

use super::snapshot::ClientV4;

/// How long the per-client share of inbound bytes looks back (the noisy-client finding).
pub const SHARE_WINDOW_SECONDS: f64 = 60.0;

/// One TCP connection of a client.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ClientConnection {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// TCP state as `ss` names it (`ESTAB`, `CLOSE-WAIT`, …).
    // A fixed name, borrowed: each of 10,000 connections does not own a copy.
    pub state: Cow<'static, str>,
    pub cookie: u64,
    pub recv_q: u32,
    pub send_q: u32,
    pub rtt_us: Option<u32>,
    pub total_retrans: Option<u32>,
    /// Bytes received from the client over this connection's life (`tcp_info.bytes_received`).
    pub bytes_in: Option<u64>,
    /// Bytes the client acknowledged (`tcp_info.bytes_acked`).
    pub bytes_out: Option<u64>,
    /// This connection's rates over the last sample interval only (the client's row has
    /// them over the rate window).
    pub in_bytes_per_s: Option<f64>,
    pub out_bytes_per_s: Option<f64>,
    /// RPC calls per second the client sent over this connection, estimated from TCP
    /// (see [`estimated_calls`]).
    pub calls_per_s: Option<f64>,
}

/// RPC calls in `segs` data segments carrying `bytes` from the client, whose segments
/// hold up to `mss` bytes. An NFS client sends each call with TCP_NODELAY, so a call that
/// fits one segment is one segment: a metadata storm's GETATTRs count one each
/// (`segs`). A WRITE of k full segments is one call but k segments; then
/// `segs − bytes/mss` is about half a segment per call (the partly filled last one), so
/// twice that counts the calls. The smaller of the two is right within a factor of two
/// for any mix — enough to tell a storm of 600 calls/s from a writer's 4 — and works on
/// every kernel since 4.6 (`tcpi_data_segs_in`), whereas sampling nfsd's in-flight RPCs
/// (rpc-status) misses calls shorter than its sampling period.
pub fn estimated_calls(segs: u64, bytes: u64, mss: u32) -> f64 {
    let segs = segs as f64;
    let full = bytes as f64 / f64::from(mss.max(536));
    (2.0 * (segs - full)).clamp(0.0, segs)
}

/// The NFSv4 identity of a client address (several when it mounts with several ids).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Nfs4Identity {
    pub name: Option<String>,
    pub minor_version: Option<u32>,
    pub status: Option<String>,
    pub callback_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ClientRow {
    pub address: IpAddr,
    /// Reverse DNS, when resolved.
    pub hostname: Option<String>,
    /// NFSv4 client name (`Linux NFSv4.2 db1`), the first of `nfs4`.
    pub nfs4_name: Option<String>,
    #[serde(default)]
    pub nfs4: Vec<Nfs4Identity>,
    #[serde(default, deserialize_with = "connections_or_count")]
    pub connections: Vec<ClientConnection>,
    #[serde(default)]
    pub bytes_in: u64,
    #[serde(default)]
    pub bytes_out: u64,
    /// Bytes waiting for nfsd to read them (summed Recv-Q): the client is queued behind
    /// busy nfsd threads.
    #[serde(default)]
    pub recv_q: u64,
    #[serde(default)]
    pub send_q: u64,
    /// Bytes/s over the rate window ([`super::rates::RATE_WINDOW_SECONDS`]).
    pub in_bytes_per_s: Option<f64>,
    pub out_bytes_per_s: Option<f64>,
    /// Share of all clients' inbound bytes over the rate window (0–1).
    pub share_in: Option<f64>,
    /// Share of all clients' inbound bytes over the last [`SHARE_WINDOW_SECONDS`].
    pub share_in_window: Option<f64>,
    /// Inbound bytes over that window.
    #[serde(default)]
    pub window_bytes_in: u64,
    /// RPC calls per second over the rate window, estimated from TCP ([`estimated_calls`]).
    pub calls_per_s: Option<f64>,
    /// Share of all clients' (estimated) RPC calls over the window: its share of the ops.
    pub calls_share: Option<f64>,
    /// Estimated calls over the window.
    #[serde(default)]
    pub window_calls: f64,
    /// Share of the nfsd threads seen busy with this client's RPCs over the window
    /// (rpc-status samples, Linux 6.7+): its share of nfsd's thread time.
    pub busy_share: Option<f64>,
    /// This client's operations seen in flight over the window, most frequent first.
    #[serde(default)]
    pub top_ops: Vec<(String, u32)>,
}

/// Reports of drnfs 0.1 (a peer not upgraded yet, the first lab captures) held only the
/// number of connections here: read as none known.
fn connections_or_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ClientConnection>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<ClientConnection>),
        Count(#[allow(dead_code)] u64),
    }
    Ok(match Either::deserialize(d)? {
        Either::List(l) => l,
        Either::Count(_) => Vec::new(),
    })
}

impl ClientRow {
    /// What to call the client: its DNS name, else the host in its NFSv4 client name
    /// (`Linux NFSv4.2 db1` → `db1`).
    pub fn display_name(&self) -> Option<String> {
        if let Some(h) = &self.hostname {
            return Some(h.clone());
        }
        let name = self.nfs4_name.as_deref()?;
        let last = name.split_whitespace().last()?;
        Some(last.rsplit('/').next().unwrap_or(last).to_owned())
    }
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    ip: IpAddr,
    bytes_in: Option<u64>,
    bytes_out: Option<u64>,
    data_segs_in: Option<u32>,
}

/// What each client did in one interval: bytes in, bytes out, estimated calls.
#[derive(Debug, Clone, Copy, Default)]
struct Traffic {
    bytes_in: u64,
    bytes_out: u64,
    calls: f64,
}

#[derive(Debug, Clone)]
struct Interval {
    /// The sample this interval started at.
    from: f64,
    at: f64,
    per_ip: HashMap<IpAddr, Traffic>,
}

/// Each client's traffic summed over `intervals`.
fn summed<'a>(intervals: impl IntoIterator<Item = &'a Interval>) -> HashMap<IpAddr, Traffic> {
    let mut sums: HashMap<IpAddr, Traffic> = HashMap::new();
    for w in intervals {
        for (ip, t) in &w.per_ip {
            let sum = sums.entry(*ip).or_default();
            sum.bytes_in += t.bytes_in;
            sum.bytes_out += t.bytes_out;
            sum.calls += t.calls;
        }
    }
    sums
}

/// Follows the sockets across samples and keeps the per-client rows.
/// A map for the per-sample work over every socket, with foldhash's fast hash (seeded per
/// map) instead of SipHash: the keys are kernel-chosen cookies and the addresses of
/// connected clients, not text chosen to collide.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Default, Clone)]
pub struct ClientTracker {
    last: FastMap<u64, Seen>,
    last_at: Option<f64>,
    window: VecDeque<Interval>,
    pub rows: Vec<ClientRow>,
    /// Inbound and outbound bytes/s over all clients, over the rate window.
    pub total_in_per_s: Option<f64>,
    pub total_out_per_s: Option<f64>,
    /// Estimated RPC calls/s over all clients, over the rate window.
    pub total_calls_per_s: Option<f64>,
    /// Why sockets could not be read, if they could not.
    pub error: Option<String>,
    pub hostnames: BTreeMap<IpAddr, String>,
    activity: VecDeque<(f64, crate::source::rpc_status::RpcActivity)>,
    /// Why per-client operations are not available (kernel without rpc-status, …).
    pub activity_error: Option<String>,
    /// rpc-status samples taken over the window (0: none).
    pub activity_samples: u32,
    /// RPCs seen in flight, summed over those samples (thread-samples busy).
    pub activity_busy: u32,
}

impl ClientTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether any socket sample arrived (a capture read with `--proc-root` has none).
    pub fn sampled(&self) -> bool {
        self.last_at.is_some() || self.error.is_some()
    }

    /// A new socket sample taken at monotonic second `at`.
    pub fn update(&mut self, at: f64, sockets: &[TcpSocket], nfs4: &[ClientV4]) {
        self.error = None;
        let dt = self.last_at.map(|p| at - p).filter(|d| *d > 0.0);
        // One row per client address; each socket finds its row with one lookup (a busy
        // server has 10,000 sockets from a few hundred clients, every sample).
        let mut index: FastMap<IpAddr, usize> = FastMap::default();
        let mut rows: Vec<(ClientRow, Traffic)> = Vec::new();
        let mut next_last: FastMap<u64, Seen> = FastMap::with_capacity_and_hasher(sockets.len(), Default::default());
        for s in sockets {
            let ip = s.remote_ip();
            let info = s.info.as_ref();
            let bytes_in = info.and_then(|i| i.bytes_received);
            let bytes_out = info.and_then(|i| i.bytes_acked);
            // Deltas by cookie: a reconnect from the same port is a new socket, not a diff.
            let prev = self.last.get(&s.cookie);
            let grew = |now: Option<u64>, before: Option<u64>| match (now, before) {
                (Some(n), Some(b)) if n >= b => Some(n - b),
                (Some(n), None) if prev.is_none() && self.last_at.is_some() => Some(n), // opened meanwhile
                _ => None,
            };
            let d_in = grew(bytes_in, prev.and_then(|p| p.bytes_in));
            let d_out = grew(bytes_out, prev.and_then(|p| p.bytes_out));
            let segs_in = info.and_then(|i| i.data_segs_in);
            // data_segs_in is a u32 that wraps on a long-lived busy connection.
            let d_segs = match (segs_in, prev.and_then(|p| p.data_segs_in)) {
                (Some(n), Some(b)) => Some(u64::from(n.wrapping_sub(b))),
                (Some(n), None) if prev.is_none() && self.last_at.is_some() => Some(u64::from(n)),
                _ => None,
            };
            let mss = info.and_then(|i| i.rcv_mss.filter(|m| *m > 0).or(i.snd_mss)).unwrap_or(1448);
            let d_calls = match (d_segs, d_in) {
                (Some(segs), Some(b)) => Some(estimated_calls(segs, b, mss)),
                _ => None,
            };
            next_last.insert(s.cookie, Seen { ip, bytes_in, bytes_out, data_segs_in: segs_in });
            let at_row = *index.entry(ip).or_insert_with(|| {
                rows.push((empty_row(ip), Traffic::default()));
                rows.len() - 1
            });
            let (row, slot) = &mut rows[at_row];
            slot.bytes_in += d_in.unwrap_or(0);
            slot.bytes_out += d_out.unwrap_or(0);
            slot.calls += d_calls.unwrap_or(0.0);
            row.bytes_in += bytes_in.unwrap_or(0);
            row.bytes_out += bytes_out.unwrap_or(0);
            row.recv_q += u64::from(s.recv_q);
            row.send_q += u64::from(s.send_q);
            row.connections.push(ClientConnection {
                local: s.local,
                remote: s.remote,
                state: Cow::Borrowed(drnfs_parsers::sock_diag::tcp_state_name(s.state)),
                cookie: s.cookie,
                recv_q: s.recv_q,
                send_q: s.send_q,
                rtt_us: info.and_then(|i| i.rtt_us),
                total_retrans: info.and_then(|i| i.total_retrans),
                bytes_in,
                bytes_out,
                in_bytes_per_s: dt.and_then(|dt| d_in.map(|d| d as f64 / dt)),
                out_bytes_per_s: dt.and_then(|dt| d_out.map(|d| d as f64 / dt)),
                calls_per_s: dt.and_then(|dt| d_calls.map(|c| c / dt)),
            });
        }
        let mut interval = Interval {
            from: self.last_at.unwrap_or(at),
            at,
            per_ip: rows.iter().map(|(row, traffic)| (row.address, *traffic)).collect(),
        };
        let mut rows: BTreeMap<IpAddr, ClientRow> = rows.into_iter().map(|(row, _)| (row.address, row)).collect();
        // Connections that closed since the last sample keep what they had been credited
        // with (nothing new is known about them); their client still shows in the window.
        for (cookie, seen) in &self.last {
            if !next_last.contains_key(cookie) {
                interval.per_ip.entry(seen.ip).or_default();
            }
        }
        if dt.is_some() {
            let current: Vec<IpAddr> = interval.per_ip.keys().copied().collect();
            self.window.push_back(interval);
            while self.window.front().is_some_and(|w| at - w.at > SHARE_WINDOW_SECONDS) {
                self.window.pop_front();
            }
            // Rates over the same window as every other rate (the last intervals that
            // together span RATE_WINDOW_SECONDS), not the last tick alone: a client's
            // writes come in bursts.
            let recent: Vec<&Interval> = self
                .window
                .iter()
                .rev()
                .enumerate()
                .take_while(|(i, w)| *i == 0 || at - w.from <= super::rates::RATE_WINDOW_SECONDS + 0.25)
                .map(|(_, w)| w)
                .collect();
            // Newest first: the last is the oldest, where the window starts.
            let span = at - recent.last().map_or(at, |w| w.from);
            let sums = summed(recent);
            let total_in: u64 = sums.values().map(|v| v.bytes_in).sum();
            let total_out: u64 = sums.values().map(|v| v.bytes_out).sum();
            let total_calls = super::rates::total(sums.values().map(|v| v.calls));
            self.total_in_per_s = Some(total_in as f64 / span);
            self.total_out_per_s = Some(total_out as f64 / span);
            self.total_calls_per_s = Some(total_calls / span);
            for ip in current {
                let t = sums.get(&ip).copied().unwrap_or_default();
                let row = rows.entry(ip).or_insert_with(|| empty_row(ip));
                row.in_bytes_per_s = Some(t.bytes_in as f64 / span);
                row.out_bytes_per_s = Some(t.bytes_out as f64 / span);
                row.calls_per_s = Some(t.calls / span);
                row.share_in = (total_in > 0).then(|| t.bytes_in as f64 / total_in as f64);
            }
        }
        let window = summed(&self.window);
        let window_total: u64 = window.values().map(|t| t.bytes_in).sum();
        let window_calls = super::rates::total(window.values().map(|t| t.calls));
        for row in rows.values_mut() {
            let mine = window.get(&row.address).copied().unwrap_or_default();
            row.window_bytes_in = mine.bytes_in;
            row.share_in_window = (window_total > 0).then(|| row.window_bytes_in as f64 / window_total as f64);
            row.window_calls = mine.calls;
            row.calls_share = (window_calls > 0.0).then(|| mine.calls / window_calls);
            row.hostname = self.hostnames.get(&row.address).cloned();
            row.nfs4 = nfs4
                .iter()
                .filter(|c| c.info.address.map(drnfs_parsers::sock_diag::canonical_ip) == Some(row.address))
                .map(|c| Nfs4Identity {
                    name: c.info.name.clone(),
                    minor_version: c.info.minor_version,
                    status: c.info.status.clone(),
                    callback_state: c.info.callback_state.clone(),
                })
                .collect();
            // Confirmed records first: stale courtesy ones are noise.
            row.nfs4.sort_by_key(|n| n.status.as_deref() != Some("confirmed"));
            row.nfs4_name = row.nfs4.first().and_then(|n| n.name.clone());
        }
        let mut rows: Vec<ClientRow> = rows.into_values().collect();
        rows.sort_by(|a, b| {
            b.in_bytes_per_s
                .unwrap_or(0.0)
                .total_cmp(&a.in_bytes_per_s.unwrap_or(0.0))
                .then_with(|| b.bytes_in.cmp(&a.bytes_in))
                .then_with(|| a.address.cmp(&b.address))
        });
        self.rows = rows;
        self.last = next_last;
        self.last_at = Some(at);
        self.annotate_activity();
    }

    /// One interval of rpc-status samples.
    pub fn update_activity(&mut self, at: f64, a: crate::source::rpc_status::RpcActivity) {
        self.activity_error = None;
        self.activity.push_back((at, a));
        while self.activity.front().is_some_and(|(t, _)| at - t > SHARE_WINDOW_SECONDS) {
            self.activity.pop_front();
        }
        self.annotate_activity();
    }

    fn annotate_activity(&mut self) {
        self.activity_samples = self.activity.iter().map(|(_, a)| a.samples).sum();
        let mut busy: HashMap<IpAddr, u32> = HashMap::new();
        let mut ops: HashMap<IpAddr, BTreeMap<String, u32>> = HashMap::new();
        for (_, a) in &self.activity {
            for (ip, c) in &a.clients {
                *busy.entry(*ip).or_default() += c.busy;
                let o = ops.entry(*ip).or_default();
                for (name, n) in &c.ops {
                    *o.entry(name.clone()).or_default() += n;
                }
            }
        }
        let total: u32 = busy.values().sum();
        self.activity_busy = total;
        for row in &mut self.rows {
            if self.activity_samples == 0 {
                row.busy_share = None;
                row.top_ops.clear();
                continue;
            }
            let b = busy.get(&row.address).copied().unwrap_or(0);
            row.busy_share = Some(if total > 0 { f64::from(b) / f64::from(total) } else { 0.0 });
            let mut top: Vec<(String, u32)> = ops.remove(&row.address).unwrap_or_default().into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            top.truncate(5);
            row.top_ops = top;
        }
    }

    pub fn failed(&mut self, reason: String) {
        if self.error.as_ref() != Some(&reason) {
            tracing::warn!("NFS client sockets unavailable: {reason}");
        }
        self.error = Some(reason);
    }

    pub fn set_hostname(&mut self, ip: IpAddr, name: String) {
        if let Some(r) = self.rows.iter_mut().find(|r| r.address == ip) {
            r.hostname = Some(name.clone());
        }
        self.hostnames.insert(ip, name);
    }
}

pub(crate) fn empty_row(ip: IpAddr) -> ClientRow {
    ClientRow {
        address: ip,
        hostname: None,
        nfs4_name: None,
        nfs4: Vec::new(),
        connections: Vec::new(),
        bytes_in: 0,
        bytes_out: 0,
        recv_q: 0,
        send_q: 0,
        in_bytes_per_s: None,
        out_bytes_per_s: None,
        share_in: None,
        share_in_window: None,
        window_bytes_in: 0,
        calls_per_s: None,
        calls_share: None,
        window_calls: 0.0,
        busy_share: None,
        top_ops: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use drnfs_parsers::sock_diag::TcpInfo;

    use super::*;

    fn sock(remote: &str, cookie: u64, bytes_in: u64, bytes_out: u64) -> TcpSocket {
        TcpSocket {
            local: "10.50.0.100:2049".parse().unwrap(),
            remote: remote.parse().unwrap(),
            state: 1,
            recv_q: 0,
            send_q: 0,
            uid: 0,
            inode: 0,
            cookie,
            info: Some(TcpInfo { bytes_received: Some(bytes_in), bytes_acked: Some(bytes_out), ..Default::default() }),
        }
    }

    #[test]
    fn groups_by_address_and_ranks_by_inbound_rate() {
        let mut t = ClientTracker::new();
        t.update(
            0.0,
            &[sock("10.0.0.1:800", 1, 100, 0), sock("10.0.0.1:801", 2, 0, 0), sock("10.0.0.2:900", 3, 0, 0)],
            &[],
        );
        assert!(t.rows.iter().all(|r| r.in_bytes_per_s.is_none()));
        // nconnect: two sockets of 10.0.0.1 are one row; 10.0.0.2 reconnects (new cookie).
        t.update(
            2.0,
            &[sock("10.0.0.1:800", 1, 4100, 0), sock("10.0.0.1:801", 2, 2000, 0), sock("10.0.0.2:901", 4, 1000, 50)],
            &[],
        );
        let r = &t.rows;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].address.to_string(), "10.0.0.1");
        assert_eq!(r[0].connections.len(), 2);
        assert_eq!(r[0].in_bytes_per_s, Some(3000.0));
        assert_eq!(r[1].in_bytes_per_s, Some(500.0)); // the new socket counts from 0
        assert_eq!(r[1].out_bytes_per_s, Some(25.0));
        assert_eq!(t.total_in_per_s, Some(3500.0));
        assert!((r[0].share_in.unwrap() - 6000.0 / 7000.0).abs() < 1e-9);
    }

    /// A client whose writes land in 768 KiB bursts every 3 s is shown at its real pace
    /// (over the 5 s window), not at 0 between bursts and 768 KiB/s on them; the total
    /// agrees with the row, as nfsd's own rates over the same window would.
    #[test]
    fn client_rates_are_taken_over_the_rate_window() {
        let mut t = ClientTracker::new();
        let mut bytes = 0;
        let mut shown = Vec::new();
        for tick in 0..=30u32 {
            if tick > 0 && tick % 3 == 0 {
                bytes += 3 * 256 * 1024;
            }
            t.update(f64::from(tick), &[sock("10.0.0.1:800", 1, bytes, 0), sock("10.0.0.2:800", 2, 0, 0)], &[]);
            if tick >= 5 {
                let row = t.rows.iter().find(|r| r.address.to_string() == "10.0.0.1").unwrap();
                shown.push(row.in_bytes_per_s.unwrap());
                assert_eq!(t.total_in_per_s, row.in_bytes_per_s);
            }
        }
        let (lo, hi) = shown.iter().fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        assert!(lo >= 153_000.0 && hi <= 315_000.0, "{lo}..{hi}");
        // The idle client is still a row, at 0.
        let idle = t.rows.iter().find(|r| r.address.to_string() == "10.0.0.2").unwrap();
        assert_eq!((idle.in_bytes_per_s, idle.share_in), (Some(0.0), Some(0.0)));
    }

    #[test]
    fn closed_connection_keeps_its_share_in_the_window() {
        let mut t = ClientTracker::new();
        t.update(0.0, &[sock("10.0.0.1:800", 1, 0, 0), sock("10.0.0.2:900", 2, 0, 0)], &[]);
        t.update(1.0, &[sock("10.0.0.1:800", 1, 900, 0), sock("10.0.0.2:900", 2, 100, 0)], &[]);
        t.update(2.0, &[sock("10.0.0.2:900", 2, 200, 0)], &[]); // 10.0.0.1 closed
        let a = t.rows.iter().find(|r| r.address.to_string() == "10.0.0.1").unwrap();
        assert_eq!(a.window_bytes_in, 900);
        assert!((a.share_in_window.unwrap() - 0.9 * 1000.0 / 1100.0).abs() < 1e-9);
    }

    fn sock_segs(remote: &str, cookie: u64, bytes_in: u64, segs_in: u32) -> TcpSocket {
        let mut s = sock(remote, cookie, bytes_in, 0);
        let info = s.info.as_mut().unwrap();
        info.data_segs_in = Some(segs_in);
        info.rcv_mss = Some(1448);
        s
    }

    #[test]
    fn calls_estimated_from_segments() {
        // 600 GETATTRs of 140 bytes: one segment each.
        assert_eq!(estimated_calls(600, 600 * 140, 1448), 600.0);
        // 4 WRITEs of 64 KiB + 200 bytes of header: 46 segments each.
        let writes = estimated_calls(4 * 46, 4 * (65536 + 200), 1448);
        assert!((2.0..=8.0).contains(&writes), "{writes}");
        // Nothing sent, nothing estimated; never more calls than segments, never negative.
        assert_eq!(estimated_calls(0, 0, 1448), 0.0);
        assert_eq!(estimated_calls(3, 10 << 20, 1448), 0.0);
        assert_eq!(estimated_calls(10, 0, 0), 10.0);
    }

    #[test]
    fn a_metadata_storm_leads_by_calls_while_the_writer_leads_by_bytes() {
        let mut t = ClientTracker::new();
        t.update(0.0, &[sock_segs("10.0.0.1:800", 1, 0, 0), sock_segs("10.0.0.2:900", 2, 0, u32::MAX - 10)], &[]);
        // writer: 1 MiB/s in 16 WRITEs of 64 KiB; storm: 600 calls of 140 bytes, its
        // segment counter wrapping on the way.
        t.update(
            1.0,
            &[sock_segs("10.0.0.1:800", 1, 16 * 65736, 16 * 46), sock_segs("10.0.0.2:900", 2, 600 * 140, 589)],
            &[],
        );
        let writer = t.rows.iter().find(|r| r.address.to_string() == "10.0.0.1").unwrap();
        let storm = t.rows.iter().find(|r| r.address.to_string() == "10.0.0.2").unwrap();
        assert!(writer.share_in.unwrap() > 0.9);
        assert_eq!(storm.calls_per_s, Some(600.0));
        assert!((8.0..=32.0).contains(&writer.calls_per_s.unwrap()), "{:?}", writer.calls_per_s);
        assert!(storm.calls_share.unwrap() > 0.9, "{:?}", storm.calls_share);
        assert_eq!(storm.connections[0].calls_per_s, Some(600.0));
    }
}
