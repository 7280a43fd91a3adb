//! View 5: everything that happened, newest at the bottom; scroll with ↑↓, search with /.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit};
use crate::model::TimelineEvent;
use crate::tui::app::App;

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
    let height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let end = events.len().saturating_sub(app.events_scroll.min(events.len().saturating_sub(1)));
    let start = end.saturating_sub(height);
    let mut lines: Vec<Line> = events[start..end]
        .iter()
        .map(|e| {
            let when = e.at.map(crate::clock::date_time).unwrap_or_else(|| "?".repeat(19));
            let text = format!("{when} {:<10} {:<10} {}", e.source.label(), fit(&e.subject, 10, t), e.text);
            Line::from(Span::styled(fit(&text, width, t), t.level(e.level)))
        })
        .collect();
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
