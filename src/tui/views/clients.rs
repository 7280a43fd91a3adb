//! View 4: the noisy-clients table — one row per client address, sortable, filterable by
//! address, name or CIDR, with a drill-down into the client's connections.

use std::net::IpAddr;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{block, byte_rate, fit};
use crate::diagnose::NOISY_SHARE;
use crate::format::bytes;
use crate::model::clients::ClientRow;
use crate::model::health::Health;
use crate::tui::app::{App, ClientSort};

/// Does `row` match a filter: a CIDR (`10.50.0.0/24`), or text in its address or names.
pub fn matches(row: &ClientRow, filter: &str) -> bool {
    let f = filter.trim();
    if f.is_empty() {
        return true;
    }
    if let Some((net, len)) = f.split_once('/')
        && let (Ok(net), Ok(len)) = (net.parse::<IpAddr>(), len.parse::<u32>())
    {
        return in_cidr(row.address, net, len);
    }
    let f = f.to_lowercase();
    row.address.to_string().contains(&f)
        || row.hostname.as_deref().is_some_and(|h| h.to_lowercase().contains(&f))
        || row.nfs4_name.as_deref().is_some_and(|n| n.to_lowercase().contains(&f))
}

fn in_cidr(ip: IpAddr, net: IpAddr, len: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if len <= 128 => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The rows shown, filtered and sorted.
pub fn visible_rows(app: &App) -> Vec<&ClientRow> {
    let all = app.report.as_ref().map_or(&[][..], |r| &r.clients[..]);
    let mut rows: Vec<&ClientRow> = all.iter().filter(|r| matches(r, &app.search.text)).collect();
    let f = |v: Option<f64>| v.unwrap_or(-1.0);
    match app.client_sort {
        ClientSort::InRate => rows.sort_by(|a, b| f(b.in_bytes_per_s).total_cmp(&f(a.in_bytes_per_s))),
        ClientSort::OutRate => rows.sort_by(|a, b| f(b.out_bytes_per_s).total_cmp(&f(a.out_bytes_per_s))),
        ClientSort::Share => rows.sort_by(|a, b| f(b.share_in_window).total_cmp(&f(a.share_in_window))),
        ClientSort::Ops => rows.sort_by(|a, b| f(b.calls_share).total_cmp(&f(a.calls_share))),
        ClientSort::RecvQ => rows.sort_by_key(|r| std::cmp::Reverse(r.recv_q)),
        ClientSort::Connections => rows.sort_by_key(|r| std::cmp::Reverse(r.connections.len())),
        ClientSort::Address => rows.sort_by_key(|r| r.address),
    }
    rows
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let rows = visible_rows(app);
    let detail_height = if app.client_details { 8 } else { 0 };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(detail_height)]).areas(area);
    let header = Row::new(
        ["client", "name", "conns", "in/s", "out/s", "share 60s", "calls/s", "ops 60s", "recv-q", "rtt", "NFSv4"]
            .map(|h| Cell::from(Span::styled(h, t.title()))),
    );
    let selected = app.selected.min(rows.len().saturating_sub(1));
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let name = r.display_name().unwrap_or_default();
            let rtt = r.connections.iter().filter_map(|c| c.rtt_us).max();
            let nfs4 = r.nfs4.first().map_or_else(
                || "–".to_owned(),
                |n| {
                    format!(
                        "4.{} {}",
                        n.minor_version.map_or("?".to_owned(), |m| m.to_string()),
                        n.status.clone().unwrap_or_default()
                    )
                },
            );
            let mut row = Row::new(vec![
                Cell::from(r.address.to_string()),
                Cell::from(fit(&name, 24, t)),
                Cell::from(r.connections.len().to_string()),
                Cell::from(byte_rate(r.in_bytes_per_s)),
                Cell::from(byte_rate(r.out_bytes_per_s)),
                Cell::from(pct(r.share_in_window)),
                Cell::from(r.calls_per_s.map_or_else(|| "–".to_owned(), |c| format!("{c:.0}"))),
                Cell::from(pct(r.calls_share)),
                Cell::from(if r.recv_q > 0 { bytes(r.recv_q) } else { "0".to_owned() }),
                Cell::from(rtt.map_or_else(|| "–".to_owned(), |u| format!("{:.1} ms", f64::from(u) / 1000.0))),
                Cell::from(nfs4),
            ]);
            if r.share_in_window.is_some_and(|s| s >= NOISY_SHARE) && rows.len() > 1 {
                row = row.style(t.health(Health::Degraded));
            }
            if i == selected {
                row = row.style(t.selected());
            }
            row
        })
        .collect();
    let widths = [
        Constraint::Length(16),
        Constraint::Min(10),
        Constraint::Length(5),
        Constraint::Length(12),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(14),
    ];
    let report = app.report.as_ref();
    let totals = report.map(|r| r.client_totals.clone()).unwrap_or_default();
    let mut title = format!(
        "Clients: {} ({} connections), in {} out {}  sort: {} (s)",
        rows.len(),
        rows.iter().map(|r| r.connections.len()).sum::<usize>(),
        byte_rate(totals.in_bytes_per_s),
        byte_rate(totals.out_bytes_per_s),
        app.client_sort.label()
    );
    if !app.search.text.is_empty() {
        title.push_str(&format!("  filter: {}", app.search.text));
    }
    if let Some(e) = report.and_then(|r| r.client_ops_error.as_ref()) {
        title.push_str(&format!("  (ops: {})", fit(e, 40, t)));
    }
    if rows.is_empty() {
        let msg = report
            .and_then(|r| r.clients_error.clone())
            .unwrap_or_else(|| "no client connections to the NFS port".to_owned());
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim())).block(block(&title, t)), table_area);
    } else {
        frame.render_widget(Table::new(body, widths).header(header).block(block(&title, t)), table_area);
    }
    if app.client_details {
        render_details(frame, detail_area, app, rows.get(selected).copied());
    }
}

fn render_details(frame: &mut Frame, area: Rect, app: &App, row: Option<&ClientRow>) {
    let t = &app.theme;
    let Some(r) = row else { return };
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = r
        .connections
        .iter()
        .map(|c| {
            Line::from(fit(
                &format!(
                    "{} {} {}  {}  in {} out {}  calls {}/s  recv-q {} send-q {}  retrans {}  sk {:#x}",
                    c.remote,
                    t.arrow(),
                    c.local,
                    c.state,
                    byte_rate(c.in_bytes_per_s),
                    byte_rate(c.out_bytes_per_s),
                    c.calls_per_s.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}")),
                    c.recv_q,
                    c.send_q,
                    c.total_retrans.map_or_else(|| "–".to_owned(), |r| r.to_string()),
                    c.cookie
                ),
                width,
                t,
            ))
        })
        .collect();
    if !r.top_ops.is_empty() {
        let ops: Vec<String> = r.top_ops.iter().map(|(n, c)| format!("{n} {c}")).collect();
        let busy =
            r.busy_share.map(|b| format!(" (busy nfsd threads: {:.0}% of samples)", b * 100.0)).unwrap_or_default();
        lines.push(Line::from(Span::styled(format!("in flight: {}{busy}", ops.join(", ")), t.dim())));
    }
    for n in &r.nfs4 {
        lines.push(Line::from(Span::styled(
            format!(
                "NFSv4 {}  4.{}  {}  callback {}",
                n.name.clone().unwrap_or_default(),
                n.minor_version.map_or("?".to_owned(), |m| m.to_string()),
                n.status.clone().unwrap_or_default(),
                n.callback_state.clone().unwrap_or_default()
            ),
            t.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).block(block(&format!("Connections of {}", r.address), t)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_and_text_filters() {
        let ip: IpAddr = "10.50.0.21".parse().unwrap();
        assert!(in_cidr(ip, "10.50.0.0".parse().unwrap(), 24));
        assert!(!in_cidr(ip, "10.50.1.0".parse().unwrap(), 24));
        assert!(in_cidr(ip, "0.0.0.0".parse().unwrap(), 0));
        assert!(!in_cidr(ip, "::".parse().unwrap(), 0));
    }
}
