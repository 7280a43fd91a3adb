//! The real binary in a real terminal: `drnfs --demo` under tmux, checked from
//! `capture-pane`, including keys, the ASCII fallback, and a clean exit on `q`.

use std::process::Command;
use std::time::{Duration, Instant};

mod common;

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
    start_sized(name, env, args, (100, 30))
}

fn start_sized(name: &str, env: &str, args: &str, (w, h): (u16, u16)) -> Session {
    let bin = env!("CARGO_BIN_EXE_drnfs");
    tmux(&["kill-session", "-t", name]);
    let cmd = format!("env {env} {bin} {args}; echo EXITED:$?; sleep 30");
    let (w, h) = (w.to_string(), h.to_string());
    let out = Command::new("tmux").args(["new-session", "-d", "-s", name, "-x", &w, "-y", &h, &cmd]).status().unwrap();
    assert!(out.success());
    Session(name.to_owned())
}

/// Every view of the demo and of three lab captures, in a real terminal at 80×24 and at
/// 120×40: the header, the tabs and the footer are whole, no figure has lost its unit or
/// digits, the clients table's headers are whole, and no finding or event is cut short
/// (they wrap; an ellipsis there would hide words).
#[test]
fn every_view_is_whole_in_a_terminal_at_80x24_and_120x40() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let quoted = |dir: &str| {
        common::capture_sources(&fixtures.join(dir))
            .iter()
            .map(|a| format!("'{}'", a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let sources = [
        ("demo", "--demo --speed 1".to_owned()),
        ("split-brain/nodeb", quoted("split-brain/nodeb")),
        ("client-load/nodea", quoted("client-load/nodea")),
        ("write-path-replication/nodea", quoted("write-path-replication/nodea")),
    ];
    let mut problems = Vec::new();
    for (i, (name, args)) in sources.iter().enumerate() {
        for size in [(80u16, 24u16), (120, 40)] {
            let s =
                start_sized(&format!("drnfs-test-walk-{i}-{}", size.0), "LANG=C.UTF-8 TERM=xterm-256color", args, size);
            wait_for(&s.0, "1 Overview", Duration::from_secs(20));
            if *name == "demo" {
                // Paused, so each view is of one moment.
                tmux(&["send-keys", "-t", &s.0, "Space"]);
                wait_for(&s.0, "paused", Duration::from_secs(5));
            }
            for (key, title) in [
                ("1", "Top clients ("),
                ("2", "╭ Volumes"),
                ("3", "╭ NFS server"),
                ("4", "╭ Clients"),
                ("5", "╭ Events ("),
                ("6", "╭ Findings ("),
            ] {
                tmux(&["send-keys", "-t", &s.0, key]);
                // Each view's own panel title (the tabs name every view all the time).
                let screen = wait_for(&s.0, title, Duration::from_secs(5));
                let at = format!("{name} at {}x{} view {key}", size.0, size.1);
                let lines: Vec<&str> = screen.lines().collect();
                if lines.len() != usize::from(size.1) || lines.iter().any(|l| l.chars().count() > usize::from(size.0)) {
                    problems.push(format!("{at}: the screen is not {}x{}", size.0, size.1));
                }
                if !lines[0].starts_with(" drnfs ") || !lines[1].contains("6 Findings") {
                    problems.push(format!("{at}: header or tabs cut:\n{}\n{}", lines[0], lines[1]));
                }
                if !lines.last().is_some_and(|l| l.contains("q quit")) {
                    problems.push(format!("{at}: footer cut: {:?}", lines.last()));
                }
                problems.extend(common::cut_figures(&screen).into_iter().map(|l| format!("{at}: figure cut: {l}")));
                let table = !screen.contains("no client connections") && !screen.contains("client sockets not read");
                if key == "4" && table {
                    let (shown, _) = drnfs::tui::views::clients::columns_for(size.0 - 2);
                    let header = lines.iter().find(|l| l.contains("client ")).copied().unwrap_or_default();
                    for c in shown {
                        if !header.contains(c.header) {
                            problems.push(format!("{at}: column header {:?} cut: {header}", c.header));
                        }
                    }
                }
                // (The footer's notice of a source that is down is fitted to its row.)
                let body = &lines[2..lines.len() - 1];
                if key == "5" || key == "6" {
                    problems.extend(body.iter().filter(|l| l.contains('…')).map(|l| format!("{at}: text cut: {l}")));
                }
            }
            tmux(&["send-keys", "-t", &s.0, "q"]);
            wait_for(&s.0, "EXITED:0", Duration::from_secs(5));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
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
