//! Local and peer disk states, and out-of-sync data while in sync.

use drnfs_parsers::drbd_state::{DiskState, ProcCs};

use super::replication::resource_of_minor;
use super::{Finding, Severity};
use crate::format::kib;
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    for m in &snap.drbd.minors {
        let subject = resource_of_minor(model, m.minor).unwrap_or_else(|| format!("minor{}", m.minor));
        let syncing = m.connection.split().is_some_and(|(_, r)| r.is_resync_phase() || r.is_syncing());
        let ds = format!("ds:{}/{}", show(&m.disk), show(&m.peer_disk));
        match &m.disk {
            Some(DiskState::Diskless) | Some(DiskState::Failed) => out.push(
                Finding::new(
                    "drbd.disk-lost",
                    &subject,
                    Severity::Critical,
                    format!("{subject}: local disk is {} — this node has no data of its own", show(&m.disk)),
                )
                .evidence(ds.clone())
                .suggest(
                    "look for I/O errors in the kernel log; replace or re-attach the backing disk (drbdadm attach)",
                ),
            ),
            Some(DiskState::Outdated) if !syncing => out.push(
                Finding::new(
                    "drbd.disk-outdated",
                    &subject,
                    Severity::Warning,
                    format!("{subject}: local data is Outdated (the peer has newer writes)"),
                )
                .evidence(ds.clone())
                .suggest("reconnect to the peer so it can resync; never promote this node while Outdated"),
            ),
            Some(DiskState::Inconsistent) if !syncing => out.push(
                Finding::new(
                    "drbd.disk-inconsistent",
                    &subject,
                    Severity::Warning,
                    format!("{subject}: local data is Inconsistent and no resync is running"),
                )
                .evidence(ds.clone())
                .suggest("connect to an UpToDate peer to resync"),
            ),
            _ => {}
        }
        if let (Some(c), ProcCs::Connected) = (&m.counters, &m.connection)
            && c.oos > 0
            && m.disk == Some(DiskState::UpToDate)
            && m.peer_disk == Some(DiskState::UpToDate)
        {
            out.push(
                    Finding::new("drbd.out-of-sync", &subject, Severity::Info, format!("{subject}: {} marked out of sync while both disks are UpToDate", kib(c.oos)))
                        .evidence(format!("oos:{} with cs:Connected ds:UpToDate/UpToDate", c.oos))
                        .suggest("not an emergency; run drbdadm verify in a quiet hour, then disconnect/connect to resync what it finds"),
                );
        }
        if m.protocol.is_some_and(|p| p == 'A' || p == 'B') {
            out.push(
                Finding::new("drbd.protocol", &subject, Severity::Warning, format!("{subject}: protocol {} — writes acknowledged before they reach the peer's disk can be lost at failover", m.protocol.unwrap_or('?')))
                    .evidence(format!("protocol {}", m.protocol.unwrap_or('?')))
                    .suggest("use protocol C for an NFS failover pair"),
            );
        }
    }
}

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}
