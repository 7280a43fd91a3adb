//! The engine: one session of the model, the memory of findings and the peer's last
//! answer, fed by sources and yielding one [`Report`]. Every output goes through it — the
//! live view, `snapshot`, `doctor`, `top-clients`, the actions and their dry runs — in
//! one of four modes: live, a captured proc root re-read, a recording replayed, or once.
//!
//! ```text
//! source::Input ──► Engine::apply ──► Model (state, rates, history, timeline, clients)
//!                                        │
//!                   Engine::refresh ─────┴─► diagnose::evaluate ─► findings (+ since, raised/cleared)
//!                                                                      │
//!                   Engine::report ◄───────────────────────────────────┘──► Report
//! ```

pub mod chapters;
pub mod oneshot;
pub mod replay;
pub mod report;
pub mod session;

use std::net::IpAddr;

pub use report::{ClientTotals, PeerReport, Report};

use crate::diagnose::{Finding, FindingMemory};
use crate::model::{EventSource, Level, Model, TimelineEvent};
use crate::source::input::Input;

/// One session: what the sources delivered, folded; what it means; the peer.
#[derive(Debug)]
pub struct Engine {
    model: Model,
    memory: FindingMemory,
    findings: Vec<Finding>,
    vips: Vec<IpAddr>,
    peer: Option<PeerReport>,
}

impl Engine {
    /// `vips`: the addresses keepalived moves (for the findings about where they are).
    pub fn new(vips: Vec<IpAddr>) -> Self {
        Self { model: Model::new(), memory: FindingMemory::default(), findings: Vec::new(), vips, peer: None }
    }

    /// Folds one input in. The peer's answer becomes a typed [`Report`] here, once.
    pub fn apply(&mut self, input: Input) {
        match input {
            Input::PeerAsking { at, name } => {
                if self.peer.is_none() {
                    self.peer = Some(PeerReport { name, at, answer: None });
                }
            }
            Input::Peer { at, name, snapshot } => {
                let answer = snapshot.and_then(|v| {
                    serde_json::from_value::<Report>(v)
                        .map(Box::new)
                        .map_err(|e| format!("its drnfs answered with a report this drnfs cannot read: {e}"))
                });
                let before = self.peer.as_ref().and_then(|p| p.answer.as_ref()).and_then(|a| a.as_ref().err());
                if let Err(e) = &answer
                    && before != Some(e)
                {
                    tracing::warn!("peer {name}: {e}");
                }
                self.peer = Some(PeerReport { name, at, answer: Some(answer) });
            }
            other => self.model.apply(other),
        }
    }

    /// The peer from its own recording, played beside this one (a replay with
    /// `--peer-replay`, or the demo): the same place as its live answer.
    pub fn set_recorded_peer(&mut self, peer: PeerReport) {
        self.peer = Some(peer);
    }

    /// Re-evaluates the findings on the model as it is now: each keeps the moment it was
    /// first seen, and the ones raised or cleared since the last time go on the timeline.
    pub fn refresh(&mut self) {
        let mut findings = crate::diagnose::evaluate(&self.model, &self.vips);
        let Some(now) = self.model.snapshot.as_ref().map(|s| s.taken_at) else { return };
        let (raised, cleared) = self.memory.stamp(&mut findings, now);
        for id in raised {
            if let Some(f) = findings.iter().find(|f| f.id == id) {
                self.model.timeline.push(TimelineEvent {
                    at: Some(now),
                    source: EventSource::Drnfs,
                    level: f.severity,
                    subject: f.subject.clone(),
                    text: format!("finding: {}", f.summary),
                });
            }
        }
        for id in cleared {
            let (rule, subject) = id.split_once(':').unwrap_or((id.as_str(), id.as_str()));
            self.model.timeline.push(TimelineEvent {
                at: Some(now),
                source: EventSource::Drnfs,
                level: Level::Info,
                subject: subject.to_owned(),
                text: format!("cleared: {rule}"),
            });
        }
        self.findings = findings;
    }

    /// The report of the session as it is (after [`Engine::refresh`]); `None` before the
    /// first sample.
    pub fn report(&self) -> Option<Report> {
        Report::build(&self.model, self.findings.clone(), self.peer.clone())
    }

    /// A problem with an input that no parser saw (a file cut at its bound).
    pub fn warn(&mut self, source: &str, message: &str) {
        self.model.warn(source, None, message.to_owned());
    }

    /// Takes DRBD state from `drbdsetup status --json` output instead of an events2 stream.
    pub fn load_status_json(&mut self, text: &str, source: &str) {
        self.model.load_status_json(text, source);
    }

    /// The findings of the last refresh.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The model behind the report (for the collectors that follow it: the resolver asks
    /// for the names of the clients it holds).
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn vips(&self) -> &[IpAddr] {
        &self.vips
    }
}
