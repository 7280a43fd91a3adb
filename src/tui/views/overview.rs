//! View 1: the pair, DRBD, nfsd and the noisiest clients at a glance, with the findings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::wrap::hanging;
use super::{block, byte_rate, fit, per_second};
use crate::format::{hms, kib, ms};
use crate::model::health::{self, Health};
use crate::model::history::Fold;
use crate::model::summary::{self, VolumeLine};
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let volumes = app.report.as_ref().map(|r| summary::volumes(&r.drbd)).unwrap_or_default();
    let peer_rows = u16::from(app.report.as_ref().is_some_and(|r| r.peer.is_some()));
    let drbd_height =
        (2 + peer_rows + volumes.iter().map(|v| if v.sync.is_some() { 2 } else { 1 }).sum::<u16>()).clamp(3, 11);
    // The write path gets a panel once a DRBD device's writes were measured (two samples
    // with /proc/diskstats); one line per device, at most three.
    let measured = app
        .report
        .as_ref()
        .and_then(|r| r.write_path.as_ref())
        .map_or(0, |w| w.devices.iter().filter(|d| d.device.is_some()).count().min(3));
    // Below 40 rows the NFS and clients panels take only the rows they fill, so that each
    // device keeps a second line, two minutes of ms per write, while the findings keep at
    // least four rows; on a tall screen there is room for both.
    let middle_height = if area.height >= 40 { 7 } else { 2 + middle_rows(app, area.width) };
    let with_history =
        area.height >= 40 || area.height.saturating_sub(drbd_height + middle_height + 2 + 2 * measured as u16) >= 6;
    let per_device = if with_history { 2 } else { 1 };
    let write_path_height = if measured > 0 { 2 + per_device * measured as u16 } else { 0 };
    // A tall screen also draws the last two minutes of what an engineer compares first.
    let trends = if area.height >= 40 { trend_rows(app) } else { Vec::new() };
    let trends_height = if trends.is_empty() { 0 } else { 2 + trends.len() as u16 };
    let [drbd, middle, write_path, trend_area, findings] = Layout::vertical([
        Constraint::Length(drbd_height),
        Constraint::Length(middle_height),
        Constraint::Length(write_path_height),
        Constraint::Length(trends_height),
        Constraint::Min(3),
    ])
    .areas(area);
    if !trends.is_empty() {
        render_trends(frame, trend_area, app, &trends);
    }
    render_drbd(frame, drbd, app, &volumes);
    let [nfs, clients] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(middle);
    render_nfs(frame, nfs, app);
    render_clients(frame, clients, app);
    if measured > 0 {
        render_write_path(frame, write_path, app, per_device == 2);
    }
    render_findings(frame, findings, app);
}

/// Each DRBD device's write path left to right: nfsd's threads, the DRBD device as the
/// filesystem sees it, its backing disk, the peer. The title is the verdict.
fn render_write_path(frame: &mut Frame, area: Rect, app: &App, with_history: bool) {
    let t = &app.theme;
    let Some((w, findings)) = app.report.as_ref().and_then(|r| Some((r.write_path.as_ref()?, &r.findings))) else {
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let arrow = t.arrow();
    let mut lines = Vec::new();
    for d in w.devices.iter().filter(|d| d.device.is_some()).take(3) {
        let dev = d.device.as_ref();
        let mut text = format!(
            "nfsd {} thr {} wait {arrow} drbd{} {:.0} w/s {}",
            opt(&w.nfsd.threads),
            per_second(w.nfsd.thread_waits_per_s),
            d.minor,
            dev.map_or(0.0, |r| r.writes_per_second),
            ms(dev.and_then(|r| r.write_await_ms)),
        );
        if let Some(b) = &d.backing {
            let name = b.name.clone().unwrap_or_else(|| b.path.clone());
            match &b.rates {
                Some(r) => {
                    text.push_str(&format!(" {arrow} {name} {} {:.0}%", ms(r.write_await_ms), r.utilisation_percent))
                }
                None => text.push_str(&format!(" {arrow} {name} ?")),
            }
        }
        if let Some(pe) = d.queues.peer_pending {
            text.push_str(&format!(" {} {pe} at {}", t.sep(), d.peer.as_deref().unwrap_or("peer")));
        }
        lines.push(Line::from(fit(&text, width, t)));
        if with_history {
            lines.push(Line::default());
        }
    }
    let verdict = crate::diagnose::write_path::verdict(w, findings);
    let blamed = findings.iter().any(|f| f.id.starts_with("write-path.") || f.id.starts_with("nfsd.threads-saturated"));
    let title = format!("Write path: {}", super::fit_words(&verdict, width.saturating_sub(16), t));
    let style = if blamed { t.level(crate::model::Level::Warning) } else { t.title() };
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_set(t.border())
        .title(Span::styled(format!(" {title} "), style));
    let block = if with_history {
        block.title_bottom(Span::styled(" ms per write, last 2 min (max per column) ", t.dim()))
    } else {
        block
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if with_history && let Some(history) = app.report.as_ref().map(|r| &r.history) {
        // Under each chain: the DRBD device's and its disk's ms per write, side by side.
        for (i, d) in w.devices.iter().filter(|d| d.device.is_some()).take(3).enumerate() {
            let row = Rect { x: area.x + 1, y: area.y + 2 + 2 * i as u16, width: width as u16, height: 1 };
            let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(row);
            let drbd = format!("drbd{}", d.minor);
            let backing = d.backing.as_ref().and_then(|b| b.name.clone());
            for (half, name) in [(left, Some(drbd)), (right, backing)] {
                let Some(name) = name else { continue };
                let Some(series) = history.write_await_ms.get(&name) else { continue };
                let [label, spark] = Layout::horizontal([Constraint::Length(10), Constraint::Min(1)]).areas(half);
                frame.render_widget(Paragraph::new(Span::styled(fit(&name, 9, t), t.dim())), label);
                // One blank column before the next half's label.
                let spark = Rect { width: spark.width.saturating_sub(1), ..spark };
                super::sparkline(frame, spark, series, Fold::Max, t);
            }
        }
    }
}

/// One sparkline of the trends panel: its label, its peak (the sparkline's scale), and
/// the series.
struct TrendRow<'a> {
    label: String,
    peak: String,
    series: &'a crate::model::history::Series,
}

/// nfsd's calls, writes and reads, requests that waited for a thread, the busiest
/// clients' shares and each resync's speed: the series the model keeps for two minutes.
fn trend_rows(app: &App) -> Vec<TrendRow<'_>> {
    let Some(r) = app.report.as_ref() else { return Vec::new() };
    let h = &r.history;
    type Show = fn(Option<f64>) -> String;
    let nfsd: [(&str, _, Show); 4] = [
        ("nfsd calls", h.calls.as_ref(), per_second),
        ("nfsd written", h.write_bytes.as_ref(), byte_rate),
        ("nfsd read", h.read_bytes.as_ref(), byte_rate),
        ("waited for a thread", h.thread_waits.as_ref(), per_second),
    ];
    let mut rows: Vec<TrendRow<'_>> = nfsd
        .into_iter()
        .filter_map(|(label, series, show)| {
            series.map(|series| TrendRow { label: label.to_owned(), peak: show(peak(series)), series })
        })
        .collect();
    // The three busiest clients now, each with its share of what nfsd received.
    for c in r.clients.iter().take(3) {
        let Some(series) = h.client_share.get(&c.address.to_string()) else { continue };
        rows.push(TrendRow {
            label: format!("share {}", c.address),
            peak: peak(series).map_or_else(|| "–".to_owned(), |p| format!("{p:.0}%")),
            series,
        });
    }
    for (minor, series) in &h.resync_speed {
        if series.values().any(|v| v.is_some_and(|x| x > 0.0)) {
            rows.push(TrendRow {
                label: format!("resync drbd{minor}"),
                peak: peak(series).map_or_else(|| "–".to_owned(), |k| format!("{k:.0} KiB/s")),
                series,
            });
        }
    }
    rows
}

fn peak(series: &crate::model::history::Series) -> Option<f64> {
    series.values().flatten().reduce(f64::max)
}

fn render_trends(frame: &mut Frame, area: Rect, app: &App, rows: &[TrendRow<'_>]) {
    let t = &app.theme;
    frame.render_widget(super::block("Last 2 minutes (mean per column)", t), area);
    for (i, row) in rows.iter().enumerate().take(area.height.saturating_sub(2) as usize) {
        let line = Rect { x: area.x + 1, y: area.y + 1 + i as u16, width: area.width.saturating_sub(2), height: 1 };
        let [label, spark] = Layout::horizontal([Constraint::Length(40), Constraint::Min(1)]).areas(line);
        frame.render_widget(Paragraph::new(format!("{:<20} max {:>13}", fit(&row.label, 20, t), row.peak)), label);
        let spark = Rect { width: spark.width.saturating_sub(1), ..spark };
        super::sparkline(frame, spark, row.series, Fold::Mean, t);
    }
}

/// Rows the NFS and top-clients panels fill (at least four): the NFS panel's three lines
/// and its VIP line as wrapped, the clients' error line and up to three clients.
fn middle_rows(app: &App, width: u16) -> u16 {
    let Some(r) = &app.report else { return 4 };
    let nfs_inner = (u32::from(width) * 45 / 100).saturating_sub(2).max(1) as usize;
    let vip_width: usize = app.vips.iter().map(|v| format!("VIP {v} not here ").chars().count()).sum();
    let vip_rows = vip_width.div_ceil(nfs_inner).max(1);
    let nfs = if r.nfsd.available { 3 + vip_rows } else { 1 + vip_rows };
    let clients = usize::from(r.clients_error.is_some()) + r.clients.len().clamp(1, 3);
    nfs.max(clients).clamp(4, 5) as u16
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}

pub fn volume_lines(v: &VolumeLine, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let name = match (v.minor, &v.peer) {
        // One line per peer: name the peer instead of the minor.
        (_, Some(peer)) if v.several_peers => format!("{}{}{peer}", v.name, t.arrow()),
        (Some(m), _) if !v.name.starts_with("minor") => format!("{} ({m})", v.name),
        _ => v.name.clone(),
    };
    let disk_health =
        |d: &Option<drnfs_parsers::drbd_state::DiskState>| d.as_ref().map_or(Health::Unknown, health::disk);
    let mut spans = vec![
        Span::styled(format!("{:<12} ", fit(&name, 12, t)), t.title()),
        Span::raw(format!("{}/", opt(&v.role))),
        Span::styled(opt(&v.peer_role), t.health(v.peer_role.as_ref().map_or(Health::Unknown, health::peer_role))),
        Span::raw("  "),
        Span::styled(format!("{:<12}", v.state), t.health(v.state_health)),
        Span::raw(" "),
        Span::styled(opt(&v.disk), t.health(disk_health(&v.disk))),
        Span::raw("/"),
        Span::styled(opt(&v.peer_disk), t.health(disk_health(&v.peer_disk))),
    ];
    if let Some(p) = v.protocol {
        spans.push(Span::styled(format!("  proto {p}"), t.dim()));
    }
    let mut lines = vec![Line::from(spans)];
    if let Some(s) = &v.sync {
        let label = match (s.verify, s.target) {
            (true, _) => "verifying",
            (false, true) => "receiving",
            (false, false) => "sending",
        };
        let bar_width = width.saturating_sub(60).clamp(10, 30);
        let mut text = vec![
            Span::raw(format!("   {label} ")),
            Span::styled(t.bar(s.percent / 100.0, bar_width), t.health(Health::Degraded)),
            Span::raw(format!(" {:5.1}%  ETA {}", s.percent, s.eta_seconds.map_or_else(|| "?".to_owned(), hms))),
            Span::raw(format!("  {}/s", s.speed_kib_s.map_or_else(|| "?".to_owned(), kib))),
        ];
        if let Some(r) = s.remaining_kib {
            text.push(Span::styled(format!("  {} left", kib(r)), t.dim()));
        }
        if s.stalled {
            text.push(Span::styled("  STALLED", t.health(Health::Critical)));
        }
        lines.push(Line::from(text));
    }
    lines
}

fn render_drbd(frame: &mut Frame, area: Rect, app: &App, volumes: &[VolumeLine]) {
    let t = &app.theme;
    let mut lines = Vec::new();
    match app.report.as_ref().map(|s| &s.drbd) {
        Some(d) if !d.available => {
            lines.push(Line::from(Span::styled(d.reason.clone().unwrap_or_default(), t.health(Health::Critical))))
        }
        Some(_) if volumes.is_empty() => lines.push(Line::from("no DRBD resources configured")),
        Some(_) => {
            for v in volumes {
                lines.extend(volume_lines(v, t, area.width as usize));
            }
        }
        None => lines.push(Line::from(format!("waiting for the first sample{}", t.ellipsis()))),
    }
    if let Some(r) = &app.report
        && let Some(p) = &r.peer
    {
        lines.push(peer_line(p, volumes.first(), r.at, t));
    }
    let title =
        app.report.as_ref().and_then(|s| s.drbd.version.clone()).map_or("DRBD".to_owned(), |v| format!("DRBD {v}"));
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)).wrap(Wrap { trim: false }), area);
}

fn render_nfs(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    if let Some(s) = &app.report {
        let n = &s.nfsd;
        if !n.available {
            lines.push(Line::from(Span::styled(n.reason.clone().unwrap_or_default(), t.health(Health::Critical))));
        } else {
            let r = s.rates.as_ref();
            let threads = n.threads.unwrap_or(0);
            lines.push(Line::from(vec![
                Span::raw("threads "),
                Span::styled(threads.to_string(), t.health(if threads > 0 { Health::Ok } else { Health::Critical })),
                Span::raw(format!("   calls {}", per_second(r.and_then(|r| r.calls)))),
            ]));
            lines.push(Line::from(format!(
                "read {}  write {}",
                byte_rate(r.and_then(|r| r.read_bytes)),
                byte_rate(r.and_then(|r| r.write_bytes))
            )));
            let exports = n.exports.iter().filter(|e| !e.pseudo_root).count();
            lines.push(Line::from(format!("exports {exports}   NFSv4 clients {}", n.clients_v4.len())));
        }
        let vips: Vec<Span> = app
            .vips
            .iter()
            .map(|v| {
                if s.host.addresses.contains(v) {
                    Span::styled(format!("VIP {v} here "), t.health(Health::Ok))
                } else {
                    Span::styled(format!("VIP {v} not here "), t.dim())
                }
            })
            .collect();
        if vips.is_empty() {
            lines.push(Line::from(Span::styled("VIP unknown (no keepalived.conf; --vip)", t.dim())));
        } else {
            lines.push(Line::from(vips));
        }
    }
    let title = app
        .report
        .as_ref()
        .and_then(|s| s.rates.as_ref())
        .map_or_else(|| "NFS server".to_owned(), |r| format!("NFS server · {:.0} s", r.interval_seconds));
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)).wrap(Wrap { trim: false }), area);
}

fn render_clients(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let (rows, error) = app.report.as_ref().map_or((&[][..], None), |r| (&r.clients[..], r.clients_error.as_ref()));
    let mut lines = Vec::new();
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(e.clone(), t.health(Health::Degraded))));
    }
    let width = area.width.saturating_sub(2) as usize;
    // The address, the rate in and the share are kept whole at any width; the name gets
    // what is left, then the rate out once the name has its 12.
    // (A rate is at most 13 characters: `1023.99 KiB/s`.)
    const ESSENTIAL: usize = 15 + 1 + 3 + 13 + 1 + 4;
    let name_width = width.saturating_sub(ESSENTIAL + 1).min(12);
    let show_out = width >= ESSENTIAL + 13 + 18;
    for row in rows.iter().take(3) {
        let mut text = format!("{:<15}", fit(&row.address.to_string(), 15, t));
        if name_width >= 4 {
            text.push_str(&format!(" {:<name_width$}", fit(&row.display_name().unwrap_or_default(), name_width, t)));
        }
        text.push_str(&format!(" in {:>13}", byte_rate(row.in_bytes_per_s)));
        if show_out {
            text.push_str(&format!(" out {:>13}", byte_rate(row.out_bytes_per_s)));
        }
        text.push_str(&format!(" {:>4}", row.share_in.map_or_else(String::new, |s| format!("{:.0}%", s * 100.0))));
        lines.push(Line::from(fit(&text, width, t)));
    }
    if rows.is_empty() && error.is_none() {
        lines.push(Line::from(Span::styled("no client connections", t.dim())));
    }
    let title = format!(
        "Top clients ({} with {} connections)",
        rows.len(),
        rows.iter().map(|r| r.connections.len()).sum::<usize>()
    );
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), area);
}

fn render_findings(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for f in app.findings() {
        let tag = match f.severity {
            crate::model::Level::Critical => "CRIT",
            crate::model::Level::Warning => "WARN",
            crate::model::Level::Info => "INFO",
        };
        let lead = vec![Span::styled(format!("{tag} "), t.level(f.severity))];
        lines.extend(hanging(lead, &f.summary, Style::new(), width));
        if let Some(s) = &f.suggestion {
            lines.extend(hanging(vec![Span::raw("     ")], &format!("{} {s}", t.arrow()), t.dim(), width));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("nothing to report", t.health(Health::Ok))));
    }
    let title = format!("Findings ({})", app.findings().len());
    frame.render_widget(Paragraph::new(lines).block(block(&title, t)), area);
}

/// The peer as its own drnfs sees itself (asked over ssh), on one line beside ours.
fn peer_line(p: &crate::engine::PeerReport, first: Option<&VolumeLine>, now: f64, t: &Theme) -> Line<'static> {
    let age = format!(" ({:.0} s ago)", (now - p.at).max(0.0));
    let v = match &p.answer {
        None => {
            let waited = format!(" ({:.0} s)", (now - p.at).max(0.0));
            return Line::from(vec![
                Span::styled(format!("peer {}: ", p.name), t.dim()),
                Span::styled(format!("asking over ssh{}{waited}", t.ellipsis()), t.dim()),
            ]);
        }
        Some(Err(e)) => {
            return Line::from(vec![
                Span::styled(format!("peer {}: ", p.name), t.dim()),
                Span::styled(format!("cannot ask it: {e}{age}"), t.health(Health::Degraded)),
            ]);
        }
        Some(Ok(v)) => v,
    };
    let (resource, minor) = first.map_or((String::new(), None), |f| (f.name.clone(), f.minor));
    let n = crate::action::state::NodeState::from_report(v, &resource, minor, None);
    let role = n.role.clone().unwrap_or_else(|| "?".to_owned());
    let disk = n.disk.clone().unwrap_or_else(|| "?".to_owned());
    let serving = n.nfsd_threads > 0;
    let critical = n.findings.iter().filter(|(_, sev, _)| sev == "critical").count();
    let mut spans = vec![
        Span::styled(format!("peer {} ", if n.name.is_empty() { &p.name } else { &n.name }), t.dim()),
        Span::styled(format!("{role} "), t.accent()),
        Span::raw(format!("{disk}  ")),
        Span::styled(
            if serving { format!("nfsd {} threads  ", n.nfsd_threads) } else { "nfsd off  ".to_owned() },
            if serving { t.health(Health::Ok) } else { t.dim() },
        ),
        Span::raw(if n.drbd_mounts.is_empty() { "not mounted".to_owned() } else { "mounted".to_owned() }),
    ];
    if critical > 0 {
        spans.push(Span::styled(format!("  {critical} critical"), t.health(Health::Critical)));
    }
    spans.push(Span::styled(age, t.dim()));
    Line::from(spans)
}
