//! The guarded actions against a pair of stand-in nodes (tests/common/pair.rs): the peer
//! answers through the real `drnfs agent` over an ssh stand-in, so failover, takeover,
//! split-brain recovery and resume run end to end, with the faults that must never end in
//! two Primaries — a session lost right after the peer promoted, a partitioned peer, a
//! peer that still answers, a fence that fails or lies, a command that hangs with a child
//! holding its output, an audit log that cannot be written.

use std::path::Path;
use std::time::{Duration, Instant};

use drnfs::action::plan::ActionKind;
use drnfs::action::{Ask, Ending};

mod common;
use common::pair::Pair;

static PATH_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn set_path(v: &str) {
    // Only this file's tests touch the environment, one at a time (PATH_LOCK).
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PATH", v);
    }
}

fn ask(p: &Pair, kind: ActionKind, confirm: &str) -> Ask {
    Ask {
        kind,
        resource: "r0".into(),
        config_path: p.path("nodea/drnfs.toml"),
        dry_run: false,
        confirm: Some(confirm.into()),
        no_fencing_accepted: false,
        accept_stale: false,
        force: false,
        victim: None,
        peer_snapshot: None,
        recorded: false,
    }
}

/// Runs `ask` on nodea, its stand-ins first on PATH; how it ended (or the error it
/// stopped with) and what it printed.
fn try_on_a(p: &Pair, ask: &Ask) -> (anyhow::Result<Ending>, String) {
    let old = std::env::var("PATH").unwrap_or_default();
    set_path(&format!("{}:{old}", p.path("nodea/bin").display()));
    let mut out = Vec::new();
    let result = drnfs::action::run(ask, || p.snapshot("nodea"), &mut out, |_| Ok(String::new()));
    set_path(&old);
    (result, String::from_utf8_lossy(&out).into_owned())
}

fn run_on_a(p: &Pair, ask: &Ask) -> (Ending, String) {
    let (result, text) = try_on_a(p, ask);
    (result.unwrap_or_else(|e| panic!("{e:#}\n{text}")), text)
}

/// The line of `out` that holds `needle`.
fn line<'a>(out: &'a str, needle: &str) -> &'a str {
    out.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?} in:\n{out}"))
}

fn resume_on_a(p: &Pair, rollback: bool) -> (Ending, String) {
    let old = std::env::var("PATH").unwrap_or_default();
    set_path(&format!("{}:{old}", p.path("nodea/bin").display()));
    let mut out = Vec::new();
    let result = drnfs::action::resume(&p.path("nodea/drnfs.toml"), "r0", rollback, || p.snapshot("nodea"), &mut out);
    set_path(&old);
    let text = String::from_utf8_lossy(&out).into_owned();
    (result.unwrap_or_else(|e| panic!("{e:#}\n{text}")), text)
}

#[test]
fn failover_moves_the_service_through_the_peers_agent() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Failover, "failover r0 to nodeb"));
    assert_eq!(ending, Ending::Done, "{out}");
    assert_eq!(p.primaries(), vec!["nodeb"]);
    assert!(p.mounted("nodeb", "/srv/nfs") && !p.mounted("nodea", "/srv/nfs"));
    assert_eq!((p.threads("nodea"), p.threads("nodeb")), (0, 8));
    assert_eq!(
        p.commands("nodeb"),
        vec![
            "drbdadm primary r0",
            "mount -t ext4 -o defaults /dev/drbd0 /srv/nfs",
            "mount --bind /srv/nfs/state /var/lib/nfs",
            "systemctl start nfs-server.service"
        ]
    );
    // Both nodes audited the run; the peer's lock is free again.
    assert_eq!(p.events("nodea").first().map(String::as_str), Some("start"));
    assert_eq!(p.events("nodea").last().map(String::as_str), Some("done"));
    assert!(p.events("nodeb").contains(&"step".to_owned()), "{:?}", p.events("nodeb"));
    assert_eq!(std::fs::read_to_string(p.path("nodeb/lock/drnfs-r0.lock")).unwrap(), "");
}

/// The ssh session dies right after the peer's `drbdadm primary` and the peer stays out of
/// reach: nodea cannot know whether nodeb promoted, so it must not promote again.
#[test]
fn a_session_lost_after_the_peer_promoted_stops_safe_with_one_primary() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.fault("nodeb.drop-after-primary", true);
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Failover, "failover r0 to nodeb"));
    assert_eq!(ending, Ending::StoppedSafe, "{out}");
    assert_eq!(ending.exit_code(), 7);
    assert!(out.contains("UNKNOWN: the session to the peer was lost"), "{out}");
    assert!(out.contains("STOPPED SAFE"), "{out}");
    assert!(out.contains("drbdadm role r0"), "what to check: {out}");
    assert_eq!(p.primaries(), vec!["nodeb"], "never two Primaries");
    assert!(!p.mounted("nodea", "/srv/nfs"));
    assert!(!p.commands("nodea").contains(&"drbdadm primary r0".to_owned()), "{:?}", p.commands("nodea"));
    assert_eq!(p.events("nodea").last().map(String::as_str), Some("stopped_safe"));
    let step = p.audit("nodea").into_iter().find(|r| r["title"] == "promote r0 to Primary").unwrap();
    assert_eq!(step["outcome_unknown"], true, "{step}");
    // The journal stays open: a new action is refused until resume.
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Promote, "r0"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("interrupted failover"), "{out}");
    // nodeb is back, Primary, and refuses to be demoted: a rollback still does not
    // promote nodea…
    p.fault("nodeb.unreachable", false);
    p.fault("nodeb.secondary-fails", true);
    let (ending, out) = resume_on_a(&p, true);
    assert_eq!(ending, Ending::StoppedSafe, "{out}");
    assert!(out.contains("nodeb is Primary"), "{out}");
    assert_eq!(p.primaries(), vec!["nodeb"]);
    // … and continuing finishes the failover there.
    p.fault("nodeb.secondary-fails", false);
    let (ending, out) = resume_on_a(&p, false);
    assert_eq!(ending, Ending::Done, "{out}");
    assert!(out.contains("already so, not run"), "the promotion that did happen is not run again: {out}");
    assert_eq!(p.primaries(), vec!["nodeb"]);
    assert_eq!(p.threads("nodeb"), 8);
    assert_eq!(p.events("nodea").last().map(String::as_str), Some("done"));
}

/// The session dies after the peer promoted, but a fresh one reaches it: the rollback
/// demotes the peer first, checks it is Secondary, and only then serves here again.
#[test]
fn a_session_lost_with_the_peer_reachable_again_rolls_back_in_order() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.fault("nodeb.drop-after-primary", true);
    // nodeb's drop marks it unreachable; it comes back as soon as nodea reconnects.
    let watcher = {
        let flag = p.path("cluster/nodeb.unreachable");
        std::thread::spawn(move || {
            let t = Instant::now();
            while !flag.exists() && t.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = std::fs::remove_file(&flag);
        })
    };
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Failover, "failover r0 to nodeb"));
    watcher.join().unwrap();
    assert_eq!(ending, Ending::RolledBack, "{out}");
    assert_eq!(p.primaries(), vec!["nodea"]);
    assert_eq!(p.threads("nodea"), 8);
    let b = p.commands("nodeb");
    assert_eq!(b.iter().filter(|c| *c == "drbdadm secondary r0").count(), 1, "{b:?}");
    // nodeb was demoted before nodea promoted again.
    let a = p.audit("nodea");
    let undo = |title: &str| a.iter().position(|r| r["event"] == "undo" && r["title"] == title).unwrap();
    assert!(undo("demote r0") < undo("promote r0 again"));
}

/// Stopped safe, then nodeb is back: rolling back demotes nodeb over a fresh session and
/// only then serves on nodea again.
#[test]
fn a_safe_stop_rolled_back_once_the_peer_is_back() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.fault("nodeb.drop-after-primary", true);
    let (ending, _) = run_on_a(&p, &ask(&p, ActionKind::Failover, "failover r0 to nodeb"));
    assert_eq!(ending, Ending::StoppedSafe);
    p.fault("nodeb.unreachable", false);
    let (ending, out) = resume_on_a(&p, true);
    assert_eq!(ending, Ending::Undone, "{out}");
    assert_eq!(p.primaries(), vec!["nodea"]);
    assert_eq!(p.threads("nodea"), 8);
    assert_eq!(p.events("nodea").last().map(String::as_str), Some("undone"));
}

#[test]
fn takeover_is_refused_while_the_peer_answers_on_any_path() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    // nodeb lost its connection but is alive; nodea (Secondary here) is asked to take over.
    std::fs::write(
        p.path("nodea/state"),
        "role=Secondary\ndisk=UpToDate\nmnt_/srv/nfs=0\nmnt_/var/lib/nfs=0\nthreads=0\n",
    )
    .unwrap();
    std::fs::write(
        p.path("nodeb/state"),
        "role=Primary\ndisk=UpToDate\nmnt_/srv/nfs=1\nmnt_/var/lib/nfs=1\nthreads=8\n",
    )
    .unwrap();
    p.set_connection("WFConnection");
    p.add_config("nodea", "[fence]\ncommand = ['__ROOT__/fence', 'nodeb']\nsilent_for_s = 1\n");
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("BLOCK C20") && out.contains("it answered on ssh nodeb"), "{out}");
    // drnfs missing there is an answer too (ssh exit 127).
    p.fault("nodeb.no-drnfs", true);
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("drnfs is missing there (exit 127)"), "{out}");
    assert!(!p.path("cluster/fence.log").exists(), "no fence before the preflight passed");
    assert_eq!(p.primaries(), vec!["nodeb"]);
}

#[test]
fn takeover_of_a_silent_peer_needs_proof_and_the_fence_runs_first() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    std::fs::write(
        p.path("nodea/state"),
        "role=Secondary\ndisk=UpToDate\nmnt_/srv/nfs=0\nmnt_/var/lib/nfs=0\nthreads=0\n",
    )
    .unwrap();
    p.set_connection("WFConnection");
    p.fault("nodeb.unreachable", true);
    // Unreachable is not dead: without a fence, refused, naming the ways to prove it.
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(line(&out, "silent on ssh nodeb").contains("PASS  C21"), "{out}");
    assert!(out.contains("BLOCK C22") && out.contains("unreachable is not dead"), "{out}");
    assert_eq!(p.primaries(), Vec::<&str>::new());
    // A fence that fails: nothing is promoted.
    p.add_config("nodea", "[fence]\ncommand = ['__ROOT__/fence', 'nodeb']\nsilent_for_s = 1\n");
    p.fault("fence-fails", true);
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::RolledBack, "{out}");
    assert!(out.contains("BMC did not answer"), "{out}");
    assert_eq!(p.primaries(), Vec::<&str>::new());
    // A fence that says yes but leaves the peer answering: caught by the silence check.
    p.fault("fence-fails", false);
    p.fault("fence-lies", true);
    p.fault("nodeb.unreachable", false);
    p.fault("nodeb.no-drnfs", true);
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::Refused, "the preflight sees it alive first: {out}");
    p.fault("nodeb.no-drnfs", false);
    p.fault("nodeb.unreachable", true);
    let _ = std::fs::remove_file(p.path("cluster/fence.log"));
    // It goes silent for the preflight, answers again after the fence "worked".
    let lie = {
        let (fence_log, unreachable) = (p.path("cluster/fence.log"), p.path("cluster/nodeb.unreachable"));
        std::thread::spawn(move || {
            let t = Instant::now();
            while !fence_log.exists() && t.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = std::fs::remove_file(unreachable);
        })
    };
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    lie.join().unwrap();
    assert_eq!(ending, Ending::RolledBack, "{out}");
    assert!(out.contains("the peer answered on ssh nodeb"), "{out}");
    assert_eq!(p.primaries(), Vec::<&str>::new());
    // A fence that works: fence, silence, then serve.
    p.fault("fence-lies", false);
    p.fault("nodeb.unreachable", true);
    std::fs::remove_file(p.path("cluster/fence.log")).unwrap();
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Takeover, "take over r0 from nodeb"));
    assert_eq!(ending, Ending::Done, "{out}");
    assert_eq!(std::fs::read_to_string(p.path("cluster/fence.log")).unwrap(), "fence nodeb\n");
    assert_eq!(p.primaries(), vec!["nodea"]);
    let a = p.audit("nodea");
    let fence = a.iter().rev().find(|r| r["title"] == "fence nodeb ([fence] of drnfs.toml)").unwrap();
    assert_eq!(fence["ok"], true);
    let last_start = a.iter().rposition(|r| r["event"] == "start").unwrap();
    let first_step = a[last_start..].iter().find(|r| r["event"] == "step").unwrap();
    assert_eq!(first_step["title"], fence["title"], "the fence is the first step");
}

#[test]
fn takeover_without_proof_only_with_the_risk_named_and_audited() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    std::fs::write(
        p.path("nodea/state"),
        "role=Secondary\ndisk=UpToDate\nmnt_/srv/nfs=0\nmnt_/var/lib/nfs=0\nthreads=0\n",
    )
    .unwrap();
    p.set_connection("WFConnection");
    p.fault("nodeb.unreachable", true);
    let mut a = ask(&p, ActionKind::Takeover, "take over r0 from nodeb");
    a.no_fencing_accepted = true;
    let (ending, out) = run_on_a(&p, &a);
    assert_eq!(ending, Ending::Aborted, "the short phrase is not enough: {out}");
    a.confirm = Some("I accept a split brain of r0 with nodeb".into());
    let (ending, out) = run_on_a(&p, &a);
    assert_eq!(ending, Ending::Done, "{out}");
    assert!(out.contains("WARN  C22"), "{out}");
    let start = p.audit("nodea").into_iter().rev().find(|r| r["event"] == "start").unwrap();
    assert!(start["risk_accepted"].as_str().unwrap().contains("accepted a split brain"), "{start}");
}

/// A command that hangs with a child holding its output: the step fails at its deadline
/// (30 s for an unbind), the child dies with it, and the action rolls back.
#[test]
fn a_hanging_command_fails_in_time_and_rolls_back() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.fault("nodea.umount-hangs", true);
    p.set_connection("Connected");
    let t = Instant::now();
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Demote, "r0"));
    let took = t.elapsed();
    assert_eq!(ending, Ending::RolledBack, "{out}");
    assert!(took < Duration::from_secs(50), "took {took:?}: {out}");
    assert!(out.contains("killed"), "{out}");
    assert_eq!(p.primaries(), vec!["nodea"]);
    assert_eq!(p.threads("nodea"), 8, "nfsd started again by the rollback");
    let child = std::fs::read_to_string(p.path("cluster/nodea.umount-child")).unwrap();
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        std::fs::read_to_string(format!("/proc/{}/stat", child.trim())).map_or(true, |s| s.contains(") Z "))
    });
    assert!(gone, "the hanging command's child outlived the deadline");
}

#[test]
fn an_audit_log_that_cannot_be_written_stops_the_action() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    // The first step (stopping NFS) breaks the audit log behind it.
    p.fault("nodea.audit-breaks", true);
    let (result, out) = try_on_a(&p, &ask(&p, ActionKind::Demote, "r0"));
    assert!(!matches!(result, Ok(Ending::Done)), "{out}");
    assert!(out.contains("cannot write the audit log"), "{out}");
    let cmds = p.commands("nodea");
    assert!(!cmds.iter().any(|c| c.starts_with("umount")), "no step after the unaudited one: {cmds:?}");
    assert_eq!(p.primaries(), vec!["nodea"]);
}

#[test]
fn demoting_the_only_uptodate_copy_needs_force() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.set_connection("WFConnection");
    let (ending, out) = run_on_a(&p, &ask(&p, ActionKind::Demote, "r0"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("BLOCK C07") && out.contains("only UpToDate copy"), "{out}");
    let mut forced = ask(&p, ActionKind::Demote, "r0");
    forced.force = true;
    let (ending, out) = run_on_a(&p, &forced);
    assert_eq!(ending, Ending::Done, "{out}");
    assert_eq!(p.role("nodea"), "Secondary");
}

#[test]
fn a_dry_run_takes_no_lock_and_names_the_holder() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    let mut dry = ask(&p, ActionKind::Failover, "x");
    dry.dry_run = true;
    let (ending, out) = run_on_a(&p, &dry);
    assert_eq!(ending, Ending::DryRun { blocked: false }, "{out}");
    for node in ["nodea", "nodeb"] {
        let lock = p.path(&format!("{node}/lock/drnfs-r0.lock"));
        assert!(std::fs::read_to_string(&lock).unwrap_or_default().is_empty(), "{node} was locked by a dry run");
    }
    // Another action holds nodea's lock (a process that lives: pid 1's slot is taken
    // by this one): the dry run says so without waiting or taking it.
    std::fs::create_dir_all(p.path("nodea/lock")).unwrap();
    let holder = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(p.path("nodea/lock/drnfs-r0.lock"), format!("pid {} run other\n", holder.id())).unwrap();
    let (ending, out) = run_on_a(&p, &dry);
    let mut holder = holder;
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(ending, Ending::DryRun { blocked: true }, "{out}");
    assert!(out.contains("BLOCK C18") && out.contains("run other"), "{out}");
}

#[test]
fn resume_checks_what_remains_and_refuses_without_the_peer() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.fault("nodeb.drop-after-primary", true);
    let (ending, _) = run_on_a(&p, &ask(&p, ActionKind::Failover, "failover r0 to nodeb"));
    assert_eq!(ending, Ending::StoppedSafe);
    // nodeb still unreachable: continuing needs it, so resume refuses.
    let (ending, out) = resume_on_a(&p, false);
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("Preflight of what remains") && out.contains("BLOCK C20"), "{out}");
    assert_eq!(p.primaries(), vec!["nodeb"]);
}

/// Split-brain recovery needs a split brain (an administrator's disconnect is none) and,
/// with one, compares both sides before anything is discarded. The kernel logs are the
/// lab's, from the split brain it made on DRBD 8.4.11.
#[test]
fn split_brain_recovery_compares_both_sides_first() {
    let _g = PATH_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let p = Pair::serving();
    p.set_connection("StandAlone");
    let mut dry = ask(&p, ActionKind::RecoverSplitBrain, "x");
    dry.dry_run = true;
    let (ending, out) = run_on_a(&p, &dry);
    assert_eq!(ending, Ending::DryRun { blocked: true }, "{out}");
    assert!(out.contains("BLOCK C19") && out.contains("is not a split brain"), "{out}");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/split-brain");
    for node in ["nodea", "nodeb"] {
        std::fs::copy(fixtures.join(node).join("dmesg.txt"), p.path(&format!("{node}/kernel.log"))).unwrap();
    }
    let (ending, out) = run_on_a(&p, &dry);
    assert_eq!(ending, Ending::DryRun { blocked: false }, "{out}");
    assert!(out.contains("Both sides since the split"), "{out}");
    // What the kernel said at the refused handshake, in nodea's log: its own changed
    // blocks and the peer's (`self … bits:N`, `peer … bits:N`), 4 KiB each. nodea serves,
    // so nodeb is the victim.
    let log = std::fs::read_to_string(fixtures.join("nodea/dmesg.txt")).unwrap();
    let bits = |who: &str| -> u64 {
        let line = log.lines().rev().find(|l| l.contains(&format!("drbd0: {who} ")) && l.contains(" bits:")).unwrap();
        line.split(" bits:").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap()
    };
    let (own, peer) = (bits("self"), bits("peer"));
    assert!(own > 0 && peer > 0, "both sides changed: {own} {peer}");
    let own_text = format!("{own} ({} KiB)", own * 4);
    let peer_text = format!("{peer} ({} KiB)", peer * 4);
    assert!(out.contains(&own_text) && out.contains(&peer_text), "{own_text} {peer_text}: {out}");
    assert!(out.contains("Recommended victim: nodeb (nodea serves clients"), "{out}");
    assert!(out.contains("name the victim"), "{out}");
    dry.victim = Some("nodeb".into());
    let (_, out) = run_on_a(&p, &dry);
    let loses = format!("nodeb LOSES every change it made since the split: {peer} blocks ({} KiB)", peer * 4);
    assert!(out.contains(&loses), "{loses}: {out}");
    assert!(out.contains("drbdadm connect --discard-my-data r0"), "the plan: {out}");
}

/// The peer's agent of a session whose network vanished (nothing arrives, nothing
/// closes: ssh on the peer's side may not learn for hours) lets go of its lock after
/// drnfs::peer::AGENT_IDLE_LIMIT, so that resuming the action can take it; a live
/// session's pings keep it held meanwhile.
#[test]
fn a_silent_session_lets_go_of_the_peers_lock_and_a_live_one_keeps_it() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let p = Pair::serving();
    let agent = |stdin: Stdio| {
        Command::new(p.path("nodea/bin/ssh"))
            .args(["--", "nodeb", "drnfs", "agent"])
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let lock_dir = p.path("nodeb/lock");
    let lock = r#"{"op":"lock","resource":"r0","run_id":"run-1"}"#;

    // A silent session: the lock taken, then nothing, with stdin left open.
    let mut silent = agent(Stdio::piped());
    let mut to_agent = silent.stdin.take().unwrap();
    writeln!(to_agent, "{lock}").unwrap();
    let mut answer = String::new();
    BufReader::new(silent.stdout.take().unwrap()).read_line(&mut answer).unwrap();
    assert!(answer.contains(r#""ok":true"#), "{answer}");
    assert!(drnfs::action::record::Lock::try_take(&lock_dir, "r0", "other").is_err(), "held while the session lives");

    // A live session on another resource name's lock would be a different file: use a
    // second pair for it, kept alive by its pings alone.
    let q = Pair::serving();
    let mut live = drnfs::peer::Session::spawn(
        "nodeb",
        &[q.path("nodea/bin/ssh").display().to_string(), "--".into(), "nodeb".into(), "drnfs".into(), "agent".into()],
    )
    .unwrap();
    let resp = live.request(&drnfs::peer::Request::Lock { resource: "r0".into(), run_id: "run-2".into() }).unwrap();
    assert!(resp.ok, "{resp:?}");

    let started = Instant::now();
    let limit = drnfs::peer::AGENT_IDLE_LIMIT;
    let status = loop {
        if let Some(status) = silent.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < limit + Duration::from_secs(15), "the silent session's agent still runs");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(started.elapsed() >= limit - Duration::from_secs(1), "let go too early: {:?}", started.elapsed());
    assert!(status.success(), "{status}");
    let mut why = String::new();
    std::io::Read::read_to_string(&mut silent.stderr.take().unwrap(), &mut why).unwrap();
    assert!(why.contains("taken as lost"), "{why}");
    drop(to_agent);
    let taken = drnfs::action::record::Lock::try_take(&lock_dir, "r0", "run-1");
    assert!(taken.is_ok(), "the lock is free after the silent session's agent ended: {:?}", taken.err());

    // The live session, idle as long, still holds its lock and answers.
    assert!(!live.lost());
    assert!(drnfs::action::record::Lock::try_take(&q.path("nodeb/lock"), "r0", "other").is_err());
    assert!(live.request(&drnfs::peer::Request::Ping).unwrap().ok);
}
