//! Drawing: one file per view, plus the frame around them (header, tabs, footer, help).
//! Every function here is pure: it reads the [`App`] and draws into a [`Frame`].

pub mod clients;
pub mod drbd;
pub mod events;
pub mod findings;
pub mod nfs;
pub mod overview;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Mode, View};
use super::keys::BINDINGS;
use super::theme::Theme;

/// Below this size the views cannot be drawn whole: a message says so instead of a
/// broken screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "drnfs needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {}x{}. Enlarge it, or use \
             drnfs doctor or drnfs snapshot. q quits.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [header, tabs, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)])
            .areas(frame.area());
    render_header(frame, header, app);
    render_tabs(frame, tabs, app);
    match app.view {
        View::Overview => overview::render(frame, body, app),
        View::Drbd => drbd::render(frame, body, app),
        View::Nfs => nfs::render(frame, body, app),
        View::Clients => clients::render(frame, body, app),
        View::Events => events::render(frame, body, app),
        View::Findings => findings::render(frame, body, app),
    }
    render_footer(frame, footer, app);
    if app.help {
        render_help(frame, body, &app.theme);
    }
    if let Some(p) = &app.panel {
        render_panel(frame, body, p, &app.theme);
    }
    if app.theme.ascii {
        ascii_only(frame.buffer_mut());
    }
}

/// In ASCII mode (a terminal whose locale is not UTF-8) no cell may hold anything else:
/// the views choose ASCII borders and bars themselves, but texts from the model, the
/// findings and the kernel carry dashes and arrows that such a terminal shows as garbage.
fn ascii_only(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().is_ascii() {
            continue;
        }
        let plain = match cell.symbol() {
            "—" | "–" | "─" | "━" | "‐" => "-",
            "→" | "›" | "»" => ">",
            "←" | "‹" | "«" => "<",
            "↑" => "^",
            "↓" => "v",
            "…" => "~",
            "×" => "x",
            "·" | "•" => ".",
            "│" | "┃" => "|",
            "≥" => ">",
            "≤" => "<",
            "█" | "▉" | "▊" | "▋" | "▌" | "▍" | "▎" | "▏" => "#",
            "“" | "”" | "„" => "\"",
            "‘" | "’" => "'",
            _ => "?",
        };
        cell.set_symbol(plain);
    }
}

fn render_panel(frame: &mut Frame, area: Rect, p: &super::action_panel::ActionPanel, theme: &Theme) {
    use super::action_panel::Phase;
    // The whole body: a panel inset over the view left the view's borders beside its own
    // (`╭╭`), which read as one broken frame.
    let popup = area;
    let inner_height = popup.height.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = p.lines.iter().map(|l| Line::from(l.clone())).collect();
    let end = lines.len().saturating_sub(p.scroll.min(lines.len()));
    let start = end.saturating_sub(inner_height);
    lines = lines[start..end].to_vec();
    let status = match &p.phase {
        Phase::Running => Line::from(Span::styled(
            format!("running{} (it cannot be interrupted from here)", theme.ellipsis()),
            theme.dim(),
        )),
        Phase::AwaitingPhrase { phrase, .. } => Line::from(vec![
            Span::styled(format!("Type '{phrase}' and Enter (Esc aborts): "), theme.title()),
            Span::raw(p.input.clone()),
            Span::raw("_"),
        ]),
        Phase::Finished { result } => Line::from(vec![
            Span::styled(result.clone(), theme.title()),
            Span::styled("   (Esc closes, ↑↓ scroll)", theme.dim()),
        ]),
    };
    lines.push(Line::from(""));
    lines.push(status);
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block(&p.title, theme)), popup);
}

/// Two minutes of `series` as a sparkline filling `area`, folded by `fold` to its width
/// (newest on the right), in the theme's bars.
pub fn sparkline(
    frame: &mut Frame,
    area: Rect,
    series: &crate::model::history::Series,
    fold: crate::model::history::Fold,
    theme: &Theme,
) {
    let data = series.columns(area.width as usize, fold);
    frame.render_widget(
        ratatui::widgets::Sparkline::default().data(data).bar_set(theme.bars()).style(theme.accent()),
        area,
    );
}

/// A bordered block with a title, in the theme's border set.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()))
}

fn render_header(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let snap = app.report.as_ref();
    let host = snap.and_then(|s| s.host.hostname.clone()).unwrap_or_else(|| t.ellipsis().to_owned());
    let mut spans = vec![Span::styled(" drnfs ", t.title()), Span::raw(format!("{host} "))];
    if let Some(role) = node_role(app) {
        spans.push(Span::styled(format!("{role} "), t.accent()));
    }
    if let Some(s) = snap {
        // The zone is named here once (every other time on screen is in it); below 100
        // columns the date gives way, so that the mode and replay position stay whole.
        let when = if area.width >= 100 {
            crate::clock::date_time_zone(s.taken_at)
        } else {
            format!("{} {}", crate::clock::time_of_day(s.taken_at), crate::clock::zone_name(s.taken_at))
        };
        spans.push(Span::styled(format!("{} {when} ", t.sep()), t.dim()));
    }
    let mode = match &app.mode {
        Mode::Live { interval_ms } => format!("{} live, every {} ms", t.dot(), interval_ms),
        Mode::Capture { root } => format!("capture {}", fit(root, 40, t)),
        Mode::Replay(name) => match &app.replay {
            Some(r) => format!(
                "replay {} {} {}/{} {}{}{}",
                fit(name, 30, t),
                if r.paused { "paused" } else { "playing" },
                clock(r.position),
                clock(r.duration),
                t.times(),
                r.speed,
                if r.finished { " (end)" } else { "" }
            ),
            None => format!("replay {}", fit(name, 30, t)),
        },
    };
    spans.push(Span::styled(format!("{} {mode} ", t.sep()), t.dim()));
    // The chapter playing, where the line has room for it after the rest.
    if let Some(r) = &app.replay
        && let Some(c) = r.chapters.iter().rev().find(|c| c.at <= r.position + 0.5)
    {
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = (area.width as usize).saturating_sub(used + 2);
        if room >= 12 {
            spans.push(Span::styled(format!("{} {}", t.sep(), fit(&c.title, room, t)), t.accent()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `Primary`, `Secondary`, or `Primary+Secondary` over this node's resources.
pub fn node_role(app: &App) -> Option<String> {
    let snap = app.report.as_ref()?;
    let mut roles: Vec<String> =
        snap.drbd.minors.iter().filter_map(|m| m.role.as_ref().map(ToString::to_string)).collect();
    if roles.is_empty() {
        roles = snap.drbd.resources.iter().filter_map(|r| r.role.as_ref().map(ToString::to_string)).collect();
    }
    roles.sort();
    roles.dedup();
    (!roles.is_empty()).then(|| roles.join("+"))
}

fn render_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = Vec::new();
    for (i, v) in View::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, v.title());
        let style = if *v == app.view { app.theme.selected() } else { Style::new() };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    // A source that is down says so here, in every view.
    let mut problems = Vec::new();
    if let Some(r) = &app.report {
        let e = &r.drbd.events2;
        if let (false, Some(reason), Some(retry)) = (e.available, &e.reason, e.retry_in_seconds) {
            problems.push(format!("events2: {reason} (retry in {retry} s)"));
        }
        if let Some(e) = &r.clients_error {
            problems.push(format!("sockets: {e}"));
        }
    }
    let line = if app.search.typing {
        Line::from(vec![Span::styled(" search: ", t.title()), Span::raw(app.search.text.clone()), Span::raw("_")])
    } else if !problems.is_empty() {
        // The keys stay at the end; the notice gets the rest of the row (its whole text is
        // in the view of that source).
        let keys = format!("  {}  ? help  q quit", t.sep());
        let room = usize::from(area.width).saturating_sub(keys.chars().count() + 1);
        let notice = fit(&problems.join(&format!("  {}  ", t.sep())), room, t);
        Line::from(vec![
            Span::styled(format!(" {notice}"), t.level(crate::model::Level::Warning)),
            Span::styled(keys, t.dim()),
        ])
    } else {
        let mut hint = " 1-6 views  Tab next  ? help  q quit".to_owned();
        if matches!(app.mode, Mode::Replay(_)) {
            hint.push_str(&format!("  {}  space pause  n p chapter  +/- speed", t.sep()));
        }
        Line::from(Span::styled(hint, t.dim()))
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn render_help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width.min(70);
    let inner = width.saturating_sub(2) as usize;
    let lines: Vec<Line> = BINDINGS
        .iter()
        .flat_map(|b| {
            wrap::hanging(vec![Span::styled(format!(" {:<20}", b.keys), theme.title())], b.what, Style::new(), inner)
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block("Keys (Esc or ? to close)", theme)), popup);
}

pub use crate::format::{byte_rate, clock, per_second};

/// Shortens `s` to `width` characters with an ellipsis.
pub fn fit(s: &str, width: usize, theme: &Theme) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let ell = if theme.ascii { "~" } else { "…" };
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push_str(ell);
    out
}

/// Shortens `s` to `width` characters at a word boundary, with an ellipsis: a sentence
/// that does not fit loses its last words, never half a figure (`10…` of `10 samples`).
pub fn fit_words(s: &str, width: usize, theme: &Theme) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let ell = if theme.ascii { "~" } else { "…" };
    let room: String = s.chars().take(width.saturating_sub(1)).collect();
    let kept = match room.rfind(' ') {
        Some(i) if i > 0 => room[..i].trim_end_matches([',', ';', ':', '(']).to_owned(),
        _ => room,
    };
    format!("{kept}{ell}")
}

/// The whole screen of `app` at `w`×`h` as text, one line per row (for tests).
#[cfg(test)]
pub(crate) fn screen_text(app: &App, w: u16, h: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(f, app)).unwrap();
    let buf = terminal.backend().buffer();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(w: u16, h: u16) -> String {
        screen_text(&App::new(Mode::Live { interval_ms: 1000 }, Theme::plain(), Vec::new()), w, h)
    }

    /// Below the minimum the screen says so (and how to go on) instead of drawing views
    /// with their borders and units cut; at the minimum the views are drawn.
    #[test]
    fn fit_words_keeps_figures_whole() {
        let t = Theme::plain();
        let verdict = "requests wait for a free nfsd thread (28.4/s over the last 10 samples)";
        assert_eq!(fit_words(verdict, 60, &t), "requests wait for a free nfsd thread (28.4/s over the last~");
        assert_eq!(fit_words(verdict, 200, &t), verdict);
        assert!(fit_words(verdict, 43, &t).ends_with("thread~"), "{}", fit_words(verdict, 43, &t));
        assert_eq!(fit_words("unbroken", 5, &t), "unbr~");
    }

    #[test]
    fn too_small_a_terminal_is_told_so() {
        let small = screen(MIN_WIDTH - 1, 30);
        assert!(small.contains(&format!("drnfs needs at least {MIN_WIDTH}x{MIN_HEIGHT}")), "{small}");
        assert!(small.contains(&format!("this terminal is {}x30", MIN_WIDTH - 1)), "{small}");
        assert!(screen(100, MIN_HEIGHT - 1).contains("needs at least"));
        let fits = screen(MIN_WIDTH, MIN_HEIGHT);
        assert!(!fits.contains("needs at least") && fits.contains("1 Overview"), "{fits}");
    }
}
