//! The real binary in a real terminal: `drnfs --demo` under tmux, checked from
//! `capture-pane`, including keys, the ASCII fallback, and a clean exit on `q`.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux is needed for this test (tests/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(session: &str, needle: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    let mut screen = String::new();
    while Instant::now() < deadline {
        screen = tmux(&["capture-pane", "-p", "-t", session]);
        if screen.contains(needle) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{needle:?} never appeared; last screen:\n{screen}");
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}

fn start(name: &str, env: &str, args: &str) -> Session {
    let bin = env!("CARGO_BIN_EXE_drnfs");
    tmux(&["kill-session", "-t", name]);
    let cmd = format!("env {env} {bin} {args}; echo EXITED:$?; sleep 30");
    let out =
        Command::new("tmux").args(["new-session", "-d", "-s", name, "-x", "100", "-y", "30", &cmd]).status().unwrap();
    assert!(out.success());
    Session(name.to_owned())
}

#[test]
fn demo_plays_in_a_terminal_and_quits_cleanly() {
    let s = start("drnfs-test-demo", "LANG=C.UTF-8 TERM=xterm-256color", "--demo --speed 30");
    let screen = wait_for(&s.0, "DRBD 8.4.11", Duration::from_secs(20));
    assert!(screen.contains("1 Overview"), "{screen}");
    assert!(screen.contains("replay demo"), "{screen}");
    assert!(screen.contains("╭"), "a UTF-8 locale draws box lines:\n{screen}");
    // The demo opens where nfsd serves; `n` jumps chapter by chapter to the split brain
    // (the peer lost, a short resync, then StandAlone), each within seconds.
    assert!(screen.contains("nfsd serving"), "the demo opens at its serving chapter:\n{screen}");
    let mut seen = None;
    for _ in 0..6 {
        tmux(&["send-keys", "-t", &s.0, "n"]);
        std::thread::sleep(Duration::from_secs(2));
        let now = tmux(&["capture-pane", "-p", "-t", &s.0]);
        if now.contains("StandAlone") {
            seen = Some(now);
            break;
        }
    }
    assert!(seen.is_some(), "`n` never reached the split brain");
    tmux(&["send-keys", "-t", &s.0, "5"]);
    wait_for(&s.0, "Events (", Duration::from_secs(5));
    tmux(&["send-keys", "-t", &s.0, "?"]);
    wait_for(&s.0, "Keys (Esc or ? to close)", Duration::from_secs(5));
    tmux(&["send-keys", "-t", &s.0, "Escape"]);
    tmux(&["send-keys", "-t", &s.0, "q"]);
    let screen = wait_for(&s.0, "EXITED:0", Duration::from_secs(5));
    // The alternate screen is gone: the shell's screen is back.
    assert!(!screen.contains("1 Overview"), "{screen}");
}

#[test]
fn ascii_fallback_without_a_utf8_locale() {
    let s = start("drnfs-test-ascii", "LANG=C LC_ALL=C TERM=xterm", "--demo --speed 30");
    let screen = wait_for(&s.0, "DRBD 8.4.11", Duration::from_secs(20));
    assert!(screen.contains("+-"), "ASCII borders expected:\n{screen}");
    assert!(!screen.contains('╭') && !screen.contains('│'), "no box drawing in ASCII mode:\n{screen}");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "EXITED:0", Duration::from_secs(5));
}

#[test]
fn sigterm_restores_the_terminal() {
    let s = start("drnfs-test-term", "LANG=C.UTF-8", "--demo");
    wait_for(&s.0, "DRBD 8.4.11", Duration::from_secs(20));
    let pid = Command::new("pgrep").args(["-f", "drnfs --demo$"]).output().unwrap();
    let pids = String::from_utf8_lossy(&pid.stdout);
    assert!(!pids.trim().is_empty(), "drnfs is running");
    for p in pids.split_whitespace() {
        Command::new("kill").args(["-TERM", p]).status().unwrap();
    }
    let screen = wait_for(&s.0, "EXITED:", Duration::from_secs(5));
    assert!(!screen.contains("1 Overview"), "{screen}");
}
