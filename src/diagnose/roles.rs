//! Who holds what: DRBD role, the mounted filesystem, nfsd and the VIP must be on the
//! same node.

use std::net::IpAddr;

use drnfs_parsers::drbd_state::Role;

use super::replication::resource_of_minor;
use super::{Finding, Severity};
use crate::model::Model;

pub(super) fn check(model: &Model, vips: &[IpAddr], out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    let roles: Vec<(String, Option<Role>, Option<Role>)> = if snap.drbd.minors.is_empty() {
        snap.drbd
            .resources
            .iter()
            .map(|r| (r.name.clone(), r.role.clone(), r.connections.iter().find_map(|c| c.peer_role.clone())))
            .collect()
    } else {
        snap.drbd
            .minors
            .iter()
            .filter(|m| m.role.is_some())
            .map(|m| {
                (
                    resource_of_minor(model, m.minor).unwrap_or_else(|| format!("minor{}", m.minor)),
                    m.role.clone(),
                    m.peer_role.clone(),
                )
            })
            .collect()
    };
    if roles.is_empty() {
        return;
    }
    let primary = roles.iter().any(|(_, r, _)| *r == Some(Role::Primary));
    for (name, role, peer) in &roles {
        if *role == Some(Role::Primary) && *peer == Some(Role::Primary) {
            out.push(
                Finding::new("drbd.two-primaries", name, Severity::Critical, format!("{name}: both nodes are Primary"))
                    .evidence("ro:Primary/Primary")
                    .suggest("with ext4 or xfs this corrupts data: stop NFS and demote one side now (drnfs demote)"),
            );
        }
    }
    let threads = snap.nfsd.threads.unwrap_or(0);
    let mounted = !snap.host.drbd_mounts.is_empty();
    let node = snap.host.hostname.clone().unwrap_or_else(|| "this node".to_owned());
    if mounted && !primary {
        out.push(
            Finding::new(
                "role.mounted-without-primary",
                &node,
                Severity::Critical,
                "a DRBD device is mounted but this node is not Primary".to_owned(),
            )
            .evidence(
                snap.host
                    .drbd_mounts
                    .iter()
                    .map(|m| format!("{} on {}", m.device, m.mount_point))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        );
    }
    if threads > 0 && !primary {
        out.push(
            Finding::new(
                "role.nfsd-on-secondary",
                &node,
                Severity::Warning,
                format!("nfsd runs ({threads} threads) on a node that is not DRBD Primary"),
            )
            .evidence(format!("{} export(s) loaded", snap.nfsd.exports.len()))
            .suggest("stop the NFS server here (systemctl stop nfs-server); it would serve the empty mount point"),
        );
    }
    if primary && mounted && threads == 0 && snap.nfsd.available {
        out.push(
            Finding::new(
                "role.primary-not-serving",
                &node,
                Severity::Critical,
                "this node is Primary with the filesystem mounted, but nfsd is not running".to_owned(),
            )
            .evidence("nfsd threads: 0")
            .suggest("start the NFS server (systemctl start nfs-server) or fail over"),
        );
    }
    let here: Vec<&IpAddr> = vips.iter().filter(|v| snap.host.addresses.contains(v)).collect();
    for vip in vips {
        let is_here = here.contains(&vip);
        if is_here && !primary {
            out.push(
                Finding::new(
                    "role.vip-on-secondary",
                    &vip.to_string(),
                    Severity::Critical,
                    format!("the service address {vip} is on this node, which is not DRBD Primary"),
                )
                .evidence(format!("{vip} is a local address; no resource is Primary here"))
                .suggest(
                    "clients reach a node that cannot serve: fix keepalived's check so the VIP follows the Primary",
                ),
            );
        }
        if !is_here && primary && threads > 0 {
            out.push(
                Finding::new(
                    "role.primary-without-vip",
                    &vip.to_string(),
                    Severity::Warning,
                    format!("this node serves NFS as Primary but the service address {vip} is not here"),
                )
                .evidence(format!("{vip} is not among this node's addresses"))
                .suggest("check keepalived (journalctl -u keepalived) on both nodes"),
            );
        }
    }
}
