//! View 3: the NFS server — throughput, operations with their recent history, thread
//! pools, grace period, exports.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::wrap::fields;
use super::{block, byte_rate, fit, per_second};
use crate::model::health::Health;
use crate::model::history::Fold;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(snap) = &app.report else {
        let waiting = format!("waiting for the first sample{}", t.ellipsis());
        frame.render_widget(Paragraph::new(waiting).block(block("NFS server", t)), area);
        return;
    };
    let n = &snap.nfsd;
    if !n.available {
        let text = Line::from(Span::styled(n.reason.clone().unwrap_or_default(), t.health(Health::Critical)));
        frame.render_widget(Paragraph::new(text).block(block("NFS server", t)), area);
        return;
    }
    let exports_height = (n.exports.iter().filter(|e| !e.pseudo_root).count() as u16 + 2).clamp(3, 6);
    let summary_width = area.width.saturating_sub(2) as usize;
    let r = snap.rates.as_ref();
    let versions: Vec<String> =
        n.versions.iter().map(|v| format!("{}{}", if v.enabled { "+" } else { "-" }, v.version)).collect();
    let threads = n.threads.unwrap_or(0);
    let mut lines = vec![Line::from(vec![
        Span::raw("threads "),
        Span::styled(threads.to_string(), t.health(if threads > 0 { Health::Ok } else { Health::Critical })),
        Span::raw(format!(
            "   versions {}   lease {}   grace {}",
            if versions.is_empty() { "?".to_owned() } else { versions.join(" ") },
            n.lease_time_seconds.map_or_else(|| "?".to_owned(), |s| format!("{s} s")),
            n.grace_time_seconds.map_or_else(|| "?".to_owned(), |s| format!("{s} s")),
        )),
    ])];
    // The busiest figures with the minute's average beside them: nfsd's writes come in
    // bursts, and the two together say whether now is unusual.
    let m = snap.rates_minute.as_ref().filter(|m| r.is_some_and(|r| m.interval_seconds > r.interval_seconds + 1.0));
    let minute = |f: fn(&crate::model::NfsdRates) -> Option<f64>, show: fn(Option<f64>) -> String| {
        m.and_then(f).map_or_else(String::new, |v| format!(" (1 min {})", show(Some(v))))
    };
    let mut figures = vec![
        format!("calls {}{}", per_second(r.and_then(|r| r.calls)), minute(|r| r.calls, per_second)),
        format!("bad {}", per_second(r.and_then(|r| r.bad_calls))),
        format!("read {}{}", byte_rate(r.and_then(|r| r.read_bytes)), minute(|r| r.read_bytes, byte_rate)),
        format!("write {}{}", byte_rate(r.and_then(|r| r.write_bytes)), minute(|r| r.write_bytes, byte_rate)),
        format!("new TCP connections {}", per_second(r.and_then(|r| r.tcp_connections))),
        format!("stale file handles {}", per_second(r.and_then(|r| r.fh_stale))),
        format!("requests that waited for a thread {}", per_second(r.and_then(|r| r.thread_waits))),
    ];
    // The kernel keeps no busy-time counter (the `th` line's stopped in 2.6.30); the share of
    // arrivals that found every thread busy is the estimate (arrivals at random moments see
    // the time average).
    if let Some(p) = snap.write_path.as_ref().and_then(|w| w.nfsd.waited_percent) {
        figures.push(format!("all threads busy ~{p:.0}% of the time"));
    }
    lines.extend(fields(&figures, "   ", summary_width).into_iter().map(Line::from));
    if let Some(f) = app.findings().iter().find(|f| f.id.starts_with("nfsd.grace")) {
        lines.push(Line::from(Span::styled(f.summary.clone(), t.health(Health::Degraded))));
    } else if r.is_some_and(|r| r.counters_reset) {
        lines.push(Line::from(Span::styled("counters were reset (nfsd restarted)", t.health(Health::Degraded))));
    }
    // As tall as its rows: on a narrow screen the figures take another row, not the edge.
    let [summary, ops, bottom] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 2),
        Constraint::Min(4),
        Constraint::Length(exports_height),
    ])
    .areas(area);
    let title =
        r.map_or_else(|| "NFS server".to_owned(), |r| format!("NFS server · rates over {:.0} s", r.interval_seconds));
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), summary);
    render_ops(frame, ops, app);
    let width = bottom.width.saturating_sub(2) as usize;
    let real: Vec<_> = n.exports.iter().filter(|e| !e.pseudo_root).collect();
    let exports: Vec<Line> = if real.is_empty() {
        vec![Line::from(Span::styled(
            if n.nfsd_fs.available && n.exports_source.is_none() {
                "not known: neither /var/lib/nfs/etab nor /proc/fs/nfsd/exports could be read".to_owned()
            } else if n.nfsd_fs.available {
                "none loaded in the kernel".to_owned()
            } else {
                n.nfsd_fs.reason.clone().unwrap_or_default()
            },
            t.health(Health::Degraded),
        ))]
    } else {
        real.iter().map(|e| Line::from(export_line(&e.path, &e.client, &e.options, width, t))).collect()
    };
    frame.render_widget(Paragraph::new(exports).block(block("Exports", t)), bottom);
}

fn render_ops(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    frame.render_widget(block("Operations per second (busiest, last 2 minutes)", t), area);
    let inner = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    // Busiest by recent mean, so an op that just stopped still shows with its history.
    let Some(history) = app.report.as_ref().map(|r| &r.history) else { return };
    let mut ranked: Vec<(&String, f64)> =
        history.ops.iter().filter_map(|(name, s)| s.mean_of_last(10).filter(|m| *m > 0.0).map(|m| (name, m))).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    if ranked.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled("no NFS operations", t.dim())), inner);
        return;
    }
    for (i, (name, _)) in ranked.iter().take(inner.height as usize).enumerate() {
        let row = Rect { x: inner.x, y: inner.y + i as u16, width: inner.width, height: 1 };
        let [label, spark] = Layout::horizontal([Constraint::Length(28), Constraint::Min(1)]).areas(row);
        let series = &history.ops[*name];
        let now = series.last();
        frame.render_widget(Paragraph::new(format!("{:<16} {:>10}", fit(name, 16, t), per_second(now))), label);
        // The whole two minutes at any width: each column is the mean of the samples it holds.
        super::sparkline(frame, spark, series, Fold::Mean, t);
    }
}

/// `path  client(options)` in `width`: options that do not fit are left out whole, never
/// cut inside (`anonuid=655…` would read as another number).
fn export_line(path: &str, client: &str, options: &[String], width: usize, t: &crate::tui::theme::Theme) -> String {
    let full = format!("{path}  {client}({})", options.join(","));
    if full.chars().count() <= width {
        return full;
    }
    let mut line = format!("{path}  {client}(");
    let ellipsis = t.ellipsis();
    // Room for `,…)` after the options kept.
    let room = width.saturating_sub(ellipsis.chars().count() + 2);
    let mut kept = 0;
    for o in options {
        let sep = if kept == 0 { "" } else { "," };
        if line.chars().count() + sep.len() + o.chars().count() > room {
            break;
        }
        line.push_str(sep);
        line.push_str(o);
        kept += 1;
    }
    if kept == 0 {
        return fit(&full, width, t);
    }
    format!("{line},{ellipsis})")
}
