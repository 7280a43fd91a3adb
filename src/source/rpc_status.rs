//! Sampling nfsd's in-flight RPCs over generic netlink (`rpc-status-get`, Linux 6.7+)
//! several times per second, summed per client over each interval.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use drnfs_parsers::nfsd_genl::{self, InFlightRpc};
use drnfs_parsers::nfsd_stats::{NfsVersion, op_name};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_GENERIC};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::Sender;

use super::SourceError;
use super::input::Input;

/// Dumps per second.
pub const SAMPLE_HZ: u64 = 20;

/// What the samples of one interval saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RpcActivity {
    /// Dumps taken in the interval.
    pub samples: u32,
    /// Per client address: RPCs seen in flight (summed over the samples) and their
    /// operations (`v4 write`, `v3 getattr`, …).
    pub clients: BTreeMap<IpAddr, ClientActivity>,
    /// (client, xid) pairs of the previous sample: an RPC seen in several samples in a row
    /// is one call.
    #[serde(skip)]
    #[schemars(skip)]
    previous: std::collections::HashSet<(IpAddr, u32)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClientActivity {
    /// Thread-samples busy with this client's RPCs (long RPCs count in every sample they
    /// are seen: this measures nfsd thread time).
    pub busy: u32,
    /// Distinct RPCs seen (each call once, however long it ran: this counts calls).
    #[serde(default)]
    pub calls: u32,
    /// Operations of those calls.
    pub ops: BTreeMap<String, u32>,
}

impl RpcActivity {
    pub fn add(&mut self, rpcs: &[InFlightRpc]) {
        self.samples += 1;
        let mut seen = std::collections::HashSet::with_capacity(rpcs.len());
        for r in rpcs {
            let Some(client) = r.client else { continue };
            let ip = drnfs_parsers::sock_diag::canonical_ip(client.ip());
            let c = self.clients.entry(ip).or_default();
            c.busy += 1;
            seen.insert((ip, r.xid));
            if self.previous.contains(&(ip, r.xid)) {
                continue; // the same call, still running: its operations are counted
            }
            c.calls += 1;
            if r.version == 4 {
                for op in r.compound_ops.iter().filter(|op| !matches!(op, 22 | 53)) {
                    // PUTFH and SEQUENCE are in every compound: they say nothing.
                    *c.ops.entry(format!("v4 {}", op_name(NfsVersion::V4, *op as usize))).or_default() += 1;
                }
            } else if r.version == 3 {
                *c.ops.entry(format!("v3 {}", op_name(NfsVersion::V3, r.procedure as usize))).or_default() += 1;
            }
        }
        self.previous = seen;
    }

    /// A fresh interval that still remembers the calls in flight at the end of this one.
    pub fn next_interval(&mut self) -> RpcActivity {
        let previous = self.previous.clone();
        let mut done = std::mem::take(self);
        self.previous = previous;
        done.previous.clear();
        done
    }
}

fn error(message: String) -> SourceError {
    SourceError::Io { path: "netlink nfsd rpc-status".to_owned(), message }
}

/// A generic-netlink socket bound to the nfsd family.
pub struct RpcStatus {
    socket: Socket,
    family: u16,
    seq: u32,
    buf: Vec<u8>,
}

impl RpcStatus {
    pub fn open() -> Result<Self, SourceError> {
        let mut socket = Socket::new(NETLINK_GENERIC).map_err(|e| error(format!("cannot open: {e}")))?;
        socket.bind_auto().map_err(|e| error(format!("cannot bind: {e}")))?;
        socket.connect(&SocketAddr::new(0, 0)).map_err(|e| error(format!("cannot connect: {e}")))?;
        let mut me = Self { socket, family: 0, seq: 1, buf: Vec::with_capacity(64 * 1024) };
        me.socket
            .send(&nfsd_genl::family_request(nfsd_genl::NFSD_FAMILY_NAME, 1), 0)
            .map_err(|e| error(e.to_string()))?;
        me.buf.clear();
        me.buf.reserve(64 * 1024);
        let n = me.socket.recv(&mut me.buf, 0).map_err(|e| error(e.to_string()))?;
        let reply = nfsd_genl::decode(&me.buf[..n.min(me.buf.len())], None);
        match (reply.family_id, reply.error) {
            (Some(id), _) => me.family = id,
            (None, Some(e)) if e == -libc::ENOENT => {
                return Err(error("the kernel has no nfsd netlink family (Linux 6.7+, nfsd loaded)".to_owned()));
            }
            (None, e) => return Err(error(format!("family lookup failed ({e:?})"))),
        }
        Ok(me)
    }

    /// One dump of the RPCs in flight now.
    pub fn dump(&mut self) -> Result<Vec<InFlightRpc>, SourceError> {
        self.seq = self.seq.wrapping_add(1);
        self.socket.send(&nfsd_genl::rpc_status_request(self.family, self.seq), 0).map_err(|e| error(e.to_string()))?;
        let mut rpcs = Vec::new();
        loop {
            self.buf.clear();
            self.buf.reserve(64 * 1024);
            let n = self.socket.recv(&mut self.buf, 0).map_err(|e| error(e.to_string()))?;
            let reply = nfsd_genl::decode(&self.buf[..n.min(self.buf.len())], Some(self.family));
            rpcs.extend(reply.rpcs);
            if let Some(e) = reply.error {
                return Err(error(format!("dump refused: {}", std::io::Error::from_raw_os_error(-e))));
            }
            if reply.done || n == 0 {
                return Ok(rpcs);
            }
        }
    }
}

/// Samples at [`SAMPLE_HZ`] on a thread and sends one [`Input::RpcActivity`] per interval.
/// Samples nfsd's in-flight RPCs at [`SAMPLE_HZ`] for `window` (a one-shot read with
/// `--sample-seconds`); the activity seen, or why it could not be read. Takes `window`
/// either way.
pub fn sample_for(window: Duration) -> Result<RpcActivity, SourceError> {
    let until = Instant::now() + window;
    let period = Duration::from_millis(1000 / SAMPLE_HZ);
    let result = RpcStatus::open().and_then(|mut socket| {
        let mut a = RpcActivity::default();
        while Instant::now() < until {
            a.add(&socket.dump()?);
            std::thread::sleep(period);
        }
        Ok(a)
    });
    std::thread::sleep(until.saturating_duration_since(Instant::now()));
    result
}

pub fn spawn_sampler(interval: Duration, tx: Sender<Input>, start: Instant) {
    std::thread::Builder::new()
        .name("rpc-status".into())
        .spawn(move || {
            let period = Duration::from_millis(1000 / SAMPLE_HZ);
            loop {
                let mut socket = match RpcStatus::open() {
                    Ok(s) => s,
                    Err(e) => {
                        let at = start.elapsed().as_secs_f64();
                        if tx.blocking_send(Input::RpcActivity { at, activity: Err(e) }).is_err() {
                            return;
                        }
                        std::thread::sleep(Duration::from_secs(10).max(interval));
                        continue;
                    }
                };
                let mut activity = RpcActivity::default();
                let mut next_report = Instant::now() + interval;
                loop {
                    match socket.dump() {
                        Ok(rpcs) => activity.add(&rpcs),
                        Err(e) => {
                            let at = start.elapsed().as_secs_f64();
                            let _ = tx.blocking_send(Input::RpcActivity { at, activity: Err(e) });
                            break;
                        }
                    }
                    if Instant::now() >= next_report {
                        let at = start.elapsed().as_secs_f64();
                        let done = activity.next_interval();
                        if tx.blocking_send(Input::RpcActivity { at, activity: Ok(done) }).is_err() {
                            return;
                        }
                        next_report += interval;
                    }
                    std::thread::sleep(period);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
        .ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_client_without_the_ubiquitous_ops() {
        let rpc = |client: &str, version: u8, procedure: u32, ops: Vec<u32>| InFlightRpc {
            xid: 1,
            program: 100_003,
            version,
            procedure,
            service_time_us: 0,
            client: Some(client.parse().unwrap()),
            server: None,
            compound_ops: ops,
        };
        let mut a = RpcActivity::default();
        a.add(&[rpc("10.0.0.1:800", 4, 1, vec![53, 22, 38]), rpc("10.0.0.2:900", 3, 1, vec![])]);
        a.add(&[rpc("10.0.0.2:900", 3, 4, vec![])]); // same xid 1: the same call, still running
        a.add(&[]);
        assert_eq!(a.samples, 3);
        let one = &a.clients[&"10.0.0.1".parse::<IpAddr>().unwrap()];
        assert_eq!(one.busy, 1);
        assert_eq!(one.ops.keys().collect::<Vec<_>>(), vec!["v4 write"]);
        let two = &a.clients[&"10.0.0.2".parse::<IpAddr>().unwrap()];
        assert_eq!((two.busy, two.calls), (2, 1));
        assert_eq!(two.ops.keys().collect::<Vec<_>>(), vec!["v3 getattr"]);
    }
}
