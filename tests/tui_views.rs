//! Whole-screen snapshots of every view, drawn into a `TestBackend` from real lab captures
//! (each scenario, each node) and from points of the bundled demo recording, at 80×24 and
//! 160×48. A change to any screen shows up as a snapshot diff to review.

use std::path::{Path, PathBuf};

use drnfs::engine::Engine;
use drnfs::engine::replay::Replay;
use drnfs::engine::session::ReplayClock;
use drnfs::source::input::{ChildStatus, Input};
use drnfs::source::proc_files::FileSet;
use drnfs::source::recording::Recording;
use drnfs::source::{ProcRoot, SourceError};
use drnfs::tui::app::{App, Mode, View};
use drnfs::tui::keys::{self, Action};
use drnfs::tui::theme::Theme;
use drnfs::tui::views;
use drnfs_parsers::timestamp::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

mod common;
use common::{cut_figures, screen_text};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Draws every view of `app` at both sizes into one text.
fn screens(app: &mut App) -> String {
    let mut out = String::new();
    for (w, h) in SIZES {
        for view in View::ALL {
            app.update(Action::Show(view));
            out.push_str(&format!("=== {} at {w}x{h}\n", view.title()));
            out.push_str(&screen_text(app, w, h));
        }
    }
    out
}

/// A view and the engine behind it.
struct Shown {
    app: App,
    engine: Engine,
}

impl Shown {
    /// Feeds the engine one input and shows the new report.
    fn feed(&mut self, input: Input) {
        self.engine.apply(input);
        self.engine.refresh();
        self.app.set_report(self.engine.report());
    }
}

/// An app fed a lab capture through the engine: its events2 dump, kernel log, proc files
/// (twice, one second apart) and socket dump, with a fixed clock.
fn shown_capture(dir: &Path) -> Shown {
    let vips = vec!["10.50.0.100".parse().unwrap()];
    let app = App::new(Mode::Capture { root: "capture".into() }, Theme { color: false, ascii: false }, vips.clone());
    let mut engine = Engine::new(vips);
    let wall = Timestamp::parse_rfc3339("2026-11-25T14:00:00Z").unwrap();
    let m = &mut engine;
    m.apply(Input::Events2Status { at: 0.0, status: ChildStatus::Running { source: "events2-now.txt".into() } });
    for line in std::fs::read_to_string(dir.join("events2-now.txt")).unwrap_or_default().lines() {
        m.apply(Input::Events2Line { at: 0.0, wall, line: line.to_owned() });
    }
    for line in std::fs::read_to_string(dir.join("dmesg.txt")).unwrap_or_default().lines() {
        m.apply(Input::KernelLog { at: 0.0, wall: None, line: line.to_owned() });
    }
    let mut files = FileSet::read(&ProcRoot::new(dir.join("proc")));
    // Messages must not depend on where the checkout is: the capture's files were /proc.
    files.root = "/proc".into();
    let prefix = dir.join("proc").display().to_string();
    let as_proc = |e: &mut SourceError| {
        if let SourceError::Missing { path, .. }
        | SourceError::PermissionDenied { path }
        | SourceError::Io { path, .. } = e
        {
            *path = path.replacen(&prefix, "/proc", 1);
        }
    };
    files.files.values_mut().filter_map(|v| v.as_mut().err()).for_each(as_proc);
    files.dirs.values_mut().filter_map(|v| v.as_mut().err()).for_each(as_proc);
    let raw = std::fs::read(dir.join("sock-diag-2049.bin")).unwrap_or_default();
    for at in [0.0, 1.0] {
        m.apply(Input::Files { at, wall, files: Box::new(files.clone()) });
        m.apply(Input::Sockets { at, raw: Ok(raw.clone()) });
    }
    engine.refresh();
    let mut shown = Shown { app, engine };
    shown.app.set_report(shown.engine.report());
    shown
}

fn app_from_capture(dir: &Path) -> App {
    shown_capture(dir).app
}

#[test]
fn every_view_of_every_lab_capture() {
    let mut seen = 0;
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(fixtures()).unwrap().flatten().map(|e| e.path()).collect();
    scenarios.sort();
    for scenario in scenarios {
        for node in ["nodea", "nodeb"] {
            let dir = scenario.join(node);
            if !dir.join("drnfs-snapshot.json").is_file() {
                continue;
            }
            let name = format!("{}-{node}", scenario.file_name().unwrap().to_string_lossy());
            let mut app = app_from_capture(&dir);
            insta::assert_snapshot!(name, screens(&mut app));
            seen += 1;
        }
    }
    assert!(seen >= 14, "expected the lab captures under fixtures/, found {seen}");
}

fn demo_app(rec: &Recording, engine: &Engine, at: f64) -> App {
    let mut app = App::new(Mode::Replay("demo".into()), Theme { color: false, ascii: false }, rec.header.vips.clone());
    app.replay = Some(ReplayClock {
        paused: true,
        speed: 1.0,
        position: at,
        duration: rec.duration(),
        finished: false,
        step_requested: false,
        chapters: Vec::new(),
        seek: None,
    });
    app.set_report(engine.report());
    app
}

/// Replays the demo recording up to `until` seconds.
fn app_from_demo(until: f64) -> App {
    let rec = Recording::open(&fixtures().join("demo/lab-incident.drnfs.gz")).unwrap();
    let engine = drnfs::engine::session::replay_to(&rec, until);
    demo_app(&rec, &engine, until)
}

/// The first moment (seconds into the demo) the overview shows `text`: the recording is
/// played once, and the overview drawn after every sample.
fn first_moment(text: &str) -> f64 {
    first_moment_after(text, 0.0)
}

/// The first moment after `after` seconds the overview shows `text`.
fn first_moment_after(text: &str, after: f64) -> f64 {
    let rec = Recording::open(&fixtures().join("demo/lab-incident.drnfs.gz")).unwrap();
    let mut engine = Engine::new(rec.header.vips.clone());
    let mut replay = Replay::new(&rec);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    while let Some(t) = replay.next_at() {
        if replay.step(&mut engine) != Some(true) || t <= after {
            continue;
        }
        let app = demo_app(&rec, &engine, t);
        terminal.draw(|f| views::render(f, &app)).unwrap();
        let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
        if screen.contains(text) {
            return t;
        }
    }
    panic!("the demo never shows {text:?}");
}

#[test]
fn the_demo_tells_the_incident_in_order() {
    let resync = first_moment("sending ");
    let clients = first_moment("of the NFS calls");
    // The lab slows the replication link, then the local disk, under the writing client
    // (the write path's verdicts), before it cuts the peer off. (Writes also waited on
    // replication during the initial resync, before any client.)
    let replication = first_moment_after("writes wait on replication", clients);
    let disk = first_moment_after("writes wait on the local disk", clients);
    let split = first_moment("split brain between");
    assert!(
        resync < clients && clients < replication && replication < disk && disk < split,
        "resync {resync}, clients {clients}, write path {replication} {disk}, split brain {split}"
    );
    for (name, t) in [
        ("demo-resync", resync + 3.0),
        ("demo-clients", clients + 5.0),
        ("demo-write-path", replication + 2.0),
        ("demo-split-brain", split + 2.0),
    ] {
        let mut app = app_from_demo(t);
        insta::assert_snapshot!(name, screens(&mut app));
    }
}

/// At 80×24, the size of an SSH window at 3 a.m., every view of every lab capture and of
/// the demo's incident keeps its figures whole: units are not cut, columns are left out
/// (and named) instead of crushed, and the clients table's headers are whole.
#[test]
fn nothing_is_cut_at_80x24() {
    let mut apps: Vec<(String, App)> = Vec::new();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(fixtures()).unwrap().flatten().map(|e| e.path()).collect();
    scenarios.sort();
    for scenario in scenarios {
        for node in ["nodea", "nodeb"] {
            let dir = scenario.join(node);
            if dir.join("drnfs-snapshot.json").is_file() {
                apps.push((dir.display().to_string(), app_from_capture(&dir)));
            }
        }
    }
    for t in
        [first_moment("sending "), first_moment("of the NFS calls") + 5.0, first_moment("writes wait on replication")]
    {
        apps.push((format!("demo at {t:.0} s"), app_from_demo(t)));
    }
    assert!(apps.len() > 40, "{} screens", apps.len());
    let mut cut = Vec::new();
    for (name, app) in &mut apps {
        for view in View::ALL {
            app.update(Action::Show(view));
            let screen = screen_text(app, 80, 24);
            cut.extend(cut_figures(&screen).into_iter().map(|l| format!("{name} {}: {l}", view.title())));
            // A tall screen draws more (the Overview's trends): whole there too.
            let tall = screen_text(app, 160, 48);
            cut.extend(cut_figures(&tall).into_iter().map(|l| format!("{name} {} at 160x48: {l}", view.title())));
            if view == View::Clients && !screen.contains("no client connections") {
                let (shown, _) = drnfs::tui::views::clients::columns_for(78);
                let header = screen.lines().find(|l| l.contains("client ")).unwrap_or_default();
                for c in shown {
                    assert!(header.contains(c.header), "{name}: header {:?} cut: {header}", c.header);
                }
            }
        }
    }
    assert!(cut.is_empty(), "{} rows with a figure cut:\n{}", cut.len(), cut.join("\n"));
    // The check itself catches what it is for.
    assert_eq!(cut_figures("│in 116 B…│\n│rtt 22.9 m│\n│write 60.22 Ki │\n│fine 1.5 MiB/s│").len(), 3);
    assert_eq!(
        cut_figures(
            "│sent 1 KiB/s  read 0   │\n│B/s                    │\n│pending 0              │\n│sync'ed 3             │"
        )
        .len(),
        1
    );
}

#[test]
fn keys_drive_the_views() {
    let mut app = app_from_capture(&fixtures().join("client-load/nodea"));
    let key = |c| crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
    for (k, view) in [
        (crossterm::event::KeyCode::Char('4'), View::Clients),
        (crossterm::event::KeyCode::Tab, View::Events),
        (crossterm::event::KeyCode::Tab, View::Findings),
        (crossterm::event::KeyCode::Tab, View::Overview),
        (crossterm::event::KeyCode::BackTab, View::Findings),
    ] {
        app.update(keys::map(key(k), false).unwrap());
        assert_eq!(app.view, view);
    }
    // Clients: the filter keeps only matching rows.
    app.update(Action::Show(View::Clients));
    let all = views::clients::visible_rows(&app).len();
    assert_eq!(all, 3, "the lab has three clients");
    for a in [Action::StartSearch, Action::SearchInput('1'), Action::SearchInput('0'), Action::SearchDone] {
        app.update(a);
    }
    assert_eq!(views::clients::visible_rows(&app).len(), 3);
    app.update(Action::Escape);
    app.update(Action::StartSearch);
    for c in "10.50.0.22/32".chars() {
        app.update(Action::SearchInput(c));
    }
    app.update(Action::SearchDone);
    let rows = views::clients::visible_rows(&app);
    assert_eq!(rows.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(), vec!["10.50.0.22"]);
}

/// Events: Enter opens the newest event on screen in full (its day, time and zone, level,
/// source, subject and whole text), ↑ moves it back one event, Enter or Esc closes it.
#[test]
fn enter_opens_an_event_in_full_at_80x24() {
    let mut app = app_from_capture(&fixtures().join("split-brain/nodea"));
    app.update(Action::Show(View::Events));
    let timeline = app.report.as_ref().unwrap().timeline.clone();
    assert!(timeline.len() >= 2);
    let key = |c| crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
    app.update(keys::map(key(crossterm::event::KeyCode::Enter), false).unwrap());
    let screen = screen_text(&app, 80, 24);
    let newest = timeline.last().unwrap();
    let when = drnfs::clock::date_time_zone(newest.at.unwrap());
    assert!(screen.contains("Event (Enter closes)"), "{screen}");
    assert!(screen.contains(&when), "the day, time and zone {when:?}:\n{screen}");
    assert!(screen.contains(&format!("from {}", newest.source.label())), "{screen}");
    // Its whole text, word by word, within the box.
    let detail: String =
        screen.lines().skip_while(|l| !l.contains("Event (Enter closes)")).collect::<Vec<_>>().join(" ");
    for word in newest.text.split_whitespace() {
        assert!(detail.contains(word), "{word:?} of {:?} missing:\n{screen}", newest.text);
    }
    // ↑: the event before it.
    app.update(Action::Up);
    let screen = screen_text(&app, 80, 24);
    let before = &timeline[timeline.len() - 2];
    let detail: String =
        screen.lines().skip_while(|l| !l.contains("Event (Enter closes)")).collect::<Vec<_>>().join(" ");
    let when = before.at.map_or_else(|| "time not known".to_owned(), drnfs::clock::date_time_zone);
    assert!(detail.contains(&when), "{when:?}:\n{screen}");
    for word in before.text.split_whitespace() {
        assert!(detail.contains(word), "{word:?} of {:?} missing:\n{screen}", before.text);
    }
    app.update(Action::Escape);
    assert!(!screen_text(&app, 80, 24).contains("Event (Enter closes)"));
}

#[test]
fn the_overview_shows_the_peer_beside_this_node() {
    let mut s = shown_capture(&fixtures().join("failover/nodea"));
    // Before its first answer the peer has its line: being asked, for how long.
    let now = s.app.report.as_ref().unwrap().at;
    s.feed(Input::PeerAsking { at: now - 3.0, name: "nodeb".into() });
    let text = screen_text(&s.app, 120, 30);
    assert!(text.contains("peer nodeb: asking over ssh… (3 s)"), "{text}");
    let peer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("failover/nodeb/drnfs-snapshot.json")).unwrap())
            .unwrap();
    s.feed(Input::Peer { at: 0.0, name: "nodeb".into(), snapshot: Ok(peer) });
    let text = screen_text(&s.app, 120, 30);
    // After the failover nodea is Secondary and nodeb, asked over ssh, serves.
    assert!(text.contains("Secondary/Primary"), "{text}");
    assert!(text.contains("peer nodeb Primary UpToDate  nfsd 8 threads  mounted (1 s ago)"), "{text}");
    s.feed(Input::Peer {
        at: 1.0,
        name: "nodeb".into(),
        snapshot: Err("exit 255: ssh: connect to host nodeb port 22: No route to host".into()),
    });
    let text = screen_text(&s.app, 120, 30);
    assert!(text.contains("peer nodeb: cannot ask it: exit 255: ssh: connect to host nodeb"), "{text}");
}

/// ASCII mode is for terminals whose locale is not UTF-8 (the lab's tmux runs with
/// LC_ALL=C): nothing else may reach them — not the findings' dashes, not the timeline's
/// arrows, not a placeholder's ellipsis — before the first sample or after.
#[test]
fn ascii_mode_draws_nothing_but_ascii() {
    let ascii = Theme { color: false, ascii: true };
    let check = |app: &mut App, what: &str| {
        for view in View::ALL {
            app.update(Action::Show(view));
            for (w, h) in SIZES {
                let text = screen_text(app, w, h);
                let odd: String = text.chars().filter(|c| !c.is_ascii()).collect();
                assert!(odd.is_empty(), "{what}, {} at {w}x{h}: {odd:?}\n{text}", view.title());
            }
        }
    };
    let mut empty = App::new(Mode::Capture { root: "capture".into() }, ascii, vec![]);
    check(&mut empty, "before the first sample");
    for capture in ["split-brain/nodea", "client-load/nodea", "resync/nodeb", "config-mismatch/nodea", "failover/nodeb"]
    {
        let mut app = app_from_capture(&fixtures().join(capture));
        app.theme = ascii;
        check(&mut app, capture);
    }
}

fn wait_until_finished(
    app: &mut App,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<drnfs::tui::action_panel::ActionEvent>,
) -> String {
    use drnfs::tui::action_panel::Phase;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match rx.try_recv() {
            Ok(ev) => app.panel.as_mut().expect("the panel is open").apply(ev),
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                assert!(std::time::Instant::now() < deadline, "the action did not finish within 60 s");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("the action's channel closed before it finished: {e}"),
        }
        if let Some(Phase::Finished { result }) = app.panel.as_ref().map(|p| &p.phase) {
            return result.clone();
        }
    }
}

/// The action panel as an operator drives it: `P` in the DRBD view of a node in split
/// brain opens the panel over the view, runs promote's preflight as a dry run on the
/// recorded state, and draws the refusal and its reason at 80×24; Esc closes it only once
/// the action has finished.
#[test]
fn the_action_panel_shows_a_dry_run_refusal_and_closes_when_done() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let mut app = app_from_capture(&fixtures().join("split-brain/nodeb"));
    app.update(Action::Show(View::Drbd));
    app.update(keys::map(key(KeyCode::Char('P')), false).unwrap());
    let kind = app.pending_action.take().expect("P asks for promote");
    assert_eq!(kind, drnfs::action::plan::ActionKind::Promote);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    drnfs::tui::start_action(&mut app, kind, &fixtures().join("drnfs.toml"), None, tx);
    let title = app.panel.as_ref().expect("the panel opened").title.clone();
    assert_eq!(title, "promote r0 (dry run on recorded state)");
    let result = wait_until_finished(&mut app, &mut rx);
    assert_eq!(result, "dry run: it would be REFUSED");
    let lines = app.panel.as_ref().unwrap().lines.join("\n");
    assert!(lines.to_lowercase().contains("split"), "the refusal names the split brain:\n{lines}");
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("promote r0 (dry run on recorded state)"), "{screen}");
    assert!(screen.contains("dry run: it would be REFUSED"), "{screen}");
    // One frame: no border of the view beside the panel's own.
    let doubled = ["││", "╭╭", "╰╰", "||", "++"];
    assert!(!screen.lines().any(|l| doubled.iter().any(|d| l.starts_with(d) || l.ends_with(d))), "{screen}");
    app.panel_key(key(KeyCode::Esc));
    assert!(app.panel.is_none(), "Esc closes a finished panel");
    assert!(!screen_text(&app, 80, 24).contains("dry run:"), "the view is back");
}

/// The typed phrase reaches the action as typed: keys that are commands elsewhere (`q`,
/// digits, `?`) are text while the panel asks; Backspace edits; Enter sends; Esc sends
/// nothing (which aborts); and an unfinished panel stays open.
#[test]
fn the_action_panel_sends_the_typed_phrase() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use drnfs::tui::action_panel::{ActionEvent, ActionPanel};
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let mut app = app_from_capture(&fixtures().join("connected-idle/nodeb"));
    app.panel = Some(ActionPanel::new("failover r0".into()));
    let (reply, typed) = std::sync::mpsc::channel();
    app.panel.as_mut().unwrap().apply(ActionEvent::NeedPhrase("failover r0 q?".into(), reply));
    for c in "failover r9".chars() {
        app.panel_key(key(KeyCode::Char(c)));
    }
    app.panel_key(key(KeyCode::Backspace));
    for c in "0 q?".chars() {
        app.panel_key(key(KeyCode::Char(c)));
    }
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("Type 'failover r0 q?' and Enter (Esc aborts): failover r0 q?_"), "{screen}");
    assert!(!app.quit && app.view == View::Overview && !app.help, "keys typed into the phrase did nothing else");
    app.panel_key(key(KeyCode::Enter));
    assert_eq!(typed.recv_timeout(std::time::Duration::from_secs(1)).unwrap(), "failover r0 q?");
    // Asked again, Esc sends an empty phrase; the panel stays until the action ends.
    let (reply, typed) = std::sync::mpsc::channel();
    app.panel.as_mut().unwrap().apply(ActionEvent::NeedPhrase("failover r0".into(), reply));
    app.panel_key(key(KeyCode::Char('x')));
    app.panel_key(key(KeyCode::Esc));
    assert_eq!(typed.recv_timeout(std::time::Duration::from_secs(1)).unwrap(), "");
    app.panel_key(key(KeyCode::Esc));
    assert!(app.panel.is_some(), "a running action's panel does not close");
    app.panel.as_mut().unwrap().apply(ActionEvent::Finished("aborted: nothing changed".into()));
    app.panel_key(key(KeyCode::Enter));
    assert!(app.panel.is_none());
}

/// The demo opens on the pair serving NFS (not on the minutes before nfsd is loaded), its
/// chapters follow the lab's story, and `n`/`p` move the replay to them — forward and back
/// — with the model at that moment, as a replay played up to there has it.
#[test]
fn the_demo_opens_serving_and_jumps_between_chapters() {
    use drnfs::engine::chapters;
    use drnfs::engine::session::{Feed, Session};
    let rec = Recording::open(&fixtures().join("demo/lab-incident.drnfs.gz")).unwrap();
    let found = chapters::chapters(&rec);
    let titles: Vec<&str> = found.iter().map(|c| c.title.as_str()).collect();
    let first = |part: &str| {
        found.iter().find(|c| c.title.contains(part)).unwrap_or_else(|| panic!("no chapter {part:?} in {titles:?}")).at
    };
    // The lab's order: the first resync, nfsd serving, a split brain, a failover (this node
    // demoted) later.
    let (resync, serving, split, demoted) =
        (first("resync"), first("nfsd serving"), first("split brain"), first("demoted here"));
    assert!(resync < serving && serving < split && split < demoted, "{titles:?}");
    // The lab's client load (a metadata storm) is a chapter of its own while nfsd serves.
    let storm = first("client storm");
    assert!(serving < storm && storm < split, "{titles:?}");
    let start = chapters::opening(&found);
    assert!(start > serving && start < serving + 5.0);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let feed = Feed::Replay { recording: Box::new(rec.clone()), peer: None, speed: 1.0, open_serving: true };
        let (mut session, clock) = Session::start(feed, rec.header.vips.clone());
        let mut app =
            App::new(Mode::Replay("demo".into()), Theme { color: false, ascii: false }, rec.header.vips.clone());
        app.replay = clock;
        assert_eq!(app.replay.as_ref().unwrap().position, start, "the demo opens where nfsd serves");
        app.replay.as_mut().unwrap().paused = true;
        app.set_report(session.report());
        let serving_now = app.report.as_ref().unwrap();
        assert!(serving_now.nfsd.threads.unwrap_or(0) > 0, "the demo opens with nfsd serving");
        // `n` until the split brain; the model there is the split brain.
        while app.replay.as_ref().unwrap().position < split {
            app.update(keys::map(key('n'), false).unwrap());
            session.changed(app.replay.as_mut()).await;
        }
        assert_eq!(app.replay.as_ref().unwrap().position, split);
        // A chapter opens at its first turn (here the peer lost, with the split brain
        // detected within seconds): a little later the model holds the kernel's line.
        app.replay.as_mut().unwrap().seek = Some(split + 20.0);
        session.changed(app.replay.as_mut()).await;
        app.set_report(session.report());
        let later = app.report.clone().unwrap();
        assert!(
            later.timeline.iter().any(|e| e.text.contains("Split-Brain detected")),
            "the model is at the split brain"
        );
        // `p` goes back to the chapter's start: a new model from the recording's start,
        // played to there, equal to one that was never played further.
        app.update(keys::map(key('p'), false).unwrap());
        assert_eq!(app.replay.as_ref().unwrap().position, split);
        session.changed(app.replay.as_mut()).await;
        app.set_report(session.report());
        let expected = drnfs::engine::session::replay_to(&rec, split).report().unwrap();
        let got = app.report.as_ref().unwrap();
        let ids = |r: &drnfs::engine::Report| r.findings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(got), ids(&expected), "back at {split} s, the findings are that moment's");
        assert_eq!(got.timeline.len(), expected.timeline.len(), "and so is the timeline");
        assert!(got.timeline.len() < later.timeline.len());
    });
}

/// The demo plays nodeb's recording beside nodea's on the wall clock: the report carries
/// the peer as it was at that moment (forward and after a jump back), the Overview shows
/// it, and an action's dry run reads both nodes' recorded state instead of refusing for
/// want of a peer.
#[test]
fn the_demo_plays_the_peer_beside_and_dry_runs_read_both_nodes() {
    use drnfs::engine::Report;
    use drnfs::engine::session::{Feed, Session};
    let rec = Recording::open(&fixtures().join("demo/lab-incident.drnfs.gz")).unwrap();
    let peer = Recording::open(&fixtures().join("demo/lab-incident-nodeb.drnfs.gz")).unwrap();
    let split = drnfs::engine::chapters::chapters(&rec)
        .iter()
        .find(|c| c.title.contains("split brain"))
        .map(|c| c.at)
        .expect("a split-brain chapter");
    let micros = |r: &Report| r.taken_at.unix_micros();
    // The peer's last sample is at most one interval (1 s) and a little older than this
    // node's, never newer: the same wall-clock moment.
    let beside = |r: &Report| -> Report {
        let p = r.peer.as_ref().expect("the peer is there");
        assert_eq!(p.name, "nodeb");
        let theirs = p.answer.as_ref().expect("answered").as_ref().expect("a report").as_ref().clone();
        let lag = micros(r) - micros(&theirs);
        assert!((0..=1_500_000).contains(&lag), "peer sample {lag} µs behind");
        assert_eq!(theirs.host.hostname.as_deref(), Some("nodeb"));
        theirs
    };
    let role = |r: &Report| r.drbd.resources.first().and_then(|x| x.role.clone()).map(|x| format!("{x:?}"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let feed = Feed::Replay {
            recording: Box::new(rec.clone()),
            peer: Some(Box::new(peer.clone())),
            speed: 1.0,
            open_serving: true,
        };
        let (mut session, clock) = Session::start(feed, rec.header.vips.clone());
        let mut app =
            App::new(Mode::Replay("demo".into()), Theme { color: false, ascii: true }, rec.header.vips.clone());
        app.replay = clock;
        app.replay.as_mut().unwrap().paused = true;
        app.set_report(session.report());
        let here = app.report.clone().unwrap();
        let there = beside(&here);
        assert_eq!((role(&here).as_deref(), role(&there).as_deref()), (Some("Primary"), Some("Secondary")));
        let screen = screen_text(&app, 80, 24);
        assert!(screen.contains("peer nodeb Secondary"), "{screen}");
        // Past the split brain the peer's own kernel saw it too; back again, it is not.
        app.replay.as_mut().unwrap().seek = Some(split + 20.0);
        session.changed(app.replay.as_mut()).await;
        let there = beside(&session.report().unwrap());
        assert!(there.timeline.iter().any(|e| e.text.contains("Split-Brain detected")), "nodeb at the split brain");
        let back = here.at;
        app.replay.as_mut().unwrap().seek = Some(back);
        session.changed(app.replay.as_mut()).await;
        app.set_report(session.report());
        let there = beside(app.report.as_ref().unwrap());
        assert!(!there.timeline.iter().any(|e| e.text.contains("Split-Brain")), "nodeb back before it");
        assert_eq!(role(&there).as_deref(), Some("Secondary"));
    });
    // A failover's dry run from here reads the peer from its recording.
    let kind = drnfs::action::plan::ActionKind::Failover;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new(Mode::Replay("demo".into()), Theme { color: false, ascii: true }, rec.header.vips.clone());
    let mut engine = drnfs::engine::session::replay_to(&rec, split - 30.0);
    let mut beside_peer = drnfs::engine::replay::PeerPlayback::new(Box::new(peer), &rec);
    engine.set_recorded_peer(beside_peer.at(split - 30.0).expect("nodeb by then"));
    app.set_report(engine.report());
    drnfs::tui::start_action(&mut app, kind, &fixtures().join("drnfs.toml"), None, tx);
    assert_eq!(app.panel.as_ref().unwrap().title, "failover r0 (dry run on both nodes' recorded state)");
    wait_until_finished(&mut app, &mut rx);
    let lines = app.panel.as_ref().unwrap().lines.join("\n");
    assert!(lines.contains("its snapshot from the recording of nodeb at "), "{lines}");
    assert!(!lines.contains("--peer-snapshot"), "{lines}");
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
}

/// A tall Overview draws the last two minutes: nfsd's calls and bytes, and the busiest
/// clients' shares of what nfsd received (the client making most of the metadata storm
/// at the top), each with its peak; an 80×24 screen keeps its rows for the findings.
#[test]
fn a_tall_overview_draws_the_last_two_minutes() {
    let mut app = app_from_demo(first_moment("of the NFS calls") + 30.0);
    let report = app.report.clone().unwrap();
    let busiest = report.clients.first().expect("clients in the storm");
    let series = &report.history.client_share[&busiest.address.to_string()];
    let newest = series.last().expect("its share now");
    assert!((newest - busiest.share_in.unwrap() * 100.0).abs() < 1e-9, "the series holds the share shown");
    assert!(report.history.client_share.len() <= 5 + 2, "{:?}", report.history.client_share.keys());
    app.update(Action::Show(View::Overview));
    let tall = screen_text(&app, 160, 48);
    assert!(tall.contains("Last 2 minutes (mean per column)"), "{tall}");
    for label in ["nfsd calls", "nfsd written", &format!("share {}", busiest.address)] {
        let row = tall.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no {label:?}:\n{tall}"));
        assert!(row.contains(" max ") && row.chars().any(|c| "▁▂▃▄▅▆▇█".contains(c)), "{row}");
    }
    assert!(!screen_text(&app, 80, 24).contains("Last 2 minutes"));
}
