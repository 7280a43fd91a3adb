//! `drnfs snapshot` without `--json`: a summary meant to be read over SSH at 3 a.m.

use std::io::Write;

use drnfs_parsers::events2::{PeerDevice, Resource};
use drnfs_parsers::proc_drbd::ProcMinor;

use crate::engine::Report;
use crate::format::{bytes, hms, kib};
use crate::model::snapshot::{Drbd, Nfsd};

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}

pub fn write(out: &mut impl Write, s: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "drnfs {} on {} (kernel {}) at {}",
        s.drnfs_version,
        s.host.hostname.as_deref().unwrap_or("?"),
        s.host.kernel.as_deref().unwrap_or("?"),
        crate::clock::date_time_zone(s.taken_at)
    )?;
    writeln!(out)?;
    write_drbd(out, &s.drbd)?;
    for m in &s.host.drbd_mounts {
        writeln!(
            out,
            "  mounted: {} on {} ({}, {})",
            m.device,
            m.mount_point,
            m.fstype,
            if m.read_only { "ro" } else { "rw" }
        )?;
    }
    writeln!(out)?;
    write_nfsd(out, &s.nfsd)?;
    writeln!(out)?;
    if let Some(w) = &s.write_path {
        writeln!(
            out,
            "Write path (over {:.1} s): {}",
            w.interval_seconds,
            crate::diagnose::write_path::verdict(w, &s.findings)
        )?;
        for (label, figures) in super::write_path::hops(w) {
            writeln!(out, "  {label:<8} {figures}")?;
        }
        for m in &w.not_measured {
            writeln!(out, "  not measured: {m}")?;
        }
        writeln!(out)?;
    }
    if s.findings.is_empty() {
        writeln!(out, "Findings: none")?;
    } else {
        writeln!(out, "Findings ({}):", s.findings.len())?;
        for f in &s.findings {
            super::doctor::write_finding(out, f)?;
        }
    }
    if !s.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings ({}):", s.warnings.len())?;
        for w in &s.warnings {
            match w.line {
                Some(l) => writeln!(out, "  {} line {l}: {}", w.source, w.message)?,
                None => writeln!(out, "  {}: {}", w.source, w.message)?,
            }
        }
    }
    Ok(())
}

fn write_drbd(out: &mut impl Write, d: &Drbd) -> std::io::Result<()> {
    if !d.available {
        return writeln!(out, "DRBD: not available: {}", d.reason.as_deref().unwrap_or("unknown reason"));
    }
    let source = match d.source {
        Some(crate::model::snapshot::DrbdSource::Proc) => "/proc/drbd",
        Some(crate::model::snapshot::DrbdSource::Events2) => "drbdsetup events2",
        Some(crate::model::snapshot::DrbdSource::StatusJson) => "drbdsetup status --json",
        None => "no devices",
    };
    writeln!(out, "DRBD {} ({source})", d.version.as_deref().unwrap_or("version unknown"))?;
    if d.minors.is_empty() && d.resources.is_empty() {
        writeln!(out, "  no DRBD devices configured")?;
    }
    for m in &d.minors {
        write_minor(out, m, d.resources.iter().find(|r| r.devices.iter().any(|dev| dev.minor == Some(m.minor))))?;
    }
    // Resources not already shown through their /proc/drbd minor (DRBD 9).
    for r in &d.resources {
        let shown = r.devices.iter().any(|dev| dev.minor.is_some_and(|mi| d.minors.iter().any(|m| m.minor == mi)));
        if !shown {
            write_resource(out, r)?;
        }
    }
    if !d.events2.available && d.minors.is_empty() {
        writeln!(out, "  events2: {}", d.events2.reason.as_deref().unwrap_or("unavailable"))?;
    }
    Ok(())
}

fn write_minor(out: &mut impl Write, m: &ProcMinor, resource: Option<&Resource>) -> std::io::Result<()> {
    let name = resource.map_or_else(|| format!("minor {}", m.minor), |r| format!("{} (minor {})", r.name, m.minor));
    let roles = format!("{}/{}", opt(&m.role), opt(&m.peer_role));
    let disks = format!("{}/{}", opt(&m.disk), opt(&m.peer_disk));
    let proto = m.protocol.map_or_else(|| "no network config".to_owned(), |p| format!("protocol {p}"));
    if m.role.is_none() {
        return writeln!(out, "  {name}  {}", m.connection);
    }
    writeln!(out, "  {name}  {}  {roles}  {disks}  {proto}", m.connection)?;
    if let Some(s) = &m.sync {
        writeln!(
            out,
            "      {} {:.1}%  {} left of {}  ETA {}  speed {}/s (average {}/s{})",
            match s.kind {
                drnfs_parsers::proc_drbd::SyncKind::Resync => "resync",
                drnfs_parsers::proc_drbd::SyncKind::Verify => "verify",
            },
            s.percent,
            kib(s.remaining_kib),
            kib(s.total_kib),
            s.eta_seconds.map_or_else(|| "?".to_owned(), hms),
            s.speed_kib_s.map_or_else(|| "?".to_owned(), kib),
            s.avg_speed_kib_s.map_or_else(|| "?".to_owned(), kib),
            s.want_kib_s.map(|w| format!(", want {}/s", kib(w))).unwrap_or_default()
        )?;
        if s.stalled {
            writeln!(out, "      resync STALLED: no progress for more than 3 minutes")?;
        }
    }
    if let Some(c) = &m.counters {
        if c.oos > 0 {
            writeln!(out, "      out of sync: {}", kib(c.oos))?;
        }
        if c.pe > 0 || c.ua > 0 || c.ap > 0 {
            writeln!(out, "      pending {}  unacked {}  application in flight {}", c.pe, c.ua, c.ap)?;
        }
    }
    Ok(())
}

fn write_resource(out: &mut impl Write, r: &Resource) -> std::io::Result<()> {
    let mut head = format!("  {}  {}", r.name, opt(&r.role));
    if let Some(p) = r.may_promote {
        head.push_str(&format!("  may promote: {}", if p { "yes" } else { "no" }));
    }
    if r.suspended.as_deref().is_some_and(|s| s != "no") {
        head.push_str(&format!("  I/O SUSPENDED ({})", r.suspended.as_deref().unwrap_or("")));
    }
    writeln!(out, "{head}")?;
    for d in &r.devices {
        writeln!(
            out,
            "    volume {}  minor {}  disk {}{}{}",
            d.volume,
            opt(&d.minor),
            opt(&d.disk),
            d.quorum.map(|q| if q { "  quorum" } else { "  NO QUORUM" }).unwrap_or(""),
            d.size_kib.map(|s| format!("  size {}", kib(s))).unwrap_or_default()
        )?;
    }
    for c in &r.connections {
        let node = c.peer_node_id.map(|n| format!(" (node {n})")).unwrap_or_default();
        writeln!(out, "    peer {}{node}  {}  role {}", c.peer, opt(&c.state), opt(&c.peer_role))?;
        for pd in &c.peer_devices {
            write_peer_device(out, pd)?;
        }
    }
    for h in r.helpers.iter().rev().take(5) {
        writeln!(
            out,
            "    helper {} {}",
            h.helper,
            h.status.map_or_else(|| "running".to_owned(), |s| format!("exit {s}"))
        )?;
    }
    Ok(())
}

fn write_peer_device(out: &mut impl Write, pd: &PeerDevice) -> std::io::Result<()> {
    writeln!(
        out,
        "      volume {}  {}  peer disk {}{}",
        pd.volume,
        opt(&pd.replication),
        opt(&pd.peer_disk),
        pd.out_of_sync_kib.filter(|o| *o > 0).map(|o| format!("  out of sync {}", kib(o))).unwrap_or_default()
    )?;
    if let Some(s) = &pd.sync {
        writeln!(
            out,
            "        resync {}%  ETA {}  speed {}",
            s.percent.map_or_else(|| "?".to_owned(), |p| format!("{p:.1}")),
            s.eta_seconds.map_or_else(|| "unknown".to_owned(), |e| hms(e as u64)),
            s.speed_kib_s.map_or_else(|| "?".to_owned(), |v| crate::format::kib(v as u64) + "/s")
        )?;
    }
    Ok(())
}

fn write_nfsd(out: &mut impl Write, n: &Nfsd) -> std::io::Result<()> {
    if !n.available {
        writeln!(out, "NFS server: not available: {}", n.reason.as_deref().unwrap_or("unknown reason"))?;
    } else {
        let versions: Vec<String> =
            n.versions.iter().map(|v| format!("{}{}", if v.enabled { "+" } else { "-" }, v.version)).collect();
        writeln!(
            out,
            "NFS server: {} threads{}",
            opt(&n.threads),
            if versions.is_empty() { String::new() } else { format!(", versions {}", versions.join(" ")) }
        )?;
        if let Some(io) = &n.io {
            write!(out, "  read {}  written {}", bytes(io.read_bytes), bytes(io.write_bytes))?;
        }
        if let Some(rpc) = &n.rpc {
            write!(out, "  RPC calls {} (bad {})", rpc.calls, rpc.bad_calls)?;
        }
        if let Some(stale) = n.fh_stale {
            write!(out, "  stale file handles {stale}")?;
        }
        writeln!(out)?;
        let mut top: Vec<(String, u64)> = n
            .ops
            .iter()
            .flat_map(|(v, ops)| {
                ops.iter()
                    .filter(|(name, c)| **c > 0 && name.as_str() != "null")
                    .map(move |(name, c)| (format!("{v} {name}"), *c))
            })
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if !top.is_empty() {
            let list: Vec<String> = top.iter().take(6).map(|(n, c)| format!("{n} {c}")).collect();
            writeln!(out, "  top operations: {}", list.join(", "))?;
        }
    }
    if !n.nfsd_fs.available {
        return writeln!(out, "  /proc/fs/nfsd: {}", n.nfsd_fs.reason.as_deref().unwrap_or("unavailable"));
    }
    for p in &n.pool_stats {
        writeln!(
            out,
            "  pool {}: packets {}  queued for a thread {}  threads woken {}",
            p.pool, p.packets_arrived, p.sockets_enqueued, p.threads_woken
        )?;
    }
    if n.exports.is_empty() {
        writeln!(out, "  exports: none in the kernel's export cache")?;
    }
    for e in &n.exports {
        writeln!(
            out,
            "  export {} to {}{}",
            e.path,
            e.client,
            e.fsid.as_ref().map(|f| format!(" (fsid={f})")).unwrap_or_default()
        )?;
    }
    if !n.clients_v4.is_empty() {
        writeln!(out, "  NFSv4 clients: {}", n.clients_v4.len())?;
        for c in &n.clients_v4 {
            let i = &c.info;
            let states: Vec<String> = c.states.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(
                out,
                "    {:<16} {}  v4.{}  {}  callback {}{}",
                i.address.map_or_else(|| i.address_raw.clone().unwrap_or_default(), |a| a.to_string()),
                i.name.as_deref().unwrap_or("?"),
                opt(&i.minor_version),
                i.status.as_deref().unwrap_or("?"),
                i.callback_state.as_deref().unwrap_or("?"),
                if states.is_empty() { String::new() } else { format!("  {}", states.join(", ")) }
            )?;
        }
    }
    Ok(())
}
