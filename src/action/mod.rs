//! Guarded actions: promote, demote, failover, takeover, split-brain recovery.
//!
//! Every action runs the same way: preflight checks (each PASS/WARN/BLOCK with its
//! evidence; any BLOCK refuses), the exact plan (every argv and the node it runs on), a
//! typed confirmation, then step by step with the expected state verified after each step;
//! a failed step rolls back what was done, in reverse. The journal on disk lets a later
//! drnfs resume or roll back an action whose drnfs died; the audit log records it all.
//!
//! Three rules keep an action from making the split brain it guards against:
//! - a takeover needs the peer silent on every path *and* proof that it cannot write
//!   (a fence drnfs runs first, DRBD's own fencing, DRBD 9 quorum) — silence alone is not
//!   death;
//! - a step on the peer whose session died counts as unknown, and no rollback promotes or
//!   mounts here before a fresh session showed the peer is not Primary; when it cannot,
//!   drnfs stops with this node Secondary and unmounted and says what to check;
//! - every wait has a deadline (commands, the peer's answers, the checks after a step).

pub mod agent;
pub mod checks;

pub mod exec;
pub mod files;
pub mod plan;
pub mod probe;
pub mod record;
pub mod split_brain;
pub mod state;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::{Config, Resource};
use checks::{Context, Verdict};
use exec::{Local, Peer, Request as AgentRequest, Runner};
use plan::{ActionKind, Expect, Node, Plan, Step};
use record::{Journal, Lock, RunState, StepState};
use state::NodeState;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Ask {
    pub kind: ActionKind,
    pub resource: String,
    pub config_path: PathBuf,
    /// Show preflight and plan; change nothing.
    pub dry_run: bool,
    /// The confirmation phrase given on the command line instead of typed.
    pub confirm: Option<String>,
    /// Takeover with no proof that the peer cannot write: the operator accepts a split
    /// brain (`--no-fencing-i-accept-split-brain`; its own, longer phrase).
    pub no_fencing_accepted: bool,
    pub accept_stale: bool,
    /// Takeover: `drbdadm primary --force`. Demote: demote the only UpToDate copy.
    pub force: bool,
    /// Split-brain recovery: the node whose changes are discarded.
    pub victim: Option<String>,
    /// The peer's snapshot from a file (dry runs on captures) instead of over ssh: the
    /// file's name and its JSON.
    pub peer_snapshot: Option<(String, crate::engine::Report)>,
    /// The local state is recorded (a capture or a replay): never ssh to the real peer.
    pub recorded: bool,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    DryRun {
        blocked: bool,
    },
    Refused,
    Aborted,
    Done,
    /// A step failed and everything done was undone.
    RolledBack,
    /// An interrupted action was rolled back, as the operator asked (`resume --rollback`).
    Undone,
    /// A step failed and the rollback failed too: a human must look.
    Failed,
    /// The peer's state could not be shown safe for this node to promote or mount again
    /// (a step there has an unknown outcome): stopped with this node Secondary and
    /// unmounted, the action left for `drnfs resume`.
    StoppedSafe,
}

impl Ending {
    pub fn exit_code(self) -> u8 {
        match self {
            Ending::Done | Ending::Undone | Ending::DryRun { blocked: false } => 0,
            Ending::DryRun { blocked: true } | Ending::Refused => 3,
            Ending::Aborted => 4,
            Ending::RolledBack => 5,
            Ending::Failed => 6,
            Ending::StoppedSafe => 7,
        }
    }
}

fn run_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| format!("{}-{}", std::process::id(), crate::clock::now().unix_micros()))
}

fn now() -> String {
    crate::clock::now().to_rfc3339()
}

/// Pacemaker manages this DRBD resource when its CIB names it.
fn pacemaker_manages(resource: &str) -> Option<String> {
    let cib = std::fs::read_to_string("/var/lib/pacemaker/cib/cib.xml").ok()?;
    let needle = format!("value=\"{resource}\"");
    (cib.contains("drbd_resource") && cib.contains(&needle)).then(|| {
        format!("/var/lib/pacemaker/cib/cib.xml configures drbd_resource={resource}: use pcs or crm, not drnfs")
    })
}

/// Reads a typed confirmation from the terminal.
pub fn prompt_tty(phrase: &str) -> anyhow::Result<String> {
    use std::io::BufRead;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| anyhow::anyhow!("no terminal to confirm on ({e}); pass --confirm '{phrase}'"))?;
    let mut w = tty.try_clone()?;
    write!(w, "\nType '{phrase}' to proceed (anything else aborts): ")?;
    w.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Opens the agent session on the peer; with `lock`, takes the peer's lock for the
/// resource before anything is read there.
fn connect_peer(config: &Config, r: &Resource, lock: Option<&str>) -> anyhow::Result<(Peer, NodeState)> {
    let mut p = Peer::connect(config)?;
    if let Some(run_id) = lock {
        let resp = p.request(&AgentRequest::Lock { resource: r.name.clone(), run_id: run_id.to_owned() })?;
        if !resp.ok {
            anyhow::bail!("the peer's lock: {}", resp.error.unwrap_or_default());
        }
    }
    let st = p.state(r)?;
    Ok((p, st))
}

struct Session<'a> {
    config: &'a Config,
    resource: &'a Resource,
    local: Local<'a>,
    peer: Option<Peer>,
    run_id: String,
    operator: String,
}

/// How a step went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StepResult {
    Ok,
    /// The command failed: it changed nothing to undo.
    OpFailed,
    /// The command ran but the expected state did not follow: undo it too.
    CheckFailed,
    /// It ran on the peer and the session died: it may or may not have happened.
    Unknown,
    /// It ran, but its audit record could not be written: stop and undo it.
    AuditFailed(String),
}

/// Why a rollback stopped before promoting or mounting here.
struct SafeStop(String);

impl Session<'_> {
    fn runner(&mut self, node: Node) -> Option<&mut dyn Runner> {
        match node {
            Node::Local => Some(&mut self.local),
            Node::Peer => self.peer.as_mut().map(|p| p as &mut dyn Runner),
        }
    }

    fn audit(&mut self, record: serde_json::Value, to_peer: bool) -> anyhow::Result<()> {
        record::audit(&self.config.paths.audit_log, &record).map_err(|e| {
            anyhow::anyhow!("cannot write the audit log {}: {e}", self.config.paths.audit_log.display())
        })?;
        if to_peer && let Some(p) = self.peer.as_mut().filter(|p| !p.lost()) {
            let _ = p.request(&AgentRequest::Audit { record });
        }
        Ok(())
    }

    fn states(&mut self) -> serde_json::Value {
        let r = self.resource.clone();
        let local = self.local.state(&r).map(|s| s.summary()).unwrap_or_else(|e| format!("unreadable: {e}"));
        let peer = self.peer.as_mut().map(|p| {
            if p.lost() {
                return "unknown: its session was lost".to_owned();
            }
            p.state(&r).map(|s| s.summary()).unwrap_or_else(|e| format!("unreadable: {e}"))
        });
        json!({ "local": local, "peer": peer })
    }

    /// A new session to the peer (the old one is dropped), with its lock taken again.
    fn reconnect_peer(&mut self) -> Result<NodeState, String> {
        self.peer = None;
        match connect_peer(self.config, self.resource, Some(&self.run_id)) {
            Ok((p, st)) => {
                self.peer = Some(p);
                Ok(st)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Before this node promotes or mounts again in a rollback: the peer must be shown
    /// Secondary over a fresh session (the old one may be the one that died).
    ///
    /// When this plan promoted the peer (done, or unknown), the peer may have written while
    /// it was Primary: this node must also still be replicating with it (Connected,
    /// Established, UpToDate), or its data may lack those writes and serving it would split
    /// the data. When the plan never promoted the peer, a pair DRBD itself watches
    /// (Connected, peer Secondary) needs no more.
    fn peer_not_primary(&mut self, journal: &Journal) -> Result<(), String> {
        let r = self.resource.clone();
        let peer_promoted = journal.plan.steps.iter().zip(&journal.steps).any(|(st, state)| {
            st.node == Node::Peer
                && promotes(st)
                && matches!(state, StepState::Done | StepState::Unknown | StepState::Running)
        });
        let local = self.local.state(&r).ok();
        let replicating = local.as_ref().is_some_and(|l| {
            l.connection.as_deref() == Some("Connected")
                && l.replication.as_deref() == Some("Established")
                && l.disk.as_deref() == Some("UpToDate")
        });
        if !peer_promoted && replicating && local.as_ref().is_some_and(|l| l.peer_role.as_deref() == Some("Secondary"))
        {
            return Ok(());
        }
        if peer_promoted && !replicating {
            let l = local.map_or_else(|| "unreadable".to_owned(), |l| l.summary());
            return Err(format!(
                "the peer was promoted by this action and may have written since; this node is not replicating with \
                 it ({l}), so its data may lack those writes"
            ));
        }
        if self.config.peer.is_none() {
            return Err("no [peer] in drnfs.toml to ask, and DRBD does not see a connected Secondary peer".into());
        }
        match self.reconnect_peer() {
            Ok(st) if st.role.as_deref() == Some("Secondary") => Ok(()),
            Ok(st) if st.role.as_deref() == Some("Primary") => {
                Err(format!("{} is Primary ({})", st.name, st.summary()))
            }
            Ok(st) => Err(format!("{} is not seen Secondary ({})", st.name, st.summary())),
            Err(e) => Err(format!("its state could not be read over a fresh session: {e}")),
        }
    }

    /// Polls the node until every expectation holds, or the timeout passes.
    fn verify(&mut self, node: Node, expect: &[Expect], timeout: Duration) -> Result<(), String> {
        if expect.is_empty() {
            return Ok(());
        }
        let r = self.resource.clone();
        let deadline = crate::process::deadline_after(timeout);
        let mut last;
        loop {
            let Some(runner) = self.runner(node) else { return Err("no peer session".into()) };
            if runner.lost() {
                return Err("the peer's session is lost".into());
            }
            match runner.state(&r) {
                Ok(s) => {
                    let unmet: Vec<String> =
                        expect.iter().filter(|e| !holds(e, &s, &r)).map(ToString::to_string).collect();
                    if unmet.is_empty() {
                        return Ok(());
                    }
                    last = format!("still not: {} ({})", unmet.join(", "), s.summary());
                }
                Err(e) => last = format!("state unreadable: {e}"),
            }
            if Instant::now() >= deadline {
                return Err(last);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// `PeerSilent`: every path to the peer tried, round after round for `seconds`; one
    /// answer and the step fails.
    fn peer_silent(&mut self, seconds: u64) -> crate::process::Outcome {
        let started = Instant::now();
        let r = self.resource.clone();
        let mut rounds = 0;
        let last = loop {
            let local = match self.local.state(&r) {
                Ok(s) => s,
                Err(e) => return crate::process::Outcome::not_run(format!("this node's state: {e}")),
            };
            let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
            let (probes, _) = probe::look_at_peer(self.config, &r, &local, &routes);
            rounds += 1;
            if !probes.silent() && probes.answered().is_none() {
                return crate::process::Outcome {
                    exit: Some(1),
                    stdout: String::new(),
                    stderr: "no path to the peer could be tried: its silence cannot be shown".to_owned(),
                    duration_ms: started.elapsed().as_millis() as u64,
                    failure: None,
                };
            }
            if let Some(p) = probes.answered() {
                return crate::process::Outcome {
                    exit: Some(1),
                    stdout: String::new(),
                    stderr: format!("the peer answered on {}: {}", p.path, p.evidence),
                    duration_ms: started.elapsed().as_millis() as u64,
                    failure: None,
                };
            }
            if started.elapsed() >= Duration::from_secs(seconds.min(600)) {
                break probes
                    .probes
                    .iter()
                    .map(|p| format!("{}: {}", p.path, p.evidence))
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            std::thread::sleep(Duration::from_secs(1));
        };
        crate::process::Outcome {
            exit: Some(0),
            stdout: format!("silent on every path for {} s ({rounds} rounds): {last}", started.elapsed().as_secs()),
            stderr: String::new(),
            duration_ms: started.elapsed().as_millis() as u64,
            failure: None,
        }
    }

    /// Runs one step and checks it; on a busy unmount, says who holds the mount.
    fn step(&mut self, plan: &Plan, index: usize, st: &Step, out: &mut dyn Write, rollback: bool) -> StepResult {
        let node_name = match st.node {
            Node::Local => plan.local.clone(),
            Node::Peer => plan.peer.clone().unwrap_or_else(|| "peer".into()),
        };
        let tag = if rollback { "undo".to_owned() } else { format!("{}/{}", index + 1, plan.steps.len()) };
        let _ = write!(out, "[{tag}] {node_name}: {} ... ", st.title);
        let _ = out.flush();
        let r = self.resource.clone();
        let timeout = Duration::from_secs(st.timeout_s.clamp(1, 3600));
        // A session lost earlier: a fresh one before anything more is asked of the peer.
        if st.node == Node::Peer
            && self.peer.as_ref().is_none_or(Peer::lost)
            && let Err(e) = self.reconnect_peer()
        {
            let _ = writeln!(out, "FAILED: no session to the peer: {e}");
            return StepResult::OpFailed;
        }
        // A command whose effect is already there is not run again: `drbdadm disconnect`
        // on a StandAlone resource fails, so do `umount` of nothing and `mount` of a
        // mounted filesystem, and a resumed plan re-runs the step that was running when
        // drnfs died. systemctl runs anyway (idempotent, and a stop also stops helper
        // daemons the expectation does not look at); holds are always written.
        if let plan::Op::Run { argv } = &st.op
            && argv.first().is_some_and(|p| p != "systemctl")
            && !st.expect.is_empty()
            && self.verify(st.node, &st.expect, Duration::ZERO).is_ok()
        {
            let _ = writeln!(out, "already so, not run");
            let record = json!({
                "at": now(), "run_id": self.run_id, "action": plan.action.name(), "resource": plan.resource,
                "event": if rollback { "undo" } else { "step" }, "index": index + 1, "node": node_name,
                "title": st.title, "skipped": "already so", "ok": true, "operator": self.operator,
                "message": format!("{}: already so", st.title),
            });
            if let Err(e) = self.audit(record, st.node == Node::Peer) {
                let _ = writeln!(out, "      {e}");
                return StepResult::AuditFailed(e.to_string());
            }
            return StepResult::Ok;
        }
        let outcome = match (&st.op, self.runner(st.node)) {
            (plan::Op::PeerSilent { seconds }, _) => self.peer_silent(*seconds),
            (op, Some(runner)) => runner.run(op, &r, timeout),
            (_, None) => crate::process::Outcome::not_run("no peer session"),
        };
        let lost = st.node == Node::Peer && self.peer.as_ref().is_some_and(Peer::lost);
        let mut problem = (!outcome.success()).then(|| outcome.reason());
        let mut holders = None;
        if problem.is_some()
            && let plan::Op::Run { argv } = &st.op
            && argv.first().is_some_and(|p| p == "umount")
            && st.node == Node::Local
        {
            // `fuser -m` prints the PIDs (with how each uses the mount) on stdout; -v would
            // split its table between stdout and stderr, so the names come from /proc.
            let who = crate::process::run_strs(
                &["fuser", "-m", argv.last().map_or("", String::as_str)],
                Duration::from_secs(10),
            );
            holders = Some(describe_holders(&who.stdout, Path::new("/proc")));
        }
        let op_ok = problem.is_none();
        if op_ok && let Err(e) = self.verify(st.node, &st.expect, timeout) {
            problem = Some(e);
        }
        // A command that failed (killed at its deadline, say) may still have done its
        // work in the kernel: when its effect is there, it counts as done and is undone.
        let took_effect =
            !op_ok && !lost && !st.expect.is_empty() && self.verify(st.node, &st.expect, Duration::ZERO).is_ok();
        let ok = problem.is_none();
        match &problem {
            None => {
                let _ = writeln!(out, "ok ({} ms)", outcome.duration_ms);
            }
            Some(p) if lost => {
                let _ = writeln!(out, "UNKNOWN: the session to the peer was lost ({p}); it may have happened");
            }
            Some(p) => {
                let _ = writeln!(out, "FAILED: {p}");
                if let Some(h) = &holders {
                    let _ = writeln!(out, "      holders of the mount (never unmounted lazily):\n{}", indent(h));
                }
            }
        }
        let argv = match &st.op {
            plan::Op::Run { argv } | plan::Op::Fence { argv } => json!(argv),
            other => json!(other),
        };
        let record = json!({
            "at": now(), "run_id": self.run_id, "action": plan.action.name(), "resource": plan.resource,
            "event": if rollback { "undo" } else { "step" }, "index": index + 1, "node": node_name, "title": st.title,
            "argv": argv, "exit": outcome.exit, "stdout": truncate(&outcome.stdout), "stderr": truncate(&outcome.stderr),
            "duration_ms": outcome.duration_ms, "ok": ok, "problem": problem, "holders": holders,
            "outcome_unknown": lost && !ok,
            "operator": self.operator, "message": format!("{}: {}", st.title, if ok { "ok" } else if lost { "unknown" } else { "failed" }),
        });
        if let Err(e) = self.audit(record, st.node == Node::Peer) {
            let _ = writeln!(out, "      {e}");
            if ok || !op_ok {
                return StepResult::AuditFailed(e.to_string());
            }
        }
        match (op_ok, ok) {
            (_, true) => StepResult::Ok,
            (_, false) if lost => StepResult::Unknown,
            (true, false) => StepResult::CheckFailed,
            (false, _) if took_effect => StepResult::CheckFailed,
            (false, _) => StepResult::OpFailed,
        }
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("        {l}")).collect::<Vec<_>>().join("\n")
}

fn truncate(s: &str) -> String {
    if s.len() > 4000 { format!("{}… ({} bytes)", &s[..s.floor_char_boundary(4000)], s.len()) } else { s.to_owned() }
}

fn holds(e: &Expect, s: &NodeState, r: &Resource) -> bool {
    match e {
        Expect::Role { role } => s.role.as_deref() == Some(role.as_str()),
        Expect::Mounted { path, mounted } => s.mounted(path) == *mounted,
        Expect::NfsdRunning { running } => (s.nfsd_threads > 0) == *running,
        Expect::ExportsPresent { paths, present } => {
            if *present {
                paths.iter().all(|p| s.exports.contains(p))
            } else {
                paths.iter().all(|p| !s.exports.contains(p))
            }
        }
        Expect::VipHere { here } => r.vip.iter().any(|v| s.addresses.contains(v)) == *here,
        Expect::PeerRole { role } => s.peer_role.as_deref() == Some(role.as_str()),
        Expect::Connection { state } => s.connection.as_deref() == Some(state.as_str()),
    }
}

/// `drbdadm primary …`.
fn promotes(st: &Step) -> bool {
    matches!(&st.op, plan::Op::Run { argv }
        if argv.first().is_some_and(|p| p == "drbdadm") && argv.get(1).is_some_and(|a| a == "primary"))
}

/// An undo that brings this node back into service where this plan took it out: a
/// promotion, or a mount after this plan demoted it. Never run blind (a mount on a node
/// that stayed Primary only restores what it had).
fn needs_peer_check(st: &Step, journal: &Journal) -> bool {
    let demoted_here = journal.plan.steps.iter().zip(&journal.steps).any(|(s, state)| {
        s.node == Node::Local
            && matches!(&s.op, plan::Op::Run { argv } if argv.first().is_some_and(|p| p == "drbdadm") && argv.get(1).is_some_and(|a| a == "secondary"))
            && matches!(state, StepState::Done | StepState::Unknown)
    });
    st.node == Node::Local
        && (promotes(st)
            || (demoted_here && matches!(&st.op, plan::Op::Run { argv } if argv.first().is_some_and(|p| p == "mount"))))
}

/// Where `NodeState`s come from for this run: the configuration's resource (or, in a dry
/// run without drnfs.toml, a stand-in with only the name).
fn resource_for(config: Option<&Config>, name: &str) -> anyhow::Result<Resource> {
    match config {
        Some(c) => Ok(c.resource(name)?.clone()),
        None => Ok(Resource::unconfigured(name)),
    }
}

/// Runs an action as asked. `local_report` reads this node (its report, now).
pub fn run(
    ask: &Ask,
    local_report: impl FnMut() -> anyhow::Result<crate::engine::Report>,
    out: &mut dyn Write,
    mut confirm: impl FnMut(&str) -> anyhow::Result<String>,
) -> anyhow::Result<Ending> {
    let (config, config_error) = match Config::load(&ask.config_path) {
        Ok(c) => (c, None),
        // A dry run still runs every check that needs no configuration.
        Err(e) if ask.dry_run => (Config::empty(), Some(e.to_string())),
        Err(e) => return Err(e),
    };
    let r = resource_for(config_error.is_none().then_some(&config), &ask.resource)?;
    let run_id = run_id();
    let mut s = Session {
        config: &config,
        resource: &r,
        local: Local { config: &config, report: Box::new(local_report) },
        peer: None,
        run_id: run_id.clone(),
        operator: record::operator(),
    };
    let local_state = s.local.state(&r)?;
    let local_name = local_state.name.clone();
    let peer_name = config.peer.as_ref().map(|p| p.name.clone());
    if let Some(v) = ask.victim.as_deref()
        && v != local_name
        && Some(v) != peer_name.as_deref()
    {
        anyhow::bail!(
            "--victim {v} is neither this node ({local_name}) nor the peer ({})",
            peer_name.unwrap_or_else(|| "no [peer] configured".into())
        );
    }
    let victim_is_local = ask.victim.as_deref().is_some_and(|v| v == local_name);
    let mut ctx = Context {
        accept_stale: ask.accept_stale,
        force: ask.force,
        victim_is_local,
        victim_named: ask.victim.is_some(),
        no_fencing_accepted: ask.no_fencing_accepted,
        config_error: config_error.clone(),
        fence: config.fence.as_ref().map(|f| f.command.clone()),
        ..Default::default()
    };
    let needs_peer = matches!(ask.kind, ActionKind::Failover | ActionKind::RecoverSplitBrain);
    let mut peer_state = None;
    if let Some((file, snap)) = &ask.peer_snapshot {
        ctx.peer_from_file = Some(file.clone());
        peer_state = Some(NodeState::from_report(snap, &r.name, r.minor(), None));
    } else if ask.kind == ActionKind::Takeover && !ask.recorded {
        // A takeover does not open an agent session: it asks every path whether the peer
        // is still there.
        let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
        let (probes, snap) = probe::look_at_peer(&config, &r, &local_state, &routes);
        peer_state = snap.map(|v| NodeState::from_report(&v, &r.name, r.minor(), None));
        ctx.probes = Some(probes);
    } else if needs_peer && ask.recorded {
        ctx.peer_error = Some("recorded state: pass the peer's snapshot with --peer-snapshot".into());
    } else if needs_peer && config_error.is_some() {
        ctx.peer_error = Some("no drnfs.toml: the peer is unknown".into());
    } else if needs_peer {
        // The peer is locked whenever an action that may change it reads it; a dry run
        // takes no lock anywhere.
        let lock = (!ask.dry_run).then_some(run_id.as_str());
        match connect_peer(&config, &r, lock) {
            Ok((p, st)) => {
                peer_state = Some(st);
                s.peer = Some(p);
            }
            Err(e) => ctx.peer_error = Some(e.to_string()),
        }
    }
    // Busy: a live lock, or a journal a dead drnfs left. A dry run only looks.
    let lock = if ask.dry_run || config_error.is_some() {
        ctx.busy = Lock::holder(&config.paths.lock_dir, &r.name);
        None
    } else {
        match Lock::try_take(&config.paths.lock_dir, &r.name, &run_id) {
            Ok(l) => Some(l),
            Err(e) => {
                ctx.busy = Some(e);
                None
            }
        }
    };
    match Journal::unfinished(&config.paths.journal_dir, &r.name) {
        Ok(Some(j)) => {
            ctx.busy = Some(format!(
                "an interrupted {} (run {}, pid {}) left its journal: drnfs resume {}",
                j.plan.action.name(),
                j.run_id,
                j.pid,
                r.name
            ))
        }
        Ok(None) => {}
        Err(e) => ctx.busy = Some(e),
    }
    ctx.pacemaker = pacemaker_manages(&r.name);
    if ask.kind == ActionKind::Promote && !ask.recorded && config_error.is_none() {
        ctx.mount_point_users = Some(files::users_of(&r.mount_point, Path::new("/proc")));
    }
    // `drbdadm primary --force` overrides DRBD's own fencing and quorum ("Forced into
    // split brain situation"): only a fence drnfs runs first, or DRBD having fenced the
    // peer already, may stand behind it — or the operator accepting the risk.
    if ask.kind == ActionKind::Takeover
        && ask.force
        && ctx.fence.is_none()
        && local_state.peer_fenced.is_none()
        && !ask.no_fencing_accepted
    {
        anyhow::bail!(
            "--force (drbdadm primary --force) overrides DRBD's fencing and quorum: it needs a [fence] in drnfs.toml, \
             or DRBD's fence-peer handler having fenced the peer already, or --no-fencing-i-accept-split-brain"
        );
    }

    let checks = checks::preflight(ask.kind, &r, &local_state, peer_state.as_ref(), &ctx);
    let blocked = checks::blocked(&checks);
    let split = (ask.kind == ActionKind::RecoverSplitBrain)
        .then(|| split_brain::Comparison::new(&mut s, &local_state, peer_state.as_ref(), ask.recorded));
    writeln!(out, "{} {} on {local_name}\n\nPreflight:\n{}", ask.kind.name(), r.name, checks::render(&checks))?;
    if let Some(c) = &split {
        writeln!(out, "{}", c.render(ask.victim.as_deref()))?;
    }
    if config_error.is_some() {
        writeln!(out, "Plan: none without drnfs.toml (copy examples/drnfs.toml, then drnfs config check).")?;
        writeln!(out, "\nDry run: nothing was changed. The action would be REFUSED.")?;
        return Ok(Ending::DryRun { blocked: true });
    }
    let plan = match ask.kind {
        ActionKind::Promote => plan::promote(&config, &r, &local_name),
        ActionKind::Demote => plan::demote(&config, &r, &local_name),
        ActionKind::Failover => plan::failover(&config, &r, &local_name),
        ActionKind::Takeover => {
            let accepted = checks::takeover_proof(&local_state, &ctx) == checks::Proof::Accepted;
            let stale = ask.accept_stale && local_state.disk.as_deref() != Some("UpToDate");
            plan::takeover(
                &config,
                &r,
                &local_name,
                plan::TakeoverOptions { force: ask.force, risk_accepted: accepted, stale },
            )
        }
        ActionKind::RecoverSplitBrain => {
            plan::recover_split_brain(&config, &r, &local_name, if victim_is_local { Node::Local } else { Node::Peer })
        }
    };
    if ask.kind == ActionKind::RecoverSplitBrain && ask.victim.is_none() {
        writeln!(out, "Plan: name the victim (--victim NODE) to see the plan; the comparison above recommends one.")?;
    } else {
        writeln!(out, "Plan:\n{}", plan::render(&plan))?;
        for i in &plan.impact {
            writeln!(out, "Impact: {i}")?;
        }
    }
    if ask.dry_run {
        writeln!(out, "\nDry run: nothing was changed.{}", if blocked { " The action would be REFUSED." } else { "" })?;
        return Ok(Ending::DryRun { blocked });
    }
    let preflight_json = serde_json::to_value(&checks)?;
    if blocked {
        let why: Vec<String> = checks
            .iter()
            .filter(|c| c.verdict == Verdict::Block)
            .map(|c| format!("{} ({})", c.what, c.evidence))
            .collect();
        writeln!(out, "\nREFUSED: {}", why.join("; "))?;
        s.audit(
            json!({"at": now(), "run_id": run_id, "action": plan.action.name(), "resource": r.name, "event": "refused",
            "node": local_name, "operator": s.operator, "preflight": preflight_json, "message": why.join("; ")}),
            false,
        )?;
        return Ok(Ending::Refused);
    }
    if ask.kind == ActionKind::RecoverSplitBrain && ask.victim.is_none() {
        anyhow::bail!("name the victim, whose changes since the split are discarded: --victim NODE");
    }
    let _lock = lock;
    let phrase = plan.confirm.clone();
    let typed = match &ask.confirm {
        Some(c) => c.clone(),
        None => confirm(&phrase)?,
    };
    let before = s.states();
    if typed != phrase {
        writeln!(out, "\nAborted: the confirmation did not match; nothing was changed.")?;
        s.audit(json!({"at": now(), "run_id": run_id, "action": plan.action.name(), "resource": r.name, "event": "aborted",
            "node": local_name, "operator": s.operator, "typed": typed, "expected": phrase, "message": "confirmation did not match"}), false)?;
        return Ok(Ending::Aborted);
    }
    let mut journal = Journal {
        run_id: run_id.clone(),
        pid: std::process::id(),
        operator: s.operator.clone(),
        started_at: now(),
        plan: plan.clone(),
        steps: vec![StepState::Pending; plan.steps.len()],
        state: RunState::Running,
        note: None,
    };
    let risk = (ask.kind == ActionKind::Takeover
        && checks::takeover_proof(&local_state, &ctx) == checks::Proof::Accepted)
        .then_some("takeover WITHOUT proof that the peer cannot write: the operator accepted a split brain");
    s.audit(
        json!({"at": now(), "run_id": run_id, "action": plan.action.name(), "resource": r.name, "event": "start",
        "node": local_name, "peer": plan.peer, "operator": s.operator, "typed": typed, "preflight": preflight_json,
        "probes": ctx.probes, "risk_accepted": risk, "split_brain": split.as_ref().map(|c| c.to_json()),
        "plan": plan, "state_before": before, "message": format!("started by {}{}", s.operator, risk.map_or(String::new(), |r| format!(" — {r}")))}),
        true,
    )?;
    // Journaled only once the start is audited: no resumable action without its record.
    journal.save(&config.paths.journal_dir)?;
    writeln!(out)?;
    let ending = execute(&mut s, &mut journal, 0, out)?;
    finish(&mut s, &journal, ending, &local_name)?;
    Ok(ending)
}

/// The last audit record of a run, and the journal closed unless a human must look.
fn finish(s: &mut Session<'_>, journal: &Journal, ending: Ending, node: &str) -> anyhow::Result<()> {
    let after = s.states();
    let event = match ending {
        Ending::Done => "done",
        Ending::RolledBack => "rolled_back",
        Ending::Undone => "undone",
        Ending::StoppedSafe => "stopped_safe",
        _ => "failed",
    };
    s.audit(
        json!({"at": now(), "run_id": journal.run_id, "action": journal.plan.action.name(), "resource": journal.plan.resource,
        "event": event, "node": node, "operator": s.operator, "state_after": after, "note": journal.note,
        "message": journal.note.clone().unwrap_or_default()}),
        true,
    )?;
    // A safe stop or an incomplete rollback leaves the journal open: the next action is
    // refused until `drnfs resume`.
    if matches!(ending, Ending::Done | Ending::RolledBack | Ending::Undone) {
        Journal::finish(&s.config.paths.journal_dir, &journal.plan.resource);
    }
    Ok(())
}

/// Runs the plan from step `from`; on a failure, undoes the finished steps in reverse.
fn execute(s: &mut Session<'_>, journal: &mut Journal, from: usize, out: &mut dyn Write) -> anyhow::Result<Ending> {
    let dir = s.config.paths.journal_dir.clone();
    let plan = journal.plan.clone();
    for i in from..plan.steps.len() {
        journal.steps[i] = StepState::Running;
        journal.save(&dir)?;
        let result = s.step(&plan, i, &plan.steps[i], out, false);
        if result == StepResult::Ok {
            journal.steps[i] = StepState::Done;
            journal.save(&dir)?;
            continue;
        }
        // A command that ran but whose effect did not show is undone with the rest; one
        // whose answer was lost with the peer's session may have run: undone as well.
        journal.steps[i] = match result {
            StepResult::CheckFailed | StepResult::AuditFailed(_) => StepState::Done,
            StepResult::Unknown => StepState::Unknown,
            _ => StepState::Failed,
        };
        journal.state = RunState::RollingBack;
        let node = match plan.steps[i].node {
            Node::Local => plan.local.clone(),
            Node::Peer => plan.peer.clone().unwrap_or_default(),
        };
        let why = match &result {
            StepResult::Unknown => " (its outcome is unknown: the session to the peer was lost)".to_owned(),
            StepResult::AuditFailed(e) => format!(" (the audit log could not be written: {e})"),
            _ => String::new(),
        };
        journal.note = Some(format!(
            "{} {} stopped at step {} ({node}: {}){why}",
            plan.action.name(),
            plan.resource,
            i + 1,
            plan.steps[i].title
        ));
        journal.save(&dir)?;
        writeln!(out, "\n{}; rolling back.", journal.note.as_deref().unwrap_or(""))?;
        return conclude_rollback(s, journal, i + 1, out, Ending::RolledBack);
    }
    journal.state = RunState::Done;
    journal.save(&dir)?;
    writeln!(out, "\nDone: {} {}.", plan.action.name(), plan.resource)?;
    Ok(Ending::Done)
}

/// Rolls back the finished steps among `0..upto` and says how it ended: `success` when
/// every undo worked, a safe stop when the peer could not be shown safe, else failed.
fn conclude_rollback(
    s: &mut Session<'_>,
    journal: &mut Journal,
    upto: usize,
    out: &mut dyn Write,
    success: Ending,
) -> anyhow::Result<Ending> {
    let dir = s.config.paths.journal_dir.clone();
    match rollback(s, journal, upto, out)? {
        Ok(true) => {
            journal.state = RunState::RolledBack;
            journal.save(&dir)?;
            writeln!(out, "\nRolled back: the resource is as it was before the action.")?;
            Ok(success)
        }
        Ok(false) => {
            journal.state = RunState::Failed;
            journal.save(&dir)?;
            writeln!(
                out,
                "\nROLLBACK INCOMPLETE: look at the steps above. The journal stays: drnfs resume {} --rollback tries the \
                 undos left again, and new actions wait until then.",
                journal.plan.resource
            )?;
            Ok(Ending::Failed)
        }
        Err(SafeStop(why)) => {
            let plan = &journal.plan;
            let peer = plan.peer.clone().unwrap_or_else(|| "the peer".into());
            let r = s.resource.clone();
            let mp = r.mount_point.display().to_string();
            let here = match s.local.state(&r) {
                Ok(l) => format!(
                    "{} is {} with {mp} {}",
                    plan.local,
                    l.role.as_deref().unwrap_or("of unknown role"),
                    if l.mounted(&mp) { "mounted" } else { "not mounted" }
                ),
                Err(e) => format!("{}'s state is unreadable ({e})", plan.local),
            };
            let note = format!(
                "STOPPED SAFE: {peer} was not shown to be Secondary ({why}). {here}, and drnfs does not promote or mount \
                 it again, so this action leaves at most one node Primary.\n\
                 Check on {peer}: drbdadm role {res}; is {mp} mounted; does nfsd run (drnfs doctor there).\n\
                 - If {peer} is Primary and serving, the action finished there: drnfs resume {res} (continues it).\n\
                 - If {peer} is Secondary: drnfs resume {res} --rollback (checks {peer} again, then serves here).",
                res = r.name
            );
            journal.note = Some(note.clone());
            journal.state = RunState::RollingBack;
            journal.save(&dir)?;
            writeln!(out, "\n{note}")?;
            Ok(Ending::StoppedSafe)
        }
    }
}

/// Undoes the finished (or unknown) steps among `0..upto`, newest first. `Ok(false)` when
/// an undo failed; `Err` when an undo would promote or mount here while the peer may be
/// Primary.
fn rollback(
    s: &mut Session<'_>,
    journal: &mut Journal,
    upto: usize,
    out: &mut dyn Write,
) -> anyhow::Result<Result<bool, SafeStop>> {
    let dir = s.config.paths.journal_dir.clone();
    let plan = journal.plan.clone();
    let mut all_ok = true;
    for j in (0..upto).rev() {
        if !matches!(journal.steps[j], StepState::Done | StepState::Unknown) {
            continue;
        }
        let mut undone = true;
        if journal.steps[j] == StepState::Unknown && plan.steps[j].undo.is_empty() {
            writeln!(
                out,
                "[undo] {}: its outcome is unknown and it has no undo: look at that node",
                plan.steps[j].title
            )?;
            all_ok = false;
            continue;
        }
        for u in &plan.steps[j].undo {
            if needs_peer_check(u, journal)
                && let Err(why) = s.peer_not_primary(journal)
            {
                return Ok(Err(SafeStop(why)));
            }
            if s.step(&plan, j, u, out, true) != StepResult::Ok {
                undone = false;
            }
        }
        // A step whose undo failed stays as it was: a later `resume --rollback` tries again.
        if undone {
            journal.steps[j] = StepState::RolledBack;
            journal.save(&dir)?;
        }
        all_ok &= undone;
    }
    Ok(Ok(all_ok))
}

/// `drnfs resume RES`: an action whose drnfs died, continued or rolled back — after the
/// preflight of what remains, with both nodes locked, audited to its end.
pub fn resume(
    config_path: &std::path::Path,
    resource: &str,
    roll_back: bool,
    local_report: impl FnMut() -> anyhow::Result<crate::engine::Report>,
    out: &mut dyn Write,
) -> anyhow::Result<Ending> {
    let config = Config::load(config_path)?;
    let r = config.resource(resource)?.clone();
    // The lock first: the journal read below must not be one another resume is finishing.
    let _lock = Lock::try_take(&config.paths.lock_dir, resource, "resume").map_err(|e| anyhow::anyhow!(e))?;
    let Some(mut journal) = Journal::unfinished(&config.paths.journal_dir, resource).map_err(|e| anyhow::anyhow!(e))?
    else {
        writeln!(out, "No interrupted action on {resource}.")?;
        return Ok(Ending::Done);
    };
    if std::path::Path::new(&format!("/proc/{}", journal.pid)).exists() && journal.pid != std::process::id() {
        let cmdline = std::fs::read_to_string(format!("/proc/{}/cmdline", journal.pid)).unwrap_or_default();
        if cmdline.contains("drnfs") {
            anyhow::bail!("the drnfs that runs it (pid {}) is still alive", journal.pid);
        }
    }
    writeln!(
        out,
        "Interrupted {} {} (run {}, started {} by {}):",
        journal.plan.action.name(),
        resource,
        journal.run_id,
        journal.started_at,
        journal.operator
    )?;
    for (i, st) in journal.plan.steps.iter().enumerate() {
        writeln!(out, "  {:>2}. {:<12} {}", i + 1, format!("{:?}", journal.steps[i]).to_lowercase(), st.title)?;
    }
    if let Some(n) = &journal.note {
        writeln!(out, "  note: {}", n.lines().next().unwrap_or(""))?;
    }
    let mut s = Session {
        config: &config,
        resource: &r,
        local: Local { config: &config, report: Box::new(local_report) },
        peer: None,
        run_id: journal.run_id.clone(),
        operator: record::operator(),
    };
    // A step that was running when drnfs died may or may not have happened: it is run
    // again when continuing (every step checks state, and the commands are idempotent),
    // and undone as if done when rolling back.
    let first_open = journal.steps.iter().position(|st| *st != StepState::Done).unwrap_or(journal.steps.len());
    let remaining: Vec<&Step> = if roll_back {
        journal
            .plan
            .steps
            .iter()
            .zip(&journal.steps)
            .filter(|(_, st)| matches!(st, StepState::Done | StepState::Running | StepState::Unknown))
            .flat_map(|(step, _)| step.undo.iter())
            .collect()
    } else {
        journal.plan.steps[first_open..].iter().collect()
    };
    let local_state = s.local.state(&r)?;
    let mut peer_state = None;
    let mut ctx = Context {
        pacemaker: pacemaker_manages(resource),
        fence: config.fence.as_ref().map(|f| f.command.clone()),
        ..Default::default()
    };
    // A takeover resumed, perhaps hours later: the peer is looked at again, every path.
    if journal.plan.action == ActionKind::Takeover && !roll_back {
        let routes = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
        let (probes, snap) = probe::look_at_peer(&config, &r, &local_state, &routes);
        peer_state = snap.map(|v| NodeState::from_report(&v, &r.name, r.minor(), None));
        ctx.probes = Some(probes);
        ctx.no_fencing_accepted = journal.plan.confirm.starts_with("I accept a split brain");
    }
    if journal.plan.steps.iter().any(|st| st.node == Node::Peer) {
        match connect_peer(&config, &r, Some(&journal.run_id)) {
            Ok((p, st)) => {
                s.peer = Some(p);
                peer_state = Some(st);
            }
            Err(e) => ctx.peer_error = Some(e.to_string()),
        }
    }
    let checks = checks::resume_preflight(journal.plan.action, &remaining, &r, &local_state, peer_state.as_ref(), &ctx);
    writeln!(out, "\nPreflight of what remains:\n{}", checks::render(&checks))?;
    let what = if roll_back { "resume_rollback" } else { "resume_continue" };
    if checks::blocked(&checks) {
        let why: Vec<String> = checks
            .iter()
            .filter(|c| c.verdict == Verdict::Block)
            .map(|c| format!("{} ({})", c.what, c.evidence))
            .collect();
        writeln!(out, "\nREFUSED: {}", why.join("; "))?;
        s.audit(
            json!({"at": now(), "run_id": journal.run_id, "action": journal.plan.action.name(), "resource": resource,
            "event": "refused", "resume": what, "operator": s.operator, "preflight": checks, "message": why.join("; ")}),
            false,
        )?;
        return Ok(Ending::Refused);
    }
    s.audit(
        json!({"at": now(), "run_id": journal.run_id, "action": journal.plan.action.name(), "resource": resource,
        "event": what, "operator": s.operator, "preflight": checks,
        "message": format!("resumed by {}", s.operator)}),
        true,
    )?;
    let ending = if roll_back {
        for st in journal.steps.iter_mut() {
            if *st == StepState::Running {
                *st = StepState::Done;
            }
        }
        journal.state = RunState::RollingBack;
        let all = journal.steps.len();
        conclude_rollback(&mut s, &mut journal, all, out, Ending::Undone)?
    } else {
        execute(&mut s, &mut journal, first_open, out)?
    };
    let node = journal.plan.local.clone();
    finish(&mut s, &journal, ending, &node)?;
    Ok(ending)
}

/// One line per process from `fuser -m` output (`/srv/nfs:  4172c  4180`): PID, how it
/// uses the mount, its command line from `proc`.
fn describe_holders(fuser_stdout: &str, proc: &Path) -> String {
    let mut lines = Vec::new();
    for token in fuser_stdout.split_whitespace().filter(|t| !t.ends_with(':')) {
        let digits = token.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        let (pid, access) = token.split_at(digits);
        let uses: Vec<&str> = access
            .chars()
            .filter_map(|c| match c {
                'c' => Some("working directory"),
                'e' => Some("running executable"),
                'f' | 'F' => Some("open file"),
                'r' => Some("root directory"),
                'm' => Some("mapped file"),
                _ => None,
            })
            .collect();
        let cmdline = std::fs::read(proc.join(pid).join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).split('\0').filter(|a| !a.is_empty()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let uses = if uses.is_empty() { "uses the mount".to_owned() } else { uses.join(", ") };
        lines.push(format!("pid {pid} ({uses}): {}", if cmdline.is_empty() { "?" } else { &cmdline }));
    }
    if lines.is_empty() {
        "none found by fuser (a kernel user: nfsd, a bind mount, a loop device?)".to_owned()
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_named_from_fuser_pids_and_proc() {
        let proc = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(proc.path().join("4172")).unwrap();
        std::fs::write(proc.path().join("4172/cmdline"), b"sleep\x00600\x00").unwrap();
        let text = describe_holders("/srv/nfs:  4172c  99999m\n", proc.path());
        assert_eq!(text, "pid 4172 (working directory): sleep 600\npid 99999 (mapped file): ?");
        assert!(describe_holders("", proc.path()).starts_with("none found"));
    }

    #[test]
    fn undos_that_bring_this_node_back_are_checked_first() {
        let st = |node, argv: &[&str]| Step {
            node,
            title: String::new(),
            op: plan::Op::Run { argv: argv.iter().map(|s| (*s).to_owned()).collect() },
            expect: vec![],
            timeout_s: 1,
            undo: vec![],
        };
        let journal = |steps: Vec<Step>, states: Vec<StepState>| Journal {
            run_id: "r".into(),
            pid: 1,
            operator: "t".into(),
            started_at: String::new(),
            plan: Plan {
                action: ActionKind::Failover,
                resource: "r0".into(),
                local: "nodea".into(),
                peer: Some("nodeb".into()),
                steps,
                confirm: String::new(),
                impact: vec![],
            },
            steps: states,
            state: RunState::RollingBack,
            note: None,
        };
        let demote = st(Node::Local, &["drbdadm", "secondary", "r0"]);
        let mount = st(Node::Local, &["mount", "-t", "ext4", "/dev/drbd0", "/srv/nfs"]);
        let promote = st(Node::Local, &["drbdadm", "primary", "r0"]);
        let demoted = journal(vec![demote.clone()], vec![StepState::Done]);
        let not_demoted = journal(vec![demote], vec![StepState::Failed]);
        assert!(needs_peer_check(&promote, &not_demoted));
        assert!(needs_peer_check(&mount, &demoted));
        assert!(!needs_peer_check(&mount, &not_demoted), "a node that stayed Primary mounts what it had");
        assert!(!needs_peer_check(&st(Node::Peer, &["drbdadm", "primary", "r0"]), &demoted));
        assert!(!needs_peer_check(&st(Node::Local, &["systemctl", "start", "nfs-server.service"]), &demoted));
    }
}
