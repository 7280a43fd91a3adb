//! `drnfs top-clients`: the noisy-clients ranking, printed every interval, for scripts.

use std::io::Write;

use serde::Serialize;

use crate::engine::Report;
use crate::format::bytes;
use crate::model::clients::ClientRow;
use drnfs_parsers::timestamp::Timestamp;

#[derive(Debug, Serialize)]
pub struct Ranking<'a> {
    pub at: Timestamp,
    pub total_in_bytes_per_s: Option<f64>,
    pub total_out_bytes_per_s: Option<f64>,
    pub total_calls_per_s: Option<f64>,
    pub clients: &'a [ClientRow],
    pub error: Option<&'a str>,
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| format!("{}/s", bytes(x.max(0.0) as u64)))
}

fn calls(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| format!("{:.0}/s", x.max(0.0)))
}

/// One ranking, as text or one JSON line.
pub fn write(out: &mut impl Write, snapshot: &Report, top: Option<usize>, json: bool) -> std::io::Result<()> {
    let n = top.unwrap_or(usize::MAX).min(snapshot.clients.len());
    let t = &snapshot.client_totals;
    let ranking = Ranking {
        at: snapshot.taken_at,
        total_in_bytes_per_s: t.in_bytes_per_s,
        total_out_bytes_per_s: t.out_bytes_per_s,
        total_calls_per_s: t.calls_per_s,
        clients: &snapshot.clients[..n],
        error: snapshot.clients_error.as_deref(),
    };
    if json {
        serde_json::to_writer(&mut *out, &ranking)?;
        writeln!(out)?;
        return out.flush();
    }
    writeln!(
        out,
        "{}  {} clients  in {}  out {}  calls {}{}",
        crate::clock::date_time_zone(snapshot.taken_at),
        snapshot.clients.len(),
        rate(ranking.total_in_bytes_per_s),
        rate(ranking.total_out_bytes_per_s),
        calls(ranking.total_calls_per_s),
        ranking.error.map(|e| format!("  ({e})")).unwrap_or_default()
    )?;
    writeln!(
        out,
        "{:>3}  {:<39} {:<20} {:>5} {:>13} {:>13} {:>6} {:>9} {:>6} {:>10}",
        "#", "client", "name", "conns", "in", "out", "share", "calls", "ops%", "recv-q"
    )?;
    for (i, c) in ranking.clients.iter().enumerate() {
        let name = c.display_name().unwrap_or_default();
        writeln!(
            out,
            "{:>3}  {:<39} {:<20} {:>5} {:>13} {:>13} {:>6} {:>9} {:>6} {:>10}",
            i + 1,
            c.address.to_string(),
            name.chars().take(20).collect::<String>(),
            c.connections.len(),
            rate(c.in_bytes_per_s),
            rate(c.out_bytes_per_s),
            c.share_in.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0)),
            calls(c.calls_per_s),
            c.calls_share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0)),
            bytes(c.recv_q)
        )?;
    }
    writeln!(out)?;
    out.flush()
}
