//! The TUI's state: the report on screen, which view is shown, selection, search, replay
//! controls. [`App::update`] is the only place that changes it in answer to a key.

use std::net::IpAddr;

use super::keys::Action;
use super::theme::Theme;
use crate::diagnose::Finding;
use crate::engine::Report;
use crate::engine::session::ReplayClock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Drbd,
    Nfs,
    Clients,
    Events,
    Findings,
}

impl View {
    pub const ALL: [View; 6] = [View::Overview, View::Drbd, View::Nfs, View::Clients, View::Events, View::Findings];

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Drbd => "DRBD",
            View::Nfs => "NFS server",
            View::Clients => "Clients",
            View::Events => "Events",
            View::Findings => "Findings",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> View {
        let n = Self::ALL.len() as isize;
        Self::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
    }
}

/// Where the data comes from, for the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Live {
        interval_ms: u64,
    },
    /// Re-reading a captured proc root.
    Capture {
        root: String,
    },
    /// Playing the recording named so ([`App::replay`] holds its clock).
    Replay(String),
}

pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// Clients table sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSort {
    InRate,
    OutRate,
    Share,
    Ops,
    RecvQ,
    Connections,
    Address,
}

impl ClientSort {
    pub const ALL: [ClientSort; 7] = [
        ClientSort::InRate,
        ClientSort::OutRate,
        ClientSort::Share,
        ClientSort::Ops,
        ClientSort::RecvQ,
        ClientSort::Connections,
        ClientSort::Address,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ClientSort::InRate => "in/s",
            ClientSort::OutRate => "out/s",
            ClientSort::Share => "share",
            ClientSort::Ops => "ops",
            ClientSort::RecvQ => "recv-q",
            ClientSort::Connections => "conns",
            ClientSort::Address => "address",
        }
    }

    fn next(self) -> ClientSort {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub typing: bool,
    pub text: String,
}

pub struct App {
    /// What the engine reported last; `None` before the first sample.
    pub report: Option<Report>,
    /// The replay's clock (replay mode): the keys pause, step and change its speed.
    pub replay: Option<ReplayClock>,
    pub view: View,
    pub help: bool,
    pub mode: Mode,
    pub theme: Theme,
    /// Selected row in the DRBD (resource) and Clients views.
    pub selected: usize,
    /// Events view: how many events up from the newest the view is scrolled.
    pub events_scroll: usize,
    pub search: Search,
    pub client_sort: ClientSort,
    pub client_details: bool,
    /// Events view: the newest event shown is open in full below the list (Enter).
    pub event_details: bool,
    /// Addresses this node should hold when it serves (keepalived's VIPs).
    pub vips: Vec<IpAddr>,
    pub quit: bool,
    /// A guarded action's panel, while one is open.
    pub panel: Option<super::action_panel::ActionPanel>,
    /// An action asked for by a key; the event loop starts it.
    pub pending_action: Option<crate::action::plan::ActionKind>,
}

impl App {
    pub fn new(mode: Mode, theme: Theme, vips: Vec<IpAddr>) -> Self {
        Self {
            report: None,
            replay: None,
            view: View::Overview,
            help: false,
            mode,
            theme,
            selected: 0,
            events_scroll: 0,
            search: Search::default(),
            client_sort: ClientSort::InRate,
            client_details: false,
            event_details: false,
            vips,
            quit: false,
            panel: None,
            pending_action: None,
        }
    }

    /// Shows a new report.
    pub fn set_report(&mut self, report: Option<Report>) {
        if report.is_some() {
            self.report = report;
        }
    }

    /// The findings on screen.
    pub fn findings(&self) -> &[Finding] {
        self.report.as_ref().map_or(&[], |r| &r.findings)
    }

    pub fn replay_mut(&mut self) -> Option<&mut ReplayClock> {
        self.replay.as_mut()
    }

    /// Applies one key action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Show(v) => self.switch(v),
            Action::NextView => self.switch(self.view.step(1)),
            Action::PreviousView => self.switch(self.view.step(-1)),
            Action::ToggleHelp => self.help = !self.help,
            Action::Escape => {
                if self.help {
                    self.help = false;
                } else {
                    self.search = Search::default();
                    self.client_details = false;
                    self.event_details = false;
                }
            }
            Action::Up => self.scroll(-1),
            Action::Down => self.scroll(1),
            Action::PageUp => self.scroll(-10),
            Action::PageDown => self.scroll(10),
            Action::Top => self.scroll(isize::MIN / 2),
            Action::Bottom => self.scroll(isize::MAX / 2),
            Action::NextSort => {
                if self.view == View::Clients {
                    self.client_sort = self.client_sort.next();
                }
            }
            Action::ToggleDetails => match self.view {
                View::Clients => self.client_details = !self.client_details,
                View::Events => self.event_details = !self.event_details,
                _ => {}
            },
            Action::StartSearch => {
                if matches!(self.view, View::Events | View::Clients) {
                    self.search = Search { typing: true, text: String::new() };
                }
            }
            Action::SearchInput(c) => self.search.text.push(c),
            Action::SearchBackspace => {
                self.search.text.pop();
            }
            Action::SearchDone => self.search.typing = false,
            Action::SearchCancel => self.search = Search::default(),
            Action::TogglePause => {
                if let Some(r) = self.replay_mut() {
                    r.paused = !r.paused;
                }
            }
            Action::Step => {
                if let Some(r) = self.replay_mut() {
                    r.paused = true;
                    r.step_requested = true;
                }
            }
            Action::NextChapter | Action::PreviousChapter => {
                if let Some(r) = self.replay_mut()
                    && let Some(c) =
                        crate::engine::chapters::jump(&r.chapters, r.position, action == Action::PreviousChapter)
                {
                    r.seek = Some(c.at);
                    r.position = c.at;
                }
            }
            Action::Faster | Action::Slower => {
                let up = action == Action::Faster;
                if let Some(r) = self.replay_mut() {
                    let i = SPEEDS.iter().position(|s| *s >= r.speed).unwrap_or(2);
                    let j = if up { (i + 1).min(SPEEDS.len() - 1) } else { i.saturating_sub(1) };
                    r.speed = SPEEDS[j];
                }
            }
            Action::StartAction(kind) => {
                if self.panel.is_none() {
                    self.pending_action = Some(kind);
                }
            }
        }
    }

    /// The resource an action from the TUI applies to: the selected one in the DRBD view,
    /// else the first.
    pub fn action_resource(&self) -> Option<String> {
        let items = super::views::drbd::items(self);
        let i = if self.view == View::Drbd { self.selected.min(items.len().saturating_sub(1)) } else { 0 };
        items.get(i).map(|v| v.name.clone())
    }

    /// Keys while the action panel is open: typing the phrase, or closing it when done.
    pub fn panel_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode;
        let Some(p) = self.panel.as_mut() else { return };
        if p.typing() {
            match key.code {
                KeyCode::Enter => p.submit(),
                KeyCode::Esc => {
                    p.input.clear();
                    p.submit();
                }
                KeyCode::Backspace => {
                    p.input.pop();
                }
                KeyCode::Char(c) => p.input.push(c),
                _ => {}
            }
        } else if p.finished() && matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
            self.panel = None;
        } else if matches!(key.code, KeyCode::Up) {
            p.scroll = p.scroll.saturating_add(1);
        } else if matches!(key.code, KeyCode::Down) {
            p.scroll = p.scroll.saturating_sub(1);
        }
    }

    fn switch(&mut self, v: View) {
        if v != self.view {
            self.view = v;
            self.selected = 0;
            self.search = Search::default();
            self.client_details = false;
            self.event_details = false;
        }
    }

    fn scroll(&mut self, by: isize) {
        match self.view {
            View::Events => {
                // Up goes back in time (further from the newest event).
                let max = self.report.as_ref().map_or(0, |r| r.timeline.len()).saturating_sub(1);
                self.events_scroll = clamp_add(self.events_scroll, -by, max);
            }
            View::Drbd | View::Clients | View::Findings => {
                let max = self.row_count().saturating_sub(1);
                self.selected = clamp_add(self.selected, by, max);
            }
            _ => {}
        }
    }

    fn row_count(&self) -> usize {
        match self.view {
            View::Drbd => super::views::drbd::items(self).len(),
            View::Clients => super::views::clients::visible_rows(self).len(),
            View::Findings => self.findings().len(),
            _ => 0,
        }
    }
}

fn clamp_add(v: usize, by: isize, max: usize) -> usize {
    let n = v as isize + by;
    n.clamp(0, max as isize) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        let mut a = App::new(Mode::Replay("t".into()), Theme::plain(), vec![]);
        a.replay = Some(ReplayClock {
            paused: false,
            speed: 1.0,
            position: 0.0,
            duration: 10.0,
            finished: false,
            step_requested: false,
            chapters: Vec::new(),
            seek: None,
        });
        a
    }

    #[test]
    fn views_cycle_and_help_toggles() {
        let mut a = app();
        a.update(Action::PreviousView);
        assert_eq!(a.view, View::Findings);
        a.update(Action::NextView);
        assert_eq!(a.view, View::Overview);
        a.update(Action::Show(View::Clients));
        assert_eq!(a.view, View::Clients);
        a.update(Action::ToggleHelp);
        assert!(a.help);
        a.update(Action::Escape);
        assert!(!a.help);
        a.update(Action::Quit);
        assert!(a.quit);
    }

    #[test]
    fn chapter_keys_jump_between_chapters() {
        use crate::engine::chapters::Chapter;
        let mut a = app();
        let ch = |at: f64| Chapter { at, title: format!("at {at}") };
        a.replay.as_mut().unwrap().chapters = vec![ch(30.0), ch(70.0)];
        a.update(Action::NextChapter);
        assert_eq!(a.replay.as_ref().unwrap().seek, Some(30.0));
        a.update(Action::NextChapter);
        let r = a.replay.as_mut().unwrap();
        assert_eq!((r.seek, r.position), (Some(70.0), 70.0));
        // The session takes the seek; at the last chapter `n` stays put.
        r.seek = None;
        a.update(Action::NextChapter);
        assert_eq!(a.replay.as_ref().unwrap().seek, None);
        a.replay.as_mut().unwrap().position = 200.0;
        a.update(Action::PreviousChapter);
        assert_eq!(a.replay.as_ref().unwrap().seek, Some(70.0));
        // Pressed again at once: the chapter before the one just opened.
        a.update(Action::PreviousChapter);
        assert_eq!(a.replay.as_ref().unwrap().seek, Some(30.0));
    }

    #[test]
    fn replay_keys() {
        let mut a = app();
        a.update(Action::TogglePause);
        a.update(Action::Faster);
        a.update(Action::Faster);
        a.update(Action::Step);
        let r = a.replay.as_ref().unwrap();
        assert!(r.paused && r.step_requested);
        assert_eq!(r.speed, 5.0);
        a.update(Action::Slower);
        assert_eq!(a.replay.as_ref().unwrap().speed, 2.0);
    }

    #[test]
    fn search_typing() {
        let mut a = app();
        a.update(Action::Show(View::Events));
        a.update(Action::StartSearch);
        for c in "split".chars() {
            a.update(Action::SearchInput(c));
        }
        a.update(Action::SearchBackspace);
        a.update(Action::SearchDone);
        assert_eq!(a.search, Search { typing: false, text: "spli".into() });
    }
}
