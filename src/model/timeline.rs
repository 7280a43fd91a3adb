//! What happened, in order: DRBD state changes (from events2, the kernel log, or
//! successive /proc/drbd samples), helper calls, split brains, nfsd starts and stops, and
//! findings raised or cleared. The Events view and each resource's timeline read it.

use std::collections::VecDeque;

use drnfs_parsers::timestamp::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EventSource {
    Events2,
    KernelLog,
    ProcDrbd,
    Nfsd,
    Drnfs,
}

impl EventSource {
    pub fn label(self) -> &'static str {
        match self {
            Self::Events2 => "events2",
            Self::KernelLog => "kernel",
            Self::ProcDrbd => "/proc/drbd",
            Self::Nfsd => "nfsd",
            Self::Drnfs => "drnfs",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Critical,
}

impl Level {
    /// As in JSON: `info`, `warning`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct TimelineEvent {
    /// When it happened (the source's own clock when it has one).
    pub at: Option<Timestamp>,
    pub source: EventSource,
    pub level: Level,
    /// Resource (or minor, or client) it is about.
    pub subject: String,
    pub text: String,
}

/// The most recent events, oldest first.
#[derive(Debug, Clone)]
pub struct Timeline {
    capacity: usize,
    events: VecDeque<TimelineEvent>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new(2000)
    }
}

impl Timeline {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, events: VecDeque::new() }
    }

    pub fn push(&mut self, e: TimelineEvent) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &TimelineEvent> + ExactSizeIterator {
        self.events.iter()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events about one subject (a resource name or a minor), newest last.
    pub fn about<'a>(&'a self, subject: &'a str) -> impl Iterator<Item = &'a TimelineEvent> + 'a {
        self.events.iter().filter(move |e| e.subject == subject)
    }
}
