//! View 5: everything that happened, newest at the bottom; scroll with ↑↓, search with /,
//! Enter shows the newest event on screen in full.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::wrap::hanging;
use crate::clock;
use crate::model::{EventSource, TimelineEvent};
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Events matching the search (case-insensitive), oldest first.
pub fn matching(app: &App) -> Vec<&TimelineEvent> {
    let q = app.search.text.to_lowercase();
    app.report
        .iter()
        .flat_map(|r| &r.timeline)
        .filter(|e| q.is_empty() || e.text.to_lowercase().contains(&q) || e.subject.to_lowercase().contains(&q))
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let events = matching(app);
    let end = events.len().saturating_sub(app.events_scroll.min(events.len().saturating_sub(1)));
    // Enter: the newest event shown (the one at the bottom; ↑ moves back) in full, below.
    let area = match events[..end].last().filter(|_| app.event_details) {
        Some(e) => {
            let detail = detail_lines(e, area.width.saturating_sub(2) as usize, t);
            let height = (detail.len() as u16 + 2).min(area.height / 2);
            let [list, below] = Layout::vertical([Constraint::Min(3), Constraint::Length(height)]).areas(area);
            frame.render_widget(Paragraph::new(detail).block(block("Event (Enter closes)", t)), below);
            list
        }
        None => area,
    };
    let height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = rows(&events[..end], width, height, t);
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            if app.search.text.is_empty() {
                "no events yet".to_owned()
            } else {
                format!("nothing matches \"{}\"", app.search.text)
            },
            t.dim(),
        )));
    }
    let mut title = format!("Events ({} of {})", events.len(), app.report.as_ref().map_or(0, |r| r.timeline.len()));
    if !app.search.text.is_empty() {
        title.push_str(&format!(" matching \"{}\"", app.search.text));
    }
    if app.events_scroll > 0 {
        title.push_str(&format!(" — {} newer below", app.events_scroll));
    }
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), area);
}

/// The screen rows of the newest `events` that fill `height` rows of `width`: the time of
/// day and a short source name, the text wrapped under itself, and a row with the date at
/// the top and wherever the date changes (a time alone is ambiguous across midnight).
/// Shared by this view and the DRBD view's timeline.
pub fn rows<'a>(events: &[&TimelineEvent], width: usize, height: usize, t: &Theme) -> Vec<Line<'a>> {
    // Every event takes at least a row: no more than `height` of them can show.
    let shown = &events[events.len().saturating_sub(height)..];
    // Each row with the date of its event, so the top row can be made a date row.
    let mut lines: Vec<(Option<String>, Line)> = Vec::new();
    let mut last_date = None;
    for e in shown {
        let date = e.at.map(clock::date);
        if date.is_some() && date != last_date {
            lines.push((date.clone(), date_row(date.as_deref().unwrap_or_default(), t)));
            last_date = date.clone();
        }
        let when = e.at.map(clock::time_of_day).unwrap_or_else(|| "--:--:--".to_owned());
        let lead = vec![Span::styled(format!("{when} {:<7} ", source_name(e.source)), t.level(e.level))];
        // The subject is said once: most texts begin with it already ("r0: …").
        let text = if e.subject.is_empty() || e.text.contains(&e.subject) {
            e.text.clone()
        } else {
            format!("{}: {}", e.subject, e.text)
        };
        lines.extend(hanging(lead, &text, t.level(e.level), width).into_iter().map(|l| (date.clone(), l)));
    }
    // The oldest rows give way: the newest event is always whole at the bottom, and the
    // top row says the day of what is below it.
    lines.drain(..lines.len().saturating_sub(height));
    if let Some((Some(date), first)) = lines.first_mut()
        && !first.spans.iter().any(|s| s.content.contains(date.as_str()))
    {
        *first = date_row(date, t);
    }
    lines.into_iter().map(|(_, l)| l).collect()
}

/// One event whole: its date, time and zone, severity, source and subject, and its text
/// wrapped at word boundaries under a label.
fn detail_lines<'a>(e: &TimelineEvent, width: usize, t: &Theme) -> Vec<Line<'a>> {
    let when = e.at.map_or_else(|| "time not known".to_owned(), clock::date_time_zone);
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{:<9}", e.level.as_str()), t.level(e.level)),
        Span::raw(format!("{when}   from {}", e.source.label())),
    ])];
    if !e.subject.is_empty() {
        out.push(Line::from(format!("{:<9}{}", "about", e.subject)));
    }
    out.extend(hanging(vec![Span::raw(format!("{:<9}", "text"))], &e.text, t.level(e.level), width));
    out
}

fn date_row<'a>(date: &str, t: &Theme) -> Line<'a> {
    Line::from(Span::styled(format!("{} {date}", t.rule()), t.dim()))
}

/// Seven characters: the source column leaves the row to the message.
fn source_name(s: EventSource) -> &'static str {
    match s {
        EventSource::ProcDrbd => "proc",
        other => other.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use drnfs_parsers::timestamp::Timestamp;

    fn event(unix_s: i64, text: &str) -> TimelineEvent {
        TimelineEvent {
            at: Some(Timestamp::from_unix_micros(unix_s * 1_000_000)),
            source: EventSource::KernelLog,
            level: Level::Info,
            subject: "r0".into(),
            text: text.into(),
        }
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    /// Time only, a date row at the top and where the day changes, long messages wrapped
    /// under themselves, the subject said once, and the newest event whole at the bottom.
    #[test]
    fn rows_carry_the_day_and_wrap_under_the_message() {
        let t = Theme::plain();
        let night = 1_764_114_000; // some evening; the next event is a day later
        let events = [
            event(night, "conn( Connected -> NetworkFailure )"),
            event(night + 86_400, "r0: Split-Brain detected but unresolved, dropping connection!"),
        ];
        let refs: Vec<&TimelineEvent> = events.iter().collect();
        let shown = text(&rows(&refs, 60, 20, &t));
        let day = |s: i64| clock::date(Timestamp::from_unix_micros(s * 1_000_000));
        assert_eq!(shown[0], format!("{} {}", t.rule(), day(night)));
        assert!(shown[1].ends_with("kernel  r0: conn( Connected -> NetworkFailure )"), "{shown:?}");
        assert_eq!(shown[2], format!("{} {}", t.rule(), day(night + 86_400)), "{shown:?}");
        assert!(shown[3].contains("kernel  r0: Split-Brain detected but"), "{shown:?}");
        assert!(shown[4].starts_with(&" ".repeat(17)), "the rest under the message: {shown:?}");
        assert!(shown.iter().all(|r| r.chars().count() <= 60), "{shown:?}");
        // Three rows: the newest event stays whole, the top row still names its day.
        let three = text(&rows(&refs, 60, 3, &t));
        assert_eq!(three.len(), 3);
        assert_eq!(three[0], format!("{} {}", t.rule(), day(night + 86_400)));
        assert!(three[1].contains("Split-Brain"), "{three:?}");
    }
}
