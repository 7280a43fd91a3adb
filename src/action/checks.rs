//! Preflight: every check an action depends on, with pass/warn/block and the evidence.
//! Any BLOCK refuses the action before the operator is asked anything.

use serde::{Deserialize, Serialize};

use super::plan::ActionKind;
use super::state::NodeState;
use crate::config::Resource;

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
    /// Takeover: what every path to the peer said (`None`: the paths could not be tried,
    /// as on recorded state).
    pub probes: Option<super::probe::PeerProbes>,
    /// Takeover: the `[fence]` command drnfs.toml configures (run as the plan's first step).
    pub fence: Option<Vec<String>>,
    /// Takeover without any proof that the peer cannot write, accepted by the operator
    /// (`--no-fencing-i-accept-split-brain`).
    pub no_fencing_accepted: bool,
    /// Accept Consistent/Outdated data on takeover (second phrase).
    pub accept_stale: bool,
    /// `--force`: demote the only UpToDate copy; takeover with `drbdadm primary --force`.
    pub force: bool,
    /// The victim of a split-brain recovery is this node.
    pub victim_is_local: bool,
    /// A victim was named (`--victim`).
    pub victim_named: bool,
    /// drnfs.toml could not be read (dry runs go on without it), and why.
    pub config_error: Option<String>,
    /// Promote: processes using the mount point here before it is mounted.
    pub mount_point_users: Option<Vec<String>>,
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
    // Without drnfs.toml the mount point, exports and VIP are unknown: those checks wait.
    let configured = ctx.config_error.is_none();
    if let Some(e) = &ctx.config_error {
        c.add(
            "C02",
            me,
            "drnfs configuration",
            Verdict::Block,
            format!("{e}: start from examples/drnfs.toml (/usr/share/doc/drnfs/examples/drnfs.toml), then drnfs config check"),
        );
    }
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
    // DRBD 9 says itself whether it would promote this node; drnfs does not try what the
    // kernel has already refused (it answers may_promote:no while a peer is Primary, the
    // data here is not UpToDate, or quorum is missing: the checks below name which).
    if matches!(action, ActionKind::Promote | ActionKind::Takeover) && local.may_promote == Some(false) {
        c.add(
            "C23",
            me,
            "DRBD allows promotion here",
            Verdict::Block,
            format!(
                "events2 says may_promote:no: DRBD 9 would refuse drbdadm primary on this node ({})",
                may_not_promote_because(local)
            ),
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
            if configured {
                c.require(
                    "C12",
                    me,
                    "filesystem not mounted yet",
                    !local.mounted(&mp),
                    format!("{mp} {}", if local.mounted(&mp) { "mounted" } else { "not mounted" }),
                );
            }
            c.require(
                "C14",
                me,
                "nfsd not running here yet",
                local.nfsd_threads == 0,
                if local.nfsd_threads == 0 {
                    "0 threads".to_owned()
                } else {
                    format!(
                        "{} threads already serve from whatever is under {mp}: stop nfs-server first",
                        local.nfsd_threads
                    )
                },
            );
            if let Some(users) = &ctx.mount_point_users {
                c.require(
                    "C13",
                    me,
                    "nothing uses the mount point",
                    users.is_empty(),
                    if users.is_empty() {
                        format!("no process has {mp} open")
                    } else {
                        format!("mounting on {mp} would hide what these write: {}", users.join("; "))
                    },
                );
            }
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
                .filter(|(d, m)| *d == dev && *m != mp && Some(m.as_str()) != Some(crate::config::NFS_STATE_DIR))
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
                "not the only UpToDate copy",
                match (peer_ok, ctx.force) {
                    (true, _) => Verdict::Pass,
                    (false, true) => Verdict::Warn,
                    (false, false) => Verdict::Block,
                },
                if peer_ok {
                    format!(
                        "connection {}, peer disk {}: after this nobody serves until a node is promoted",
                        o(&local.connection),
                        o(&local.peer_disk)
                    )
                } else {
                    format!(
                        "connection {}, peer disk {}: this node holds the only UpToDate copy; demoted, no node can \
                         serve current data until it is promoted again{}",
                        o(&local.connection),
                        o(&local.peer_disk),
                        if ctx.force { " (--force given)" } else { " (--force to demote anyway)" }
                    )
                },
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
            if local.in_grace == Some(true) {
                c.add(
                    "C15",
                    me,
                    "NFSv4 grace period over",
                    Verdict::Warn,
                    "nfsd is still in its grace period (clients reclaiming their state): a failover now starts another \
                     one on the peer, and clients wait twice",
                );
            }
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
            takeover_liveness(&mut c, peer, ctx);
            match takeover_proof(local, ctx) {
                Proof::Some(how) => c.add("C22", me, "the peer cannot write", Verdict::Pass, how),
                Proof::Accepted => c.add(
                    "C22",
                    me,
                    "the peer cannot write",
                    Verdict::Warn,
                    "NO PROOF: --no-fencing-i-accept-split-brain given; if the peer still writes, the data splits",
                ),
                Proof::None => c.add("C22", me, "the peer cannot write", Verdict::Block, NO_PROOF),
            }
        }
        ActionKind::RecoverSplitBrain => {
            // StandAlone alone is no split brain (an administrator's disconnect is
            // StandAlone too): the kernel or events2 must have said so.
            c.require(
                "C19",
                me,
                "a split brain was detected",
                split,
                if split {
                    format!("connection {}; the split brain was detected", o(&local.connection))
                } else {
                    format!(
                        "connection {}: no \"Split-Brain detected\" in the kernel log and no split-brain helper call \
                         in events2 on either node{}",
                        o(&local.connection),
                        if standalone {
                            " (StandAlone after a disconnect is not a split brain: drbdadm connect)"
                        } else {
                            ""
                        }
                    )
                },
            );
            peer_checks(&mut c, r, peer, ctx, false);
            let victim = if !ctx.victim_named {
                None
            } else if ctx.victim_is_local {
                Some(local)
            } else {
                peer
            };
            if let Some(v) = victim.filter(|_| configured) {
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

/// What to do when nothing proves that the peer cannot write.
pub const NO_PROOF: &str = "unreachable is not dead: a partitioned peer still writes. Provide one of: \
(1) a [fence] command in drnfs.toml (drnfs powers the peer off first and checks it stays silent), \
(2) DRBD's own fencing (fencing resource-and-stonith with a fence-peer handler, or the handler having outdated or \
STONITHed the peer), (3) DRBD 9 quorum (a third node or a diskless tiebreaker) that this node holds. \
Or, knowing the risk, --no-fencing-i-accept-split-brain";

/// How drnfs knows a takeover cannot leave two nodes writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    Some(String),
    /// None, and the operator accepted the risk.
    Accepted,
    None,
}

/// The proof a takeover rests on, strongest first: the configured fence (it runs first),
/// DRBD's fence-peer handler having fenced the peer, DRBD fencing that will fence it at
/// promotion, DRBD 9 quorum held here.
pub fn takeover_proof(local: &NodeState, ctx: &Context) -> Proof {
    if let Some(cmd) = &ctx.fence {
        return Proof::Some(format!(
            "[fence] in drnfs.toml runs first: {}; then the peer must stay silent on every path",
            cmd.join(" ")
        ));
    }
    if let Some(evidence) = &local.peer_fenced {
        return Proof::Some(format!("DRBD fenced it: {evidence}"));
    }
    if local.fencing.as_deref() == Some("resource-and-stonith") && local.fence_peer_handler.is_some() {
        return Proof::Some(format!(
            "DRBD's fencing resource-and-stonith runs {} when this node is promoted and refuses to promote unless it \
             fences the peer",
            local.fence_peer_handler.as_deref().unwrap_or("")
        ));
    }
    if local.quorum == Some(true) && local.quorum_setting.as_deref().is_some_and(|q| q != "off") {
        return Proof::Some(format!(
            "DRBD 9 quorum {} held here: the peer's side has none and cannot write (on-no-quorum {})",
            local.quorum_setting.as_deref().unwrap_or(""),
            local.on_no_quorum.as_deref().unwrap_or("suspend-io")
        ));
    }
    if ctx.no_fencing_accepted { Proof::Accepted } else { Proof::None }
}

/// Takeover: the peer must be silent on every path drnfs could try, each path shown.
fn takeover_liveness(c: &mut Checks, peer: Option<&NodeState>, ctx: &Context) {
    use super::probe::Liveness;
    let Some(probes) = &ctx.probes else {
        let evidence = match (&ctx.peer_from_file, peer) {
            (Some(f), Some(p)) => {
                format!("{}'s snapshot ({f}) shows it running: it is not dead ({})", p.name, p.summary())
            }
            (Some(f), None) => format!("recorded state ({f}): the paths to the peer cannot be tried now"),
            (None, _) => "recorded state: the paths to the peer cannot be tried now".to_owned(),
        };
        c.add("C20", "peer", "the peer is silent on every path", Verdict::Block, evidence);
        return;
    };
    for p in &probes.probes {
        let verdict = match p.liveness {
            Liveness::Answered => Verdict::Block,
            Liveness::Silent => Verdict::Pass,
            Liveness::Unknown => Verdict::Warn,
        };
        c.add("C21", "peer", format!("silent on {}", p.path), verdict, p.evidence.clone());
    }
    let (verdict, evidence) = match (probes.answered(), peer) {
        (Some(p), Some(state)) => {
            (Verdict::Block, format!("it answered on {}: it is not dead ({})", p.path, state.summary()))
        }
        (Some(p), None) => (Verdict::Block, format!("it answered on {}: {}", p.path, p.evidence)),
        (None, _) if probes.silent() => (Verdict::Pass, "no path answered".to_owned()),
        (None, _) => {
            (Verdict::Block, "no path to the peer could be tried: drnfs cannot tell whether it is down".to_owned())
        }
    };
    c.add("C20", "peer", "the peer is silent on every path", verdict, evidence);
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

/// `drnfs resume`: the checks for the steps that remain (continuing) or the undos that
/// remain (rolling back) — not the action's own preflight, whose state the interrupted
/// steps already changed.
pub fn resume_preflight(
    action: ActionKind,
    remaining: &[&super::plan::Step],
    r: &Resource,
    local: &NodeState,
    peer: Option<&NodeState>,
    ctx: &Context,
) -> Vec<Check> {
    use super::plan::{Node, Op};
    let mut c = Checks { out: Vec::new() };
    let me = local.name.as_str();
    c.require(
        "C01",
        me,
        "DRBD loaded, resource configured",
        local.drbd_loaded && local.role.is_some(),
        format!("DRBD {} role {}", o(&local.drbd_version), o(&local.role)),
    );
    c.require(
        "C00",
        me,
        "not managed by Pacemaker",
        ctx.pacemaker.is_none(),
        ctx.pacemaker.clone().unwrap_or_else(|| "no Pacemaker CIB for it".into()),
    );
    // An interrupted split-brain recovery is resumed while the split brain still shows.
    if action != ActionKind::RecoverSplitBrain {
        let split = local.split_brain() || peer.is_some_and(NodeState::split_brain);
        c.require(
            "C19",
            me,
            "no split brain",
            !split,
            if split { "split brain detected: drnfs recover-split-brain".into() } else { "none".into() },
        );
    }
    // A takeover goes on only while the peer is still silent and cannot write.
    if action == ActionKind::Takeover
        && remaining.iter().any(|st| {
            st.node == Node::Local && matches!(&st.op, Op::Run { argv } if argv.get(1).is_some_and(|a| a == "primary"))
        })
    {
        takeover_liveness(&mut c, peer, ctx);
        match takeover_proof(local, ctx) {
            Proof::Some(how) => c.add("C22", me, "the peer cannot write", Verdict::Pass, how),
            Proof::Accepted => {
                c.add("C22", me, "the peer cannot write", Verdict::Warn, "NO PROOF: accepted when the takeover started")
            }
            Proof::None => c.add("C22", me, "the peer cannot write", Verdict::Block, NO_PROOF),
        }
    }
    let on_peer = remaining.iter().any(|st| st.node == Node::Peer);
    if on_peer {
        match peer {
            Some(p) => c.add("C20", &p.name, "peer reachable and locked", Verdict::Pass, p.summary()),
            None => c.add(
                "C20",
                "peer",
                "peer reachable and locked",
                Verdict::Block,
                ctx.peer_error.clone().unwrap_or_else(|| "no peer session".into()),
            ),
        }
    }
    let runs = |node: Node, verb: &str| {
        remaining.iter().any(|st| {
            st.node == node
                && matches!(&st.op, Op::Run { argv }
                    if argv.first().is_some_and(|p| p == "drbdadm") && argv.get(1).is_some_and(|a| a == verb))
        })
    };
    for (node, other_node, state, other) in
        [(Node::Local, Node::Peer, Some(local), peer), (Node::Peer, Node::Local, peer, Some(local))]
    {
        let Some(n) = state.filter(|_| runs(node, "primary")) else { continue };
        c.require(
            "C04",
            &n.name,
            "its data UpToDate before it is promoted",
            n.disk.as_deref() == Some("UpToDate"),
            format!("disk {}", o(&n.disk)),
        );
        let other_primary =
            n.peer_role.as_deref() == Some("Primary") || other.is_some_and(|o| o.role.as_deref() == Some("Primary"));
        if other_primary && runs(other_node, "secondary") {
            // What remains demotes the other node first, and the engine checks that it did,
            // over a fresh session, before it promotes this one.
            c.add(
                "C06",
                &n.name,
                "the other node is not Primary",
                Verdict::Warn,
                format!("{} sees its peer {}: it is demoted first, then checked", n.name, o(&n.peer_role)),
            );
        } else {
            c.require(
                "C06",
                &n.name,
                "the other node is not Primary",
                !other_primary,
                format!("{} sees its peer {}", n.name, o(&n.peer_role)),
            );
        }
    }
    let _ = r;
    c.out
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

/// Why DRBD 9 answers `may_promote:no`, read from the same node's state: events2 gives
/// no reason, and the kernel names it only when a promotion is tried ("Need access to
/// UpToDate data", "No quorum", "Multiple primaries not allowed by config").
fn may_not_promote_because(n: &NodeState) -> String {
    let mut why = Vec::new();
    if let Some(d) = n.disk.as_deref().filter(|d| *d != "UpToDate") {
        why.push(format!("the disk here is {d}, not UpToDate"));
    }
    if n.quorum == Some(false) {
        why.push("quorum is lost".to_owned());
    }
    if n.peer_role.as_deref() == Some("Primary") {
        why.push("the peer is Primary".to_owned());
    }
    if n.suspended {
        why.push("I/O is suspended".to_owned());
    }
    if why.is_empty() {
        "the state drnfs reads shows no reason: the device may be open elsewhere; `drbdadm primary` prints the kernel's"
            .to_owned()
    } else {
        format!("likely because {}", why.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

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
        // DRBD 9 refuses promotion here: promote and takeover say so, a demote does not care.
        let mut refused = node("Secondary", "UpToDate", "Connected", "Established", "Secondary");
        refused.may_promote = Some(false);
        assert_eq!(blocks(ActionKind::Promote, &refused, None, &ctx), vec!["C23"]);
        assert!(may_not_promote_because(&refused).starts_with("the state drnfs reads shows no reason"));
        let mut outdated = refused.clone();
        (outdated.disk, outdated.quorum) = (Some("Outdated".into()), Some(false));
        assert_eq!(
            may_not_promote_because(&outdated),
            "likely because the disk here is Outdated, not UpToDate, quorum is lost"
        );
        refused.may_promote = Some(true);
        assert!(blocks(ActionKind::Promote, &refused, None, &ctx).is_empty());
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

    fn probes(liveness: &[crate::action::probe::Liveness]) -> Option<crate::action::probe::PeerProbes> {
        Some(crate::action::probe::PeerProbes {
            probes: liveness
                .iter()
                .enumerate()
                .map(|(i, l)| crate::action::probe::Probe {
                    path: format!("path {i}"),
                    liveness: *l,
                    evidence: "seen".into(),
                })
                .collect(),
        })
    }

    #[test]
    fn takeover_needs_a_silent_peer_and_proof_that_it_cannot_write() {
        use crate::action::probe::Liveness::{Answered, Silent, Unknown};
        let local = node("Secondary", "UpToDate", "Connecting", "Off", "Unknown");
        let silent = probes(&[Silent, Silent, Unknown]);
        let fenced =
            Context { probes: silent.clone(), fence: Some(vec!["/usr/sbin/fence_x".into()]), ..Default::default() };
        assert!(blocks(ActionKind::Takeover, &local, None, &fenced).is_empty());
        // Silence without proof: unreachable is not dead.
        let unproven = Context { probes: silent.clone(), ..Default::default() };
        assert_eq!(blocks(ActionKind::Takeover, &local, None, &unproven), vec!["C22"]);
        let why = preflight(ActionKind::Takeover, &resource(), &local, None, &unproven);
        let c22 = why.iter().find(|c| c.id == "C22").unwrap();
        assert!(
            c22.evidence.contains("[fence]")
                && c22.evidence.contains("quorum")
                && c22.evidence.contains("resource-and-stonith"),
            "{c22:?}"
        );
        // ... unless the operator accepts the split brain: allowed, with a warning.
        let accepted = Context { probes: silent.clone(), no_fencing_accepted: true, ..Default::default() };
        let checks = preflight(ActionKind::Takeover, &resource(), &local, None, &accepted);
        assert!(!blocked(&checks));
        assert_eq!(checks.iter().find(|c| c.id == "C22").unwrap().verdict, Verdict::Warn);
        // One path answering: alive, whatever the proof.
        let answering = Context { probes: probes(&[Silent, Answered]), ..fenced.clone() };
        assert_eq!(blocks(ActionKind::Takeover, &local, None, &answering), vec!["C21", "C20"]);
        // No path could be tried at all: cannot tell.
        let blind = Context { probes: probes(&[Unknown, Unknown]), ..fenced.clone() };
        assert_eq!(blocks(ActionKind::Takeover, &local, None, &blind), vec!["C20"]);
        // Recorded state: the paths cannot be tried now.
        let recorded = Context { probes: None, ..fenced.clone() };
        assert_eq!(blocks(ActionKind::Takeover, &local, None, &recorded), vec!["C20"]);
        // DRBD's own fencing as the proof: the handler having fenced the peer, resource-and-
        // stonith with a handler (DRBD fences at promotion), or quorum held here.
        let mut drbd_fenced = local.clone();
        drbd_fenced.peer_fenced = Some("r0: DRBD fenced nodeb (fence-peer handler exit 7)".into());
        assert!(blocks(ActionKind::Takeover, &drbd_fenced, None, &unproven).is_empty());
        let mut stonith = local.clone();
        stonith.fencing = Some("resource-and-stonith".into());
        assert_eq!(blocks(ActionKind::Takeover, &stonith, None, &unproven), vec!["C22"], "no handler configured");
        stonith.fence_peer_handler = Some("/usr/lib/drbd/stonith_admin-fence-peer.sh".into());
        assert!(blocks(ActionKind::Takeover, &stonith, None, &unproven).is_empty());
        let mut quorum = local.clone();
        quorum.quorum_setting = Some("majority".into());
        quorum.quorum = Some(false);
        assert_eq!(blocks(ActionKind::Takeover, &quorum, None, &unproven), vec!["C09", "C22"]);
        quorum.quorum = Some(true);
        assert!(blocks(ActionKind::Takeover, &quorum, None, &unproven).is_empty());
        // Data freshness, as before.
        let outdated = node("Secondary", "Outdated", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Takeover, &outdated, None, &fenced), vec!["C04"]);
        let stale = Context { accept_stale: true, ..fenced.clone() };
        assert!(blocks(ActionKind::Takeover, &outdated, None, &stale).is_empty());
        let inconsistent = node("Secondary", "Inconsistent", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Takeover, &inconsistent, None, &stale), vec!["C04"]);
    }

    #[test]
    fn gaps_promote_demote_failover_split_brain() {
        let ctx = Context::default();
        // Promote with nfsd already running here, or a process in the mount point.
        let mut serving = node("Secondary", "UpToDate", "Connected", "Established", "Secondary");
        serving.nfsd_threads = 8;
        assert_eq!(blocks(ActionKind::Promote, &serving, None, &ctx), vec!["C14"]);
        let users =
            Context { mount_point_users: Some(vec!["pid 7 (working directory): bash".into()]), ..Default::default() };
        let idle = node("Secondary", "UpToDate", "Connected", "Established", "Secondary");
        assert_eq!(blocks(ActionKind::Promote, &idle, None, &users), vec!["C13"]);
        // Demote of the only UpToDate copy: refused, unless --force.
        let alone = node("Primary", "UpToDate", "Connecting", "Off", "Unknown");
        assert_eq!(blocks(ActionKind::Demote, &alone, None, &ctx), vec!["C07"]);
        assert!(blocks(ActionKind::Demote, &alone, None, &Context { force: true, ..Default::default() }).is_empty());
        // Failover during the grace period: a warning, not a refusal.
        let mut grace = node("Primary", "UpToDate", "Connected", "Established", "Secondary");
        grace.in_grace = Some(true);
        let mut peer = node("Secondary", "UpToDate", "Connected", "Established", "Primary");
        peer.name = "nodeb".into();
        let checks = preflight(ActionKind::Failover, &resource(), &grace, Some(&peer), &ctx);
        assert!(!blocked(&checks), "{checks:?}");
        assert_eq!(checks.iter().find(|c| c.id == "C15").map(|c| c.verdict), Some(Verdict::Warn));
        // Split-brain recovery needs a split brain: StandAlone after a disconnect is none.
        let standalone = node("Primary", "UpToDate", "StandAlone", "Off", "Unknown");
        let mut peer_sa = node("Secondary", "UpToDate", "StandAlone", "Off", "Unknown");
        peer_sa.name = "nodeb".into();
        assert_eq!(blocks(ActionKind::RecoverSplitBrain, &standalone, Some(&peer_sa), &ctx), vec!["C19"]);
        let mut split = standalone.clone();
        split.findings = vec![("drbd.split-brain:r0".into(), "critical".into(), "split brain".into())];
        assert!(blocks(ActionKind::RecoverSplitBrain, &split, Some(&peer_sa), &ctx).is_empty());
        // Without drnfs.toml: one failed check that says where to start.
        let missing = Context { config_error: Some("/etc/drnfs.toml: No such file".into()), ..Default::default() };
        let checks = preflight(ActionKind::Promote, &resource(), &idle, None, &missing);
        let c02 = checks.iter().find(|c| c.id == "C02").unwrap();
        assert!(c02.evidence.contains("examples/drnfs.toml") && c02.evidence.contains("drnfs config check"));
        assert_eq!(blocks(ActionKind::Promote, &idle, None, &missing), vec!["C02"]);
    }
}
