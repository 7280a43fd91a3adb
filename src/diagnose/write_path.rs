//! Where NFS writes wait: the hop of the write path that dominates, named with the figures
//! that led to it. A single slow second is not a verdict: the model measures each hop over
//! the last 5 s (or one longer sample), and a hop is blamed when that window is slow.

use super::{Finding, Severity};
use crate::format::{byte_rate, ms, per_second};
use crate::model::Model;
use crate::model::history::Series;
use crate::model::write_path::{DeviceHop, WritePath};

/// Samples a hop must stay slow over.
pub const WINDOW: usize = 5;
/// Of which at least this many must be known (a write completed in that sample).
const KNOWN: usize = 3;
/// Writes this slow, on a disk this busy (or one that is most of the DRBD device's wait),
/// make the local disk the bottleneck.
pub const DISK_BUSY_PERCENT: f64 = 80.0;
pub const SLOW_WRITE_MS: f64 = 20.0;

/// Seconds of measurement that count as sustained when they come in fewer, longer
/// samples (`doctor --sample-seconds 10` measures one 10 s interval).
const SUSTAINED_SECONDS: f64 = 3.0;

/// A rate the model already took over its window (the last 5 s): its latest value, once
/// the window covers [`SUSTAINED_SECONDS`] (a view just started has less).
fn windowed(s: Option<&Series>, interval: f64) -> Option<f64> {
    (interval >= SUSTAINED_SECONDS).then(|| s?.values().last().flatten()).flatten()
}

/// A level sampled each tick (requests pending): the mean of the last [`WINDOW`] samples
/// when enough of them are known: [`KNOWN`] samples, or fewer that together cover
/// [`SUSTAINED_SECONDS`] (`interval` is the sampling interval).
fn sustained(s: Option<&Series>, interval: f64) -> Option<f64> {
    let s = s?;
    let known = s.values().rev().take(WINDOW).filter(Option::is_some).count();
    let enough = known >= KNOWN || (known > 0 && known as f64 * interval >= SUSTAINED_SECONDS);
    enough.then(|| s.mean_of_last(WINDOW)).flatten()
}

pub fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(w) = &model.write_path else { return };
    let h = &model.history;
    let level = |s: Option<&Series>| sustained(s, w.interval_seconds);
    let rate = |s: Option<&Series>| windowed(s, w.interval_seconds);
    for d in &w.devices {
        let drbd = format!("drbd{}", d.minor);
        let subject =
            d.resource.clone().map_or_else(|| drbd.clone(), |r| d.volume.map_or(r.clone(), |v| format!("{r}/{v}")));
        let backing = d.backing.as_ref().and_then(|b| b.name.clone());
        let device_await = rate(h.write_await_ms.get(&drbd));
        let local_await = backing.as_ref().and_then(|n| rate(h.write_await_ms.get(n)));
        let local_busy = backing.as_ref().and_then(|n| rate(h.utilisation.get(n)));
        let pending = level(h.peer_pending.get(&d.minor));
        // The local disk is the hop when its writes are slow and it is either saturated or
        // most of what the DRBD device waits for (a throttled or remote disk can be slow
        // while idle between bursts).
        if let (Some(name), Some(busy), Some(wait)) = (&backing, local_busy, local_await)
            && wait >= SLOW_WRITE_MS
            && (busy >= DISK_BUSY_PERCENT || device_await.is_some_and(|dev| wait >= dev / 2.0))
        {
            let mut f = Finding::new(
                "write-path.local-disk",
                &subject,
                Severity::Warning,
                format!("writes wait on the local disk {name}: {busy:.0}% busy, {wait:.0} ms per write"),
            )
            .evidence(disk_line(name, d.backing.as_ref().and_then(|b| b.rates.as_ref())));
            if let Some(a) = device_await {
                f = f.evidence(format!("{drbd}: {a:.1} ms per write as the filesystem sees it"));
            }
            out.push(f.suggest(format!(
                "find what else loads {name} (iotop -o; a resync shares it, bounded by resync-rate/c-max-rate); \
                 a faster disk or a write cache is the lasting fix"
            )));
            continue;
        }
        let waits_for_peer = matches!(d.protocol.as_deref(), Some("B" | "C"));
        // With protocol C (or B) a write completes when both the local disk and the peer
        // have it: a device much slower than its own disk is waiting for the peer.
        if let (true, Some(dev), Some(local)) = (waits_for_peer, device_await, local_await)
            && dev >= SLOW_WRITE_MS
            && dev >= 2.0 * (local + 1.0)
        {
            // The model names 8.4's peer from the configuration (its events2 says "peer").
            let peer = d.peer.clone().unwrap_or_else(|| "the peer".to_owned());
            let name = backing.as_deref().unwrap_or("?");
            let protocol = d.protocol.as_deref().unwrap_or("C");
            let waits_for = if protocol == "C" { "the peer's disk" } else { "the peer's memory" };
            let mut f = Finding::new(
                "write-path.replication",
                &subject,
                Severity::Warning,
                format!(
                    "writes wait on replication to {peer}: {dev:.0} ms per write at {drbd} against {local:.1} ms on \
                     the local disk {name}; \
                     protocol {protocol} makes every write wait for {waits_for}"
                ),
            )
            .evidence_opt(pending.map(|pe| format!("{pe:.1} requests pending at the peer (mean of the last samples)")))
            .evidence(queues_line(d));
            if let Some(b) = d.backing.as_ref().and_then(|b| Some((b.name.as_ref()?, b.rates.as_ref()?))) {
                f = f.evidence(disk_line(b.0, Some(b.1)));
            }
            for l in w.links.iter().filter(|l| Some(&l.resource) == d.resource.as_ref()) {
                f = f.evidence(format!("link to {}: {}", l.peer, link_line(l)));
            }
            out.push(f.suggest(
                "check the replication link (ss -tin to the peer's DRBD port: rtt, retransmits) and the peer's disk \
                 (its drnfs, or iostat -x there); protocol A stops the wait at the cost of the last writes on a failover",
            ));
        }
    }
}

fn disk_line(name: &str, r: Option<&drnfs_parsers::diskstats::DiskRates>) -> String {
    match r {
        Some(r) => format!(
            "{name}: {:.0} w/s, {:.0} KiB/s written, {} ms per write, {:.1} queued, {:.0}% busy (iostat -x)",
            r.writes_per_second,
            r.write_kib_per_second,
            r.write_await_ms.map_or_else(|| "-".to_owned(), |a| format!("{a:.1}")),
            r.queue_depth,
            r.utilisation_percent
        ),
        None => format!("{name}: not measured this sample"),
    }
}

fn queues_line(d: &DeviceHop) -> String {
    let q = &d.queues;
    let n = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
    // DRBD 9 also says how much data is on its way to the peer.
    let in_flight = q.in_flight_kib.map(|k| format!(", {k} KiB in flight to the peer")).unwrap_or_default();
    format!(
        "DRBD queues now: {} application, {} at the local disk, {} at the peer, {} unacknowledged{in_flight}; {} sent",
        n(q.application_pending),
        n(q.local_pending),
        n(q.peer_pending),
        n(q.unacked),
        q.sent_kib_per_s.map_or_else(|| "? KiB/s".to_owned(), |v| format!("{v:.0} KiB/s"))
    )
}

/// The write path in one line: the hop to blame when a rule blamed one, else the figures
/// that show none is slow (what `doctor` prints and the Overview shows).
pub fn verdict(w: &WritePath, findings: &[Finding]) -> String {
    // A slow disk or link also keeps nfsd's threads busy: the hop is named before them.
    let blamed = findings.iter().find(|f| f.id.starts_with("write-path."));
    if let Some(f) = blamed.or_else(|| findings.iter().find(|f| f.id.starts_with("nfsd.threads-saturated"))) {
        return f.summary.clone();
    }
    let mut parts = Vec::new();
    if let (Some(t), Some(p)) = (w.nfsd.threads, w.nfsd.waited_percent) {
        parts.push(format!("{t} nfsd threads, {p:.0}% of requests waited for one"));
    }
    for d in &w.devices {
        let dev = d.device.as_ref().and_then(|r| r.write_await_ms);
        let local = d.backing.as_ref().and_then(|b| Some((b.name.as_ref()?, b.rates.as_ref()?.write_await_ms?)));
        match (dev, local) {
            (Some(a), Some((n, l))) => parts.push(format!("drbd{} {a:.1} ms per write ({n} {l:.1} ms)", d.minor)),
            (Some(a), None) => parts.push(format!("drbd{} {a:.1} ms per write", d.minor)),
            (None, _) if d.device.is_some() => parts.push(format!("drbd{} no writes", d.minor)),
            _ => {}
        }
    }
    if parts.is_empty() {
        if w.not_measured.iter().any(|m| m.starts_with("/proc/diskstats")) {
            return "not measured: /proc/diskstats could not be read".to_owned();
        }
        if w.devices.is_empty() {
            return "not measured: no DRBD device here".to_owned();
        }
        return "not measured yet".to_owned();
    }
    format!("no hop is slow: {}", parts.join("; "))
}

/// A replication link as `ss -tin` would let one piece it together.
pub fn link_line(l: &crate::model::write_path::LinkHop) -> String {
    if l.sockets == 0 {
        return format!("{}: no connection to {}", l.resource, l.peer_address);
    }
    let mut parts = vec![format!(
        "{}: {} connection{} to {}, rtt {} (min {})",
        l.resource,
        l.sockets,
        if l.sockets == 1 { "" } else { "s" },
        l.peer_address,
        ms(l.rtt_ms),
        ms(l.min_rtt_ms)
    )];
    parts.push(format!("{} queued to send", crate::format::bytes(l.send_queue_bytes + l.not_sent_bytes)));
    if let Some(s) = l.sent_bytes_per_s {
        parts.push(format!("{} sent", byte_rate(Some(s))));
    }
    if let Some(r) = l.retransmits_per_s {
        parts.push(format!("{} retransmits", per_second(Some(r))));
    }
    if let Some(p) = l.send_buffer_limited_percent {
        parts.push(format!("send buffer full {p:.0}% of the time"));
    }
    if let Some(p) = l.receive_window_limited_percent.filter(|p| *p > 0.0) {
        parts.push(format!("peer's window full {p:.0}%"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[Option<f64>]) -> Series {
        let mut s = Series::new(values.len().max(1));
        for v in values {
            s.push(*v);
        }
        s
    }

    #[test]
    fn a_level_is_sustained_when_enough_of_the_window_is_known() {
        // Three known samples of the last five are enough at any interval; unknown ones
        // are left out of the mean, and samples before the window do not count.
        let three = series(&[Some(100.0), None, Some(2.0), None, Some(4.0), Some(6.0)]);
        assert_eq!(sustained(Some(&three), 0.5), Some(4.0));
        // Two known one-second samples cover 2 s: not enough.
        let two = series(&[Some(2.0), None, None, Some(4.0)]);
        assert_eq!(sustained(Some(&two), 1.0), None);
        // One known sample of a 5 s interval covers 5 s: enough.
        let one = series(&[None, Some(7.0)]);
        assert_eq!(sustained(Some(&one), 5.0), Some(7.0));
        // Two known 1.5 s samples cover exactly the 3 s asked for.
        assert_eq!(sustained(Some(&two), 1.5), Some(3.0));
        // Nothing known, or no series, is no level.
        assert_eq!(sustained(Some(&series(&[None, None, None])), 10.0), None);
        assert_eq!(sustained(None, 1.0), None);
    }

    #[test]
    fn a_rate_counts_once_its_window_covers_three_seconds() {
        let s = series(&[Some(1.0), Some(9.0)]);
        assert_eq!(windowed(Some(&s), 3.0), Some(9.0));
        assert_eq!(windowed(Some(&s), 2.9), None);
        assert_eq!(windowed(Some(&series(&[Some(1.0), None])), 5.0), None);
        assert_eq!(windowed(None, 5.0), None);
    }
}

#[cfg(test)]
mod link_tests {
    use crate::model::write_path::LinkHop;

    #[test]
    fn a_link_is_said_with_what_was_measured() {
        let mut l = LinkHop {
            resource: "r0".to_owned(),
            peer: "nodeb".to_owned(),
            peer_address: "10.99.0.2:7789".to_owned(),
            sockets: 1,
            rtt_ms: Some(22.5),
            min_rtt_ms: Some(0.4),
            send_queue_bytes: 1024,
            not_sent_bytes: 1024,
            ..Default::default()
        };
        assert_eq!(
            super::link_line(&l),
            "r0: 1 connection to 10.99.0.2:7789, rtt 22.5 ms (min 0.4 ms), 2 KiB queued to send"
        );
        l.sockets = 2;
        l.sent_bytes_per_s = Some(2048.0);
        l.retransmits_per_s = Some(1.5);
        l.send_buffer_limited_percent = Some(70.0);
        l.receive_window_limited_percent = Some(0.0);
        assert_eq!(
            super::link_line(&l),
            "r0: 2 connections to 10.99.0.2:7789, rtt 22.5 ms (min 0.4 ms), 2 KiB queued to send, \
             2 KiB/s sent, 1.5/s retransmits, send buffer full 70% of the time"
        );
        l.receive_window_limited_percent = Some(12.0);
        assert!(super::link_line(&l).ends_with(", peer's window full 12%"), "{}", super::link_line(&l));
    }
}
