//! The replay mode: a recording (`drnfs record`) fed through the engine as it happened,
//! to any moment — for `--replay` in the live view, and for one-shot commands and dry runs
//! asked about a moment of it (`--replay FILE --at SECONDS`).

use std::net::IpAddr;

use super::{Engine, Report};
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
