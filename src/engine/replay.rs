//! The replay mode: a recording (`drnfs record`) fed through the engine as it happened,
//! to any moment — for `--replay` in the live view, and for one-shot commands and dry runs
//! asked about a moment of it (`--replay FILE --at SECONDS`).

use std::net::IpAddr;

use super::{Engine, PeerReport, Report};
use crate::source::recording::{Player, Record, Recording};

/// Feeds a recording's records to an engine in order, refreshing the findings after
/// every proc sample (so each keeps the moment it was first seen, as it did live).
/// `R` is the recording, owned or borrowed.
pub struct Replay<R> {
    recording: R,
    player: Player,
    next: usize,
}

impl<R: std::ops::Deref<Target = Recording>> Replay<R> {
    pub fn new(recording: R) -> Self {
        let player = Player::new(&recording.header.proc_root);
        Self { recording, player, next: 0 }
    }

    /// Seconds into the recording of the next record, if any is left.
    pub fn next_at(&self) -> Option<f64> {
        self.recording.records.get(self.next).map(Record::t)
    }

    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    pub fn finished(&self) -> bool {
        self.next >= self.recording.records.len()
    }

    /// Applies the next record; true when it was a proc sample (a refresh point).
    pub fn step(&mut self, engine: &mut Engine) -> Option<bool> {
        let r = self.recording.records.get(self.next)?;
        self.next += 1;
        engine.apply(self.player.input(r));
        let sample = matches!(r, Record::Files { .. });
        if sample {
            engine.refresh();
        }
        Some(sample)
    }

    /// Back to the recording's start (the engine fed so far must be replaced too).
    pub fn rewind(&mut self) {
        self.player = Player::new(&self.recording.header.proc_root);
        self.next = 0;
    }

    /// Applies every record up to `at` seconds; true when any was applied.
    pub fn until(&mut self, engine: &mut Engine, at: f64) -> bool {
        let mut any = false;
        while self.next_at().is_some_and(|t| t <= at) {
            self.step(engine);
            any = true;
        }
        any
    }
}

/// The report of `recording` at `at` seconds (`vips` when given, else the recording's).
pub fn report_at(recording: &Recording, at: f64, vips: &[IpAddr]) -> Option<Report> {
    let vips = if vips.is_empty() { recording.header.vips.clone() } else { vips.to_vec() };
    let mut engine = Engine::new(vips);
    Replay::new(recording).until(&mut engine, at);
    engine.report()
}

/// The peer's recording of the same incident, played beside this node's on the wall
/// clock: its report stands in for the answer the live view gets from the peer's drnfs
/// over ssh, so a replay shows both nodes and an action's dry run reads the peer as it
/// was at that moment.
pub struct PeerPlayback {
    name: String,
    replay: Replay<Box<Recording>>,
    engine: Engine,
    /// Seconds the peer's recording began after this node's (negative: before).
    offset: f64,
    /// Seconds into the peer's recording fed so far.
    position: f64,
}

impl PeerPlayback {
    /// `peer` beside `local`; the peer is named by its recording's host name.
    pub fn new(peer: Box<Recording>, local: &Recording) -> Self {
        let offset = (peer.header.started_at.unix_micros() - local.header.started_at.unix_micros()) as f64 / 1e6;
        let name = peer.header.hostname.clone().unwrap_or_else(|| "peer".to_owned());
        let engine = Engine::new(peer.header.vips.clone());
        Self { name, replay: Replay::new(peer), engine, offset, position: f64::NEG_INFINITY }
    }

    /// The peer as its recording had it at `clock` seconds into this node's recording:
    /// its last sample at or before that wall-clock moment, `at` on this node's clock
    /// (how old it is shows as on a live peer). `None` before its first sample.
    pub fn at(&mut self, clock: f64) -> Option<PeerReport> {
        let to = clock - self.offset;
        if to < self.position {
            // Back in time: the model only goes forward, so from the start again.
            self.engine = Engine::new(self.replay.recording().header.vips.clone());
            self.replay.rewind();
        }
        self.replay.until(&mut self.engine, to);
        self.position = to;
        let report = self.engine.report()?;
        Some(PeerReport { name: self.name.clone(), at: report.at + self.offset, answer: Some(Ok(Box::new(report))) })
    }
}

/// The peer's report beside this node's at `at` seconds into `local` (one-shot dry runs
/// with `--replay FILE --peer-replay FILE --at SECONDS`).
pub fn peer_report_at(local: &Recording, peer: Recording, at: f64) -> Option<PeerReport> {
    PeerPlayback::new(Box::new(peer), local).at(at)
}
