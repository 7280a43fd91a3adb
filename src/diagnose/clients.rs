//! Noisy clients: one client dominating nfsd's inbound bytes, or queueing behind nfsd.

use super::{Finding, Severity};
use crate::format::bytes;
use crate::model::Model;
use crate::model::clients::SHARE_WINDOW_SECONDS;

/// A client above this share of inbound bytes is named.
pub const NOISY_SHARE: f64 = 0.5;
/// Below this much inbound traffic in the window (≈35 KB/s) nobody is noisy: the lab's
/// writer under client load sent 2.9 MB of 4.3 MB in a minute, its idle pair 13 KB.
const MIN_WINDOW_BYTES: u64 = 2 << 20;
/// Below this many nfsd threads busy on average (RPCs in flight per rpc-status sample)
/// nobody is busy: in the lab an idle minute averaged 0.02, a metadata storm 0.16.
const MIN_BUSY_THREADS: f64 = 0.1;
/// Below this many calls in the window (10/s over a minute) nobody is noisy by calls.
const MIN_WINDOW_CALLS: f64 = 600.0;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let rows = &model.clients.rows;
    let total: u64 = rows.iter().map(|r| r.window_bytes_in).sum();
    let window_calls = crate::model::rates::total(rows.iter().map(|r| r.window_calls));
    for r in rows {
        let name = r.display_name().map(|n| format!("{} ({n})", r.address)).unwrap_or_else(|| r.address.to_string());
        if let Some(share) = r.share_in_window
            && rows.len() > 1
            && share >= NOISY_SHARE
            && total >= MIN_WINDOW_BYTES
        {
            out.push(
                Finding::new(
                    "client.noisy",
                    &r.address.to_string(),
                    Severity::Info,
                    format!(
                        "client {name} sent {:.0}% of nfsd's inbound bytes over the last {SHARE_WINDOW_SECONDS:.0} s",
                        share * 100.0
                    ),
                )
                .evidence(format!(
                    "{} of {} from {} connection(s)",
                    bytes(r.window_bytes_in),
                    bytes(total),
                    r.connections.len()
                )),
            );
        }
        if let Some(share) = r.calls_share
            && rows.len() > 1
            && share >= NOISY_SHARE
            && window_calls >= MIN_WINDOW_CALLS
        {
            out.push(
                Finding::new(
                    "client.calls",
                    &r.address.to_string(),
                    Severity::Info,
                    format!(
                        "client {name} made {:.0}% of the NFS calls over the last {SHARE_WINDOW_SECONDS:.0} s",
                        share * 100.0
                    ),
                )
                .evidence(format!(
                    "≈{:.0} calls/s now, {:.0} of ≈{:.0} calls in the window (estimated from TCP segments), \
                     {} of inbound bytes",
                    r.calls_per_s.unwrap_or(0.0),
                    r.window_calls,
                    window_calls,
                    r.share_in_window.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0))
                ))
                .suggest("many small calls (stat, ls, open): look for a find/rsync/backup job or noac mounts on it"),
            );
        }
        if let Some(share) = r.busy_share
            && rows.len() > 1
            && share >= NOISY_SHARE
            && model.clients.activity_samples >= 20
            && f64::from(model.clients.activity_busy) / f64::from(model.clients.activity_samples) >= MIN_BUSY_THREADS
        {
            let ops: Vec<String> = r.top_ops.iter().take(3).map(|(n, c)| format!("{n} ×{c}")).collect();
            out.push(
                Finding::new(
                    "client.busy",
                    &r.address.to_string(),
                    Severity::Info,
                    format!(
                        "client {name} kept {:.0}% of the busy nfsd threads over the last {SHARE_WINDOW_SECONDS:.0} s",
                        share * 100.0
                    ),
                )
                .evidence(format!(
                    "{} rpc-status samples; its operations: {}",
                    model.clients.activity_samples,
                    if ops.is_empty() { "–".to_owned() } else { ops.join(", ") }
                )),
            );
        }
        if r.recv_q >= 1 << 20 {
            out.push(
                Finding::new(
                    "client.queued",
                    &r.address.to_string(),
                    Severity::Warning,
                    format!("client {name} has {} waiting for nfsd to read it", bytes(r.recv_q)),
                )
                .evidence(format!("Recv-Q summed over {} connection(s)", r.connections.len()))
                .suggest("nfsd threads are busy: see the NFS server view for thread waits"),
            );
        }
    }
}
