//! Connection and replication: split brain, StandAlone, peers gone, resync progress and
//! stalls.

use drnfs_parsers::drbd_state::{ConnectionState, ProcCs};

use super::{Finding, Severity};
use crate::format::{hms, kib};
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    for m in &snap.drbd.minors {
        let name = resource_of_minor(model, m.minor);
        let subject = name.clone().unwrap_or_else(|| format!("minor{}", m.minor));
        let evidence_keys = [Some(subject.clone()), Some(format!("minor{}", m.minor))];
        let sb = evidence_keys.iter().flatten().filter_map(|k| model.split_brain.get(k)).next();
        let cs = format!(
            "cs:{} ro:{}/{} ds:{}/{}",
            m.connection,
            show(&m.role),
            show(&m.peer_role),
            show(&m.disk),
            show(&m.peer_disk)
        );
        if !m.connection.is_connected()
            && let Some(f) = evidence_keys.iter().flatten().find_map(|k| model.fence_results.get(k))
        {
            out.push(fence_finding(model, &subject, f));
        }
        match &m.connection {
            ProcCs::StandAlone => match sb {
                Some(e) => {
                    let me = snap.host.hostname.clone().unwrap_or_else(|| "this node".to_owned());
                    let peer = super::config::peer_of(model, &subject).unwrap_or_else(|| "the peer".to_owned());
                    let role = show(&m.role);
                    let mut f = Finding::new(
                        "drbd.split-brain",
                        &subject,
                        Severity::Critical,
                        format!("{subject}: split brain between {me} ({role}, this node) and {peer} — both changed the data while apart; replication is stopped"),
                    )
                    .evidence(cs.clone())
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
                }
                None => {
                    let from = evidence_keys.iter().flatten().find_map(|k| model.disconnects.get(k));
                    let by_admin = from.is_some_and(|(state, _)| {
                        state == "Connected" || ProcCs::parse(state).split().is_some_and(|(_, r)| r.is_resync_phase())
                    });
                    if by_admin {
                        out.push(
                            Finding::new("drbd.disconnected", &subject, Severity::Warning, format!("{subject}: disconnected by an administrator (StandAlone): writes are not replicated"))
                                .evidence(cs.clone())
                                .evidence(format!("kernel: conn( {} -> Disconnecting ) with no split brain", from.map_or("?", |(s, _)| s.as_str())))
                                .suggest(format!("reconnect when done: drbdadm connect {subject} (on both nodes)")),
                        );
                    } else if let Some(reason) =
                        evidence_keys.iter().flatten().find_map(|k| model.handshake_refusals.get(k))
                    {
                        out.push(
                            Finding::new("drbd.standalone", &subject, Severity::Critical, format!("{subject}: not replicating (StandAlone): the nodes refused each other's connection — their settings differ"))
                                .evidence(cs.clone())
                                .evidence(format!("kernel: \"{reason}\" during the connection handshake"))
                                .suggest(format!("compare drbdadm dump {subject} on both nodes and make the resource files equal (one was edited and applied alone); then drbdadm adjust {subject} on both")),
                        );
                    } else {
                        out.push(
                            Finding::new("drbd.standalone", &subject, Severity::Critical, format!("{subject}: not replicating (StandAlone) and not trying to reconnect"))
                                .evidence(cs.clone())
                                .evidence("no split-brain message seen since drnfs started: an administrative disconnect, an authentication failure, or a split brain logged earlier")
                                .suggest("check the kernel log for \"Split-Brain\"; if there is none, reconnect with drbdadm connect"),
                        );
                    }
                }
            },
            ProcCs::WFConnection
            | ProcCs::Unconnected
            | ProcCs::NetworkFailure
            | ProcCs::BrokenPipe
            | ProcCs::Timeout => {
                out.push(
                    Finding::new(
                        "drbd.peer-unreachable",
                        &subject,
                        Severity::Warning,
                        format!("{subject}: peer not connected ({}): writes are not replicated", m.connection),
                    )
                    .evidence(cs.clone())
                    .suggest("check the peer node and the replication link; the data here is the only current copy"),
                );
            }
            _ => {}
        }
        if let Some(s) = &m.sync {
            let target = m.connection == ProcCs::SyncTarget || m.connection == ProcCs::PausedSyncT;
            let mut f = Finding::new(
                "drbd.resync",
                &subject,
                if s.stalled { Severity::Warning } else { Severity::Info },
                format!(
                    "{subject}: {} {:.1}% done, {} left, ETA {}{}",
                    if target { "receiving resync" } else { "resync to peer" },
                    s.percent,
                    kib(s.remaining_kib),
                    s.eta_seconds.map_or_else(|| "unknown".to_owned(), hms),
                    if s.stalled { " — STALLED" } else { "" }
                ),
            )
            .evidence(cs.clone());
            if let (Some(speed), Some(want)) = (s.speed_kib_s, s.want_kib_s)
                && want > 0
                && speed as f64 >= want as f64 * 0.9
            {
                f = f.evidence(format!(
                    "speed {}/s is at the configured rate (want {}/s): the rate limit, not the disks, sets the pace",
                    kib(speed),
                    kib(want)
                ));
            }
            if target {
                f = f.suggest("do not promote this node until the resync finishes: its data is Inconsistent");
            }
            out.push(f);
            if stalled_by_history(model, m.minor) {
                out.push(
                    Finding::new("drbd.resync-stalled", &subject, Severity::Warning, format!("{subject}: resync made no progress in the last minute"))
                        .evidence(format!("{:.1}% for 60 samples", s.percent))
                        .suggest("check the replication link and the peer's disk; drbdadm pause-sync/resume-sync restarts the controller"),
                );
            }
        }
    }
    // DRBD 9 (no /proc/drbd minors): connections from events2.
    if snap.drbd.minors.is_empty() {
        for r in &snap.drbd.resources {
            if let Some(f) = model.fence_results.get(&r.name)
                && r.connections.iter().any(|c| c.state != Some(ConnectionState::Connected))
            {
                out.push(fence_finding(model, &r.name, f));
            }
            for c in &r.connections {
                if c.state == Some(ConnectionState::StandAlone) {
                    let sb = model.split_brain.get(&r.name);
                    let (rule, sev, summary) = if sb.is_some() {
                        ("drbd.split-brain", Severity::Critical, format!("{}: split brain with {}", r.name, c.peer))
                    } else {
                        ("drbd.standalone", Severity::Critical, format!("{}: StandAlone towards {}", r.name, c.peer))
                    };
                    out.push(
                        Finding::new(rule, &r.name, sev, summary)
                            .evidence(format!("connection {}: StandAlone", c.peer)),
                    );
                }
            }
        }
    }
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

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// The resource name of a minor, from events2 when it is available.
pub(super) fn resource_of_minor(model: &Model, minor: u32) -> Option<String> {
    let snap = model.snapshot.as_ref()?;
    snap.drbd.resources.iter().find(|r| r.devices.iter().any(|d| d.minor == Some(minor))).map(|r| r.name.clone())
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
