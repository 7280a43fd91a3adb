//! What an action needs to know about one node, read from a drnfs snapshot (the local
//! one, or the peer's over ssh): the resource's roles and states, mounts, nfsd, VIP.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::engine::Report;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    pub name: String,
    pub drbd_loaded: bool,
    pub drbd_version: Option<String>,
    /// DRBD 9 names: role, disk, connection (`Connected`, `Connecting`, `StandAlone`…),
    /// replication (`Established`, `SyncSource`…).
    pub role: Option<String>,
    pub disk: Option<String>,
    pub connection: Option<String>,
    pub replication: Option<String>,
    pub peer_role: Option<String>,
    pub peer_disk: Option<String>,
    pub out_of_sync_kib: Option<u64>,
    pub quorum: Option<bool>,
    /// DRBD 9's own verdict on promoting this node (`may_promote:` in events2); `None` on
    /// 8.4, which has no such signal.
    pub may_promote: Option<bool>,
    pub suspended: bool,
    /// Mount points of filesystems from DRBD devices (binds included).
    pub drbd_mounts: Vec<(String, String)>,
    pub nfsd_threads: u64,
    pub exports: Vec<String>,
    pub addresses: Vec<IpAddr>,
    /// Findings (`id`, severity, summary) the node's own drnfs raised.
    pub findings: Vec<(String, String, String)>,
    /// DRBD's fence-peer handler fenced the peer since it went away: what and where read.
    pub peer_fenced: Option<String>,
    /// From the DRBD configuration: `fencing`, the fence-peer handler, `quorum` and
    /// `on-no-quorum` of the resource.
    pub fencing: Option<String>,
    pub fence_peer_handler: Option<String>,
    pub quorum_setting: Option<String>,
    pub on_no_quorum: Option<String>,
    /// The peer's DRBD replication address (`10.50.0.2:7789`), from the configuration.
    pub peer_address: Option<String>,
    /// nfsd is in its NFSv4 grace period.
    pub in_grace: Option<bool>,
    /// Bytes nfsd wrote since it started (the `io` counter).
    pub nfsd_write_bytes: Option<u64>,
    /// What this node's log says of a split brain of the resource.
    pub split: Option<SplitFacts>,
}

/// A split brain as one node's kernel log and events2 saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitFacts {
    /// 4 KiB blocks this node changed while apart, and the blocks it saw the peer report.
    pub blocks_changed_here: Option<u64>,
    pub blocks_changed_peer: Option<u64>,
    /// When the nodes stopped replicating (RFC 3339).
    pub apart_since: Option<String>,
    /// When this node became Primary while apart (RFC 3339).
    pub promoted_here_at: Vec<String>,
}

fn name<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

impl NodeState {
    /// One resource of a node's report (`minor` is its device minor when known, for
    /// DRBD 8's `/proc/drbd`; `peer` the peer's name, to pick its connection where DRBD 9
    /// has several — a tiebreaker, a third node).
    pub fn from_report(report: &Report, resource: &str, minor: Option<u32>, peer: Option<&str>) -> Self {
        let mut n = NodeState {
            name: report.host.hostname.clone().unwrap_or_default(),
            drbd_loaded: report.drbd.available,
            drbd_version: report.drbd.version.clone(),
            nfsd_threads: report.nfsd.threads.unwrap_or(0),
            ..Default::default()
        };
        let res = report.drbd.resources.iter().find(|r| r.name == resource);
        let minor = minor.or_else(|| res.and_then(|r| r.devices.first()?.minor));
        if let Some(r) = res {
            let device = r.devices.first();
            n.role = name(&r.role);
            n.disk = device.and_then(|d| name(&d.disk));
            n.quorum = device.and_then(|d| d.quorum);
            n.may_promote = r.may_promote;
            n.suspended = r.suspended.as_deref().is_some_and(|s| s != "no");
            let c = peer.and_then(|p| r.connections.iter().find(|c| c.peer == p)).or_else(|| r.connections.first());
            match c {
                Some(c) => {
                    let pd = c.peer_devices.first();
                    n.connection = name(&c.state);
                    n.peer_role = name(&c.peer_role);
                    n.peer_disk = pd.and_then(|p| name(&p.peer_disk));
                    n.replication = pd.and_then(|p| name(&p.replication));
                    n.out_of_sync_kib = pd.and_then(|p| p.out_of_sync_kib);
                }
                // DRBD 8.4 with no network configuration lists no connection at all.
                None => n.connection = Some("StandAlone".into()),
            }
        }
        // DRBD 8: /proc/drbd is authoritative and has what 8.4's events2 lacks.
        if let Some(m) = minor.and_then(|mi| report.drbd.minors.iter().find(|m| m.minor == mi)) {
            if let Some((c, r)) = m.connection.split() {
                n.connection = Some(c.to_string());
                n.replication = Some(r.to_string());
            }
            n.role = name(&m.role).or(n.role);
            n.peer_role = name(&m.peer_role).or(n.peer_role);
            n.disk = name(&m.disk).or(n.disk);
            n.peer_disk = name(&m.peer_disk).or(n.peer_disk);
            n.out_of_sync_kib = m.counters.as_ref().map(|c| c.oos).or(n.out_of_sync_kib);
            n.suspended |= m.io_flags.as_ref().is_some_and(|f| f.io_suspended);
        }
        n.drbd_mounts = report.host.drbd_mounts.iter().map(|m| (m.device.clone(), m.mount_point.clone())).collect();
        n.exports = report.nfsd.exports.iter().filter(|e| !e.pseudo_root).map(|e| e.path.clone()).collect();
        n.addresses = report.host.addresses.clone();
        n.in_grace = report.nfsd.in_grace;
        n.nfsd_write_bytes = report.nfsd.io.map(|io| io.write_bytes);
        let keys = [Some(resource.to_owned()), minor.map(|m| format!("minor{m}"))];
        n.split = keys.iter().flatten().find_map(|k| report.drbd.split_brain.get(k)).map(|e| SplitFacts {
            blocks_changed_here: e.blocks_changed_here,
            blocks_changed_peer: e.blocks_changed_peer,
            apart_since: e.apart_since.map(|t| t.to_rfc3339()),
            promoted_here_at: e.promoted_here_at.iter().map(|t| t.to_rfc3339()).collect(),
        });
        if let Some(c) = report.drbd.config.iter().find(|c| c.name == resource) {
            n.fencing = Some(c.fencing.clone());
            n.fence_peer_handler = c.fence_peer_handler.clone();
            n.quorum_setting = Some(c.quorum.clone());
            n.on_no_quorum = c.on_no_quorum.clone();
            // The address after the family (`ipv4 10.50.0.2:7789`) of the host that is not us.
            n.peer_address = c
                .hosts
                .iter()
                .filter(|h| h.name != n.name && peer.is_none_or(|p| h.name == p))
                .find_map(|h| h.address.as_deref()?.split_whitespace().last().map(str::to_owned));
        }
        let mine = |id: &str, rule: &str| {
            id.strip_prefix(rule).is_some_and(|s| keys.iter().flatten().any(|k| s == format!(":{k}")))
        };
        n.peer_fenced = report
            .findings
            .iter()
            .find(|f| mine(&f.id, "drbd.peer-fenced"))
            .map(|f| format!("{} (read from {})", f.summary, f.evidence.first().map_or("?", String::as_str)));
        n.findings =
            report.findings.iter().map(|f| (f.id.clone(), f.severity.as_str().to_owned(), f.summary.clone())).collect();
        n
    }

    pub fn mounted(&self, path: &str) -> bool {
        self.drbd_mounts.iter().any(|(_, mp)| mp == path)
    }

    pub fn split_brain(&self) -> bool {
        self.findings.iter().any(|(id, _, _)| id.starts_with("drbd.split-brain"))
    }

    /// A short line for audits and plans.
    pub fn summary(&self) -> String {
        format!(
            "{}: role {} disk {} connection {} replication {} peer {} / {} mounts [{}] nfsd {} threads",
            self.name,
            self.role.as_deref().unwrap_or("?"),
            self.disk.as_deref().unwrap_or("?"),
            self.connection.as_deref().unwrap_or("?"),
            self.replication.as_deref().unwrap_or("?"),
            self.peer_role.as_deref().unwrap_or("?"),
            self.peer_disk.as_deref().unwrap_or("?"),
            self.drbd_mounts.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" "),
            self.nfsd_threads
        )
    }
}
