//! The NFS server: running, exporting, keeping up, and the grace period.

use super::{Finding, Severity};
use crate::model::Model;

pub(super) fn check(model: &Model, out: &mut Vec<Finding>) {
    let Some(snap) = &model.snapshot else { return };
    let n = &snap.nfsd;
    if !n.available {
        return;
    }
    let threads = n.threads.unwrap_or(0);
    // Only a list that was read can be empty (`exports_source` names it).
    if threads > 0 && n.nfsd_fs.available && n.exports_source.is_some() && n.exports.iter().all(|e| e.pseudo_root) {
        let source = if n.exports_source.as_deref() == Some("etab") {
            "/var/lib/nfs/etab (exportfs's table) is empty"
        } else {
            "/proc/fs/nfsd/exports is empty (and /var/lib/nfs/etab unreadable)"
        };
        out.push(
            Finding::new(
                "nfsd.no-exports",
                "nfsd",
                Severity::Critical,
                format!("nfsd runs ({threads} threads) but nothing is exported"),
            )
            .evidence(source)
            .suggest("run exportfs -ra and check /etc/exports; clients get permission errors until then"),
        );
    }
    for e in n.exports.iter().filter(|e| !e.pseudo_root) {
        if e.fsid.is_none() && !e.options.iter().any(|o| o.starts_with("uuid=")) {
            out.push(
                Finding::new(
                    "nfsd.export-without-fsid",
                    &e.path,
                    Severity::Warning,
                    format!("export {} has no fsid=: file handles change when it moves to the other node", e.path),
                )
                .evidence(format!("{} {}({})", e.path, e.client, e.options.join(",")))
                .suggest("add fsid=<number> to the export on both nodes, or clients get ESTALE after a failover"),
            );
        }
    }
    let grace = n.grace_time_seconds.unwrap_or(90) as f64;
    let since_start = model.nfsd_started_at.map(|s| model.at.unwrap_or(s) - s);
    if threads > 0 && n.in_grace == Some(true) {
        let left = since_start.map(|e| format!(" (about {:.0} s left)", (grace - e).max(0.0))).unwrap_or_default();
        out.push(
            Finding::new(
                "nfsd.grace",
                "nfsd",
                Severity::Info,
                format!(
                    "NFSv4 grace period{left}: clients reclaim their state; new opens and locks wait until it ends"
                ),
            )
            .evidence(format!("/proc/fs/nfsd/v4_end_grace reads N; grace time {grace:.0} s")),
        );
    } else if let (None, Some(elapsed)) = (n.in_grace, since_start) {
        // Kernels without v4_end_grace: estimate from when nfsd was seen to start.
        if threads > 0 && elapsed < grace {
            out.push(
                Finding::new(
                    "nfsd.grace",
                    "nfsd",
                    Severity::Info,
                    format!(
                        "NFSv4 grace period: about {:.0} s left; clients' opens and locks wait until it ends",
                        grace - elapsed
                    ),
                )
                .evidence(format!("nfsd started {elapsed:.0} s ago, grace time {grace:.0} s")),
            );
        }
    }
    let h = &model.history;
    if let Some(waits) = h.thread_waits.as_ref().and_then(|s| s.mean_of_last(10))
        && waits >= 1.0
    {
        out.push(
            Finding::new(
                "nfsd.threads-saturated",
                "nfsd",
                Severity::Warning,
                format!("requests wait for a free nfsd thread ({waits:.1}/s over the last 10 samples)"),
            )
            .evidence(format!("{threads} threads; pool_stats: sockets-enqueued grows faster than threads-woken"))
            .evidence_opt(model.write_path.as_ref().and_then(|w| w.nfsd.waited_percent).map(|p| {
                format!(
                    "{p:.0}% of the requests that arrived in the last interval found every thread busy \
                         (all threads busy about that share of the time)"
                )
            }))
            .suggest("find the client causing it (view 4), or raise the thread count (rpc.nfsd N)"),
        );
    }
    if let Some(r) = &model.nfsd_rates {
        if r.bad_calls.is_some_and(|b| b > 0.0) {
            let rpc = n.rpc.unwrap_or_default();
            out.push(
                Finding::new(
                    "nfsd.bad-calls",
                    "nfsd",
                    Severity::Warning,
                    format!("nfsd rejects calls ({:.1}/s)", r.bad_calls.unwrap_or(0.0)),
                )
                .evidence(format!(
                    "bad format {}, bad auth {}, unknown client {}",
                    rpc.bad_format, rpc.bad_auth, rpc.bad_client
                ))
                .suggest(
                    "unknown clients after a failover usually mean the exports differ or are not loaded on this node",
                ),
            );
        }
        if r.fh_stale.is_some_and(|s| s > 0.0) {
            out.push(
                Finding::new(
                    "nfsd.stale-handles",
                    "nfsd",
                    Severity::Warning,
                    format!("clients present stale file handles ({:.1}/s)", r.fh_stale.unwrap_or(0.0)),
                )
                .evidence(format!("fh stale counter {}", n.fh_stale.unwrap_or(0)))
                .suggest("after a failover this means the fsid/uuid of the export differs between the nodes"),
            );
        }
    }
}
