//! The interactive view: a tokio `select!` loop over terminal events, collector inputs
//! (live or replayed) and signals. Keys become [`keys::Action`]s applied by
//! [`app::App::update`]; the screen is redrawn only when something changed.

pub mod action_panel;
pub mod app;
pub mod keys;
pub mod theme;
pub mod views;

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};

use crate::model::Input;
use crate::source::live::{self, LiveOptions};
use crate::source::recording::{Player, Recording};
use app::{App, Mode, ReplayState};
use theme::Theme;

/// Where the TUI's data comes from.
pub enum Feed {
    Live(LiveOptions),
    /// A captured proc root re-read every interval (with optional events2/kernel log files).
    Capture(LiveOptions),
    Replay {
        recording: Box<Recording>,
        name: String,
        speed: f64,
    },
}

pub struct TuiOptions {
    pub feed: Feed,
    pub theme: Theme,
    pub vips: Vec<std::net::IpAddr>,
    /// The drnfs configuration for actions.
    pub config: std::path::PathBuf,
    /// Reads this node's snapshot for live actions; `None` on recorded state (actions are
    /// dry runs against the model then).
    pub live_snapshot: Option<std::sync::Arc<dyn Fn() -> anyhow::Result<serde_json::Value> + Send + Sync>>,
}

/// Runs the TUI until the user quits (or SIGTERM/SIGHUP); the terminal is restored on
/// every way out, panics included (ratatui's hook).
pub fn run(opts: TuiOptions) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let mut terminal = ratatui::try_init()?;
        let result = event_loop(&mut terminal, opts).await;
        ratatui::restore();
        result
    })
}

/// Paces a recording's records by the replay clock.
struct ReplayDriver {
    recording: Box<Recording>,
    player: Player,
    next: usize,
    clock: f64,
    last: Instant,
}

impl ReplayDriver {
    fn new(recording: Box<Recording>) -> Self {
        let root = recording.header.proc_root.clone();
        Self { recording, player: Player::new(&root), next: 0, clock: 0.0, last: Instant::now() }
    }

    /// Applies the records that are due; true when any was.
    fn advance(&mut self, app: &mut App) -> bool {
        let elapsed = self.last.elapsed().as_secs_f64();
        self.last = Instant::now();
        let Mode::Replay(state) = &mut app.mode else { return false };
        let mut applied = false;
        let mut inputs = Vec::new();
        if state.paused {
            if state.step_requested {
                state.step_requested = false;
                // One step: everything up to and including the next proc sample.
                while let Some(r) = self.recording.records.get(self.next) {
                    self.next += 1;
                    self.clock = r.t();
                    let is_sample = matches!(r, crate::source::recording::Record::Files { .. });
                    inputs.push(self.player.input(r));
                    if is_sample {
                        break;
                    }
                }
            }
        } else {
            self.clock += elapsed * state.speed;
            while let Some(r) = self.recording.records.get(self.next) {
                if r.t() > self.clock {
                    break;
                }
                inputs.push(self.player.input(r));
                self.next += 1;
            }
        }
        state.position = self.clock.min(state.duration);
        let finished = self.next >= self.recording.records.len();
        if finished != state.finished {
            state.finished = finished;
            applied = true;
        }
        for i in inputs {
            app.model.apply(i);
            applied = true;
        }
        if applied {
            app.refresh();
        }
        applied
    }
}

pub async fn event_loop<B: Backend>(terminal: &mut Terminal<B>, opts: TuiOptions) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Input>(4096);
    let resolver_tx = tx.clone();
    let mut replay = None;
    let mut peer_asked = None;
    let mode = match opts.feed {
        Feed::Live(o) => {
            let interval_ms = o.interval.as_millis() as u64;
            peer_asked = o.peer.as_ref().map(|p| p.name.clone());
            live::spawn(o, tx, Instant::now());
            Mode::Live { interval_ms }
        }
        Feed::Capture(o) => {
            let root = o.proc.root().display().to_string();
            live::spawn(o, tx, Instant::now());
            Mode::Capture { root }
        }
        Feed::Replay { recording, name, speed } => {
            drop(tx);
            let duration = recording.duration();
            replay = Some(ReplayDriver::new(recording));
            Mode::Replay(ReplayState {
                name,
                paused: false,
                speed,
                position: 0.0,
                duration,
                finished: false,
                step_requested: false,
            })
        }
    };
    let resolve = matches!(mode, Mode::Live { .. });
    let mut resolver = crate::source::resolver::Resolver::new();
    let mut app = App::new(mode, opts.theme, opts.vips);
    // From the first frame on, a configured peer has its place on screen: "asking" until it
    // answers, so "not known yet" never looks like "no peer".
    if let Some(name) = peer_asked {
        app.model.apply(Input::PeerAsking { at: 0.0, name });
    }
    let (action_tx, mut action_rx) = tokio::sync::mpsc::unbounded_channel::<action_panel::ActionEvent>();
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut replay_tick = tokio::time::interval(Duration::from_millis(100));
    replay_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| views::render(f, &app)).map_err(|e| anyhow::anyhow!("drawing failed: {e}"))?;
            dirty = false;
        }
        tokio::select! {
            input = rx.recv(), if replay.is_none() => {
                let Some(input) = input else { continue };
                let mut note = |i: &Input| {
                    if let Input::Hostname { address, name } = i {
                        resolver.finished(*address, name.clone());
                    }
                };
                note(&input);
                app.model.apply(input);
                // Drain what queued up meanwhile, then draw once.
                while let Ok(more) = rx.try_recv() {
                    note(&more);
                    app.model.apply(more);
                }
                if resolve {
                    resolver.request(app.model.clients.rows.iter().map(|r| r.address), &resolver_tx);
                }
                app.refresh();
                dirty = true;
            }
            Some(ev) = action_rx.recv() => {
                if let Some(p) = app.panel.as_mut() {
                    p.apply(ev);
                }
                dirty = true;
            }
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) if app.panel.is_some() => {
                    if key.kind != crossterm::event::KeyEventKind::Release {
                        app.panel_key(key);
                        dirty = true;
                    }
                }
                Some(Ok(Event::Key(key))) => {
                    if let Some(action) = keys::map(key, app.search.typing) {
                        app.update(action);
                        dirty = true;
                    }
                    if let Some(kind) = app.pending_action.take() {
                        start_action(&mut app, kind, &opts.config, opts.live_snapshot.clone(), action_tx.clone());
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal went away (SSH dropped): stop.
                Some(Err(_)) | None => break,
            },
            _ = replay_tick.tick(), if replay.is_some() => {
                if let Some(r) = replay.as_mut() {
                    dirty |= r.advance(&mut app);
                }
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// Opens the action panel and starts the engine on a worker thread.
fn start_action(
    app: &mut App,
    kind: crate::action::plan::ActionKind,
    config: &std::path::Path,
    live: Option<std::sync::Arc<dyn Fn() -> anyhow::Result<serde_json::Value> + Send + Sync>>,
    tx: tokio::sync::mpsc::UnboundedSender<action_panel::ActionEvent>,
) {
    let Some(resource) = app.action_resource() else { return };
    let dry_run = live.is_none();
    let title = format!("{} {resource}{}", kind.name(), if dry_run { " (dry run on recorded state)" } else { "" });
    app.panel = Some(action_panel::ActionPanel::new(title));
    match live {
        Some(f) => action_panel::start(kind, resource, config.to_path_buf(), false, move || f(), tx),
        None => {
            let findings = app.findings.clone();
            let snap = app.model.report(findings).and_then(|s| serde_json::to_value(s).ok());
            action_panel::start(
                kind,
                resource,
                config.to_path_buf(),
                true,
                move || snap.clone().ok_or_else(|| anyhow::anyhow!("no sample yet")),
                tx,
            );
        }
    }
}

/// The theme from the environment and `--ascii`.
pub fn theme(force_ascii: bool) -> Theme {
    Theme::from_env(force_ascii)
}
