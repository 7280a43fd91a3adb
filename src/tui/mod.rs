//! The interactive view: a tokio `select!` loop over terminal events, collector inputs
//! (live or replayed) and signals. Keys become [`keys::Action`]s applied by
//! [`app::App::update`]; the screen is redrawn only when something changed.

pub mod action_panel;
pub mod app;
pub mod keys;
pub mod theme;
pub mod views;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};

use crate::engine::session::{Feed, Session};
use crate::source::SourceConfig;
use app::{App, Mode};
use theme::Theme;

pub struct TuiOptions {
    pub feed: Feed,
    /// What is shown (the recording's file, the capture's directory), for the header.
    pub name: String,
    pub theme: Theme,
    pub vips: Vec<std::net::IpAddr>,
    /// The drnfs configuration for actions.
    pub config: std::path::PathBuf,
    /// This node's sources, for live actions; `None` on recorded state (actions are dry
    /// runs against the report shown then).
    pub live: Option<SourceConfig>,
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

pub async fn event_loop<B: Backend>(terminal: &mut Terminal<B>, opts: TuiOptions) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mode = match &opts.feed {
        Feed::Live(o) => Mode::Live { interval_ms: o.interval.as_millis() as u64 },
        Feed::Capture(_) => Mode::Capture { root: opts.name.clone() },
        Feed::Replay { .. } => Mode::Replay(opts.name.clone()),
    };
    let (mut session, clock) = Session::start(opts.feed, opts.vips.clone());
    let mut app = App::new(mode, opts.theme, opts.vips);
    app.replay = clock;
    app.report = session.report();
    let (action_tx, mut action_rx) = tokio::sync::mpsc::unbounded_channel::<action_panel::ActionEvent>();
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| views::render(f, &app)).map_err(|e| anyhow::anyhow!("drawing failed: {e}"))?;
            dirty = false;
        }
        tokio::select! {
            changed = session.changed(app.replay.as_mut()) => {
                if changed {
                    app.set_report(session.report());
                    dirty = true;
                }
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
                        start_action(&mut app, kind, &opts.config, opts.live.clone(), action_tx.clone());
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal went away (SSH dropped): stop.
                Some(Err(_)) | None => break,
            },
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// Opens the action panel and starts the action on a worker thread: on this node's live
/// sources, or — on recorded state — as a dry run against the report on screen. The
/// panel's events arrive on `tx`; the event loop applies them.
pub fn start_action(
    app: &mut App,
    kind: crate::action::plan::ActionKind,
    config: &std::path::Path,
    live: Option<SourceConfig>,
    tx: tokio::sync::mpsc::UnboundedSender<action_panel::ActionEvent>,
) {
    let Some(resource) = app.action_resource() else { return };
    let dry_run = live.is_none();
    // A replay played beside the peer's recording has the peer as it was then: the dry
    // run reads both nodes' recorded state, as a live action reads both nodes.
    let peer = dry_run.then(|| app.report.as_ref()?.peer.as_ref()).flatten().and_then(|p| match &p.answer {
        Some(Ok(r)) => {
            Some((format!("the recording of {} at {}", p.name, crate::clock::time_of_day(r.taken_at)), (**r).clone()))
        }
        _ => None,
    });
    let title = format!(
        "{} {resource}{}",
        kind.name(),
        match (dry_run, &peer) {
            (false, _) => "",
            (true, Some(_)) => " (dry run on both nodes' recorded state)",
            (true, None) => " (dry run on recorded state)",
        }
    );
    app.panel = Some(action_panel::ActionPanel::new(title));
    match live {
        Some(sources) => action_panel::start(
            kind,
            resource,
            config.to_path_buf(),
            false,
            None,
            move || crate::engine::oneshot::take(&sources, None),
            tx,
        ),
        None => {
            let shown = app.report.clone();
            action_panel::start(
                kind,
                resource,
                config.to_path_buf(),
                true,
                peer,
                move || shown.clone().ok_or_else(|| anyhow::anyhow!("no sample yet")),
                tx,
            );
        }
    }
}

/// The theme from the environment and `--ascii`.
pub fn theme(force_ascii: bool) -> Theme {
    Theme::from_env(force_ascii)
}
