//! Keys → [`Action`]s. One table, so `?` can list every key and tests can check them.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    Show(View),
    NextView,
    PreviousView,
    ToggleHelp,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Clients: next sort column.
    NextSort,
    /// Clients: expand the selected client's connections.
    ToggleDetails,
    /// Start typing a search (Events) or filter (Clients).
    StartSearch,
    SearchInput(char),
    SearchBackspace,
    SearchDone,
    SearchCancel,
    /// Replay: pause or resume, one step, faster, slower.
    TogglePause,
    Step,
    /// Replay: to the next chapter, or back to the previous one.
    NextChapter,
    PreviousChapter,
    Faster,
    Slower,
    /// Close a popup or clear a search.
    Escape,
    /// Start a guarded action on the selected resource (a dry run on recorded state).
    StartAction(crate::action::plan::ActionKind),
}

/// One line of the help screen.
pub struct Binding {
    pub keys: &'static str,
    pub what: &'static str,
}

pub const BINDINGS: &[Binding] = &[
    Binding { keys: "1..6", what: "Overview, DRBD, NFS server, Clients, Events, Findings" },
    Binding { keys: "Tab / Shift-Tab", what: "next / previous view" },
    Binding { keys: "↑ ↓ k j", what: "move the selection or scroll" },
    Binding { keys: "PgUp PgDn Home End", what: "scroll by a page, to the top, to the end" },
    Binding { keys: "s", what: "Clients: sort by the next column" },
    Binding {
        keys: "Enter",
        what: "Clients: the selected client's connections; Events: the newest shown event in full",
    },
    Binding { keys: "/", what: "Events: search; Clients: filter by address or CIDR" },
    Binding { keys: "Esc", what: "close help, clear a search" },
    Binding { keys: "P D F", what: "promote, demote, fail over the selected resource (guarded)" },
    Binding { keys: "space", what: "replay: pause or resume" },
    Binding { keys: ".", what: "replay: one step while paused" },
    Binding { keys: "n p", what: "replay: next chapter (resync, split brain, failover…), previous" },
    Binding { keys: "+ -", what: "replay: faster, slower" },
    Binding { keys: "?", what: "this help" },
    Binding { keys: "q  Ctrl-C", what: "quit" },
];

/// Maps a key press. While a search is being typed, printable keys are text.
pub fn map(key: KeyEvent, typing: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if typing {
        return match key.code {
            KeyCode::Enter => Some(Action::SearchDone),
            KeyCode::Esc => Some(Action::SearchCancel),
            KeyCode::Backspace => Some(Action::SearchBackspace),
            KeyCode::Char(c) => Some(Action::SearchInput(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('1') => Action::Show(View::Overview),
        KeyCode::Char('2') => Action::Show(View::Drbd),
        KeyCode::Char('3') => Action::Show(View::Nfs),
        KeyCode::Char('4') => Action::Show(View::Clients),
        KeyCode::Char('5') => Action::Show(View::Events),
        KeyCode::Char('6') => Action::Show(View::Findings),
        KeyCode::Tab => Action::NextView,
        KeyCode::BackTab => Action::PreviousView,
        KeyCode::Char('?') | KeyCode::F(1) => Action::ToggleHelp,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Char('s') => Action::NextSort,
        KeyCode::Enter => Action::ToggleDetails,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('.') => Action::Step,
        KeyCode::Char('n') => Action::NextChapter,
        KeyCode::Char('p') => Action::PreviousChapter,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char('P') => Action::StartAction(crate::action::plan::ActionKind::Promote),
        KeyCode::Char('D') => Action::StartAction(crate::action::plan::ActionKind::Demote),
        KeyCode::Char('F') => Action::StartAction(crate::action::plan::ActionKind::Failover),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn views_help_quit() {
        assert_eq!(map(key(KeyCode::Char('3')), false), Some(Action::Show(View::Nfs)));
        assert_eq!(map(key(KeyCode::Tab), false), Some(Action::NextView));
        assert_eq!(map(key(KeyCode::Char('?')), false), Some(Action::ToggleHelp));
        assert_eq!(map(key(KeyCode::Char('q')), false), Some(Action::Quit));
        assert_eq!(map(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), true), Some(Action::Quit));
    }

    #[test]
    fn typing_turns_keys_into_text() {
        assert_eq!(map(key(KeyCode::Char('q')), true), Some(Action::SearchInput('q')));
        assert_eq!(map(key(KeyCode::Enter), true), Some(Action::SearchDone));
        assert_eq!(map(key(KeyCode::Esc), true), Some(Action::SearchCancel));
    }

    #[test]
    fn releases_are_ignored() {
        let mut k = key(KeyCode::Char('q'));
        k.kind = KeyEventKind::Release;
        assert_eq!(map(k, false), None);
    }
}
