//! Configuration risks: what makes a failover lose or fork data, read from the DRBD
//! configuration (`drbdadm dump all`) and the mounted filesystem.

use drnfs_parsers::drbd_config::ResourceConfig;

use super::{Finding, Severity};
use crate::model::Model;

/// Filesystems that may be mounted on two Primaries at once.
const CLUSTER_FILESYSTEMS: &[&str] = &["gfs2", "ocfs2"];

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(Ok(resources)) = &model.drbd_config else { return };
    let Some(snap) = &model.snapshot else { return };
    let drbd9 = snap.drbd.version.as_deref().is_some_and(|v| v.starts_with('9'));
    for r in resources {
        if let Some(p) = r.protocol.as_deref().filter(|p| *p == "A" || *p == "B") {
            // /proc/drbd shows it too on 8.x; say it once.
            if !snap.drbd.minors.iter().any(|m| m.protocol == p.chars().next()) {
                out.push(
                    Finding::new("config.protocol", &r.name, Severity::Warning, format!("{}: protocol {p} — writes acknowledged before they reach the peer's disk can be lost at failover", r.name))
                        .evidence(format!("net {{ protocol {p}; }}"))
                        .suggest("use protocol C for an NFS failover pair"),
                );
            }
        }
        if r.allow_two_primaries {
            let fs: Vec<&str> = snap.host.drbd_mounts.iter().map(|m| m.fstype.as_str()).collect();
            let non_cluster: Vec<&&str> = fs.iter().filter(|f| !CLUSTER_FILESYSTEMS.contains(f)).collect();
            if fs.is_empty() || !non_cluster.is_empty() {
                out.push(
                    Finding::new(
                        "config.two-primaries",
                        &r.name,
                        Severity::Critical,
                        format!(
                            "{}: allow-two-primaries is on with a filesystem that is not a cluster filesystem",
                            r.name
                        ),
                    )
                    .evidence(format!(
                        "allow-two-primaries; mounted filesystem: {}",
                        if fs.is_empty() { "unknown".to_owned() } else { fs.join(", ") }
                    ))
                    .suggest("remove allow-two-primaries: ext4 or xfs mounted on two nodes is corrupted"),
                );
            }
        }
        let no_protection = r.fencing == "dont-care" && r.quorum == "off";
        if no_protection {
            let auto = drbd9 && r.auto_promote != Some(false);
            out.push(
                Finding::new(
                    "config.no-split-brain-protection",
                    &r.name,
                    if auto { Severity::Warning } else { Severity::Info },
                    if auto {
                        format!("{}: auto-promote is on with neither fencing nor quorum — a mount on a disconnected node makes a second Primary", r.name)
                    } else {
                        format!("{}: neither fencing nor quorum: promoting while disconnected can fork the data (split brain)", r.name)
                    },
                )
                .evidence(format!("fencing {}, quorum {}{}", r.fencing, r.quorum, if auto { ", auto-promote yes" } else { "" }))
                .suggest("a takeover while the peer is unreachable needs proof that the peer is down; consider fencing resource-only with a fence-peer handler"),
            );
        }
    }
}

/// The peer's node name for `resource`, from the configuration's `on` sections.
pub fn peer_of(model: &Model, resource: &str) -> Option<String> {
    let me = model.snapshot.as_ref()?.host.hostname.clone()?;
    let Some(Ok(resources)) = &model.drbd_config else { return None };
    resource_config(resources, resource)?.other_hosts(&me).next().map(str::to_owned)
}

fn resource_config<'a>(resources: &'a [ResourceConfig], name: &str) -> Option<&'a ResourceConfig> {
    resources.iter().find(|r| r.name == name)
}
