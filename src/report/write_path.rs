//! The write path as lines of text, hop by hop: what `drnfs snapshot` prints, `doctor`
//! ends with, and the Overview's write-path panel draws.

use crate::format::{byte_rate, kib, ms, per_second};
use crate::model::write_path::{DeviceHop, WritePath};

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "?".to_owned(), |v| v.to_string())
}

/// `(label, figures)` per hop, in the order a write travels.
pub fn hops(w: &WritePath) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let n = &w.nfsd;
    out.push((
        "nfsd".to_owned(),
        format!(
            "{} threads, {} calls, {} written, {} waited for a thread{}",
            count(n.threads),
            per_second(n.calls_per_s),
            byte_rate(n.write_bytes_per_s),
            per_second(n.thread_waits_per_s),
            n.waited_percent.map_or_else(String::new, |p| format!(" (all threads busy ~{p:.0}% of the time)"))
        ),
    ));
    for d in &w.devices {
        out.push((format!("drbd{}", d.minor), device_line(d)));
        if let Some(b) = &d.backing {
            let label = b.name.clone().unwrap_or_else(|| b.path.clone());
            let figures = match &b.rates {
                Some(r) => format!(
                    "{:.0} w/s, {} written, {} per write, {:.1} queued, {:.0}% busy",
                    r.writes_per_second,
                    kib(r.write_kib_per_second.max(0.0) as u64) + "/s",
                    ms(r.write_await_ms),
                    r.queue_depth,
                    r.utilisation_percent
                ),
                None => format!("{}: not measured", b.path),
            };
            out.push((format!("└ {label}"), figures));
        }
    }
    for l in &w.links {
        out.push((format!("link {}", l.peer), crate::diagnose::write_path::link_line(l)));
    }
    let h = &w.host;
    let mut host = Vec::new();
    if let Some(c) = &h.cpu {
        host.push(format!(
            "cpu {:.0}% busy, {:.0}% iowait, {:.0}% softirq",
            c.busy_percent, c.iowait_percent, c.softirq_percent
        ));
    }
    if let Some(l) = &h.load {
        host.push(format!("load {:.2}", l.one));
    }
    if let (Some(d), Some(wb)) = (h.dirty_kib, h.writeback_kib) {
        host.push(format!("dirty {}, writeback {}", kib(d), kib(wb)));
    }
    if let Some(b) = h.procs_blocked {
        host.push(format!("{b} tasks blocked"));
    }
    if !host.is_empty() {
        out.push(("host".to_owned(), host.join("; ")));
    }
    out
}

fn device_line(d: &DeviceHop) -> String {
    let mut head = Vec::new();
    if let Some(r) = &d.resource {
        head.push(d.volume.map_or_else(|| r.clone(), |v| format!("{r}/{v}")));
    }
    if let Some(p) = &d.protocol {
        head.push(format!("protocol {p}"));
    }
    if let Some(p) = &d.peer {
        head.push(format!("→ {p}"));
    }
    let q = &d.queues;
    let io = match &d.device {
        Some(r) => format!("{:.0} w/s, {} per write", r.writes_per_second, ms(r.write_await_ms)),
        None => "not measured".to_owned(),
    };
    format!(
        "{}{io}; pending {} app, {} local, {} peer, {} unacked; {} sent",
        if head.is_empty() { String::new() } else { format!("{}: ", head.join(" ")) },
        count(q.application_pending),
        count(q.local_pending),
        count(q.peer_pending),
        count(q.unacked),
        q.sent_kib_per_s.map_or_else(|| "?".to_owned(), |v| kib(v.max(0.0) as u64) + "/s")
    )
}
