//! View 2: every DRBD volume with its connection, disks, resync and counters, and the
//! selected one's timeline of state changes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::wrap::fields;
use super::{block, byte_rate, clock};
use crate::format::{hms, kib};
use crate::model::health::Health;
use crate::model::summary::{self, VolumeLine};
use crate::tui::app::App;

/// The selectable rows (one per volume).
pub fn items(app: &App) -> Vec<VolumeLine> {
    app.report.as_ref().map(|r| summary::volumes(&r.drbd)).unwrap_or_default()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let vols = items(app);
    let list_height = (vols.len() as u16 + 2).clamp(3, 8);
    let [list, detail, timeline] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Length(9), Constraint::Min(3)]).areas(area);
    let mut lines = Vec::new();
    for (i, v) in vols.iter().enumerate() {
        let mut l = super::overview::volume_lines(v, t, area.width as usize).remove(0);
        if i == app.selected {
            l = l.style(t.selected());
        }
        lines.push(l);
    }
    if let Some(d) = app.report.as_ref().map(|s| &s.drbd) {
        if !d.available {
            lines.push(Line::from(Span::styled(d.reason.clone().unwrap_or_default(), t.health(Health::Critical))));
        } else if vols.is_empty() {
            lines.push(Line::from("no DRBD resources configured"));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block("Volumes (↑↓ select)", t)), list);
    let Some(v) = vols.get(app.selected.min(vols.len().saturating_sub(1))) else {
        frame.render_widget(Paragraph::new("").block(block("Details", t)), detail);
        return;
    };
    render_detail(frame, detail, app, v);
    render_timeline(frame, timeline, app, v);
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}

fn render_detail(frame: &mut Frame, area: Rect, app: &App, v: &VolumeLine) {
    // Figures move to the next row whole rather than wrap mid-value (80 columns).
    let inner = area.width.saturating_sub(2) as usize;
    let t = &app.theme;
    let snap = app.report.as_ref();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", v.name), t.title()),
        Span::raw(format!(
            "volume {}  minor {}  role {}  peer {} ({})",
            opt(&v.volume),
            opt(&v.minor),
            opt(&v.role),
            opt(&v.peer_role),
            v.peer.clone().unwrap_or_else(|| "no peer".to_owned())
        )),
    ])];
    lines.push(Line::from(vec![
        Span::raw("state "),
        Span::styled(v.state.clone(), t.health(v.state_health)),
        Span::raw(format!(
            "   disk {} {} peer {}   protocol {}",
            opt(&v.disk),
            t.arrow(),
            opt(&v.peer_disk),
            v.protocol.map_or_else(|| "–".to_owned(), |p| p.to_string())
        )),
    ]));
    if let Some(s) = &v.sync {
        let width = (area.width as usize).saturating_sub(30).clamp(10, 50);
        lines.push(Line::from(vec![
            Span::raw(match (s.verify, s.target) {
                (true, _) => "online verify    ",
                (false, true) => "resync from peer ",
                (false, false) => "resync to peer   ",
            }),
            Span::styled(
                t.bar(s.percent / 100.0, width),
                t.health(if s.stalled { Health::Critical } else { Health::Degraded }),
            ),
            Span::raw(format!(" {:5.1}%", s.percent)),
        ]));
        // A figure the source does not carry (DRBD 9's events2 has no average) is left
        // out rather than shown as unknown.
        let mut figures = vec![
            format!("ETA {}", s.eta_seconds.map_or_else(|| "?".to_owned(), hms)),
            format!("speed {}/s", s.speed_kib_s.map_or_else(|| "?".to_owned(), kib)),
        ];
        if let Some(avg) = s.avg_speed_kib_s {
            figures.push(format!("average {}/s", kib(avg)));
        }
        if let Some(w) = s.want_kib_s {
            figures.push(format!("want {}/s", kib(w)));
        }
        figures.push(format!(
            "{} left of {}",
            s.remaining_kib.map_or_else(|| "?".to_owned(), kib),
            s.total_kib.map_or_else(|| "?".to_owned(), kib)
        ));
        lines.extend(
            fields(&figures, "   ", inner.saturating_sub(6)).into_iter().map(|r| Line::from(format!("      {r}"))),
        );
    }
    let minor_line = v.minor.and_then(|mi| snap.and_then(|s| s.drbd.minors.iter().find(|m| m.minor == mi)));
    if let Some(m) = minor_line {
        if let Some(c) = &m.counters {
            let figures = [
                format!("out of sync {}", kib(c.oos)),
                format!("pending {}", c.pe),
                format!("unacked {}", c.ua),
                format!("application I/O in flight {}", c.ap),
                format!("local I/O {}", c.lo),
            ];
            lines.extend(fields(&figures, "   ", inner).into_iter().map(Line::from));
        }
        if let Some(flags) = &m.io_flags {
            let mut notes = Vec::new();
            if flags.io_suspended {
                notes.push("I/O SUSPENDED".to_owned());
            }
            if flags.paused_by_user || flags.paused_by_peer || flags.paused_by_dependency {
                notes.push("resync paused".to_owned());
            }
            if let Some(c) = flags.congestion {
                notes.push(format!("congested ({c})"));
            }
            if !notes.is_empty() {
                lines.push(Line::from(Span::styled(notes.join("  "), t.health(Health::Degraded))));
            }
        }
        if let Some(r) = snap.and_then(|s| s.minor_rates.iter().find(|r| r.minor == m.minor)) {
            let k = |v: Option<f64>| byte_rate(v.map(|x| x * 1024.0));
            let figures = [
                format!("network sent {}  received {}", k(r.net_send_kib_s), k(r.net_recv_kib_s)),
                format!("disk written {}  read {}", k(r.disk_write_kib_s), k(r.disk_read_kib_s)),
            ];
            lines.extend(fields(&figures, "   ", inner).into_iter().map(|r| Line::from(Span::styled(r, t.dim()))));
        }
    }
    if let Some(r) = snap.and_then(|s| s.drbd.resources.iter().find(|r| r.name == v.name)) {
        // DRBD 9 has no /proc/drbd line: the same counters come from events2, per peer.
        let pd = r
            .connections
            .iter()
            .find(|c| Some(&c.peer) == v.peer.as_ref())
            .and_then(|c| c.peer_devices.iter().find(|p| Some(p.volume) == v.volume));
        if let (None, Some(pd)) = (minor_line, pd) {
            let n = |x: Option<u64>| x.map_or_else(|| "?".to_owned(), |x| x.to_string());
            let figures = [
                format!("out of sync {}", pd.out_of_sync_kib.map_or_else(|| "?".to_owned(), kib)),
                format!("pending {}", n(pd.pending)),
                format!("unacked {}", n(pd.unacked)),
                format!(
                    "sent {}  received {}",
                    pd.sent_kib.map_or_else(|| "?".to_owned(), kib),
                    pd.received_kib.map_or_else(|| "?".to_owned(), kib)
                ),
            ];
            lines.extend(fields(&figures, "   ", inner).into_iter().map(Line::from));
        }
        let q = r.devices.iter().find(|d| Some(d.volume) == v.volume).and_then(|d| d.quorum);
        if q.is_some() || r.may_promote.is_some() || r.promotion_score.is_some() {
            let figures = [
                format!("quorum {}", q.map_or("–", |q| if q { "yes" } else { "NO" })),
                format!("may promote {}", r.may_promote.map_or("–", |p| if p { "yes" } else { "no" })),
                format!("promotion score {}", opt(&r.promotion_score)),
            ];
            lines.extend(fields(&figures, "   ", inner).into_iter().map(Line::from));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block("Details", t)).wrap(Wrap { trim: false }), area);
}

fn render_timeline(frame: &mut Frame, area: Rect, app: &App, v: &VolumeLine) {
    let t = &app.theme;
    let minor = v.minor.map(|m| format!("minor{m}"));
    let events: Vec<_> = app
        .report
        .iter()
        .flat_map(|r| &r.timeline)
        .filter(|e| e.subject == v.name || Some(&e.subject) == minor.as_ref())
        .collect();
    let height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let lines = super::events::rows(&events, width, height, t);
    let title = format!(
        "Timeline of {} ({} events{})",
        v.name,
        events.len(),
        app.report.as_ref().map(|r| format!(", {}", clock(r.at))).unwrap_or_default()
    );
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), area);
}
