//! Live collection on tokio tasks: proc files and sockets every interval, a long-lived
//! `drbdsetup events2` child restarted with backoff, and the kernel log. Every task sends
//! [`Input`]s on one channel; none of them ever blocks the UI.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use drnfs_parsers::timestamp::Timestamp;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc::Sender;

use super::input::{ChildStatus, Input};
use super::proc_files::FileSet;
use super::{ProcRoot, sock_diag};
use crate::clock::now;

/// What to collect, and how.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub proc: ProcRoot,
    pub interval: Duration,
    /// Local TCP port of the NFS server.
    pub nfs_port: u16,
    pub sockets: bool,
    pub events2: Events2Source,
    pub kernel_log: KernelLogSource,
    pub drbd_config: ConfigSource,
    /// Ask the peer for its snapshot over ssh every few seconds (drnfs.toml's [peer]).
    pub peer: Option<PeerSource>,
}

/// How to ask the peer: its name and the argv of `ssh … drnfs agent`.
#[derive(Debug, Clone)]
pub struct PeerSource {
    pub name: String,
    pub argv: Vec<String>,
}

impl PeerSource {
    pub fn new(peer: &crate::config::Peer) -> Self {
        Self { name: peer.name.clone(), argv: peer.drnfs_argv(&["agent"]) }
    }
}

/// Seconds between two questions to the peer (each a full read there).
const PEER_PERIOD: Duration = Duration::from_secs(5);
/// Longest wait for one answer of the peer: a loaded peer under a loaded link is slow,
/// and "no answer yet" is shown meanwhile.
const PEER_DEADLINE: Duration = Duration::from_secs(30);

/// Asks the peer for its state every [`PEER_PERIOD`] over one `drnfs agent` session, so
/// an ssh handshake (seconds of CPU on a small node) is paid once, not every time. A
/// session that dies or misses its deadline is replaced at the next question.
async fn peer_loop(peer: PeerSource, tx: Sender<Input>, start: Instant) {
    // Until the first answer, the view says the peer is being asked rather than showing
    // nothing.
    if tx.send(Input::PeerAsking { at: seconds_since(start), name: peer.name.clone() }).await.is_err() {
        return;
    }
    let mut session: Option<crate::peer::Session> = None;
    loop {
        let p = peer.clone();
        let open = session.take();
        let asked = tokio::task::spawn_blocking(move || {
            let mut s = match open {
                Some(s) => s,
                None => match crate::peer::Session::spawn(&p.name, &p.argv) {
                    Ok(s) => s,
                    Err(e) => return (None, Err(e.to_string())),
                },
            };
            let req = crate::peer::Request::State { resource: String::new() };
            let answer = match s.request_within(&req, PEER_DEADLINE) {
                Ok(resp) => resp
                    .snapshot
                    .filter(|v| v.get("host").is_some())
                    .ok_or_else(|| resp.error.unwrap_or_else(|| "the peer's drnfs sent no snapshot".to_owned())),
                Err(e) => Err(format!("{e:#}")),
            };
            let keep = (answer.is_ok()).then_some(s);
            (keep, answer)
        })
        .await;
        let snapshot = match asked {
            Ok((kept, answer)) => {
                session = kept;
                answer
            }
            Err(e) => Err(format!("asking the peer failed: {e}")),
        };
        if tx.send(Input::Peer { at: seconds_since(start), name: peer.name.clone(), snapshot }).await.is_err() {
            return;
        }
        tokio::time::sleep(PEER_PERIOD).await;
    }
}

/// Where the DRBD configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// `drbdadm dump all`, every few minutes (it changes rarely).
    Drbdadm {
        program: PathBuf,
    },
    File(PathBuf),
    None,
}

/// How often a live drnfs re-reads the DRBD configuration even when its files look
/// unchanged (an include outside /etc/drbd.d, a clock jump).
pub const CONFIG_EVERY: Duration = Duration::from_secs(300);
/// How often the configuration files are stat-ed for a change (cheap; `drbdadm dump`
/// runs only when one changed).
const CONFIG_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Names, sizes and modification times of the DRBD configuration files: when this
/// changes, somebody edited the configuration.
pub fn config_fingerprint(dirs: &[&std::path::Path]) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
    let mut out = Vec::new();
    for d in dirs {
        let entries: Vec<PathBuf> = if d.is_dir() {
            std::fs::read_dir(d).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default()
        } else {
            vec![d.to_path_buf()]
        };
        for p in entries {
            if let Ok(m) = std::fs::metadata(&p) {
                out.push((p, m.len(), m.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

/// The DRBD configuration files whose change means a new `drbdadm dump all`.
const CONFIG_FILES: [&str; 2] = ["/etc/drbd.conf", "/etc/drbd.d"];

type ConfigMemo = (PathBuf, Vec<(PathBuf, u64, Option<std::time::SystemTime>)>, Instant, String);

/// The last `drbdadm dump all` this process ran, for the files as they were then. A
/// long-lived process asked for the configuration again and again (the agent answering
/// the peer's live view every few seconds) runs drbdadm only when a file changed or
/// [`CONFIG_EVERY`] passed.
static CONFIG_MEMO: std::sync::Mutex<Option<ConfigMemo>> = std::sync::Mutex::new(None);

/// The DRBD configuration, once.
pub fn read_config(source: &ConfigSource) -> Option<Result<String, crate::source::SourceError>> {
    match source {
        ConfigSource::Drbdadm { program } => {
            let files: Vec<&std::path::Path> = CONFIG_FILES.iter().map(std::path::Path::new).collect();
            let print = config_fingerprint(&files);
            if let Ok(memo) = CONFIG_MEMO.lock()
                && let Some((p, f, at, text)) = memo.as_ref()
                && p == program
                && *f == print
                && at.elapsed() < CONFIG_EVERY
            {
                return Some(Ok(text.clone()));
            }
            let read = crate::source::drbdsetup::run_with_timeout(
                program,
                &["dump", "all"],
                crate::source::drbdsetup::ONE_SHOT_TIMEOUT,
            );
            if let (Ok(text), Ok(mut memo)) = (&read, CONFIG_MEMO.lock()) {
                *memo = Some((program.clone(), print, Instant::now(), text.clone()));
            }
            Some(read)
        }
        ConfigSource::File(path) => Some(
            super::bounded::read(path, super::bounded::MAX_FILE, super::bounded::MAX_LINE).map(|b| b.text).map_err(
                |e| crate::source::SourceError::Io { path: path.display().to_string(), message: e.to_string() },
            ),
        ),
        ConfigSource::None => None,
    }
}

#[derive(Debug, Clone)]
pub enum Events2Source {
    /// Run `drbdsetup events2 --timestamps --statistics all`, restarting it when it dies.
    Child {
        program: PathBuf,
    },
    /// Lines from a file, read once.
    File(PathBuf),
    None(String),
}

#[derive(Debug, Clone)]
pub enum KernelLogSource {
    /// Follow `/dev/kmsg`.
    Kmsg,
    File(PathBuf),
    None,
}

/// Seconds since `start`, the clock every input carries.
pub fn seconds_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Starts every collector; they stop when the receiver is dropped.
pub fn spawn(opts: LiveOptions, tx: Sender<Input>, start: Instant) {
    tokio::spawn(sample_loop(opts.clone(), tx.clone(), start));
    if let Some(peer) = opts.peer.clone() {
        tokio::spawn(peer_loop(peer, tx.clone(), start));
    }
    if opts.sockets {
        super::rpc_status::spawn_sampler(opts.interval, tx.clone(), start);
    }
    match opts.events2.clone() {
        Events2Source::Child { program } => {
            tokio::spawn(events2_child(program, tx.clone(), start));
        }
        Events2Source::File(path) => {
            let tx = tx.clone();
            tokio::spawn(async move { events2_file(path, tx, start).await });
        }
        Events2Source::None(reason) => {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = tx
                    .send(Input::Events2Status { at: seconds_since(start), status: ChildStatus::NotRunning { reason } })
                    .await;
            });
        }
    }
    let config = opts.drbd_config.clone();
    let config_tx = tx.clone();
    tokio::spawn(async move {
        let files: Vec<&std::path::Path> = CONFIG_FILES.iter().map(std::path::Path::new).collect();
        loop {
            let c = config.clone();
            let Ok(Some(text)) = tokio::task::spawn_blocking(move || read_config(&c)).await else { return };
            if config_tx.send(Input::DrbdConfig { at: seconds_since(start), text }).await.is_err() {
                return;
            }
            if !matches!(config, ConfigSource::Drbdadm { .. }) {
                return;
            }
            // Re-read when a file changes (an edit shows within seconds), else every
            // CONFIG_EVERY.
            let read_at = Instant::now();
            let before = config_fingerprint(&files);
            while read_at.elapsed() < CONFIG_EVERY {
                tokio::time::sleep(CONFIG_CHECK_EVERY).await;
                if config_tx.is_closed() {
                    return;
                }
                if config_fingerprint(&files) != before {
                    tracing::info!("DRBD configuration files changed; reading them again");
                    break;
                }
            }
        }
    });
    match opts.kernel_log {
        KernelLogSource::Kmsg => {
            let tx = tx.clone();
            std::thread::Builder::new().name("kmsg".into()).spawn(move || follow_kmsg(tx, start)).ok();
        }
        KernelLogSource::File(path) => {
            let tx = tx.clone();
            tokio::spawn(async move {
                let source = path.display().to_string();
                let read = tokio::task::spawn_blocking(move || {
                    super::bounded::read(&path, super::bounded::MAX_FILE, super::bounded::MAX_LINE)
                })
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
                let text = match read {
                    Ok(b) => {
                        for message in b.cuts {
                            let _ = tx.send(Input::SourceWarning { source: source.clone(), message }).await;
                        }
                        b.text
                    }
                    Err(e) => {
                        // Not an empty log: the verdicts that need it say it is missing.
                        let message = format!("cannot read it: {e}; no kernel-log evidence (split brain, fencing)");
                        let _ = tx.send(Input::SourceWarning { source, message }).await;
                        return;
                    }
                };
                for line in text.lines().filter(|l| l.contains("drbd")) {
                    let _ =
                        tx.send(Input::KernelLog { at: seconds_since(start), wall: None, line: line.to_owned() }).await;
                }
            });
        }
        KernelLogSource::None => {}
    }
}

/// One sample of the proc files and sockets, off the async threads. With `replication`
/// (the DRBD configuration's source), DRBD's own connections are dumped too, found by the
/// ports the configuration gives.
pub fn sample_blocking(
    proc: &ProcRoot,
    sockets: bool,
    port: u16,
    replication: Option<&ConfigSource>,
    start: Instant,
) -> Vec<Input> {
    let wall = now();
    let at = seconds_since(start);
    let files = FileSet::read(proc);
    let mut out = vec![Input::Files { at, wall, files: Box::new(files) }];
    if sockets {
        let raw = sock_diag::dump_port_raw(port);
        out.push(Input::Sockets { at: seconds_since(start), raw });
        let ports = replication.map(replication_ports).unwrap_or_default();
        if !ports.is_empty() {
            let raw = sock_diag::dump_replication(&ports);
            out.push(Input::ReplicationSockets { at: seconds_since(start), raw });
        }
    }
    out
}

/// The TCP ports of the configured replication links (none when the configuration cannot
/// be read: the link is then reported as not measured, not as idle).
pub fn replication_ports(config: &ConfigSource) -> Vec<u16> {
    match read_config(config) {
        Some(Ok(text)) => drnfs_parsers::drbd_config::parse(&text)
            .map(|top| drnfs_parsers::drbd_config::replication_ports(&drnfs_parsers::drbd_config::resources(&top)))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

async fn sample_loop(opts: LiveOptions, tx: Sender<Input>, start: Instant) {
    let mut tick = tokio::time::interval(opts.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let (proc, sockets, port, config) = (opts.proc.clone(), opts.sockets, opts.nfs_port, opts.drbd_config.clone());
        let sampled = tokio::task::spawn_blocking(move || sample_blocking(&proc, sockets, port, Some(&config), start));
        let Ok(inputs) = sampled.await else {
            continue;
        };
        for i in inputs {
            if tx.send(i).await.is_err() {
                return;
            }
        }
    }
}

async fn events2_file(path: PathBuf, tx: Sender<Input>, start: Instant) {
    let at = seconds_since(start);
    let file = path.clone();
    let read = tokio::task::spawn_blocking(move || {
        super::bounded::read(&file, super::bounded::MAX_STREAM, super::bounded::MAX_LINE)
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
    match read {
        Ok(b) => {
            let source = path.display().to_string();
            let status = ChildStatus::Running { source: source.clone() };
            let _ = tx.send(Input::Events2Status { at, status }).await;
            for message in b.cuts {
                let _ = tx.send(Input::SourceWarning { source: source.clone(), message }).await;
            }
            for line in b.text.lines() {
                let _ = tx.send(Input::Events2Line { at, wall: now(), line: line.to_owned() }).await;
            }
        }
        Err(e) => {
            let reason = format!("cannot read {}: {e}", path.display());
            let _ = tx.send(Input::Events2Status { at, status: ChildStatus::NotRunning { reason } }).await;
        }
    }
}

/// Backoff between restarts of a dead events2 child: 1, 2, 4 … 30 s.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64.checked_shl(failures.min(5)).unwrap_or(30).min(30))
}

async fn events2_child(program: PathBuf, tx: Sender<Input>, start: Instant) {
    let mut failures = 0u32;
    loop {
        let started = Instant::now();
        let reason = run_events2_once(&program, &tx, start).await;
        if tx.is_closed() {
            return;
        }
        // A child that ran for a while before dying starts the backoff over.
        if started.elapsed() > Duration::from_secs(60) {
            failures = 0;
        }
        let wait = backoff(failures);
        failures += 1;
        tracing::warn!(%reason, retry_in_seconds = wait.as_secs(), "drbdsetup events2 stopped");
        let status = ChildStatus::Failed { reason, retry_in_seconds: wait.as_secs() };
        if tx.send(Input::Events2Status { at: seconds_since(start), status }).await.is_err() {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Runs the child until it exits; returns why it stopped.
async fn run_events2_once(program: &PathBuf, tx: &Sender<Input>, start: Instant) -> String {
    let mut child = match tokio::process::Command::new(program)
        .args(["events2", "--timestamps", "--statistics", "all"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return format!("{} not installed (drbd-utils provides it)", program.display());
        }
        Err(e) => return format!("cannot start {}: {e}", program.display()),
    };
    let source = format!("{} events2 --timestamps --statistics all", program.display());
    tracing::info!(command = %source, pid = child.id(), "drbdsetup events2 started");
    let _ = tx.send(Input::Events2Status { at: seconds_since(start), status: ChildStatus::Running { source } }).await;
    let Some(stdout) = child.stdout.take() else { return "no stdout".to_owned() };
    let stderr = child.stderr.take();
    let mut stdout = tokio::io::BufReader::new(stdout);
    loop {
        match super::bounded::read_line_async(&mut stdout, super::bounded::MAX_LINE).await {
            Ok(Some((line, cut))) => {
                if cut {
                    // No real events2 line comes near this; what is kept fails to parse and
                    // the model says so with the line's number.
                    tracing::warn!("drbdsetup events2 wrote a line over {} bytes: cut", super::bounded::MAX_LINE);
                }
                if tx.send(Input::Events2Line { at: seconds_since(start), wall: now(), line }).await.is_err() {
                    return "drnfs is stopping".to_owned();
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = child.kill().await;
                return format!("reading its output failed: {e}");
            }
        }
    }
    let status = child.wait().await.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
    let mut err = Vec::new();
    if let Some(s) = stderr {
        // Why it died is in the first lines; a child that floods stderr is not kept whole.
        let _ = s.take(super::bounded::MAX_LINE as u64).read_to_end(&mut err).await;
    }
    let err = String::from_utf8_lossy(&err);
    let err = err.trim();
    if err.is_empty() {
        format!("drbdsetup events2 exited ({status})")
    } else {
        format!("drbdsetup events2 exited ({status}): {err}")
    }
}

/// Follows `/dev/kmsg` (the whole ring buffer first), sending DRBD records with the wall
/// time the kernel logged them.
fn follow_kmsg(tx: Sender<Input>, start: Instant) {
    let file = match std::fs::File::open("/dev/kmsg") {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("cannot read /dev/kmsg: {e}; DRBD kernel-log lines are not followed");
            let line = format!("drnfs: cannot read /dev/kmsg: {e}");
            let _ = tx.blocking_send(Input::KernelLog { at: seconds_since(start), wall: Some(now()), line });
            return;
        }
    };
    let sent = drbd_kmsg_records(file, |wall, line| {
        tx.blocking_send(Input::KernelLog { at: seconds_since(start), wall: Some(wall), line }).is_ok()
    });
    if let Err(e) = sent {
        tracing::warn!("/dev/kmsg: {e}; DRBD kernel-log lines are no longer followed");
    }
}

/// Reads `/dev/kmsg` record by record (each read() returns one record), passing the DRBD
/// ones with the wall time the kernel logged them to `each`, until `each` returns false,
/// the file ends, or — opened non-blocking — the ring buffer is drained.
fn drbd_kmsg_records(mut file: std::fs::File, mut each: impl FnMut(Timestamp, String) -> bool) -> std::io::Result<()> {
    use std::io::Read;
    let mut buf = vec![0u8; 8192];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                // The message is the first line; the lines after it (indented) are its
                // dictionary (SUBSYSTEM=, DEVICE=).
                let record = String::from_utf8_lossy(&buf[..n]);
                let line = record.lines().next().unwrap_or("").trim_end();
                if line.contains("drbd") && !each(kmsg_wall_time(line).unwrap_or_else(now), line.to_owned()) {
                    return Ok(());
                }
            }
            // EPIPE: the record was overwritten before it was read; the next one follows.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// The DRBD records in the kernel's ring buffer now, for one-shot commands (snapshot,
/// doctor): `/dev/kmsg` read without waiting, each record with the wall time the kernel
/// logged it.
pub fn read_kmsg_once() -> Result<Vec<(Timestamp, String)>, crate::source::SourceError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io_error =
        |e: std::io::Error| crate::source::SourceError::Io { path: "/dev/kmsg".to_owned(), message: e.to_string() };
    let file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open("/dev/kmsg").map_err(io_error)?;
    let mut out = Vec::new();
    drbd_kmsg_records(file, |wall, line| {
        out.push((wall, line));
        true
    })
    .map_err(io_error)?;
    Ok(out)
}

/// The wall time of a `/dev/kmsg` record from its monotonic timestamp and the uptime.
fn kmsg_wall_time(record: &str) -> Option<Timestamp> {
    let us: u64 = record.split(';').next()?.split(',').nth(2)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    let ago_us = (uptime * 1e6) as i64 - i64::try_from(us).ok()?;
    Some(Timestamp::from_unix_micros(now().unix_micros() - ago_us.max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fingerprint_changes_with_an_edit() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("r0.res"), "resource r0 { net { protocol C; } }").unwrap();
        let before = config_fingerprint(&[d.path()]);
        assert_eq!(before.len(), 1);
        assert_eq!(before, config_fingerprint(&[d.path()]));
        std::fs::write(d.path().join("r0.res"), "resource r0 { net { protocol A; } }\n").unwrap();
        assert_ne!(before, config_fingerprint(&[d.path()]));
        assert!(config_fingerprint(&[&d.path().join("absent")]).is_empty());
    }

    #[test]
    fn backoff_grows_and_caps() {
        let s: Vec<u64> = (0..8).map(|f| backoff(f).as_secs()).collect();
        assert_eq!(s, vec![1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[tokio::test]
    async fn a_dead_child_is_reported_and_restarted() {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let start = Instant::now();
        // `false` ignores its arguments and exits 1 at once: a drbdsetup that keeps dying.
        let task = tokio::spawn(events2_child(PathBuf::from("false"), tx, start));
        let mut statuses = Vec::new();
        while statuses.len() < 4 {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(Input::Events2Status { status, .. })) => statuses.push(status),
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        task.abort();
        assert!(matches!(&statuses[0], ChildStatus::Running { .. }));
        assert!(
            matches!(&statuses[1], ChildStatus::Failed { reason, retry_in_seconds: 1 } if reason.contains("exited"))
        );
        assert!(matches!(&statuses[2], ChildStatus::Running { .. }));
        assert!(matches!(&statuses[3], ChildStatus::Failed { retry_in_seconds: 2, .. }));
    }

    #[test]
    fn the_peer_is_asked_with_argv_in_batch_mode() {
        let peer = crate::config::Peer {
            name: "nodeb".into(),
            ssh: Some("root@10.50.0.2".into()),
            drnfs: "/usr/bin/drnfs".into(),
            addresses: vec![],
        };
        assert_eq!(
            PeerSource::new(&peer).argv,
            [
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ServerAliveInterval=5",
                "-o",
                "ServerAliveCountMax=3",
                "--",
                "root@10.50.0.2",
                "/usr/bin/drnfs",
                "agent"
            ]
        );
    }

    #[tokio::test]
    async fn the_peers_snapshot_or_why_not() {
        // A stand-in agent answers a State request with a real capture's snapshot; `false`
        // is an ssh that fails at once.
        let snap = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/failover/nodeb/drnfs-snapshot.json");
        let agent = r#"while read -r line; do printf '{"ok":true,"snapshot":%s}\n' "$(tr -d '\n' < SNAP)"; done"#
            .replace("SNAP", snap);
        for (argv, ok) in [(vec!["sh".to_owned(), "-c".to_owned(), agent], true), (vec!["false".to_owned()], false)] {
            let (tx, mut rx) = tokio::sync::mpsc::channel(4);
            let peer = PeerSource { name: "nodeb".into(), argv };
            let task = tokio::spawn(peer_loop(peer, tx, Instant::now()));
            let asking = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap();
            assert!(matches!(asking, Some(Input::PeerAsking { ref name, .. }) if name == "nodeb"), "{asking:?}");
            let got = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap();
            task.abort();
            let Some(Input::Peer { name, snapshot, .. }) = got else { panic!("no peer input") };
            assert_eq!(name, "nodeb");
            match snapshot {
                Ok(v) => assert!(ok && v["host"]["hostname"] == "nodeb", "{v}"),
                Err(e) => assert!(!ok && e.contains("nodeb: the agent session"), "{e}"),
            }
        }
    }
}
