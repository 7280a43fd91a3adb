//! Guarded actions: promote, demote, failover, takeover, split-brain recovery.
//!
//! Every action runs the same way: preflight checks (each PASS/WARN/BLOCK with its
//! evidence; any BLOCK refuses), the exact plan (every argv and the node it runs on), a
//! typed confirmation, then step by step with the expected state verified after each step;
//! a failed step rolls back what was done, in reverse. The journal on disk lets a later
//! drnfs resume or roll back an action whose drnfs died; the audit log records it all.

pub mod agent;
pub mod checks;
pub mod config;
pub mod exec;
pub mod plan;
pub mod record;
pub mod state;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use checks::{Context, Verdict};
use config::{Config, Resource};
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
    /// Takeover: how the operator knows the peer is dead.
    pub proof: Option<String>,
    pub accept_stale: bool,
    /// Takeover: `drbdadm primary --force` (only with proof, and its own phrase).
    pub force: bool,
    /// Split-brain recovery: the node whose changes are discarded.
    pub victim: Option<String>,
    /// The peer's snapshot from a file (dry runs on captures) instead of over ssh: the
    /// file's name and its JSON.
    pub peer_snapshot: Option<(String, serde_json::Value)>,
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
}

impl Ending {
    pub fn exit_code(self) -> u8 {
        match self {
            Ending::Done | Ending::Undone | Ending::DryRun { blocked: false } => 0,
            Ending::DryRun { blocked: true } | Ending::Refused => 3,
            Ending::Aborted => 4,
            Ending::RolledBack => 5,
            Ending::Failed => 6,
        }
    }
}

fn run_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| format!("{}-{}", std::process::id(), crate::model::snapshot::now().unix_micros()))
}

fn now() -> String {
    crate::model::snapshot::now().to_rfc3339()
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

struct Session<'a> {
    config: &'a Config,
    resource: &'a Resource,
    local: Local<'a>,
    peer: Option<Peer>,
    run_id: String,
    operator: String,
}

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
        if to_peer && let Some(p) = self.peer.as_mut() {
            let _ = p.request(&AgentRequest::Audit { record });
        }
        Ok(())
    }

    fn states(&mut self) -> serde_json::Value {
        let r = self.resource.clone();
        let local = self.local.state(&r).map(|(s, _)| s.summary()).unwrap_or_else(|e| format!("unreadable: {e}"));
        let peer = self
            .peer
            .as_mut()
            .map(|p| p.state(&r).map(|(s, _)| s.summary()).unwrap_or_else(|e| format!("unreadable: {e}")));
        json!({ "local": local, "peer": peer })
    }

    /// Polls the node until every expectation holds, or the timeout passes.
    fn verify(&mut self, node: Node, expect: &[Expect], timeout: Duration) -> Result<(), String> {
        if expect.is_empty() {
            return Ok(());
        }
        let r = self.resource.clone();
        let deadline = Instant::now() + timeout;
        let mut last;
        loop {
            let Some(runner) = self.runner(node) else { return Err("no peer session".into()) };
            match runner.state(&r) {
                Ok((s, _)) => {
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
        let timeout = Duration::from_secs(st.timeout_s.max(1));
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
            }
            return StepResult::Ok;
        }
        let outcome = match self.runner(st.node) {
            Some(runner) => runner.run(&st.op, &r, timeout),
            None => crate::process::Outcome {
                exit: None,
                stdout: String::new(),
                stderr: String::new(),
                duration_ms: 0,
                failure: Some("no peer session".into()),
            },
        };
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
        let ok = problem.is_none();
        match &problem {
            None => {
                let _ = writeln!(out, "ok ({} ms)", outcome.duration_ms);
            }
            Some(p) => {
                let _ = writeln!(out, "FAILED: {p}");
                if let Some(h) = &holders {
                    let _ = writeln!(out, "      holders of the mount (never unmounted lazily):\n{}", indent(h));
                }
            }
        }
        let argv = match &st.op {
            plan::Op::Run { argv } => json!(argv),
            other => json!(other),
        };
        let record = json!({
            "at": now(), "run_id": self.run_id, "action": plan.action.name(), "resource": plan.resource,
            "event": if rollback { "undo" } else { "step" }, "index": index + 1, "node": node_name, "title": st.title,
            "argv": argv, "exit": outcome.exit, "stdout": truncate(&outcome.stdout), "stderr": truncate(&outcome.stderr),
            "duration_ms": outcome.duration_ms, "ok": ok, "problem": problem, "holders": holders,
            "operator": self.operator, "message": format!("{}: {}", st.title, if ok { "ok" } else { "failed" }),
        });
        if let Err(e) = self.audit(record, st.node == Node::Peer) {
            let _ = writeln!(out, "      {e}");
        }
        match (op_ok, ok) {
            (_, true) => StepResult::Ok,
            (true, false) => StepResult::CheckFailed,
            (false, _) => StepResult::OpFailed,
        }
    }
}

/// How a step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepResult {
    Ok,
    /// The command failed: it changed nothing to undo.
    OpFailed,
    /// The command ran but the expected state did not follow: undo it too.
    CheckFailed,
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

/// Runs an action as asked. `local_snapshot` reads this node's snapshot (JSON).
pub fn run(
    ask: &Ask,
    local_snapshot: impl FnMut() -> anyhow::Result<serde_json::Value>,
    out: &mut dyn Write,
    mut confirm: impl FnMut(&str) -> anyhow::Result<String>,
) -> anyhow::Result<Ending> {
    let config = Config::load(&ask.config_path)?;
    let r = config.resource(&ask.resource)?.clone();
    let run_id = run_id();
    let mut s = Session {
        config: &config,
        resource: &r,
        local: Local { config: &config, snapshot: Box::new(local_snapshot) },
        peer: None,
        run_id: run_id.clone(),
        operator: record::operator(),
    };
    let (local_state, _) = s.local.state(&r)?;
    let local_name = local_state.name.clone();
    let victim_is_local = ask.victim.as_deref().is_some_and(|v| v == local_name);
    let needs_peer = matches!(ask.kind, ActionKind::Failover | ActionKind::RecoverSplitBrain | ActionKind::Takeover);
    let mut ctx =
        Context { proof: ask.proof.clone(), accept_stale: ask.accept_stale, victim_is_local, ..Default::default() };
    let mut peer_state = None;
    if let Some((file, snap)) = &ask.peer_snapshot {
        ctx.peer_from_file = Some(file.clone());
        let minor = r.device.to_string_lossy().trim_start_matches("/dev/drbd").parse().ok();
        peer_state = Some(NodeState::from_snapshot(snap, &r.name, minor));
    } else if needs_peer && ask.recorded {
        ctx.peer_error = Some("recorded state: pass the peer's snapshot with --peer-snapshot".into());
    } else if needs_peer {
        match Peer::connect(&config).and_then(|mut p| p.state(&r).map(|st| (p, st))) {
            Ok((p, (st, _))) => {
                peer_state = Some(st);
                s.peer = Some(p);
            }
            Err(e) => ctx.peer_error = Some(e.to_string()),
        }
    }
    if ask.kind == ActionKind::RecoverSplitBrain {
        let peer_name = config.peer.as_ref().map(|p| p.name.clone());
        match ask.victim.as_deref() {
            Some(v) if v == local_name || Some(v) == peer_name.as_deref() => {}
            Some(v) => anyhow::bail!(
                "--victim {v} is neither this node ({local_name}) nor the peer ({})",
                peer_name.unwrap_or_default()
            ),
            None => anyhow::bail!("name the victim, whose changes since the split are discarded: --victim NODE"),
        }
    }
    if ask.kind == ActionKind::Takeover && ask.force && ask.proof.is_none() {
        anyhow::bail!(
            "--force needs --peer-dead-proof: forcing a Primary without fencing the peer makes a split brain"
        );
    }
    // Busy: a live lock, or a journal a dead drnfs left.
    let lock = match Lock::try_take(&config.paths.lock_dir, &r.name, &run_id) {
        Ok(l) => Some(l),
        Err(e) => {
            ctx.busy = Some(e);
            None
        }
    };
    if let Some(j) = Journal::unfinished(&config.paths.journal_dir, &r.name) {
        ctx.busy = Some(format!(
            "an interrupted {} (run {}, pid {}) left its journal: drnfs resume {}",
            j.plan.action.name(),
            j.run_id,
            j.pid,
            r.name
        ));
    }
    ctx.pacemaker = pacemaker_manages(&r.name);

    let checks = checks::preflight(ask.kind, &r, &local_state, peer_state.as_ref(), &ctx);
    let blocked = checks::blocked(&checks);
    let plan = match ask.kind {
        ActionKind::Promote => plan::promote(&config, &r, &local_name),
        ActionKind::Demote => plan::demote(&config, &r, &local_name),
        ActionKind::Failover => plan::failover(&config, &r, &local_name),
        ActionKind::Takeover => plan::takeover(&config, &r, &local_name, ask.force),
        ActionKind::RecoverSplitBrain => {
            plan::recover_split_brain(&config, &r, &local_name, if victim_is_local { Node::Local } else { Node::Peer })
        }
    };
    writeln!(out, "{} {} on {local_name}\n\nPreflight:\n{}", plan.action.name(), r.name, checks::render(&checks))?;
    writeln!(out, "Plan:\n{}", plan::render(&plan))?;
    for i in &plan.impact {
        writeln!(out, "Impact: {i}")?;
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
    let _lock = lock;
    if plan.steps.iter().any(|st| st.node == Node::Peer) {
        let locked = match s.peer.as_mut() {
            Some(p) => p.request(&AgentRequest::Lock { resource: r.name.clone(), run_id: run_id.clone() }),
            None => Err(anyhow::anyhow!("no peer session")),
        };
        match locked {
            Ok(resp) if resp.ok => {}
            Ok(resp) => {
                writeln!(out, "\nREFUSED: the peer's lock: {}", resp.error.unwrap_or_default())?;
                return Ok(Ending::Refused);
            }
            Err(e) => {
                writeln!(out, "\nREFUSED: the peer's lock: {e}")?;
                return Ok(Ending::Refused);
            }
        }
    }
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
    journal.save(&config.paths.journal_dir)?;
    s.audit(
        json!({"at": now(), "run_id": run_id, "action": plan.action.name(), "resource": r.name, "event": "start",
        "node": local_name, "peer": plan.peer, "operator": s.operator, "typed": typed, "preflight": preflight_json,
        "plan": plan, "state_before": before, "message": format!("started by {}", s.operator)}),
        true,
    )?;
    writeln!(out)?;
    let ending = execute(&mut s, &mut journal, 0, out)?;
    let after = s.states();
    s.audit(
        json!({"at": now(), "run_id": run_id, "action": plan.action.name(), "resource": r.name,
        "event": match ending { Ending::Done => "done", Ending::RolledBack => "rolled_back", _ => "failed" },
        "node": local_name, "operator": s.operator, "state_after": after, "note": journal.note,
        "message": journal.note.clone().unwrap_or_default()}),
        true,
    )?;
    Journal::finish(&config.paths.journal_dir, &r.name);
    Ok(ending)
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
        // A command that ran but whose effect did not show is undone with the rest.
        journal.steps[i] = if result == StepResult::CheckFailed { StepState::Done } else { StepState::Failed };
        journal.state = RunState::RollingBack;
        let node = match plan.steps[i].node {
            Node::Local => plan.local.clone(),
            Node::Peer => plan.peer.clone().unwrap_or_default(),
        };
        journal.note = Some(format!(
            "{} {} stopped at step {} ({node}: {})",
            plan.action.name(),
            plan.resource,
            i + 1,
            plan.steps[i].title
        ));
        journal.save(&dir)?;
        writeln!(out, "\n{}; rolling back.", journal.note.as_deref().unwrap_or(""))?;
        let ok = rollback(s, journal, i + 1, out)?;
        journal.state = if ok { RunState::RolledBack } else { RunState::Failed };
        journal.save(&dir)?;
        writeln!(
            out,
            "\n{}",
            if ok {
                "Rolled back: the resource is as it was before the action."
            } else {
                "ROLLBACK INCOMPLETE: look at the steps above; drnfs did not retry."
            }
        )?;
        return Ok(if ok { Ending::RolledBack } else { Ending::Failed });
    }
    journal.state = RunState::Done;
    journal.save(&dir)?;
    writeln!(out, "\nDone: {} {}.", plan.action.name(), plan.resource)?;
    Ok(Ending::Done)
}

/// Undoes the finished steps among `0..upto`, newest first. False when an undo failed.
fn rollback(s: &mut Session<'_>, journal: &mut Journal, upto: usize, out: &mut dyn Write) -> anyhow::Result<bool> {
    let dir = s.config.paths.journal_dir.clone();
    let plan = journal.plan.clone();
    let mut all_ok = true;
    for j in (0..upto).rev() {
        if journal.steps[j] != StepState::Done {
            continue;
        }
        for u in &plan.steps[j].undo {
            if s.step(&plan, j, u, out, true) != StepResult::Ok {
                all_ok = false;
            }
        }
        journal.steps[j] = StepState::RolledBack;
        journal.save(&dir)?;
    }
    Ok(all_ok)
}

/// `drnfs resume RES`: an action whose drnfs died, continued or rolled back.
pub fn resume(
    config_path: &std::path::Path,
    resource: &str,
    roll_back: bool,
    local_snapshot: impl FnMut() -> anyhow::Result<serde_json::Value>,
    out: &mut dyn Write,
) -> anyhow::Result<Ending> {
    let config = Config::load(config_path)?;
    let r = config.resource(resource)?.clone();
    let Some(mut journal) = Journal::unfinished(&config.paths.journal_dir, resource) else {
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
    let _lock = Lock::try_take(&config.paths.lock_dir, resource, &journal.run_id).map_err(|e| anyhow::anyhow!(e))?;
    let mut s = Session {
        config: &config,
        resource: &r,
        local: Local { config: &config, snapshot: Box::new(local_snapshot) },
        peer: None,
        run_id: journal.run_id.clone(),
        operator: record::operator(),
    };
    if journal.plan.steps.iter().any(|st| st.node == Node::Peer) {
        s.peer = Some(Peer::connect(&config)?);
    }
    s.audit(
        json!({"at": now(), "run_id": journal.run_id, "action": journal.plan.action.name(), "resource": resource,
        "event": if roll_back { "resume_rollback" } else { "resume_continue" }, "operator": s.operator,
        "message": format!("resumed by {}", s.operator)}),
        true,
    )?;
    // A step that was running when drnfs died may or may not have happened: it is run
    // again when continuing (every step checks state, and the commands are idempotent),
    // and undone as if done when rolling back.
    let first_open = journal.steps.iter().position(|st| *st != StepState::Done).unwrap_or(journal.steps.len());
    let ending = if roll_back {
        for st in journal.steps.iter_mut() {
            if *st == StepState::Running {
                *st = StepState::Done;
            }
        }
        journal.state = RunState::RollingBack;
        let all = journal.steps.len();
        let ok = rollback(&mut s, &mut journal, all, out)?;
        journal.state = if ok { RunState::RolledBack } else { RunState::Failed };
        journal.save(&config.paths.journal_dir)?;
        if ok {
            writeln!(out, "\nRolled back as asked: the resource is as it was before the interrupted action.")?;
            Ending::Undone
        } else {
            Ending::Failed
        }
    } else {
        execute(&mut s, &mut journal, first_open, out)?
    };
    Journal::finish(&config.paths.journal_dir, resource);
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
}
