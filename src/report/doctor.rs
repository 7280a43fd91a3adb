//! `drnfs doctor`: the findings as a report for humans, cron and monitoring.

use std::io::Write;

use crate::diagnose::{Finding, Severity};
use crate::engine::Report;

pub fn label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

pub fn write(out: &mut impl Write, snapshot: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "drnfs doctor on {} at {}",
        snapshot.host.hostname.as_deref().unwrap_or("?"),
        crate::clock::date_time_zone(snapshot.taken_at)
    )?;
    if let Some(r) = &snapshot.drbd.reason {
        writeln!(out, "  (DRBD: {r})")?;
    }
    if let Some(r) = &snapshot.nfsd.reason {
        writeln!(out, "  (nfsd: {r})")?;
    }
    writeln!(out)?;
    for f in &snapshot.findings {
        write_finding(out, f)?;
    }
    if snapshot.findings.is_empty() {
        writeln!(out, "nothing to report")?;
    }
    if let Some(w) = &snapshot.write_path {
        writeln!(out, "write path: {}", crate::diagnose::write_path::verdict(w, &snapshot.findings))?;
    }
    let count = |s| snapshot.findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "{} critical, {} warning, {} info",
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Info)
    )
}

pub(crate) fn write_finding(out: &mut impl Write, f: &Finding) -> std::io::Result<()> {
    writeln!(out, "{:<9} {}", label(f.severity), f.summary)?;
    for e in &f.evidence {
        writeln!(out, "{:<9} evidence: {e}", "")?;
    }
    if let Some(s) = &f.suggestion {
        writeln!(out, "{:<9} next: {s}", "")?;
    }
    writeln!(out)
}
