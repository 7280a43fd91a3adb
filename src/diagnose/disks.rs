//! Local and peer disk states, out-of-sync data while in sync, and (DRBD 9) quorum,
//! suspended I/O and whether this node could be promoted.

use drnfs_parsers::drbd_state::{ConnectionState, DiskState, ProcCs, ReplicationState, Role};

use super::links::{Link, links};
use super::{Finding, Severity, show};
use crate::format::kib;
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let all = links(model);
    for l in all.iter().filter(|l| l.first_of_volume) {
        local_disk(l, out);
        quorum_and_io(l, &all, out);
    }
    for l in &all {
        in_sync_but_out_of_sync(l, out);
        peer_disk_lost(model, l, out);
        if l.first_of_volume
            && let Some(p) = l.protocol.filter(|p| *p == 'A' || *p == 'B')
        {
            out.push(
                Finding::new("drbd.protocol", &l.subject, Severity::Warning, format!("{}: protocol {p} — writes acknowledged before they reach the peer's disk can be lost at failover", l.subject))
                    .evidence(format!("protocol {p}"))
                    .suggest("use protocol C for an NFS failover pair"),
            );
        }
    }
    configured_but_down(model, out);
}

fn local_disk(l: &Link, out: &mut Vec<Finding>) {
    let subject = &l.subject;
    // Any peer resyncing this volume makes Inconsistent or Outdated expected.
    let syncing = l.is_syncing();
    match &l.disk {
        // DRBD 9's diskless clients have no disk on purpose.
        Some(DiskState::Diskless) if l.client => {}
        Some(DiskState::Diskless) | Some(DiskState::Failed) => out.push(
            Finding::new(
                "drbd.disk-lost",
                subject,
                Severity::Critical,
                format!("{subject}: local disk is {} — this node has no data of its own", show(&l.disk)),
            )
            .evidence(l.state_text.clone())
            .suggest("look for I/O errors in the kernel log; replace or re-attach the backing disk (drbdadm attach)"),
        ),
        Some(DiskState::Outdated) if !syncing => out.push(
            Finding::new(
                "drbd.disk-outdated",
                subject,
                Severity::Warning,
                format!("{subject}: local data is Outdated (the peer has newer writes)"),
            )
            .evidence(l.state_text.clone())
            .suggest("reconnect to the peer so it can resync; never promote this node while Outdated"),
        ),
        Some(DiskState::Inconsistent) if !syncing => out.push(
            Finding::new(
                "drbd.disk-inconsistent",
                subject,
                Severity::Warning,
                format!("{subject}: local data is Inconsistent and no resync is running"),
            )
            .evidence(l.state_text.clone())
            .suggest("connect to an UpToDate peer to resync"),
        ),
        _ => {}
    }
}

/// The peer is connected but has no disk (detached after an I/O error, or never
/// attached): every write reaches this node's disk only, and the peer has no data to fail
/// over to. A DRBD 9 diskless client or tiebreaker (`peer-client:yes`) is diskless on
/// purpose.
fn peer_disk_lost(model: &Model, l: &Link, out: &mut Vec<Finding>) {
    if l.peer_disk != Some(DiskState::Diskless) || l.peer_client || l.connection != Some(ConnectionState::Connected) {
        return;
    }
    let peer = l.peer.clone().or_else(|| super::config::peer_of(model, &l.subject)).unwrap_or_else(|| l.peer_name());
    out.push(
        Finding::new(
            "drbd.peer-disk-lost",
            &l.subject,
            Severity::Warning,
            format!("{}: {peer} has no disk (Diskless): writes reach this node's disk only", l.subject),
        )
        .evidence(l.state_text.clone())
        .suggest(format!(
            "no failover to {peer} until its disk is back: look for I/O errors in its kernel log, then drbdadm attach {} there",
            l.subject
        )),
    );
}

fn in_sync_but_out_of_sync(l: &Link, out: &mut Vec<Finding>) {
    if let Some(oos) = l.out_of_sync_kib
        && oos > 0
        && l.connection == Some(ConnectionState::Connected)
        && l.replication == Some(ReplicationState::Established)
        && l.disk == Some(DiskState::UpToDate)
        && l.peer_disk == Some(DiskState::UpToDate)
    {
        let state = if l.proc_cs.is_some() { "cs:Connected".to_owned() } else { "connection:Connected".to_owned() };
        out.push(
            Finding::new(
                "drbd.out-of-sync",
                &l.subject,
                Severity::Info,
                format!("{}: {} marked out of sync while both disks are UpToDate", l.subject, kib(oos)),
            )
            .evidence(format!("oos:{oos} with {state} ds:UpToDate/UpToDate"))
            .suggest(
                "not an emergency; run drbdadm verify in a quiet hour, then disconnect/connect to resync what it finds",
            ),
        );
    }
}

/// DRBD 9's own safety signals: quorum, suspended I/O, and whether the failover target
/// may be promoted.
fn quorum_and_io(l: &Link, all: &[Link], out: &mut Vec<Finding>) {
    let subject = &l.subject;
    if l.quorum_lost {
        out.push(
            Finding::new("drbd.quorum-lost", subject, Severity::Critical, format!("{subject}: this node lost quorum — DRBD will not let it write (or be promoted) until enough peers are back"))
                .evidence(format!("quorum:no; {} of {} peers replicating", l.peers_replicating, l.peers))
                .suggest("bring the peers back (check the replication links); do not force a promotion here"),
        );
    }
    if let Some(why) = &l.suspended {
        out.push(
            Finding::new(
                "drbd.io-suspended",
                subject,
                Severity::Critical,
                format!("{subject}: I/O is suspended ({why}): writes to the device hang"),
            )
            .evidence(format!("suspended:{why}"))
            .suggest(if why.contains("quorum") {
                "quorum is lost: reconnect the peers; on-no-quorum suspend-io resumes by itself once it is back"
            } else if why.contains("fencing") {
                "DRBD waits for its fence-peer handler: check it (journalctl) and the peer"
            } else {
                "drbdadm resume-io once the cause is gone"
            }),
        );
    }
    // No Primary anywhere, this node is the one that would take over, and DRBD says no.
    let nobody_primary = all
        .iter()
        .filter(|o| o.subject == l.subject)
        .all(|o| o.role != Some(Role::Primary) && o.peer_role != Some(Role::Primary));
    if l.may_promote == Some(false) && nobody_primary && l.disk == Some(DiskState::UpToDate) {
        out.push(
            Finding::new(
                "drbd.may-not-promote",
                subject,
                Severity::Warning,
                format!("{subject}: no node is Primary and DRBD would refuse to promote this one (may_promote:no)"),
            )
            .evidence(l.state_text.clone())
            .suggest(
                "a failover to this node would fail: look for a missing quorum or an outdated peer in drbdadm status",
            ),
        );
    }
}

/// A resource the configuration puts on this node that is not up at all (`drbdadm down`,
/// or never brought up after a reboot): no replication here, and nothing to fail over to.
fn configured_but_down(model: &Model, out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    let Some(Ok(resources)) = &model.drbd_config else { return };
    let Some(me) = snap.host.hostname.as_deref() else { return };
    if !snap.drbd.available {
        return;
    }
    let drbd9 = snap.drbd.version.as_deref().is_some_and(|v| v.starts_with('9'));
    for r in resources.iter().filter(|r| r.hosts.iter().any(|h| h.name == me)) {
        let minors: Vec<u32> = r.hosts.iter().filter(|h| h.name == me).filter_map(|h| h.minor).collect();
        let up = if drbd9 || minors.is_empty() {
            // DRBD 9 lists no minors in /proc/drbd: only events2 knows what is up, and
            // events2 unread (or its first dump not finished) is not "nothing is up".
            let listed = model.events2.initial_state_done
                || snap.drbd.source == Some(crate::model::snapshot::DrbdSource::StatusJson);
            if !snap.drbd.events2.available || !listed {
                continue;
            }
            snap.drbd.resources.iter().any(|x| x.name == r.name)
        } else {
            snap.drbd.minors.iter().any(|m| minors.contains(&m.minor) && m.connection != ProcCs::Unconfigured)
        };
        if !up {
            out.push(
                Finding::new(
                    "drbd.down",
                    &r.name,
                    Severity::Warning,
                    format!(
                        "{}: configured for {me} but not up here — no replication, nothing to fail over to",
                        r.name
                    ),
                )
                .evidence(format!("drbdadm dump lists {me} in {}; DRBD shows no such resource", r.name))
                .suggest(format!("bring it up when this node should replicate: drbdadm up {}", r.name)),
            );
        }
    }
}
