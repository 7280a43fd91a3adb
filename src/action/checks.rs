//! Preflight: every check an action depends on, with pass/warn/block and the evidence.
//! Any BLOCK refuses the action before the operator is asked anything.

use serde::{Deserialize, Serialize};

use super::config::Resource;
use super::plan::ActionKind;
use super::state::NodeState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: &'static str,
    pub node: String,
    pub what: String,
    pub verdict: Verdict,
    pub evidence: String,
}

/// Everything preflight knows besides the node states.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Another action holds the resource's lock, or left an unfinished journal.
    pub busy: Option<String>,
    /// Pacemaker's CIB configures this DRBD resource.
    pub pacemaker: Option<String>,
    /// The peer could not be asked (ssh, agent), and why.
    pub peer_error: Option<String>,
    /// Where the peer's state came from when it was not asked over ssh (a dry run on
    /// recorded state: `--peer-snapshot FILE`).
    pub peer_from_file: Option<String>,
    /// Operator's proof that the peer is dead (takeover).
    pub proof: Option<String>,
    /// Accept Consistent/Outdated data on takeover (second phrase).
    pub accept_stale: bool,
    /// The victim of a split-brain recovery is this node.
    pub victim_is_local: bool,
}

struct Checks {
    out: Vec<Check>,
}

impl Checks {
    fn add(
        &mut self,
        id: &'static str,
        node: &str,
        what: impl Into<String>,
        verdict: Verdict,
        evidence: impl Into<String>,
    ) {
        self.out.push(Check { id, node: node.to_owned(), what: what.into(), verdict, evidence: evidence.into() });
    }

    fn require(&mut self, id: &'static str, node: &str, what: &str, ok: bool, evidence: String) {
        self.add(id, node, what, if ok { Verdict::Pass } else { Verdict::Block }, evidence);
    }
}

fn o(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("unknown")
}

fn resyncing(n: &NodeState) -> bool {
    n.replication.as_deref().is_some_and(|r| r != "Established" && r != "Off")
}

/// The preflight of `action` on `resource`, from the local node's state and (when it could
/// be read) the peer's.
pub fn preflight(
    action: ActionKind,
    r: &Resource,
    local: &NodeState,
    peer: Option<&NodeState>,
    ctx: &Context,
) -> Vec<Check> {
    let mut c = Checks { out: Vec::new() };
    let me = local.name.as_str();
    let mp = r.mount_point.display().to_string();
    c.require(
        "C01",
        me,
        "DRBD loaded, resource configured",
        local.drbd_loaded && local.role.is_some(),
        format!("DRBD {} role {}", o(&local.drbd_version), o(&local.role)),
    );
    c.require(
        "C18",
        me,
        "no other action on this resource",
        ctx.busy.is_none(),
        ctx.busy.clone().unwrap_or_else(|| "lock free".into()),
    );
    c.require(
        "C00",
        me,
        "not managed by Pacemaker",
        ctx.pacemaker.is_none(),
        ctx.pacemaker.clone().unwrap_or_else(|| "no Pacemaker CIB for it".into()),
    );
    c.require(
        "C11",
        me,
        "I/O not suspended",
        !local.suspended,
        if local.suspended { "suspended".into() } else { "no".into() },
    );
    if local.quorum == Some(false) {
        c.add(
            "C09",
            me,
            "quorum",
            Verdict::Block,
            "this node lost quorum: DRBD refuses promotion, and a demote needs secondary --force",
        );
    }
    let standalone = local.connection.as_deref() == Some("StandAlone");
    let split = local.split_brain() || peer.is_some_and(NodeState::split_brain);
    if action != ActionKind::RecoverSplitBrain {
        c.require(
            "C19",
            me,
            "no split brain, not StandAlone",
            !standalone && !split,
            format!("connection {}{}", o(&local.connection), if split { "; split brain detected" } else { "" }),
        );
    }
    match action {
        ActionKind::Promote => {
            c.require(
                "C03",
                me,
                "this node is Secondary",
                local.role.as_deref() == Some("Secondary"),
                format!("role {}", o(&local.role)),
            );
            c.require(
                "C04",
                me,
                "local data UpToDate",
                local.disk.as_deref() == Some("UpToDate"),
                format!(
                    "disk {}{}",
                    o(&local.disk),
                    if resyncing(local) { format!(" ({})", o(&local.replication)) } else { String::new() }
                ),
            );
            c.require(
                "C05",
                me,
                "peer connected (else: takeover)",
                local.connection.as_deref() == Some("Connected"),
                format!("connection {}", o(&local.connection)),
            );
            c.require(
                "C06",
                me,
                "peer is not Primary",
                local.peer_role.as_deref() != Some("Primary"),
                format!("peer role {}", o(&local.peer_role)),
            );
            c.require(
                "C12",
                me,
                "filesystem not mounted yet",
                !local.mounted(&mp),
                format!("{mp} {}", if local.mounted(&mp) { "mounted" } else { "not mounted" }),
            );
        }
        ActionKind::Demote => {
            c.require(
                "C03",
                me,
                "this node is Primary",
                local.role.as_deref() == Some("Primary"),
                format!("role {}", o(&local.role)),
            );
            let dev = r.device.display().to_string();
            let elsewhere: Vec<&str> = local
                .drbd_mounts
                .iter()
                .filter(|(d, m)| *d == dev && *m != mp && Some(m.as_str()) != Some(super::config::NFS_STATE_DIR))
                .map(|(_, m)| m.as_str())
                .collect();
            c.require(
                "C12",
                me,
                "device not mounted anywhere else",
                elsewhere.is_empty(),
                if elsewhere.is_empty() {
                    format!("{dev} only on {mp}")
                } else {
                    format!("{dev} also mounted on {}", elsewhere.join(", "))
                },
            );
            let peer_ok =
                local.connection.as_deref() == Some("Connected") && local.peer_disk.as_deref() == Some("UpToDate");
            c.add(
                "C07",
                me,
                "a peer could take over",
                if peer_ok { Verdict::Pass } else { Verdict::Warn },
                format!(
                    "connection {}, peer disk {}: after this nobody serves until a node is promoted",
                    o(&local.connection),
                    o(&local.peer_disk)
                ),
            );
        }
        ActionKind::Failover => {
            c.require(
                "C03",
                me,
                "this node is Primary",
                local.role.as_deref() == Some("Primary"),
                format!("role {}", o(&local.role)),
            );
            c.require(
                "C05",
                me,
                "connected to the peer",
                local.connection.as_deref() == Some("Connected"),
                format!("connection {}", o(&local.connection)),
            );
            c.require(
                "C08",
                me,
                "no resync running, nothing out of sync",
                !resyncing(local) && local.out_of_sync_kib.unwrap_or(0) == 0,
                format!(
                    "replication {}, out of sync {} KiB",
                    o(&local.replication),
                    local.out_of_sync_kib.unwrap_or(0)
                ),
            );
            c.require(
                "C07",
                me,
                "peer disk UpToDate",
                local.peer_disk.as_deref() == Some("UpToDate"),
                format!("peer disk {}", o(&local.peer_disk)),
            );
            peer_checks(&mut c, r, peer, ctx, true);
        }
        ActionKind::Takeover => {
            c.require(
                "C03",
                me,
                "this node is Secondary",
                local.role.as_deref() == Some("Secondary"),
                format!("role {}", o(&local.role)),
            );
            let disconnected = local.connection.as_deref() != Some("Connected");
            c.require(
                "C05",
                me,
                "peer NOT connected (else: failover or promote)",
                disconnected,
                format!("connection {}", o(&local.connection)),
            );
            let disk = local.disk.as_deref().unwrap_or("");
            match disk {
                "UpToDate" => c.add("C04", me, "local data current", Verdict::Pass, "disk UpToDate"),
                "Consistent" | "Outdated" if ctx.accept_stale => c.add(
                    "C04",
                    me,
                    "local data current",
                    Verdict::Warn,
                    format!("disk {disk}: the peer's last writes may be lost (accepted)"),
                ),
                "Consistent" | "Outdated" => c.add(
                    "C04",
                    me,
                    "local data current",
                    Verdict::Block,
                    format!("disk {disk}: may lack the peer's last writes (--accept-stale-data to accept)"),
                ),
                _ => c.add(
                    "C04",
                    me,
                    "local data usable",
                    Verdict::Block,
                    format!("disk {}: promoting it would serve corrupt data", o(&local.disk)),
                ),
            }
            c.require(
                "C20",
                me,
                "proof that the peer is dead",
                ctx.proof.is_some(),
                ctx.proof.clone().map_or_else(|| "none given (--peer-dead-proof)".into(), |p| format!("operator: {p}")),
            );
            if let Some(p) = peer {
                c.add(
                    "C20",
                    &p.name,
                    "the peer answers",
                    Verdict::Block,
                    match &ctx.peer_from_file {
                        Some(f) => {
                            format!("{}'s snapshot ({f}) shows it running: it is not dead ({})", p.name, p.summary())
                        }
                        None => format!("{} answered over ssh: it is not dead ({})", p.name, p.summary()),
                    },
                );
            }
        }
        ActionKind::RecoverSplitBrain => {
            c.require(
                "C19",
                me,
                "replication stopped (StandAlone)",
                standalone || split,
                format!("connection {}", o(&local.connection)),
            );
            peer_checks(&mut c, r, peer, ctx, false);
            let victim = if ctx.victim_is_local { Some(local) } else { peer };
            if let Some(v) = victim {
                let serving = v.nfsd_threads > 0 || v.mounted(&mp) || r.vip.iter().any(|ip| v.addresses.contains(ip));
                c.require(
                    "C14",
                    &v.name,
                    "the victim is not serving",
                    !serving,
                    format!(
                        "nfsd {} threads, {mp} {}, VIP {}",
                        v.nfsd_threads,
                        if v.mounted(&mp) { "mounted" } else { "not mounted" },
                        if r.vip.iter().any(|ip| v.addresses.contains(ip)) { "here" } else { "not here" }
                    ),
                );
            }
        }
    }
    c.out
}

fn peer_checks(c: &mut Checks, r: &Resource, peer: Option<&NodeState>, ctx: &Context, target: bool) {
    let Some(p) = peer else {
        c.add(
            "C20",
            "peer",
            "peer reachable",
            Verdict::Block,
            ctx.peer_error.clone().unwrap_or_else(|| "no peer configured".into()),
        );
        return;
    };
    let name = p.name.as_str();
    let mp = r.mount_point.display().to_string();
    let how = ctx
        .peer_from_file
        .as_ref()
        .map_or_else(|| "answered over ssh".to_owned(), |f| format!("its snapshot from {f}"));
    c.add("C20", name, "peer reachable", Verdict::Pass, how);
    if target {
        c.require(
            "C03",
            name,
            "peer is Secondary",
            p.role.as_deref() == Some("Secondary"),
            format!("role {}", o(&p.role)),
        );
        c.require(
            "C04",
            name,
            "peer data UpToDate",
            p.disk.as_deref() == Some("UpToDate"),
            format!("disk {}", o(&p.disk)),
        );
        c.require(
            "C12",
            name,
            "peer has nothing mounted",
            !p.mounted(&mp),
            format!("{mp} {}", if p.mounted(&mp) { "mounted" } else { "not mounted" }),
        );
        c.require(
            "C14",
            name,
            "nfsd not running on the peer",
            p.nfsd_threads == 0,
            format!("{} threads", p.nfsd_threads),
        );
        c.require("C08", name, "peer sees no resync", !resyncing(p), format!("replication {}", o(&p.replication)));
    }
}

pub fn blocked(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.verdict == Verdict::Block)
}

/// The preflight as a table.
pub fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks {
        let v = match c.verdict {
            Verdict::Pass => "PASS ",
            Verdict::Warn => "WARN ",
            Verdict::Block => "BLOCK",
        };
        out.push_str(&format!("  {v} {:<4} {:<8} {:<40} {}\n", c.id, c.node, c.what, c.evidence));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::config::Config;

    fn resource() -> Resource {
        let c: Config = toml::from_str(
            "[[resource]]\nname='r0'\ndevice='/dev/drbd0'\nmount_point='/srv/nfs'\nvip=['10.50.0.100']\n",
        )
        .unwrap();
        c.resources[0].clone()
    }

    fn node(role: &str, disk: &str, conn: &str, repl: &str, peer_role: &str) -> NodeState {
        NodeState {
            name: "nodea".into(),
            drbd_loaded: true,
            role: Some(role.into()),
            disk: Some(disk.into()),
            connection: Some(conn.into()),
            replication: Some(repl.into()),
            peer_role: Some(peer_role.into()),
            peer_disk: Some("UpToDate".into()),
            ..Default::default()
        }
    }

    fn blocks(action: ActionKind, local: &NodeState, peer: Option<&NodeState>, ctx: &Context) -> Vec<&'static str> {
        preflight(action, &resource(), local, peer, ctx)
            .iter()
            .filter(|c| c.verdict == Verdict::Block)
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn refusals() {
        let ctx = Context::default();
        // Peer is Primary.
        assert_eq!(
            blocks(
                ActionKind::Promote,
                &node("Secondary", "UpToDate", "Connected", "Established", "Primary"),
                None,
                &ctx
            ),
            vec!["C06"]
        );
        // Local disk not UpToDate (receiving a resync).
        assert_eq!(
            blocks(
                ActionKind::Promote,
                &node("Secondary", "Inconsistent", "Connected", "SyncTarget", "Primary"),
                None,
                &ctx
            ),
            vec!["C04", "C06"]
        );
        // StandAlone.
        assert!(
            blocks(ActionKind::Failover, &node("Primary", "UpToDate", "StandAlone", "Off", "Unknown"), None, &ctx)
                .contains(&"C19")
        );
        // A resync running, for a planned failover.
        let mut peer = node("Secondary", "Inconsistent", "Connected", "SyncTarget", "Primary");
        peer.name = "nodeb".into();
        let b = blocks(
            ActionKind::Failover,
            &node("Primary", "UpToDate", "Connected", "SyncSource", "Secondary"),
            Some(&peer),
            &ctx,
        );
        assert!(b.contains(&"C08") && b.contains(&"C04"), "{b:?}");
        // Quorum lost (DRBD 9).
        let mut q = node("Secondary", "UpToDate", "Connected", "Established", "Secondary");
        q.quorum = Some(false);
        assert_eq!(blocks(ActionKind::Promote, &q, None, &ctx), vec!["C09"]);
        // Another action, Pacemaker.
        let busy = Context {
            busy: Some("locked by pid 42".into()),
            pacemaker: Some("cib.xml has r0".into()),
            ..Default::default()
        };
        assert_eq!(
            blocks(
                ActionKind::Demote,
                &node("Primary", "UpToDate", "Connected", "Established", "Secondary"),
                None,
                &busy
            ),
            vec!["C18", "C00"]
        );
        // Device mounted somewhere else, for demote.
        let mut m = node("Primary", "UpToDate", "Connected", "Established", "Secondary");
        m.drbd_mounts = vec![("/dev/drbd0".into(), "/srv/nfs".into()), ("/dev/drbd0".into(), "/mnt/backup".into())];
        assert_eq!(blocks(ActionKind::Demote, &m, None, &ctx), vec!["C12"]);
    }

    #[test]
    fn takeover_needs_a_dead_peer_and_proof() {
        let local = node("Secondary", "UpToDate", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Takeover, &local, None, &Context::default()), vec!["C20"]);
        let proof = Context { proof: Some("nodeb powered off (BMC)".into()), ..Default::default() };
        assert!(blocks(ActionKind::Takeover, &local, None, &proof).is_empty());
        let mut alive = local.clone();
        alive.name = "nodeb".into();
        assert_eq!(blocks(ActionKind::Takeover, &local, Some(&alive), &proof), vec!["C20"]);
        let outdated = node("Secondary", "Outdated", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Takeover, &outdated, None, &proof), vec!["C04"]);
        let stale = Context { accept_stale: true, ..proof.clone() };
        assert!(blocks(ActionKind::Takeover, &outdated, None, &stale).is_empty());
        let inconsistent = node("Secondary", "Inconsistent", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Takeover, &inconsistent, None, &stale), vec!["C04"]);
    }
}
