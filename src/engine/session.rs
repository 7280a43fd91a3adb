//! A running session for the live view: the collectors of the live or capture mode (and
//! the reverse-DNS resolver) started here, or a recording paced by its own clock, all
//! folded into one [`Engine`]. The view only asks [`Session::changed`] and draws the
//! report; it starts no source itself.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{Receiver, Sender};

use super::chapters::Chapter;
use super::replay::{PeerPlayback, Replay};
use super::{Engine, Report};
use crate::source::input::Input;
use crate::source::live::{self, LiveOptions};
use crate::source::recording::{Record, Recording};
use crate::source::resolver::Resolver;

/// Where a session's inputs come from.
pub enum Feed {
    /// This node, every interval (the resolver names its clients).
    Live(LiveOptions),
    /// A captured proc root re-read every interval (with optional events2/kernel log files).
    Capture(LiveOptions),
    /// A recording, played at `speed` times real time, from its start or (the demo) from
    /// where the pair serves NFS ([`super::chapters::opening`]); with the peer's
    /// recording of the same time, played beside it as the peer's answers.
    Replay { recording: Box<Recording>, peer: Option<Box<Recording>>, speed: f64, open_serving: bool },
}

/// The replay's clock and the viewer's hold on it (the view's keys change it).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayClock {
    pub paused: bool,
    pub speed: f64,
    /// Seconds into the recording, and its length.
    pub position: f64,
    pub duration: f64,
    pub finished: bool,
    /// Set by the step key; cleared after one sample.
    pub step_requested: bool,
    /// The recording's chapters (`n`/`p` jump between them).
    pub chapters: Vec<Chapter>,
    /// A jump asked for (seconds into the recording); cleared once done.
    pub seek: Option<f64>,
}

struct ReplayDriver {
    replay: Replay<Box<Recording>>,
    peer: Option<PeerPlayback>,
    /// The service addresses the engine was started with (a rewind starts a new one).
    vips: Vec<IpAddr>,
    clock: f64,
    last: Instant,
    tick: tokio::time::Interval,
}

pub struct Session {
    engine: Engine,
    rx: Option<Receiver<Input>>,
    /// For the resolver's answers (live mode only).
    resolve: Option<(Resolver, Sender<Input>)>,
    replay: Option<ReplayDriver>,
}

impl Session {
    /// Starts the collectors (live, capture) or the replay. Needs a tokio runtime.
    pub fn start(feed: Feed, vips: Vec<IpAddr>) -> (Session, Option<ReplayClock>) {
        let mut engine = Engine::new(vips.clone());
        match feed {
            Feed::Live(o) => {
                let (tx, rx) = tokio::sync::mpsc::channel::<Input>(4096);
                // From the first frame on, a configured peer has its place: "asking" until
                // it answers, so "not known yet" never looks like "no peer".
                if let Some(p) = &o.peer {
                    engine.apply(Input::PeerAsking { at: 0.0, name: p.name.clone() });
                }
                live::spawn(o, tx.clone(), Instant::now());
                (Session { engine, rx: Some(rx), resolve: Some((Resolver::new(), tx)), replay: None }, None)
            }
            Feed::Capture(o) => {
                let (tx, rx) = tokio::sync::mpsc::channel::<Input>(4096);
                live::spawn(o, tx, Instant::now());
                (Session { engine, rx: Some(rx), resolve: None, replay: None }, None)
            }
            Feed::Replay { recording, peer, speed, open_serving } => {
                // One pass over the recording finds the chapters, and the demo's opening in them.
                let chapters = super::chapters::chapters(&recording);
                let start = if open_serving { super::chapters::opening(&chapters) } else { 0.0 };
                let start = start.clamp(0.0, recording.duration());
                let clock = ReplayClock {
                    paused: false,
                    speed,
                    position: start,
                    duration: recording.duration(),
                    finished: false,
                    step_requested: false,
                    chapters,
                    seek: None,
                };
                let mut tick = tokio::time::interval(Duration::from_millis(100));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                let mut peer = peer.map(|p| PeerPlayback::new(p, &recording));
                let mut replay = Replay::new(recording);
                replay.until(&mut engine, start);
                engine.refresh();
                follow_peer(peer.as_mut(), &mut engine, start);
                let driver = ReplayDriver { replay, peer, vips, clock: start, last: Instant::now(), tick };
                (Session { engine, rx: None, resolve: None, replay: Some(driver) }, Some(clock))
            }
        }
    }

    /// Waits for what comes next — collector inputs, or the replay clock's tick — and
    /// applies it. True when the report changed. Cancel-safe (for `select!`).
    pub async fn changed(&mut self, clock: Option<&mut ReplayClock>) -> bool {
        if let Some(d) = self.replay.as_mut() {
            d.tick.tick().await;
            let Some(c) = clock else { return false };
            return advance(d, &mut self.engine, c);
        }
        let Some(rx) = self.rx.as_mut() else { return std::future::pending().await };
        let Some(first) = rx.recv().await else { return std::future::pending().await };
        let mut inputs = vec![first];
        // Whatever queued up meanwhile, then one refresh.
        while let Ok(more) = rx.try_recv() {
            inputs.push(more);
        }
        for i in inputs {
            if let (Input::Hostname { address, name }, Some((r, _))) = (&i, self.resolve.as_mut()) {
                r.finished(*address, name.clone());
            }
            self.engine.apply(i);
        }
        if let Some((r, tx)) = self.resolve.as_mut() {
            r.request(self.engine.model().clients.rows.iter().map(|c| c.address), tx);
        }
        self.engine.refresh();
        true
    }

    pub fn report(&self) -> Option<Report> {
        self.engine.report()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Applies the records that are due on the replay clock; true when any was.
fn advance(d: &mut ReplayDriver, engine: &mut Engine, c: &mut ReplayClock) -> bool {
    let elapsed = d.last.elapsed().as_secs_f64();
    d.last = Instant::now();
    let mut applied = false;
    if let Some(to) = c.seek.take() {
        // Backwards means from the start again: the model's history only goes forward.
        if to < d.clock {
            *engine = Engine::new(d.vips.clone());
            d.replay.rewind();
        }
        d.replay.until(engine, to);
        engine.refresh();
        d.clock = to;
        applied = true;
    } else if c.paused {
        if c.step_requested {
            c.step_requested = false;
            // One step: everything up to and including the next proc sample.
            while let Some(t) = d.replay.next_at() {
                d.clock = t;
                applied = true;
                if d.replay.step(engine) == Some(true) {
                    break;
                }
            }
        }
    } else {
        d.clock += elapsed * c.speed;
        applied |= d.replay.until(engine, d.clock);
    }
    if applied {
        follow_peer(d.peer.as_mut(), engine, d.clock);
    }
    c.position = d.clock.min(c.duration);
    let finished = d.replay.finished();
    if finished != c.finished {
        c.finished = finished;
        applied = true;
    }
    applied
}

/// Brings the peer's recording to `clock` and hands its report to `engine`.
fn follow_peer(peer: Option<&mut PeerPlayback>, engine: &mut Engine, clock: f64) {
    if let Some(p) = peer
        && let Some(report) = p.at(clock)
    {
        engine.set_recorded_peer(report);
    }
}

/// Every record of `recording` up to `at`, for a picture of that moment.
pub fn replay_to(recording: &Recording, at: f64) -> Engine {
    let mut engine = Engine::new(recording.header.vips.clone());
    Replay::new(recording).until(&mut engine, at);
    engine
}

/// Seconds into `recording` of its proc samples (the moments a replay can stop at).
pub fn sample_times(recording: &Recording) -> Vec<f64> {
    recording.records.iter().filter(|r| matches!(r, Record::Files { .. })).map(Record::t).collect()
}
