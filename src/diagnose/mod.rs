//! Findings: what the model means, in plain words, with the evidence and what to do next.
//! Each rule family lives in its own file and reads the same [`Model`].

mod clients;
pub mod config;
mod disks;
mod links;
mod nfsd;
mod replication;
mod roles;
mod sources;
pub mod write_path;

use std::net::IpAddr;

use drnfs_parsers::timestamp::Timestamp;
use serde::Serialize;

use crate::model::Model;
pub use crate::model::timeline::Level as Severity;
pub use clients::NOISY_SHARE;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable identifier of the rule and subject, e.g. `drbd.split-brain:r0`.
    pub id: String,
    pub severity: Severity,
    /// The resource, minor, client or service it concerns.
    pub subject: String,
    /// One line, plain words.
    pub summary: String,
    /// The values that led to it.
    pub evidence: Vec<String>,
    /// The next step (a drnfs action where one applies).
    pub suggestion: Option<String>,
    /// When drnfs first saw it (while it stayed active).
    pub since: Option<Timestamp>,
}

impl Finding {
    fn new(rule: &str, subject: &str, severity: Severity, summary: String) -> Self {
        Self {
            id: format!("{rule}:{subject}"),
            severity,
            subject: subject.to_owned(),
            summary,
            evidence: Vec::new(),
            suggestion: None,
            since: None,
        }
    }

    fn evidence(mut self, e: impl Into<String>) -> Self {
        self.evidence.push(e.into());
        self
    }

    fn evidence_opt(self, e: Option<String>) -> Self {
        match e {
            Some(e) => self.evidence(e),
            None => self,
        }
    }

    fn suggest(mut self, s: impl Into<String>) -> Self {
        self.suggestion = Some(s.into());
        self
    }
}

/// A state for a sentence: `?` when unknown.
fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// Every finding the model supports now, most severe first.
pub fn evaluate(model: &Model, vips: &[IpAddr]) -> Vec<Finding> {
    let mut out = Vec::new();
    if model.snapshot.is_none() {
        return out;
    }
    replication::check(model, &mut out);
    disks::check(model, &mut out);
    roles::check(model, vips, &mut out);
    nfsd::check(model, &mut out);
    config::check(model, &mut out);
    clients::check(model, &mut out);
    sources::check(model, &mut out);
    write_path::check(model, &mut out);
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Remembers when each finding was first seen, so "since" survives re-evaluation.
#[derive(Debug, Default)]
pub struct FindingMemory {
    first_seen: std::collections::BTreeMap<String, Timestamp>,
}

impl FindingMemory {
    /// Stamps `since` on each finding; returns the ids raised and cleared this time.
    pub fn stamp(&mut self, findings: &mut [Finding], now: Timestamp) -> (Vec<String>, Vec<String>) {
        let mut raised = Vec::new();
        for f in findings.iter_mut() {
            let since = *self.first_seen.entry(f.id.clone()).or_insert_with(|| {
                raised.push(f.id.clone());
                now
            });
            f.since = Some(since);
        }
        let active: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        let cleared: Vec<String> = self.first_seen.keys().filter(|k| !active.contains(k.as_str())).cloned().collect();
        for k in &cleared {
            self.first_seen.remove(k);
        }
        (raised, cleared)
    }
}
#[cfg(test)]
mod tests;
