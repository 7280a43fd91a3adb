//! The one-shot mode: every source read once (twice, `sample_seconds` apart, for rates)
//! into a fresh engine, for `drnfs snapshot`, `doctor`, the actions' preflight and the
//! agent answering its peer.

use std::time::{Duration, Instant};

use super::{Engine, Report};
use crate::source::input::{ChildStatus, Input};
use crate::source::{SourceConfig, bounded, drbdsetup, live, rpc_status};

/// The events2 text of a one-shot read: the file given, else `drbdsetup events2 --now`
/// on a live node with DRBD, else why there is none.
fn events2(sources: &SourceConfig, engine: &mut Engine) {
    let proc = sources.proc();
    match &sources.events2_file {
        Some(file) => {
            let source = file.display().to_string();
            let cannot_read = |engine: &mut Engine, e: std::io::Error| {
                engine.apply(Input::Events2Status {
                    at: 0.0,
                    status: ChildStatus::NotRunning { reason: format!("cannot read {source}: {e}") },
                })
            };
            match is_status_json(file) {
                // `drbdsetup status --json`: one document, read whole.
                Ok(true) => match bounded::read(file, bounded::MAX_STREAM, bounded::MAX_LINE) {
                    Ok(b) => {
                        for cut in &b.cuts {
                            engine.warn(&source, cut);
                        }
                        engine.load_status_json(&b.text, &source)
                    }
                    Err(e) => cannot_read(engine, e),
                },
                // An events2 stream, applied line by line as it is read: a recording of
                // hours is hundreds of MiB, which the report need not hold.
                Ok(false) => {
                    engine.apply(Input::Events2Status {
                        at: 0.0,
                        status: ChildStatus::Running { source: source.clone() },
                    });
                    let fed = bounded::for_each_line(file, bounded::MAX_STREAM, bounded::MAX_LINE, |line| {
                        feed_events2_line(engine, line)
                    });
                    match fed {
                        Ok(cuts) => {
                            for cut in &cuts {
                                engine.warn(&source, cut);
                            }
                        }
                        Err(e) => cannot_read(engine, e),
                    }
                }
                Err(e) => cannot_read(engine, e),
            }
        }
        None if sources.live && proc.exists("drbd") => {
            let source = format!("{} {}", sources.drbdsetup.display(), drbdsetup::events2_now_args().join(" "));
            match drbdsetup::events2_now(&sources.drbdsetup) {
                Ok(text) => feed_events2(engine, &text, source),
                Err(e) => engine
                    .apply(Input::Events2Status { at: 0.0, status: ChildStatus::NotRunning { reason: e.to_string() } }),
            }
        }
        None => {
            let reason =
                if sources.live { "DRBD is not loaded" } else { "reading a captured proc root; pass --events2-file" };
            engine
                .apply(Input::Events2Status { at: 0.0, status: ChildStatus::NotRunning { reason: reason.to_owned() } });
        }
    }
}

/// Whether the file's first character that is not white space is `[`: the JSON array
/// `drbdsetup status --json` prints, not an events2 stream.
fn is_status_json(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut chunk = [0u8; 4096];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            return Ok(false);
        }
        let text = String::from_utf8_lossy(&chunk[..n]);
        if let Some(c) = text.trim_start().chars().next() {
            return Ok(c == '[');
        }
    }
}

/// Lines of an events2 dump, as if a child had printed them.
pub fn feed_events2(engine: &mut Engine, text: &str, source: String) {
    engine.apply(Input::Events2Status { at: 0.0, status: ChildStatus::Running { source } });
    for line in text.lines() {
        feed_events2_line(engine, line);
    }
}

/// One line of an events2 dump, as if a child had just printed it.
fn feed_events2_line(engine: &mut Engine, line: &str) {
    engine.apply(Input::Events2Line { at: 0.0, wall: crate::clock::now(), line: line.to_owned() });
}

/// The kernel log: the file given, else the ring buffer on a live node with DRBD.
fn kernel_log(sources: &SourceConfig, engine: &mut Engine) -> anyhow::Result<()> {
    if let Some(f) = &sources.kernel_log_file {
        let b = bounded::read(f, bounded::MAX_FILE, bounded::MAX_LINE)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        for cut in &b.cuts {
            engine.warn(&f.display().to_string(), cut);
        }
        for line in b.text.lines() {
            engine.apply(Input::KernelLog { at: 0.0, wall: None, line: line.to_owned() });
        }
    } else if sources.live && sources.proc().exists("drbd") {
        // The ring buffer holds the split-brain and state-change lines the verdicts need.
        match live::read_kmsg_once() {
            Ok(records) => {
                for (wall, line) in records {
                    engine.apply(Input::KernelLog { at: 0.0, wall: Some(wall), line });
                }
            }
            Err(e) => tracing::warn!("DRBD kernel-log lines not read: {e}"),
        }
    }
    Ok(())
}

/// Reads every source once (twice, `sample_seconds` apart, for rates) and returns the
/// report.
pub fn take(sources: &SourceConfig, sample_seconds: Option<f64>) -> anyhow::Result<Report> {
    let start = Instant::now();
    let mut engine = Engine::new(sources.vips());
    let proc = sources.proc();
    let config = sources.config_source();
    // The first sample before anything slow: the rate window starts when drnfs starts,
    // as a tool of record started beside it (`iostat -x 10 1`) measures from then.
    // events2, the configuration and the kernel log (a second on the lab's VMs) are read
    // inside the window and applied before the sample, in the order the model expects.
    let first = live::sample_blocking(&proc, sources.live, sources.nfs_port, Some(&config), start);
    events2(sources, &mut engine);
    if let Some(text) = live::read_config(&config) {
        engine.apply(Input::DrbdConfig { at: 0.0, text });
    }
    kernel_log(sources, &mut engine)?;
    for i in first {
        engine.apply(i);
    }
    if let Some(secs) = sample_seconds {
        // What is left of the window after the reading above.
        let window = Duration::from_secs_f64(secs.clamp(0.0, 3600.0)).saturating_sub(start.elapsed());
        // Meanwhile, who keeps nfsd's threads busy (where the kernel can say).
        let activity = if sources.live {
            rpc_status::sample_for(window)
        } else {
            std::thread::sleep(window);
            Err(crate::source::SourceError::Io {
                path: "netlink nfsd rpc-status".to_owned(),
                message: "not read from a captured proc root".to_owned(),
            })
        };
        for i in live::sample_blocking(&proc, sources.live, sources.nfs_port, Some(&config), start) {
            engine.apply(i);
        }
        engine.apply(Input::RpcActivity { at: start.elapsed().as_secs_f64(), activity });
    }
    engine.refresh();
    engine.report().ok_or_else(|| anyhow::anyhow!("no sample was taken"))
}
