//! View 6: every finding with its evidence, since when, and the next step.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::report::doctor::label;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    let findings = app.findings();
    for (i, f) in findings.iter().enumerate().skip(app.selected.min(findings.len().saturating_sub(1))) {
        let since = f.since.map(crate::clock::time_of_day).unwrap_or_default();
        let mut head = vec![
            Span::styled(format!("{:<8} ", label(f.severity)), t.level(f.severity)),
            Span::styled(f.summary.clone(), if i == app.selected { t.title() } else { ratatui::style::Style::new() }),
        ];
        if !since.is_empty() {
            head.push(Span::styled(format!("  (since {since})"), t.dim()));
        }
        lines.push(Line::from(head));
        for e in &f.evidence {
            lines.push(Line::from(Span::styled(format!("         evidence: {e}"), t.dim())));
        }
        if let Some(s) = &f.suggestion {
            lines.push(Line::from(format!("         {} {s}", t.arrow())));
        }
        lines.push(Line::from(""));
    }
    if findings.is_empty() {
        lines.push(Line::from(Span::styled("nothing to report", t.health(crate::model::health::Health::Ok))));
    }
    let title = format!("Findings ({}; ↑↓ scroll)", findings.len());
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)).wrap(Wrap { trim: false }), area);
}
