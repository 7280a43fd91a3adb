//! The write path, hop by hop: where an NFS write waits between the client's request and
//! nfsd's reply. On a DRBD pair a write goes client → nfsd thread → filesystem → DRBD
//! device → local disk and (protocol C) the peer's disk over the replication link. Each hop
//! is measured here from two samples; `diagnose::write_path` names the one that dominates.
//!
//! The DRBD device's own `w_await` (from `/proc/diskstats`, as `iostat -x` shows it) is the
//! time the filesystem waits for a write; the backing disk's `w_await` is the local part of
//! it. With protocol C the difference is what the write waited for the peer.

use drnfs_parsers::diskstats::{self, DiskRates, DiskStats};
use drnfs_parsers::drbd_config::ResourceConfig;
use drnfs_parsers::loadavg::LoadAvg;
use drnfs_parsers::proc_stat::{self, CpuShares};
use drnfs_parsers::sock_diag::{TcpInfo, TcpSocket, canonical_ip};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::snapshot::{HostIo, Snapshot};

/// Every hop's figures over the last interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WritePath {
    pub interval_seconds: f64,
    pub nfsd: NfsdHop,
    /// One per DRBD device of this node.
    pub devices: Vec<DeviceHop>,
    pub host: HostHop,
    /// DRBD's replication connections to each peer, from sock_diag like the clients.
    pub links: Vec<LinkHop>,
    /// What could not be measured, and why (a capture without `/proc/diskstats`, a backing
    /// device drnfs could not find).
    pub not_measured: Vec<String>,
}

/// Clients → nfsd: requests and how many found every thread busy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NfsdHop {
    pub threads: Option<u64>,
    pub calls_per_s: Option<f64>,
    pub write_bytes_per_s: Option<f64>,
    /// Requests that waited for a free thread, per second (pool_stats).
    pub thread_waits_per_s: Option<f64>,
    /// Those as a share of the requests that arrived, 0–100: the estimate of the share of
    /// time every thread was busy. The kernel counts no busy time (the `th` line's
    /// counters stopped in 2.6.30), but requests arriving at random moments see the time
    /// average, so the share that found no free thread estimates it.
    pub waited_percent: Option<f64>,
}

/// The filesystem → DRBD → local disk and peer, for one DRBD device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeviceHop {
    pub minor: u32,
    pub resource: Option<String>,
    pub volume: Option<u32>,
    /// Replication protocol: `C` waits for the peer's disk, `B` for the peer's memory, `A`
    /// for the local TCP send buffer.
    pub protocol: Option<String>,
    /// The peer this device replicates to (DRBD 9: the first connected one).
    pub peer: Option<String>,
    /// What the filesystem sees: `drbdN` in `/proc/diskstats`.
    pub device: Option<DiskRates>,
    pub queues: DrbdQueues,
    /// The local disk under DRBD.
    pub backing: Option<BackingDisk>,
}

/// DRBD's own request counts, at the second sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DrbdQueues {
    /// Application requests DRBD has not completed (8.4 `ap`, 9 `upper-pending`).
    pub application_pending: Option<u64>,
    /// Requests at the local disk (8.4 `lo`, 9 `lower-pending`).
    pub local_pending: Option<u64>,
    /// Requests sent to the peer and not yet answered (8.4 `pe`, 9 `pending`).
    pub peer_pending: Option<u64>,
    /// Requests from the peer not yet acknowledged (8.4 `ua`, 9 `unacked`).
    pub unacked: Option<u64>,
    /// Activity-log updates per second: each is a synchronous metadata write that a write
    /// to a cold area of the disk waits for.
    pub al_writes_per_s: Option<f64>,
    /// Replication traffic sent, KiB/s.
    pub sent_kib_per_s: Option<f64>,
    /// Application writes sent to the peer and not yet acknowledged, KiB (DRBD 9's
    /// `ap-in-flight`, per connection; 8.4 does not report it). What protocol C waits on.
    pub in_flight_kib: Option<u64>,
    /// Resync data in flight to the peer, KiB (DRBD 9's `rs-in-flight`).
    pub resync_in_flight_kib: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BackingDisk {
    /// As configured (`/dev/vg0/data`).
    pub path: String,
    /// Its kernel name in `/proc/diskstats` (`dm-3`), when found.
    pub name: Option<String>,
    pub rates: Option<DiskRates>,
}

/// One resource's replication link to one peer: its TCP connections as the kernel sees
/// them (`ss -tin` to the peer's DRBD port).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LinkHop {
    pub resource: String,
    /// The peer's name in the configuration, and its configured address.
    pub peer: String,
    pub peer_address: String,
    /// Connections found (DRBD 8.4 and 9 use two per path: data and meta-data).
    pub sockets: u32,
    /// Smoothed round-trip time of the data connection (the busiest one), ms.
    pub rtt_ms: Option<f64>,
    /// Lowest round-trip time the kernel saw on it: what the link can do.
    pub min_rtt_ms: Option<f64>,
    /// Bytes sent and not yet acknowledged, all connections.
    pub send_queue_bytes: u64,
    /// Bytes DRBD handed to TCP that are not sent yet.
    pub not_sent_bytes: u64,
    pub sent_bytes_per_s: Option<f64>,
    pub received_bytes_per_s: Option<f64>,
    pub retransmits_per_s: Option<f64>,
    /// The kernel's estimate of the data connection's delivery rate, bytes/s.
    pub delivery_rate_bytes_per_s: Option<u64>,
    /// Share of the interval the sender was held back by its send buffer, or by the
    /// receiver's window, 0–100 (`tcp_info`, 4.9+).
    pub send_buffer_limited_percent: Option<f64>,
    pub receive_window_limited_percent: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct HostHop {
    pub cpu: Option<CpuShares>,
    pub cpus: Option<u32>,
    pub load: Option<LoadAvg>,
    pub procs_blocked: Option<u64>,
    pub dirty_kib: Option<u64>,
    pub writeback_kib: Option<u64>,
}

/// The inputs of one measurement.
pub struct Sample<'a> {
    pub before: &'a Snapshot,
    pub after: &'a Snapshot,
    pub seconds: f64,
    pub nfsd_rates: Option<&'a super::NfsdRates>,
    pub config: Option<&'a [ResourceConfig]>,
}

/// Measures every hop between two samples.
pub fn measure(s: &Sample<'_>) -> WritePath {
    let mut w = WritePath { interval_seconds: s.seconds, ..WritePath::default() };
    let (io0, io1) = (&s.before.host.io, &s.after.host.io);
    w.nfsd = nfsd_hop(s);
    w.host = host_hop(io0, io1);
    for (file, why) in &io1.unavailable {
        w.not_measured.push(format!("/proc/{file}: {why}"));
    }
    for mut d in drbd_devices(s.after, s.config) {
        let name = format!("drbd{}", d.minor);
        d.device = disk_rates(io0, io1, &name, s.seconds);
        d.queues.al_writes_per_s = al_writes(s.before, s.after, d.minor, s.seconds);
        d.queues.sent_kib_per_s = sent_kib(s.before, s.after, d.minor, s.seconds);
        if let Some(b) = d.backing.as_mut() {
            b.name = kernel_name(io1, &b.path);
            match &b.name {
                Some(n) => b.rates = disk_rates(io0, io1, n, s.seconds),
                None if io1.disks.is_some() => {
                    w.not_measured.push(format!("{}: no such device in /proc/diskstats", b.path));
                }
                None => {}
            }
        } else {
            w.not_measured.push(format!("{name}: its backing disk is not known (no DRBD configuration read)"));
        }
        w.devices.push(d);
    }
    w
}

fn nfsd_hop(s: &Sample<'_>) -> NfsdHop {
    let r = s.nfsd_rates;
    let arrived = |snap: &Snapshot| -> Option<u64> {
        let p = &snap.nfsd.pool_stats;
        (!p.is_empty()).then(|| p.iter().map(|p| p.packets_arrived).sum())
    };
    let arrived_per_s = match (arrived(s.before), arrived(s.after)) {
        (Some(a), Some(b)) if s.seconds > 0.0 => b.checked_sub(a).map(|d| d as f64 / s.seconds),
        _ => None,
    };
    let waits = r.and_then(|r| r.thread_waits);
    NfsdHop {
        threads: s.after.nfsd.threads,
        calls_per_s: r.and_then(|r| r.calls),
        write_bytes_per_s: r.and_then(|r| r.write_bytes),
        thread_waits_per_s: waits,
        waited_percent: match (waits, arrived_per_s) {
            (Some(w), Some(a)) if a > 0.0 => Some((w / a * 100.0).min(100.0)),
            _ => None,
        },
    }
}

fn host_hop(io0: &HostIo, io1: &HostIo) -> HostHop {
    HostHop {
        cpu: match (&io0.cpu, &io1.cpu) {
            (Some(a), Some(b)) => proc_stat::shares(a, b),
            _ => None,
        },
        cpus: io1.cpus,
        load: io1.load,
        procs_blocked: io1.procs_blocked,
        dirty_kib: io1.memory.and_then(|m| m.dirty_kib),
        writeback_kib: io1.memory.and_then(|m| m.writeback_kib),
    }
}

fn find<'a>(io: &'a HostIo, name: &str) -> Option<&'a DiskStats> {
    io.disks.as_ref()?.iter().find(|d| d.name == name)
}

fn disk_rates(io0: &HostIo, io1: &HostIo, name: &str, seconds: f64) -> Option<DiskRates> {
    diskstats::rates(find(io0, name)?, find(io1, name)?, seconds)
}

/// The `/proc/diskstats` name of a configured device path: `/dev/vdb` is `vdb`; a mapper
/// path (`/dev/mapper/vg0-data`) or an LVM one (`/dev/vg0/data`, whose mapper name doubles
/// the hyphens inside each part) is the `dm-N` with that name.
pub fn kernel_name(io: &HostIo, path: &str) -> Option<String> {
    let disks = io.disks.as_ref()?;
    let rel = path.strip_prefix("/dev/")?;
    if !rel.contains('/') && disks.iter().any(|d| d.name == rel) {
        return Some(rel.to_owned());
    }
    let mapper = match rel.split_once('/') {
        Some(("mapper", name)) => name.to_owned(),
        Some((vg, lv)) if !lv.contains('/') => format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--")),
        _ => return None,
    };
    let dm = io.dm_names.iter().find(|(_, n)| **n == mapper).map(|(dm, _)| dm.clone())?;
    disks.iter().any(|d| d.name == dm).then_some(dm)
}

/// Each DRBD device of this node, with what DRBD itself reports about its queues and where
/// its backing disk is (events2's `backing_dev`, else the configuration for this host).
fn drbd_devices(snap: &Snapshot, config: Option<&[ResourceConfig]>) -> Vec<DeviceHop> {
    let host = snap.host.hostname.as_deref();
    let configured = |minor: u32| -> Option<(&ResourceConfig, Option<&str>)> {
        config?.iter().find_map(|r| {
            let h =
                r.hosts.iter().find(|h| h.minor == Some(minor) && (host.is_none() || Some(h.name.as_str()) == host))?;
            Some((r, h.disk.as_deref()))
        })
    };
    let mut out: Vec<DeviceHop> = Vec::new();
    for m in &snap.drbd.minors {
        let c = m.counters.as_ref();
        let conf = configured(m.minor);
        let gauge = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        out.push(DeviceHop {
            minor: m.minor,
            resource: conf.map(|(r, _)| r.name.clone()),
            protocol: m.protocol.map(String::from).or_else(|| conf.and_then(|(r, _)| r.protocol.clone())),
            queues: DrbdQueues {
                application_pending: gauge(c.map(|c| c.ap)),
                local_pending: gauge(c.map(|c| c.lo)),
                peer_pending: gauge(c.map(|c| c.pe)),
                unacked: gauge(c.map(|c| c.ua)),
                ..DrbdQueues::default()
            },
            backing: conf
                .and_then(|(_, disk)| disk)
                .map(|p| BackingDisk { path: p.to_owned(), ..BackingDisk::default() }),
            ..DeviceHop::default()
        });
    }
    for r in &snap.drbd.resources {
        for d in &r.devices {
            let Some(minor) = d.minor else { continue };
            let conf = configured(minor).or_else(|| {
                let rc = config?.iter().find(|c| c.name == r.name)?;
                Some((rc, None))
            });
            let connection = r.connections.iter().find(|c| c.peer_devices.iter().any(|p| p.volume == d.volume));
            let pd = connection.and_then(|c| c.peer_devices.iter().find(|p| p.volume == d.volume));
            let hop = match out.iter_mut().position(|h| h.minor == minor) {
                Some(i) => &mut out[i],
                None => {
                    out.push(DeviceHop { minor, ..DeviceHop::default() });
                    out.last_mut().expect("just pushed")
                }
            };
            hop.resource = Some(r.name.clone());
            hop.volume = Some(d.volume);
            hop.peer = hop.peer.take().or_else(|| connection.map(|c| c.peer.clone()));
            if hop.protocol.is_none() {
                hop.protocol = conf.and_then(|(c, _)| c.protocol.clone());
            }
            let q = &mut hop.queues;
            q.application_pending = q.application_pending.or(d.upper_pending);
            q.local_pending = q.local_pending.or(d.lower_pending);
            q.peer_pending = q.peer_pending.or(pd.and_then(|p| p.pending));
            q.unacked = q.unacked.or(pd.and_then(|p| p.unacked));
            // In sectors of 512 bytes.
            q.in_flight_kib = q.in_flight_kib.or(connection.and_then(|c| c.ap_in_flight_sectors).map(|s| s / 2));
            q.resync_in_flight_kib =
                q.resync_in_flight_kib.or(connection.and_then(|c| c.rs_in_flight_sectors).map(|s| s / 2));
            let path = d.backing_dev.clone().or_else(|| conf.and_then(|(_, disk)| disk.map(str::to_owned)));
            if hop.backing.is_none()
                && let Some(path) = path.filter(|p| p.starts_with('/'))
            {
                hop.backing = Some(BackingDisk { path, ..BackingDisk::default() });
            }
        }
    }
    // The peer by its configured name where DRBD did not name it (8.4's /proc/drbd, the
    // events2 emulation without peer devices): the other host of the resource.
    for hop in &mut out {
        // 8.4's emulated events2 calls every connection "peer": not a name.
        if (hop.peer.is_none() || hop.peer.as_deref() == Some("peer"))
            && let Some(r) = config.and_then(|c| c.iter().find(|r| Some(&r.name) == hop.resource.as_ref()))
            && let Some(me) = host
        {
            let others: Vec<&str> = r.other_hosts(me).collect();
            if let [one] = others.as_slice() {
                hop.peer = Some((*one).to_owned());
            }
        }
    }
    out.sort_by_key(|h| h.minor);
    out
}

/// Activity-log updates per second: /proc/drbd's `al` (8.4) or events2's `al-writes`.
fn al_writes(before: &Snapshot, after: &Snapshot, minor: u32, seconds: f64) -> Option<f64> {
    let count = |s: &Snapshot| -> Option<u64> {
        s.drbd.minors.iter().find(|m| m.minor == minor).and_then(|m| m.counters.as_ref()).map(|c| c.al).or_else(|| {
            s.drbd.resources.iter().flat_map(|r| &r.devices).find(|d| d.minor == Some(minor)).and_then(|d| d.al_writes)
        })
    };
    super::rates::rate_opt(count(before), count(after), seconds)
}

/// Replication traffic sent: /proc/drbd's `ns` (8.4) or the sum of events2's `sent` over
/// the device's peers, KiB/s.
fn sent_kib(before: &Snapshot, after: &Snapshot, minor: u32, seconds: f64) -> Option<f64> {
    let count = |s: &Snapshot| -> Option<u64> {
        s.drbd.minors.iter().find(|m| m.minor == minor).and_then(|m| m.counters.as_ref()).map(|c| c.ns).or_else(|| {
            s.drbd.resources.iter().find_map(|r| {
                let d = r.devices.iter().find(|d| d.minor == Some(minor))?;
                let sent: Vec<u64> = r
                    .connections
                    .iter()
                    .flat_map(|c| c.peer_devices.iter().filter(|p| p.volume == d.volume))
                    .filter_map(|p| p.sent_kib)
                    .collect();
                (!sent.is_empty()).then(|| sent.iter().sum())
            })
        })
    };
    super::rates::rate_opt(count(before), count(after), seconds)
}

/// Each configured replication link of this host (`hostname`) to each peer, from two
/// sock_diag dumps `seconds` apart (the first may be empty: rates are then unknown).
pub fn links(
    before: &[TcpSocket],
    after: &[TcpSocket],
    seconds: f64,
    config: &[ResourceConfig],
    hostname: Option<&str>,
) -> Vec<LinkHop> {
    let mut out = Vec::new();
    for r in config {
        let Some(local) = r.hosts.iter().find(|h| Some(h.name.as_str()) == hostname).and_then(|h| h.socket_addr())
        else {
            continue;
        };
        for peer in r.hosts.iter().filter(|h| Some(h.name.as_str()) != hostname) {
            let Some(remote) = peer.socket_addr() else { continue };
            let ours = |s: &&TcpSocket| {
                let (l, p) = (canonical_ip(s.local.ip()), s.remote_ip());
                p == remote.ip()
                    && (l == local.ip() || local.ip().is_unspecified())
                    && (s.local.port() == local.port() || s.remote.port() == remote.port())
            };
            let now: Vec<&TcpSocket> = after.iter().filter(ours).collect();
            let was: Vec<&TcpSocket> = before.iter().filter(ours).collect();
            out.push(link(r, peer.name.as_str(), remote, &was, &now, seconds));
        }
    }
    out
}

fn link(
    r: &ResourceConfig,
    peer: &str,
    address: std::net::SocketAddr,
    was: &[&TcpSocket],
    now: &[&TcpSocket],
    seconds: f64,
) -> LinkHop {
    let info = |s: &TcpSocket| s.info.clone().unwrap_or_default();
    // The data connection carries the writes: the one that sent the most.
    let data = now.iter().max_by_key(|s| info(s).bytes_acked.unwrap_or(0).max(info(s).bytes_received.unwrap_or(0)));
    let ms = |us: Option<u32>| us.map(|v| f64::from(v) / 1000.0);
    // Per connection (same cookie in both dumps), how much a counter grew.
    let grown = |f: &dyn Fn(&TcpInfo) -> Option<u64>| -> Option<f64> {
        if seconds <= 0.0 || was.is_empty() {
            return None;
        }
        let mut total = 0u64;
        for s in now {
            let Some(old) = was.iter().find(|o| o.cookie == s.cookie) else { continue };
            total += f(&info(s))?.saturating_sub(f(&info(old))?);
        }
        Some(total as f64 / seconds)
    };
    let percent = |v: Option<f64>| v.map(|us_per_s| (us_per_s / 1e6 * 100.0).clamp(0.0, 100.0));
    let data_was = data.and_then(|d| was.iter().find(|o| o.cookie == d.cookie));
    let limited = |f: &dyn Fn(&TcpInfo) -> Option<u64>| -> Option<f64> {
        let (d, o) = (data?, data_was?);
        (seconds > 0.0).then_some(())?;
        Some(f(&info(d))?.saturating_sub(f(&info(o))?) as f64 / seconds)
    };
    LinkHop {
        resource: r.name.clone(),
        peer: peer.to_owned(),
        peer_address: address.to_string(),
        sockets: now.len() as u32,
        rtt_ms: data.and_then(|d| ms(info(d).rtt_us)),
        min_rtt_ms: data.and_then(|d| ms(info(d).min_rtt_us)),
        send_queue_bytes: now.iter().map(|s| u64::from(s.send_q)).sum(),
        not_sent_bytes: now.iter().map(|s| u64::from(info(s).notsent_bytes.unwrap_or(0))).sum(),
        sent_bytes_per_s: grown(&|i| i.bytes_acked),
        received_bytes_per_s: grown(&|i| i.bytes_received),
        retransmits_per_s: grown(&|i| i.total_retrans.map(u64::from)),
        delivery_rate_bytes_per_s: data.and_then(|d| info(d).delivery_rate),
        send_buffer_limited_percent: percent(limited(&|i| i.sndbuf_limited_us)),
        receive_window_limited_percent: percent(limited(&|i| i.rwnd_limited_us)),
    }
}
