//! An action is data: a [`Plan`] of [`Step`]s, each with the node it runs on, the exact
//! operation (argv, never a shell string), what must be true afterwards, and how to undo
//! it. `--dry-run` prints the plan as is; the executor runs the same value.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Config, NFS_STATE_DIR, Resource};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Node {
    Local,
    Peer,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Op {
    /// Run a program with these arguments (no shell).
    Run { argv: Vec<String> },
    /// Write the resource's keepalived hold file: `true` drains the VIP from the node.
    Hold { on: bool },
    /// Run nothing; wait for the expectations (a cross-node check).
    Verify,
    /// Run drnfs.toml's `[fence]` command (on this node only; it must equal the
    /// configured one): the peer is powered off.
    Fence { argv: Vec<String> },
    /// Try every path to the peer for `seconds`; none may answer.
    PeerSilent { seconds: u64 },
}

/// What must hold on the step's node after it ran (polled until true or timed out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Expect {
    Role {
        role: String,
    },
    Mounted {
        path: String,
        mounted: bool,
    },
    NfsdRunning {
        running: bool,
    },
    ExportsPresent {
        paths: Vec<String>,
        present: bool,
    },
    VipHere {
        here: bool,
    },
    /// The node sees its peer in this role (e.g. the target sees the old primary Secondary).
    PeerRole {
        role: String,
    },
    /// The DRBD connection state (`StandAlone`, `Connected`, …).
    Connection {
        state: String,
    },
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Role { role } => write!(f, "DRBD role {role}"),
            Expect::Mounted { path, mounted: true } => write!(f, "{path} mounted"),
            Expect::Mounted { path, mounted: false } => write!(f, "{path} not mounted"),
            Expect::NfsdRunning { running: true } => write!(f, "nfsd threads > 0"),
            Expect::NfsdRunning { running: false } => write!(f, "nfsd threads = 0"),
            Expect::ExportsPresent { paths, present: true } => write!(f, "exported: {}", paths.join(" ")),
            Expect::ExportsPresent { paths, present: false } => write!(f, "not exported: {}", paths.join(" ")),
            Expect::VipHere { here: true } => write!(f, "VIP on this node"),
            Expect::VipHere { here: false } => write!(f, "VIP not on this node"),
            Expect::PeerRole { role } => write!(f, "peer seen {role}"),
            Expect::Connection { state } => write!(f, "connection {state}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub node: Node,
    pub title: String,
    pub op: Op,
    pub expect: Vec<Expect>,
    /// Seconds to wait for the operation and then for the expectations.
    pub timeout_s: u64,
    /// Steps that undo this one, run when a later step fails.
    pub undo: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    Promote,
    Demote,
    Failover,
    Takeover,
    RecoverSplitBrain,
}

impl ActionKind {
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Promote => "promote",
            ActionKind::Demote => "demote",
            ActionKind::Failover => "failover",
            ActionKind::Takeover => "takeover",
            ActionKind::RecoverSplitBrain => "recover-split-brain",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub action: ActionKind,
    pub resource: String,
    pub local: String,
    pub peer: Option<String>,
    pub steps: Vec<Step>,
    /// The phrase the operator must type to go ahead.
    pub confirm: String,
    /// What clients will see (outage, grace period).
    pub impact: Vec<String>,
}

fn run(node: Node, title: impl Into<String>, argv: &[&str], expect: Vec<Expect>, timeout_s: u64) -> Step {
    Step {
        node,
        title: title.into(),
        op: Op::Run { argv: argv.iter().map(|s| (*s).to_owned()).collect() },
        expect,
        timeout_s,
        undo: Vec::new(),
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Start serving on `node`: promote, mount, bind the state directory, start NFS, let the
/// VIP come. Each step carries its undo.
fn serve(node: Node, r: &Resource, c: &Config, force: bool) -> Vec<Step> {
    let mp = s(&r.mount_point);
    let dev = s(&r.device);
    let mut primary = vec!["drbdadm", "primary"];
    if force {
        primary.push("--force");
    }
    primary.push(&r.name);
    let mut steps = vec![Step {
        undo: vec![run(
            node,
            format!("demote {}", r.name),
            &["drbdadm", "secondary", &r.name],
            vec![Expect::Role { role: "Secondary".into() }],
            30,
        )],
        ..run(
            node,
            format!("promote {} to Primary", r.name),
            &primary,
            vec![Expect::Role { role: "Primary".into() }],
            60,
        )
    }];
    let options = if r.mount_options.is_empty() { "defaults".to_owned() } else { r.mount_options.join(",") };
    steps.push(Step {
        undo: vec![run(
            node,
            format!("unmount {mp}"),
            &["umount", &mp],
            vec![Expect::Mounted { path: mp.clone(), mounted: false }],
            30,
        )],
        ..run(
            node,
            format!("mount {dev} on {mp}"),
            &["mount", "-t", &r.fstype, "-o", &options, &dev, &mp],
            vec![Expect::Mounted { path: mp.clone(), mounted: true }],
            120,
        )
    });
    if let Some(src) = r.state_source() {
        let src = s(&src);
        steps.push(Step {
            undo: vec![run(
                node,
                format!("unbind {NFS_STATE_DIR}"),
                &["umount", NFS_STATE_DIR],
                vec![Expect::Mounted { path: NFS_STATE_DIR.into(), mounted: false }],
                30,
            )],
            ..run(
                node,
                format!("bind {src} on {NFS_STATE_DIR} (nfsd's state on the replicated volume)"),
                &["mount", "--bind", &src, NFS_STATE_DIR],
                vec![Expect::Mounted { path: NFS_STATE_DIR.into(), mounted: true }],
                30,
            )
        });
    }
    let exports: Vec<String> = r.exports.iter().map(|e| s(e)).collect();
    let mut stop = vec!["systemctl", "stop", &r.nfs_service];
    stop.extend(r.nfs_helpers.iter().map(String::as_str));
    steps.push(Step {
        undo: vec![run(node, "stop the NFS server", &stop, vec![Expect::NfsdRunning { running: false }], 60)],
        ..run(
            node,
            "start the NFS server",
            &["systemctl", "start", &r.nfs_service],
            vec![Expect::NfsdRunning { running: true }, Expect::ExportsPresent { paths: exports, present: true }],
            120,
        )
    });
    if !r.vip.is_empty() {
        steps.push(Step {
            node,
            title: "release the keepalived hold: the VIP may come here".into(),
            op: Op::Hold { on: false },
            expect: vec![Expect::VipHere { here: true }],
            timeout_s: 30,
            undo: vec![Step {
                node,
                title: "set the keepalived hold".into(),
                op: Op::Hold { on: true },
                expect: vec![Expect::VipHere { here: false }],
                timeout_s: 30,
                undo: Vec::new(),
            }],
        });
    }
    let _ = c;
    steps
}

/// Stop serving on `node`: hold the VIP off, stop NFS, unbind, unmount, demote.
fn unserve(node: Node, r: &Resource, c: &Config) -> Vec<Step> {
    let mp = s(&r.mount_point);
    let dev = s(&r.device);
    let mut steps = Vec::new();
    if !r.vip.is_empty() {
        steps.push(Step {
            node,
            title: "set the keepalived hold: the VIP leaves this node".into(),
            op: Op::Hold { on: true },
            expect: vec![Expect::VipHere { here: false }],
            timeout_s: 30,
            undo: vec![Step {
                node,
                title: "release the keepalived hold".into(),
                op: Op::Hold { on: false },
                expect: vec![Expect::VipHere { here: true }],
                timeout_s: 30,
                undo: Vec::new(),
            }],
        });
    }
    let exports: Vec<String> = r.exports.iter().map(|e| s(e)).collect();
    let mut stop = vec!["systemctl", "stop", &r.nfs_service];
    stop.extend(r.nfs_helpers.iter().map(String::as_str));
    steps.push(Step {
        undo: vec![run(
            node,
            "start the NFS server again",
            &["systemctl", "start", &r.nfs_service],
            vec![
                Expect::NfsdRunning { running: true },
                Expect::ExportsPresent { paths: exports.clone(), present: true },
            ],
            120,
        )],
        ..run(
            node,
            "stop the NFS server and the daemons holding its state",
            &stop,
            vec![Expect::NfsdRunning { running: false }, Expect::ExportsPresent { paths: exports, present: false }],
            90,
        )
    });
    if let Some(src) = r.state_source() {
        let src = s(&src);
        steps.push(Step {
            undo: vec![run(
                node,
                format!("bind {src} on {NFS_STATE_DIR} again"),
                &["mount", "--bind", &src, NFS_STATE_DIR],
                vec![Expect::Mounted { path: NFS_STATE_DIR.into(), mounted: true }],
                30,
            )],
            ..run(
                node,
                format!("unbind {NFS_STATE_DIR}"),
                &["umount", NFS_STATE_DIR],
                vec![Expect::Mounted { path: NFS_STATE_DIR.into(), mounted: false }],
                30,
            )
        });
    }
    let options = if r.mount_options.is_empty() { "defaults".to_owned() } else { r.mount_options.join(",") };
    steps.push(Step {
        undo: vec![run(
            node,
            format!("mount {dev} on {mp} again"),
            &["mount", "-t", &r.fstype, "-o", &options, &dev, &mp],
            vec![Expect::Mounted { path: mp.clone(), mounted: true }],
            120,
        )],
        // Never a lazy unmount: busy means someone still writes; the step fails and shows who.
        ..run(
            node,
            format!("unmount {mp}"),
            &["umount", &mp],
            vec![Expect::Mounted { path: mp.clone(), mounted: false }],
            60,
        )
    });
    steps.push(Step {
        undo: vec![run(
            node,
            format!("promote {} again", r.name),
            &["drbdadm", "primary", &r.name],
            vec![Expect::Role { role: "Primary".into() }],
            60,
        )],
        ..run(
            node,
            format!("demote {} to Secondary", r.name),
            &["drbdadm", "secondary", &r.name],
            vec![Expect::Role { role: "Secondary".into() }],
            60,
        )
    });
    let _ = c;
    steps
}

fn peer_name(c: &Config) -> Option<String> {
    c.peer.as_ref().map(|p| p.name.clone())
}

pub fn promote(c: &Config, r: &Resource, local: &str) -> Plan {
    Plan {
        action: ActionKind::Promote,
        resource: r.name.clone(),
        local: local.to_owned(),
        peer: peer_name(c),
        steps: serve(Node::Local, r, c, false),
        confirm: r.name.clone(),
        impact: vec![format!("{local} starts serving {}; NFSv4 clients wait out the grace period", r.name)],
    }
}

pub fn demote(c: &Config, r: &Resource, local: &str) -> Plan {
    Plan {
        action: ActionKind::Demote,
        resource: r.name.clone(),
        local: local.to_owned(),
        peer: peer_name(c),
        steps: unserve(Node::Local, r, c),
        confirm: r.name.clone(),
        impact: vec![format!("NFS on {} stops: clients hang (hard mounts) until a node serves again", r.name)],
    }
}

pub fn failover(c: &Config, r: &Resource, local: &str) -> Plan {
    let peer = peer_name(c).unwrap_or_else(|| "peer".to_owned());
    let mut steps = Vec::new();
    if !r.vip.is_empty() {
        // A hold left on the target (an earlier drain) would keep the VIP from following.
        steps.push(Step {
            node: Node::Peer,
            title: format!("clear any keepalived hold on {peer}, so the VIP can follow"),
            op: Op::Hold { on: false },
            expect: Vec::new(),
            timeout_s: 10,
            undo: Vec::new(),
        });
    }
    steps.extend(unserve(Node::Local, r, c));
    // The target must see the old primary Secondary before it promotes.
    steps.push(Step {
        node: Node::Peer,
        title: format!("{peer} sees {local} Secondary"),
        op: Op::Verify,
        expect: vec![Expect::PeerRole { role: "Secondary".into() }],
        timeout_s: 20,
        undo: Vec::new(),
    });
    steps.extend(serve(Node::Peer, r, c, false));
    if !r.vip.is_empty() {
        // This node no longer serves, so its check keeps its priority below the target's:
        // the hold is not needed any more, and left set it would block the way back.
        steps.push(Step {
            node: Node::Local,
            title: format!("release the keepalived hold on {local} (Secondary now; the VIP stays with {peer})"),
            op: Op::Hold { on: false },
            expect: vec![Expect::VipHere { here: false }],
            timeout_s: 30,
            undo: Vec::new(),
        });
    }
    Plan {
        action: ActionKind::Failover,
        resource: r.name.clone(),
        local: local.to_owned(),
        peer: Some(peer.clone()),
        steps,
        confirm: format!("failover {} to {peer}", r.name),
        impact: vec![
            format!("NFS on {} stops on {local} and starts on {peer}: clients hang meanwhile", r.name),
            "then NFSv4 clients wait out the grace period on the new node".to_owned(),
        ],
    }
}

/// How a takeover was asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct TakeoverOptions {
    /// `drbdadm primary --force`.
    pub force: bool,
    /// No proof that the peer cannot write; the operator accepts a split brain.
    pub risk_accepted: bool,
    /// This node's data is Consistent or Outdated, accepted.
    pub stale: bool,
}

/// Takeover: the peer is gone. With a `[fence]`, the peer is powered off first and must
/// then stay silent. In every case the peer is probed once more right before the
/// promotion (the operator may have taken long to type the phrase). The phrase names
/// what the operator accepts: no proof, stale data.
pub fn takeover(c: &Config, r: &Resource, local: &str, o: TakeoverOptions) -> Plan {
    let peer = peer_name(c).unwrap_or_else(|| "the peer".to_owned());
    let mut steps = Vec::new();
    if let Some(f) = &c.fence {
        steps.push(Step {
            node: Node::Local,
            title: format!("fence {peer} ([fence] of drnfs.toml)"),
            op: Op::Fence { argv: f.command.clone() },
            expect: Vec::new(),
            timeout_s: f.timeout_s,
            undo: Vec::new(),
        });
    }
    let silent_for = c.fence.as_ref().map_or(1, |f| f.silent_for_s.max(1));
    steps.push(Step {
        node: Node::Local,
        title: format!("{peer} stays silent on every path for {silent_for} s"),
        op: Op::PeerSilent { seconds: silent_for },
        expect: Vec::new(),
        timeout_s: silent_for + 60,
        undo: Vec::new(),
    });
    steps.extend(serve(Node::Local, r, c, o.force));
    let mut impact = vec![
        format!("{local} serves {} WITHOUT redundancy until {peer} rejoins as Secondary", r.name),
        format!("if {peer} wrote data after the split, reconnecting it means a split-brain recovery"),
    ];
    if c.fence.is_some() {
        impact.insert(0, format!("{peer} is powered off by the fence command before anything else"));
    }
    if o.stale {
        impact.push(format!("{local}'s data is not UpToDate: the last writes {peer} made may be lost"));
    }
    let mut confirm = if o.risk_accepted {
        format!("I accept a split brain of {} with {peer}", r.name)
    } else {
        format!("take over {} from {peer}", r.name)
    };
    if o.stale {
        confirm.push_str(" with stale data");
    }
    Plan {
        action: ActionKind::Takeover,
        resource: r.name.clone(),
        local: local.to_owned(),
        peer: Some(peer),
        steps,
        confirm,
        impact,
    }
}

/// Split-brain recovery: the victim drops its changes and resyncs from the survivor.
pub fn recover_split_brain(c: &Config, r: &Resource, local: &str, victim: Node) -> Plan {
    let peer = peer_name(c).unwrap_or_else(|| "peer".to_owned());
    let survivor = match victim {
        Node::Local => Node::Peer,
        Node::Peer => Node::Local,
    };
    let (victim_name, survivor_name) = match victim {
        Node::Local => (local.to_owned(), peer.clone()),
        Node::Peer => (peer.clone(), local.to_owned()),
    };
    let steps = vec![
        run(
            victim,
            "make sure the connection is down".to_owned(),
            &["drbdadm", "disconnect", &r.name],
            vec![Expect::Connection { state: "StandAlone".into() }],
            30,
        ),
        run(
            victim,
            "become Secondary".to_owned(),
            &["drbdadm", "secondary", &r.name],
            vec![Expect::Role { role: "Secondary".into() }],
            30,
        ),
        run(
            victim,
            "reconnect, discarding its changes since the split".to_owned(),
            &["drbdadm", "connect", "--discard-my-data", &r.name],
            vec![],
            30,
        ),
        run(
            survivor,
            format!("reconnect; {victim_name} must appear as Secondary"),
            &["drbdadm", "connect", &r.name],
            vec![Expect::PeerRole { role: "Secondary".into() }],
            60,
        ),
    ];
    Plan {
        action: ActionKind::RecoverSplitBrain,
        resource: r.name.clone(),
        local: local.to_owned(),
        peer: Some(peer),
        steps,
        confirm: format!("discard the changes of {victim_name}"),
        impact: vec![format!(
            "every write made on {victim_name} since the split is lost; {victim_name} resyncs from {survivor_name}"
        )],
    }
}

/// Every command line a plan built from `c` can run on a node, undos included: all the
/// agent will run for a peer. An allowlist of programs alone would let `systemctl link`,
/// `drbdadm -c FILE` or `mount --bind` through.
pub fn commands(c: &Config) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut add = |plan: Plan| {
        for st in plan.steps.iter().flat_map(|st| std::iter::once(st).chain(&st.undo)) {
            if let Op::Run { argv } = &st.op
                && !out.contains(argv)
            {
                out.push(argv.clone());
            }
        }
    };
    for r in &c.resources {
        add(promote(c, r, ""));
        add(demote(c, r, ""));
        add(failover(c, r, ""));
        for force in [false, true] {
            add(takeover(c, r, "", TakeoverOptions { force, ..Default::default() }));
        }
        for victim in [Node::Local, Node::Peer] {
            add(recover_split_brain(c, r, "", victim));
        }
    }
    out
}

/// The plan as an operator reads it: every command's argv and the node it runs on.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for (i, st) in plan.steps.iter().enumerate() {
        let node = match st.node {
            Node::Local => plan.local.as_str(),
            Node::Peer => plan.peer.as_deref().unwrap_or("peer"),
        };
        let what = match &st.op {
            Op::Run { argv } => argv.join(" "),
            Op::Hold { on: true } => "write 1 to the keepalived hold file".to_owned(),
            Op::Hold { on: false } => "write 0 to the keepalived hold file".to_owned(),
            Op::Verify => "(check only)".to_owned(),
            Op::Fence { argv } => argv.join(" "),
            Op::PeerSilent { seconds } => {
                format!("(try ssh, the replication address, management addresses, ARP for the VIP for {seconds} s)")
            }
        };
        out.push_str(&format!("{:>2}. [{node}] {}\n      {what}\n", i + 1, st.title));
        if !st.expect.is_empty() {
            let e: Vec<String> = st.expect.iter().map(ToString::to_string).collect();
            out.push_str(&format!("      then: {}\n", e.join(", ")));
        }
    }
    out
}
