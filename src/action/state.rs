//! What an action needs to know about one node, read from a drnfs snapshot (the local
//! one, or the peer's over ssh): the resource's roles and states, mounts, nfsd, VIP.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

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

fn st(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl NodeState {
    /// From `drnfs snapshot --json`, for one resource (`minor` is its device minor when
    /// known, for DRBD 8 `/proc/drbd`).
    pub fn from_snapshot(snap: &Value, resource: &str, minor: Option<u32>) -> Self {
        let mut n = NodeState {
            name: st(&snap["host"]["hostname"]).unwrap_or_default(),
            drbd_loaded: snap["drbd"]["available"].as_bool().unwrap_or(false),
            drbd_version: st(&snap["drbd"]["version"]),
            nfsd_threads: snap["nfsd"]["threads"].as_u64().unwrap_or(0),
            ..Default::default()
        };
        let empty = Vec::new();
        let resources = snap["drbd"]["resources"].as_array().unwrap_or(&empty);
        let res = resources.iter().find(|r| r["name"].as_str() == Some(resource));
        let minor = minor.or_else(|| res.and_then(|r| r["devices"][0]["minor"].as_u64()).map(|m| m as u32));
        if let Some(r) = res {
            n.role = st(&r["role"]);
            n.disk = st(&r["devices"][0]["disk"]);
            n.quorum = r["devices"][0]["quorum"].as_bool();
            n.suspended = r["suspended"].as_str().is_some_and(|s| s != "no");
            let c = &r["connections"][0];
            n.connection = st(&c["state"]);
            n.peer_role = st(&c["peer_role"]);
            n.peer_disk = st(&c["peer_devices"][0]["peer_disk"]);
            n.replication = st(&c["peer_devices"][0]["replication"]);
            n.out_of_sync_kib = c["peer_devices"][0]["out_of_sync_kib"].as_u64();
            if c.is_null() {
                // DRBD 8.4 with no network configuration lists no connection at all.
                n.connection = Some("StandAlone".into());
            }
        }
        // DRBD 8: /proc/drbd is authoritative and has what 8.4's events2 lacks.
        let minors = snap["drbd"]["minors"].as_array().unwrap_or(&empty);
        if let Some(m) = minor.and_then(|mi| minors.iter().find(|m| m["minor"].as_u64() == Some(u64::from(mi)))) {
            let cs = m["connection"].as_str().unwrap_or("");
            let split = drnfs_parsers::drbd_state::ProcCs::parse(cs).split();
            if let Some((c, r)) = split {
                n.connection = Some(c.to_string());
                n.replication = Some(r.to_string());
            }
            n.role = st(&m["role"]).or(n.role);
            n.peer_role = st(&m["peer_role"]).or(n.peer_role);
            n.disk = st(&m["disk"]).or(n.disk);
            n.peer_disk = st(&m["peer_disk"]).or(n.peer_disk);
            n.out_of_sync_kib = m["counters"]["oos"].as_u64().or(n.out_of_sync_kib);
            n.suspended |= m["io_flags"]["io_suspended"].as_bool().unwrap_or(false);
        }
        n.drbd_mounts = snap["host"]["drbd_mounts"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|m| (st(&m["device"]).unwrap_or_default(), st(&m["mount_point"]).unwrap_or_default()))
            .collect();
        n.exports = snap["nfsd"]["exports"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter(|e| e["pseudo_root"].as_bool() != Some(true))
            .filter_map(|e| st(&e["path"]))
            .collect();
        n.addresses = snap["host"]["addresses"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter_map(|a| a.as_str()?.parse().ok())
            .collect();
        n.in_grace = snap["nfsd"]["in_grace"].as_bool();
        n.nfsd_write_bytes = snap["nfsd"]["io"]["write_bytes"].as_u64();
        let sb = &snap["drbd"]["split_brain"];
        let facts = [Some(resource.to_owned()), minor.map(|m| format!("minor{m}"))]
            .into_iter()
            .flatten()
            .map(|k| &sb[k.as_str()])
            .find(|v| v.is_object());
        n.split = facts.map(|e| SplitFacts {
            blocks_changed_here: e["blocks_changed_here"].as_u64(),
            blocks_changed_peer: e["blocks_changed_peer"].as_u64(),
            apart_since: st(&e["apart_since"]),
            promoted_here_at: e["promoted_here_at"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        });
        let config = snap["drbd"]["config"].as_array().unwrap_or(&empty).iter().find(|c| c["name"] == resource);
        if let Some(c) = config {
            n.fencing = st(&c["fencing"]);
            n.fence_peer_handler = st(&c["fence_peer_handler"]);
            n.quorum_setting = st(&c["quorum"]);
            n.on_no_quorum = st(&c["on_no_quorum"]);
            // The address after the family (`ipv4 10.50.0.2:7789`) of the host that is not us.
            n.peer_address = c["hosts"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter(|h| h["name"].as_str().is_some_and(|name| name != n.name))
                .find_map(|h| h["address"].as_str()?.split_whitespace().last().map(str::to_owned));
        }
        n.peer_fenced = snap["findings"].as_array().unwrap_or(&empty).iter().find_map(|f| {
            let id = f["id"].as_str()?;
            let mine = id == format!("drbd.peer-fenced:{resource}")
                || minor.is_some_and(|m| id == format!("drbd.peer-fenced:minor{m}"));
            mine.then(|| {
                let seen = f["evidence"][0].as_str().unwrap_or("");
                format!("{} (read from {seen})", f["summary"].as_str().unwrap_or(id))
            })
        });
        n.findings = snap["findings"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|f| {
                (
                    st(&f["id"]).unwrap_or_default(),
                    st(&f["severity"]).unwrap_or_default(),
                    st(&f["summary"]).unwrap_or_default(),
                )
            })
            .collect();
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
