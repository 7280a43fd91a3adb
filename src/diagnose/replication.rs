//! Connection and replication: split brain, StandAlone, peers gone, resync progress and
//! stalls.

use std::collections::BTreeSet;

use drnfs_parsers::drbd_state::{ConnectionState, DiskState, ProcCs, ReplicationState, Role};

use super::links::{Link, links};
use super::{Finding, Severity, show};
use crate::format::{hms, kib};
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    let mut fenced_said = BTreeSet::new();
    for l in &links(model) {
        if l.connection.is_some()
            && !l.is_replicating()
            && let Some(f) = l.keys.iter().find_map(|k| model.fence_results.get(k))
            && fenced_said.insert(l.subject.clone())
        {
            out.push(fence_finding(model, &l.subject, f));
        }
        match &l.connection {
            Some(ConnectionState::StandAlone) => standalone(model, snap, l, out),
            Some(
                c @ (ConnectionState::Connecting
                | ConnectionState::Unconnected
                | ConnectionState::NetworkFailure
                | ConnectionState::BrokenPipe
                | ConnectionState::Timeout
                | ConnectionState::ProtocolError
                | ConnectionState::TearDown),
            ) => out.push(peer_unreachable(l, c)),
            _ => {}
        }
        if let Some(s) = &l.sync
            && l.is_syncing()
        {
            out.push(resync(l, s));
            if l.minor.is_some_and(|m| stalled_by_history(model, m)) {
                out.push(
                    Finding::new("drbd.resync-stalled", &l.subject, Severity::Warning, format!("{}: {} made no progress in the last minute", l.subject, if l.is_verify() { "online verify" } else { "resync" }))
                        .evidence(format!("{:.1}% for 60 samples", s.percent))
                        .suggest("check the replication link and the peer's disk; drbdadm pause-sync/resume-sync restarts the controller"),
                );
            }
        }
    }
}

/// Not connected and not trying: after a split brain, an administrator's disconnect, or
/// a refused handshake — each said as such, with what is not known when nothing is.
fn standalone(model: &Model, snap: &crate::model::snapshot::Snapshot, l: &Link, out: &mut Vec<Finding>) {
    let subject = &l.subject;
    let cs = l.state_text.clone();
    if let Some(e) = l.keys.iter().find_map(|k| model.split_brain.get(k)) {
        let me = snap.host.hostname.clone().unwrap_or_else(|| "this node".to_owned());
        let peer =
            l.peer.clone().or_else(|| super::config::peer_of(model, subject)).unwrap_or_else(|| "the peer".to_owned());
        let role = show(&l.role);
        let mut f = Finding::new(
            "drbd.split-brain",
            subject,
            Severity::Critical,
            format!("{subject}: split brain between {me} ({role}, this node) and {peer} — both changed the data while apart; replication is stopped"),
        )
        .evidence(cs)
        .suggest(format!(
            "guided recovery: drnfs recover-split-brain {subject} (--dry-run first) compares both sides and asks which node's changes since the split to discard; that node (the victim) then resyncs from the survivor. By hand: on the victim drbdadm secondary {subject}; drbdadm connect --discard-my-data {subject}; on the survivor drbdadm connect {subject}."
        ));
        if e.helper_called {
            f = f.evidence("events2: split-brain helper called");
        }
        if e.kernel_detected_unresolved {
            f = f.evidence("kernel: \"Split-Brain detected but unresolved, dropping connection!\"");
        }
        out.push(f);
        return;
    }
    let from = l.keys.iter().find_map(|k| model.disconnects.get(k));
    let refusal = l.keys.iter().find_map(|k| model.handshake_refusals.get(k));
    // DRBD drops a connection by itself only during the handshake: from WFReportParams
    // (a split brain, incompatible settings), or from WFConnection right after logging why
    // (authentication, features) — the refusal is then known. Any other way into
    // Disconnecting is `drbdadm disconnect` (or `down`): from Connected or a resync, or
    // from WFConnection/Unconnected when the peer had gone first (the lab's
    // admin-disconnect capture).
    let by_admin = from.is_some_and(|(state, _)| {
        let cs = ProcCs::parse(state);
        cs == ProcCs::Connected
            || cs.split().is_some_and(|(_, r)| r.is_resync_phase())
            || matches!(
                cs,
                ProcCs::WFConnection
                    | ProcCs::Unconnected
                    | ProcCs::NetworkFailure
                    | ProcCs::BrokenPipe
                    | ProcCs::Timeout
                    | ProcCs::TearDown
            )
            // DRBD 9 prints connection states (Connecting for 8.4's WFConnection).
            || state == "Connecting"
    });
    if let Some(reason) = refusal {
        out.push(
            Finding::new("drbd.standalone", subject, Severity::Critical, format!("{subject}: not replicating (StandAlone): the nodes refused each other's connection — their settings differ"))
                .evidence(cs)
                .evidence(format!("kernel: \"{reason}\" during the connection handshake"))
                .suggest(format!("compare drbdadm dump {subject} on both nodes and make the resource files equal (one was edited and applied alone); then drbdadm adjust {subject} on both")),
        );
    } else if by_admin {
        out.push(
            Finding::new(
                "drbd.disconnected",
                subject,
                Severity::Warning,
                format!("{subject}: disconnected by an administrator (StandAlone): writes are not replicated"),
            )
            .evidence(cs)
            .evidence(format!(
                "kernel: conn( {} -> Disconnecting ) with no split brain",
                from.map_or("?", |(s, _)| s.as_str())
            ))
            .suggest(format!("reconnect when done: drbdadm connect {subject} (on both nodes)")),
        );
    } else {
        out.push(
            Finding::new("drbd.standalone", subject, Severity::Critical, format!("{subject}: not replicating (StandAlone) and not trying to reconnect"))
                .evidence(cs)
                .evidence("no split-brain message seen since drnfs started: an administrative disconnect, an authentication failure, or a split brain logged earlier")
                .suggest("check the kernel log for \"Split-Brain\"; if there is none, reconnect with drbdadm connect"),
        );
    }
}

/// A peer that is gone or going, in plain words. With several peers (DRBD 9), one gone
/// while another replicates is said as such: the data still has a second copy.
fn peer_unreachable(l: &Link, c: &ConnectionState) -> Finding {
    let subject = &l.subject;
    let why = match c {
        ConnectionState::Connecting => "waiting for it to connect",
        ConnectionState::Unconnected => "about to wait for it",
        ConnectionState::NetworkFailure => "the replication link failed",
        ConnectionState::BrokenPipe => "the connection broke",
        ConnectionState::Timeout => "it stopped answering (timeout)",
        ConnectionState::ProtocolError => "it sent something DRBD could not understand (protocol error)",
        ConnectionState::TearDown => "the connection is being closed",
        _ => "not connected",
    };
    let shown = l.proc_cs.as_ref().map_or_else(|| c.to_string(), ToString::to_string);
    let others = l.peers_replicating;
    let (summary, next) = if l.peers > 1 && others > 0 {
        (
            format!(
                "{subject}: peer {} not connected ({shown}: {why}); {others} of {} peers still replicate",
                l.peer_name(),
                l.peers
            ),
            "check that node and its replication link; the data still has a current copy elsewhere",
        )
    } else if l.disk == Some(DiskState::UpToDate) {
        (
            format!("{subject}: peer not connected ({shown}: {why}): writes are not replicated"),
            "check the peer node and the replication link; the data here is the only current copy",
        )
    } else {
        // Not a claim about the data here when it is not current itself (Inconsistent
        // after a cut resync, Outdated, Diskless): the disk finding says what it is.
        (
            format!("{subject}: peer not connected ({shown}: {why})"),
            "check the peer node and the replication link: it may hold the only current copy",
        )
    };
    let mut f =
        Finding::new("drbd.peer-unreachable", subject, Severity::Warning, summary).evidence(l.state_text.clone());
    if l.role == Some(Role::Primary)
        && let Some(oos) = l.out_of_sync_kib.filter(|o| *o > 0)
    {
        f = f.evidence(format!("{} written here since, to resync when it is back", kib(oos)));
    }
    f.suggest(next)
}

fn resync(l: &Link, s: &super::links::Progress) -> Finding {
    if l.is_verify() {
        return verify(l, s);
    }
    let subject = &l.subject;
    let target = l.is_sync_target();
    let paused = matches!(l.replication, Some(ReplicationState::PausedSyncS | ReplicationState::PausedSyncT));
    let mut f = Finding::new(
        "drbd.resync",
        subject,
        if s.stalled { Severity::Warning } else { Severity::Info },
        format!(
            "{subject}: {} {:.1}% done, {} left, ETA {}{}{}",
            if target { "receiving resync" } else { "resync to peer" },
            s.percent,
            s.remaining_kib.map_or_else(|| "?".to_owned(), kib),
            s.eta_seconds.map_or_else(|| "unknown".to_owned(), |e| hms(e as u64)),
            if paused { " — paused" } else { "" },
            if s.stalled { " — STALLED" } else { "" }
        ),
    )
    .evidence(l.state_text.clone());
    if let (Some(speed), Some(want)) = (s.speed_kib_s, s.want_kib_s)
        && want > 0.0
        && speed >= want * 0.9
    {
        f = f.evidence(format!(
            "speed {}/s is at the configured rate (want {}/s): the rate limit, not the disks, sets the pace",
            kib(speed as u64),
            kib(want as u64)
        ));
    }
    if target {
        f = f.suggest("do not promote this node until the resync finishes: its data is Inconsistent");
    }
    f
}

/// An online verify (`drbdadm verify`) compares checksums of both sides' blocks; it copies
/// nothing, so neither side's data changes and no promotion rule follows from it. What it
/// finds is only marked out of sync: DRBD resyncs those blocks at the next connect.
fn verify(l: &Link, s: &super::links::Progress) -> Finding {
    let subject = &l.subject;
    let mut f = Finding::new(
        "drbd.verify",
        subject,
        if s.stalled { Severity::Warning } else { Severity::Info },
        format!(
            "{subject}: online verify with {} {:.1}% done, {} left, ETA {}{}",
            l.peer_name(),
            s.percent,
            s.remaining_kib.map_or_else(|| "?".to_owned(), kib),
            s.eta_seconds.map_or_else(|| "unknown".to_owned(), |e| hms(e as u64)),
            if s.stalled { " — STALLED" } else { "" }
        ),
    )
    .evidence(l.state_text.clone());
    if let Some(oos) = l.out_of_sync_kib.filter(|o| *o > 0) {
        f = f
            .evidence(format!("{} found different so far (marked out of sync)", kib(oos)))
            .suggest("when the verify ends, disconnect and connect the resource (drbdadm disconnect, then connect) to resync the blocks it found");
    }
    f
}

/// What DRBD's own fence-peer handler answered after the peer went away: proof that the
/// peer cannot write (outdated, powered off), or why there is none.
fn fence_finding(model: &Model, subject: &str, f: &crate::model::FenceResult) -> Finding {
    let peer = super::config::peer_of(model, subject).unwrap_or_else(|| "the peer".to_owned());
    let (rule, severity) = if f.fenced() {
        ("drbd.peer-fenced", Severity::Info)
    } else if f.exit_code == 6 {
        ("drbd.fence-peer-failed", Severity::Critical)
    } else {
        ("drbd.fence-peer-failed", Severity::Warning)
    };
    let summary = if f.fenced() {
        format!("{subject}: DRBD fenced {peer} (fence-peer handler exit {}: {})", f.exit_code, f.meaning())
    } else {
        format!("{subject}: DRBD could not fence {peer} (fence-peer handler exit {}: {})", f.exit_code, f.meaning())
    };
    let f2 = Finding::new(rule, subject, severity, summary).evidence(f.seen_in.clone());
    if f.fenced() {
        f2.suggest(format!("{peer} cannot write to {subject} now; a takeover here is safe from a split brain (drnfs takeover {subject} --dry-run)"))
    } else {
        f2.suggest(format!(
            "do not take over until {peer} is known to be down: power it off (or configure [fence] in drnfs.toml)"
        ))
    }
}

/// The resource name of a minor: from events2 when it is available, else as the kernel
/// log named it, else from the configuration's entry for this host (8.x's /proc/drbd
/// knows minors only, and its kernel log names resources).
pub(super) fn resource_of_minor(model: &Model, minor: u32) -> Option<String> {
    let snap = model.snapshot.as_ref()?;
    if let Some(r) = snap.drbd.resources.iter().find(|r| r.devices.iter().any(|d| d.minor == Some(minor))) {
        return Some(r.name.clone());
    }
    if let Some(r) = model.resource_of_minor_in_kernel_log(minor) {
        return Some(r.to_owned());
    }
    let me = snap.host.hostname.as_deref()?;
    let Some(Ok(resources)) = &model.drbd_config else { return None };
    resources.iter().find(|r| r.hosts.iter().any(|h| h.name == me && h.minor == Some(minor))).map(|r| r.name.clone())
}

/// The last 60 samples all show the same resync percent.
fn stalled_by_history(model: &Model, minor: u32) -> bool {
    let Some(series) = model.history.resync_percent.get(&minor) else { return false };
    if series.len() < 60 {
        return false;
    }
    let last: Vec<Option<f64>> = series.values().rev().take(60).collect();
    last.iter().all(|v| v.is_some() && *v == last[0])
}
