//! View 6: every finding with its evidence, since when, and the next step.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::wrap::hanging;
use crate::report::doctor::label;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let findings = app.findings();
    // Each part wraps under its own text: a continuation never starts at column 0, where it
    // would read as another finding.
    let indent = || vec![Span::raw(" ".repeat(9))];
    for (i, f) in findings.iter().enumerate().skip(app.selected.min(findings.len().saturating_sub(1))) {
        let mut summary = f.summary.clone();
        if let Some(since) = f.since.map(crate::clock::time_of_day) {
            summary.push_str(&format!("  (since {since})"));
        }
        let style = if i == app.selected { t.title() } else { Style::new() };
        let lead = vec![Span::styled(format!("{:<8} ", label(f.severity)), t.level(f.severity))];
        lines.extend(hanging(lead, &summary, style, width));
        for e in &f.evidence {
            lines.extend(hanging(indent(), &format!("evidence: {e}"), t.dim(), width));
        }
        if let Some(s) = &f.suggestion {
            lines.extend(hanging(indent(), &format!("{} {s}", t.arrow()), Style::new(), width));
        }
        lines.push(Line::from(""));
    }
    if findings.is_empty() {
        lines.push(Line::from(Span::styled("nothing to report", t.health(crate::model::health::Health::Ok))));
    }
    let title = format!("Findings ({}; ↑↓ scroll)", findings.len());
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), area);
}
