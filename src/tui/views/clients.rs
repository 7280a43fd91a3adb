//! View 4: the noisy-clients table — one row per client address, sortable, filterable by
//! address, name or CIDR, with a drill-down into the client's connections.

use std::net::IpAddr;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::wrap::fields;
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

/// A column of the clients table: its header, its width, and how much it matters when the
/// terminal is narrow (1 is kept first).
pub struct Column {
    pub header: &'static str,
    pub width: u16,
    pub priority: u8,
}

/// In the order shown. A rate is at most 13 characters (`1023.99 KiB/s`); the address is 15
/// for IPv4 (longer IPv6 addresses are shortened with an ellipsis).
pub const COLUMNS: [Column; 11] = [
    Column { header: "client", width: 16, priority: 1 },
    Column { header: "name", width: 12, priority: 5 },
    Column { header: "conns", width: 5, priority: 10 },
    Column { header: "in/s", width: 13, priority: 2 },
    Column { header: "out/s", width: 13, priority: 8 },
    Column { header: "share 60s", width: 9, priority: 3 },
    Column { header: "calls/s", width: 7, priority: 6 },
    Column { header: "ops 60s", width: 7, priority: 7 },
    Column { header: "recv-q", width: 9, priority: 4 },
    Column { header: "rtt", width: 9, priority: 9 },
    Column { header: "NFSv4", width: 14, priority: 11 },
];

/// The columns that fit in `width` (the most useful first, each whole, one space between),
/// in table order, and the ones left out, to be named under the table.
pub fn columns_for(width: u16) -> (Vec<&'static Column>, Vec<&'static Column>) {
    let mut by_priority: Vec<&Column> = COLUMNS.iter().collect();
    by_priority.sort_by_key(|c| c.priority);
    let mut used = 0u16;
    let mut keep = Vec::new();
    for c in by_priority {
        let need = c.width + u16::from(!keep.is_empty());
        if used + need <= width {
            used += need;
            keep.push(c.header);
        }
    }
    COLUMNS.iter().partition(|c| keep.contains(&c.header))
}

/// The text of column `header` for client `r`.
fn cell(header: &str, r: &ClientRow, t: &crate::tui::theme::Theme) -> String {
    match header {
        "client" => fit(&r.address.to_string(), 16, t),
        "name" => fit(&r.display_name().unwrap_or_default(), 24, t),
        "conns" => r.connections.len().to_string(),
        "in/s" => byte_rate(r.in_bytes_per_s),
        "out/s" => byte_rate(r.out_bytes_per_s),
        "share 60s" => pct(r.share_in_window),
        "calls/s" => r.calls_per_s.map_or_else(|| "–".to_owned(), |c| format!("{c:.0}")),
        "ops 60s" => pct(r.calls_share),
        "recv-q" => {
            if r.recv_q > 0 {
                bytes(r.recv_q)
            } else {
                "0".to_owned()
            }
        }
        "rtt" => {
            let rtt = r.connections.iter().filter_map(|c| c.rtt_us).max();
            rtt.map_or_else(|| "–".to_owned(), |u| format!("{:.1} ms", f64::from(u) / 1000.0))
        }
        "NFSv4" => r.nfs4.first().map_or_else(
            || "–".to_owned(),
            |n| {
                format!(
                    "4.{} {}",
                    n.minor_version.map_or("?".to_owned(), |m| m.to_string()),
                    n.status.clone().unwrap_or_default()
                )
            },
        ),
        _ => String::new(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let rows = visible_rows(app);
    let detail_height = if app.client_details { 8 } else { 0 };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(detail_height)]).areas(area);
    let inner = area.width.saturating_sub(2);
    let (shown, hidden) = columns_for(inner);
    let header = Row::new(shown.iter().map(|c| Cell::from(Span::styled(c.header, t.title()))));
    let selected = app.selected.min(rows.len().saturating_sub(1));
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = Row::new(shown.iter().map(|c| Cell::from(cell(c.header, r, t))));
            if r.share_in_window.is_some_and(|s| s >= NOISY_SHARE) && rows.len() > 1 {
                row = row.style(t.health(Health::Degraded));
            }
            if i == selected {
                row = row.style(t.selected());
            }
            row
        })
        .collect();
    // The name takes what the chosen columns leave.
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|c| if c.header == "name" { Constraint::Min(c.width) } else { Constraint::Length(c.width) })
        .collect();
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
    let mut footer = String::new();
    if !hidden.is_empty() {
        footer = format!(" hidden at this width: {} ", hidden.iter().map(|c| c.header).collect::<Vec<_>>().join(", "));
    }
    if rows.is_empty() {
        let msg = report
            .and_then(|r| r.clients_error.clone())
            .unwrap_or_else(|| "no client connections to the NFS port".to_owned());
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim())).block(block(&title, t)), table_area);
    } else {
        let mut frame_block = block(&title, t);
        if !footer.is_empty() {
            frame_block = frame_block.title_bottom(Line::from(Span::styled(fit(&footer, inner as usize, t), t.dim())));
        }
        frame.render_widget(Table::new(body, widths).header(header).block(frame_block), table_area);
    }
    if app.client_details {
        render_details(frame, detail_area, app, rows.get(selected).copied());
    }
}

fn render_details(frame: &mut Frame, area: Rect, app: &App, row: Option<&ClientRow>) {
    let t = &app.theme;
    let Some(r) = row else { return };
    let width = area.width.saturating_sub(2) as usize;
    // Each connection's figures flow onto a second row (indented) rather than off the edge.
    let mut lines: Vec<Line> = Vec::new();
    for c in &r.connections {
        let figures = [
            format!("{} {} {}  {}", c.remote, t.arrow(), c.local, c.state),
            format!("in {} out {}", byte_rate(c.in_bytes_per_s), byte_rate(c.out_bytes_per_s)),
            format!("calls {}/s", c.calls_per_s.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))),
            format!("recv-q {} send-q {}", c.recv_q, c.send_q),
            format!("retrans {}", c.total_retrans.map_or_else(|| "–".to_owned(), |r| r.to_string())),
            format!("sk {:#x}", c.cookie),
        ];
        for (i, row) in fields(&figures, "  ", width.saturating_sub(2)).into_iter().enumerate() {
            lines.push(Line::from(if i == 0 { row } else { format!("  {row}") }));
        }
    }
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

    /// At each width the kept columns fit whole, the most useful ones stay, and every
    /// column is either shown or named as hidden.
    #[test]
    fn columns_give_way_by_priority() {
        let headers = |cs: &[&Column]| cs.iter().map(|c| c.header).collect::<Vec<_>>();
        let (at_80, hidden) = columns_for(78);
        assert_eq!(headers(&at_80), ["client", "name", "conns", "in/s", "share 60s", "calls/s", "recv-q"]);
        assert_eq!(headers(&hidden), ["out/s", "ops 60s", "rtt", "NFSv4"]);
        let (all, none) = columns_for(158);
        assert_eq!(all.len(), COLUMNS.len());
        assert!(none.is_empty());
        for w in 0..200u16 {
            let (shown, hidden) = columns_for(w);
            let used: u16 = shown.iter().map(|c| c.width).sum::<u16>() + shown.len().saturating_sub(1) as u16;
            assert!(used <= w, "{w}: {used}");
            assert_eq!(shown.len() + hidden.len(), COLUMNS.len());
            // Never a less useful column in place of a more useful one that would fit.
            for h in &hidden {
                assert!(shown.iter().all(|s| s.priority < h.priority) || used + h.width + 1 > w, "{w}: {}", h.header);
            }
        }
    }

    #[test]
    fn cidr_and_text_filters() {
        let ip: IpAddr = "10.50.0.21".parse().unwrap();
        assert!(in_cidr(ip, "10.50.0.0".parse().unwrap(), 24));
        assert!(!in_cidr(ip, "10.50.1.0".parse().unwrap(), 24));
        assert!(in_cidr(ip, "0.0.0.0".parse().unwrap(), 0));
        assert!(!in_cidr(ip, "::".parse().unwrap(), 0));
    }
}
