//! Chapters of a recording: the moments an incident turns (nfsd starts serving, a resync
//! or an online verify begins, a node is promoted, the peer is lost, a split brain), so a replay can jump
//! between them (`n`/`p`) instead of being watched minute by minute.
//!
//! Found from the recording's own records in one pass, without the engine: the events2
//! lines through the same merger the model uses (a change, not a repeated state), nfsd's
//! thread count and call counter from the proc samples (a client storm is a jump in
//! calls), and the kernel's split-brain line (8.4's emulated events2 does not report the
//! split-brain helper). Cheap enough to run when a replay opens.

use std::collections::VecDeque;

use drnfs_parsers::events2::{ChangeKind, Events2State};

use crate::source::recording::{Record, Recording};

/// Turns closer together than this are one chapter (a failover's demote, promote and
/// restart of nfsd are one story).
const SAME_CHAPTER_SECONDS: f64 = 20.0;

/// A client storm: nfsd's calls over the last [`STORM_WINDOW`] seconds at this many
/// times their rate over the minute before ...
const STORM_FACTOR: f64 = 10.0;
/// ... and at least this many a second (a quiet server going from 1 to 10 is no storm).
const STORM_MIN_CALLS: f64 = 100.0;
const STORM_WINDOW: f64 = 5.0;
/// The minute before, and the least of it that makes a baseline.
const BASELINE_SECONDS: f64 = 60.0;
const BASELINE_MIN_SECONDS: f64 = 10.0;

/// nfsd's call counter over the last minute, to tell when calls jump.
#[derive(Default)]
struct CallRate {
    /// (seconds into the recording, calls), oldest first.
    samples: VecDeque<(f64, u64)>,
    /// In a storm: the rate below which it is over.
    storm_ends_below: Option<f64>,
}

impl CallRate {
    /// Takes a sample; the title of a storm that begins with it.
    fn sample(&mut self, t: f64, calls: u64) -> Option<String> {
        if self.samples.back().is_some_and(|(_, c)| calls < *c) {
            // nfsd restarted: its counters with it.
            self.samples.clear();
            self.storm_ends_below = None;
        }
        self.samples.push_back((t, calls));
        while self.samples.front().is_some_and(|(t0, _)| *t0 < t - BASELINE_SECONDS - STORM_WINDOW) {
            self.samples.pop_front();
        }
        let rate = |from: f64, to: f64| {
            let first = self.samples.iter().find(|(ts, _)| *ts >= from)?;
            let last = self.samples.iter().rev().find(|(ts, _)| *ts <= to)?;
            let span = last.0 - first.0;
            (span > 0.0).then(|| (last.1 - first.1) as f64 / span).map(|r| (r, span))
        };
        let (now, span) = rate(t - STORM_WINDOW, t)?;
        if span < STORM_WINDOW - 1.5 {
            return None;
        }
        if let Some(below) = self.storm_ends_below {
            if now < below {
                self.storm_ends_below = None;
            }
            return None;
        }
        let (before, span) = rate(t - STORM_WINDOW - BASELINE_SECONDS, t - STORM_WINDOW)?;
        let threshold = STORM_MIN_CALLS.max(STORM_FACTOR * before);
        (span >= BASELINE_MIN_SECONDS && now >= threshold).then(|| {
            self.storm_ends_below = Some(threshold / 2.0);
            format!("client storm ({now:.0} calls/s, was {before:.0}/s)")
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// Seconds into the recording.
    pub at: f64,
    pub title: String,
}

/// The recording's chapters, in time order.
pub fn chapters(recording: &Recording) -> Vec<Chapter> {
    let mut turns: Vec<Chapter> = Vec::new();
    let mut state = Events2State::new();
    let mut changes = Vec::new();
    let mut threads: Option<u64> = None;
    let mut calls = CallRate::default();
    for record in &recording.records {
        match record {
            Record::Events2 { t, line, .. } => {
                changes.clear();
                if state.apply_line(line, &mut changes).is_err() {
                    continue;
                }
                for c in &changes {
                    if let Some(title) = turn(&c.resource, c.peer.is_some(), &c.what) {
                        turns.push(Chapter { at: *t, title });
                    }
                }
            }
            Record::Kernel { t, line, .. } if line.contains("Split-Brain detected") => {
                turns.push(Chapter { at: *t, title: "split brain".to_owned() });
            }
            Record::Files { t, changed, .. } => {
                let rpc = changed.get("net/rpc/nfsd").and_then(|text| text.as_ref().ok());
                if let Some(n) = rpc.and_then(|s| drnfs_parsers::nfsd_stats::parse(s).value.rpc).map(|r| r.calls)
                    && let Some(title) = calls.sample(*t, n)
                {
                    turns.push(Chapter { at: *t, title });
                }
                let Some(text) = changed.get("fs/nfsd/threads") else { continue };
                let now = text.as_ref().ok().and_then(|s| drnfs_parsers::nfsd_fs::threads(s).ok()).unwrap_or(0);
                match (threads, now) {
                    (Some(0) | None, n) if n > 0 => {
                        turns.push(Chapter { at: *t, title: format!("nfsd serving ({n} threads)") })
                    }
                    (Some(was), 0) if was > 0 => turns.push(Chapter { at: *t, title: "nfsd stopped".to_owned() }),
                    _ => {}
                }
                threads = Some(now);
            }
            _ => {}
        }
    }
    turns.sort_by(|a, b| a.at.total_cmp(&b.at));
    let mut out: Vec<Chapter> = Vec::new();
    for t in turns {
        match out.last_mut() {
            Some(last) if t.at - last.at < SAME_CHAPTER_SECONDS => {
                if !last.title.split(", ").any(|x| x == t.title) {
                    last.title = format!("{}, {}", last.title, t.title);
                }
            }
            _ => out.push(t),
        }
    }
    out
}

/// The title of a change that turns the story, if it does.
fn turn(resource: &str, on_peer: bool, what: &ChangeKind) -> Option<String> {
    let ChangeKind::State { field, old, new } = what else {
        return matches!(what, ChangeKind::HelperCalled { helper } if helper == "split-brain")
            .then(|| "split brain".to_owned());
    };
    let old = old.as_deref().unwrap_or("");
    // A state first seen (no old value: the recording began in it) is where the story
    // starts, not a turn in it.
    if old.is_empty() {
        return None;
    }
    match (field.as_str(), on_peer, new.as_str()) {
        ("role", false, "Primary") => Some(format!("{resource} promoted here")),
        ("role", false, "Secondary") if old == "Primary" => Some(format!("{resource} demoted here")),
        ("replication", true, "SyncSource" | "SyncTarget") if !old.starts_with("Sync") => {
            Some(format!("{resource} resync"))
        }
        ("replication", true, "VerifyS" | "VerifyT") if !old.starts_with("Verify") => {
            Some(format!("{resource} online verify"))
        }
        ("connection", true, "StandAlone") => Some(format!("{resource} StandAlone")),
        ("connection", true, _) if old == "Connected" => Some(format!("{resource} lost its peer")),
        _ => None,
    }
}

/// The chapter to jump to from `position`: the next one, or with `back` the one before
/// the chapter playing now (a chapter just jumped to counts as playing for 5 s, so `p`
/// twice goes back two).
pub fn jump(chapters: &[Chapter], position: f64, back: bool) -> Option<&Chapter> {
    if back {
        chapters.iter().rev().find(|c| c.at < position - 5.0)
    } else {
        chapters.iter().find(|c| c.at > position + 0.5)
    }
}

/// Where the bundled demo opens: on the pair serving NFS (before that the recording shows
/// the pair being built, with nfsd not loaded yet), a few seconds in so rates are known.
pub fn opening(chapters: &[Chapter]) -> f64 {
    chapters.iter().find(|c| c.title.contains("nfsd serving")).map_or(0.0, |c| c.at + 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn events2(t: f64, line: &str) -> Record {
        Record::Events2 { t, wall: drnfs_parsers::timestamp::Timestamp::from_unix_micros(0), line: line.to_owned() }
    }

    fn threads(t: f64, n: &str) -> Record {
        let mut changed = BTreeMap::new();
        changed.insert("fs/nfsd/threads".to_owned(), Ok(n.to_owned()));
        Record::Files {
            t,
            wall: drnfs_parsers::timestamp::Timestamp::from_unix_micros(0),
            changed,
            removed: Vec::new(),
            dirs: BTreeMap::new(),
        }
    }

    fn rpc_calls(t: f64, calls: u64) -> Record {
        let mut changed = BTreeMap::new();
        changed.insert("net/rpc/nfsd".to_owned(), Ok(format!("rpc {calls} 0 0 0 0\n")));
        Record::Files {
            t,
            wall: drnfs_parsers::timestamp::Timestamp::from_unix_micros(0),
            changed,
            removed: Vec::new(),
            dirs: BTreeMap::new(),
        }
    }

    /// nfsd's calls each second from `rates` (one rate a second, from `t0`).
    fn calls_from(t0: f64, start: u64, rates: &[u64]) -> Vec<Record> {
        let mut calls = start;
        rates
            .iter()
            .enumerate()
            .map(|(i, r)| {
                calls += r;
                rpc_calls(t0 + i as f64, calls)
            })
            .collect()
    }

    #[test]
    fn a_jump_in_nfsd_calls_is_a_client_storm_once() {
        // A minute at 3 calls/s, 20 s at 300/s, a minute at 3/s, then 20 s at 60/s.
        let mut rates = vec![3; 60];
        rates.extend([300; 20]);
        rates.extend([3; 60]);
        rates.extend([60; 20]);
        let c = chapters(&recording(calls_from(0.0, 1000, &rates)));
        let titles: Vec<(f64, &str)> = c.iter().map(|c| (c.at, c.title.as_str())).collect();
        // On the storm's second second the last 5 s hold 3+3+3+300+300 calls: 122/s, over
        // both 10x the minute before (30/s) and the 100/s floor. Once: not again while it
        // lasts, and 60/s later is 20x the minute before but under the floor.
        assert_eq!(titles, [(61.0, "client storm (122 calls/s, was 3/s)")]);
        // Counters that go back (nfsd restarted) start a new baseline, not a storm.
        let mut restarted = calls_from(0.0, 1_000_000, &[3; 30]);
        restarted.extend(calls_from(30.0, 0, &[3; 30]));
        assert!(chapters(&recording(restarted)).is_empty());
        // A recording that begins in a storm has no minute before it: no chapter.
        assert!(chapters(&recording(calls_from(0.0, 0, &[300; 30]))).is_empty());
    }

    fn recording(records: Vec<Record>) -> Recording {
        let header = crate::source::recording::Header {
            format: crate::source::recording::FORMAT.to_owned(),
            version: 1,
            drnfs_version: "test".to_owned(),
            hostname: None,
            started_at: drnfs_parsers::timestamp::Timestamp::from_unix_micros(0),
            interval_ms: 1000,
            vips: Vec::new(),
            proc_root: "/proc".to_owned(),
            note: None,
        };
        Recording { header, records, problems: Vec::new() }
    }

    #[test]
    fn turns_are_chapters_and_repeats_are_not() {
        let rec = recording(vec![
            events2(1.0, "exists resource name:r0 role:Secondary"),
            events2(1.0, "exists connection name:r0 peer-node-id:0 conn-name:peer connection:Connected role:Secondary"),
            events2(1.0, "exists peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:Established"),
            events2(10.0, "change resource name:r0 role:Primary"),
            events2(12.0, "change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:SyncSource"),
            // Progress of the same resync: not a new chapter.
            events2(80.0, "change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:SyncSource"),
            threads(100.0, "0"),
            threads(101.0, "8"),
            threads(102.0, "8"),
            events2(200.0, "change connection name:r0 peer-node-id:0 conn-name:peer connection:Connecting"),
            Record::Kernel { t: 300.0, wall: None, line: "block drbd0: Split-Brain detected but unresolved".into() },
            events2(301.0, "change connection name:r0 peer-node-id:0 conn-name:peer connection:StandAlone"),
            threads(400.0, "0"),
            events2(500.0, "change connection name:r0 peer-node-id:0 conn-name:peer connection:Connected"),
            events2(520.0, "change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:Established"),
            events2(600.0, "change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:VerifyS"),
            events2(650.0, "change peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:VerifyS"),
        ]);
        let c = chapters(&rec);
        let titles: Vec<(f64, &str)> = c.iter().map(|c| (c.at, c.title.as_str())).collect();
        assert_eq!(
            titles,
            [
                (10.0, "r0 promoted here, r0 resync"),
                (101.0, "nfsd serving (8 threads)"),
                (200.0, "r0 lost its peer"),
                (300.0, "split brain, r0 StandAlone"),
                (400.0, "nfsd stopped"),
                (600.0, "r0 online verify"),
            ]
        );
        assert_eq!(opening(&c), 104.0);
        assert_eq!(jump(&c, 0.0, false).map(|c| c.at), Some(10.0));
        assert_eq!(jump(&c, 101.0, false).map(|c| c.at), Some(200.0));
        assert_eq!(jump(&c, 101.0, true).map(|c| c.at), Some(10.0), "back from a chapter just opened");
        assert_eq!(jump(&c, 150.0, true).map(|c| c.at), Some(101.0));
        assert_eq!(jump(&c, 5.0, true), None);
        assert_eq!(jump(&c, 650.0, false), None);
        assert_eq!(opening(&[]), 0.0);
    }
}
