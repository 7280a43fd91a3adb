//! The way to the peer: one `ssh <peer> drnfs agent` session that speaks JSON lines
//! (argv travels as data on stdin, so no shell on either side ever parses it). The
//! actions run their remote steps through it; the live view asks the peer's state
//! through it.
//!
//! Every answer from the peer has a deadline. A session that misses one, or whose ssh
//! dies, is lost for good: what it was doing counts as unknown, never as "nothing
//! happened" (see the rollback in the actions).

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::process::Outcome;

/// A request to the peer's agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// The node's snapshot (`drnfs snapshot --json`) for this resource.
    State {
        resource: String,
    },
    Run {
        argv: Vec<String>,
        timeout_s: u64,
    },
    Hold {
        resource: String,
        on: bool,
    },
    /// Take the resource's lock for as long as this session lives.
    Lock {
        resource: String,
        run_id: String,
    },
    /// Nothing but "still here": keeps an idle session's agent (and its locks) alive.
    Ping,
    /// Append a record to the node's audit log.
    Audit {
        record: serde_json::Value,
    },
    /// Files modified under the resource's mount point since `since` (RFC 3339), the
    /// newest `limit` of them: what a split-brain victim would lose.
    ModifiedSince {
        resource: String,
        since: String,
        limit: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub snapshot: Option<serde_json::Value>,
    #[serde(default)]
    pub files: Option<ModifiedFiles>,
}

impl Response {
    pub fn error(e: impl Into<String>) -> Self {
        Self { ok: false, error: Some(e.into()), ..Self::ok() }
    }

    pub fn ok() -> Self {
        Self { ok: true, error: None, outcome: None, snapshot: None, files: None }
    }
}

/// Files modified under a mount point since a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifiedFiles {
    /// Up to the limit asked for, newest first: path and modification time (RFC 3339).
    pub files: Vec<(String, String)>,
    /// How many were found in all.
    pub count: u64,
    /// Every file was looked at (no limit or time budget cut the walk short).
    pub complete: bool,
}

/// The peer, through `ssh <peer> drnfs agent`.
///
/// While the session is open and idle, a ping goes out every [`PING_EVERY`]: the agent
/// lets go of its locks and ends when it hears nothing for [`AGENT_IDLE_LIMIT`], so a
/// session whose network vanished (ssh on the peer's side never learns) does not hold
/// the peer's lock for the hours TCP takes to notice.
pub struct Session {
    name: String,
    inner: Arc<Mutex<Inner>>,
    /// Tells the pinger to stop.
    closing: Arc<AtomicBool>,
}

struct Inner {
    name: String,
    child: Child,
    /// Closed when the session ends, so the agent ends on its own and releases its locks.
    stdin: Option<ChildStdin>,
    /// Answer lines, read on their own thread so a silent peer cannot block a request.
    answers: Receiver<std::io::Result<String>>,
    /// Why the session is unusable, once it is.
    lost: Option<String>,
    /// When the last request was sent.
    last_sent: Instant,
}

/// Longest wait for the peer's answer to a request that runs no command.
const ANSWER_DEADLINE: Duration = Duration::from_secs(60);
/// Extra time on top of a command's own deadline for the answer to come back over ssh.
pub const TRANSPORT_MARGIN: Duration = Duration::from_secs(30);
/// An idle session pings the agent this often.
pub const PING_EVERY: Duration = Duration::from_secs(5);
/// How long an agent holding a lock waits for the next request before it takes its
/// session as lost, releases its locks and ends.
pub const AGENT_IDLE_LIMIT: Duration = Duration::from_secs(30);
/// Longest wait for the answer to a ping: well inside [`AGENT_IDLE_LIMIT`].
const PING_DEADLINE: Duration = Duration::from_secs(20);

impl Session {
    /// Opens the agent session over ssh ([`crate::config::Peer::drnfs_argv`]).
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let p = config.peer.as_ref().ok_or_else(|| anyhow::anyhow!("no [peer] in the drnfs configuration"))?;
        Self::spawn(&p.name, &p.drnfs_argv(&["agent"]))
    }

    /// Starts `argv` (an `ssh … drnfs agent`, or a stand-in) as the session to `name`.
    pub fn spawn(name: &str, argv: &[String]) -> anyhow::Result<Self> {
        let program = argv.first().ok_or_else(|| anyhow::anyhow!("no command to reach the peer"))?;
        let mut child = Command::new(program)
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .map_err(|e| anyhow::anyhow!("{program}: {e}"))?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("ssh: no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("ssh: no stdout"))?;
        let (tx, answers) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            crate::source::bounded::forward_lines(
                stdout,
                crate::source::bounded::MAX_ANSWER,
                "the peer's answer",
                |l| tx.send(l).is_ok(),
            );
        });
        let inner =
            Inner { name: name.to_owned(), child, stdin: Some(stdin), answers, lost: None, last_sent: Instant::now() };
        let inner = Arc::new(Mutex::new(inner));
        let closing = Arc::new(AtomicBool::new(false));
        let (pinged, stop) = (Arc::clone(&inner), Arc::clone(&closing));
        std::thread::spawn(move || ping_while_idle(&pinged, &stop));
        Ok(Self { name: name.to_owned(), inner, closing })
    }

    /// Sends one request and waits at most `deadline` for its answer.
    pub fn request_within(&mut self, req: &Request, deadline: Duration) -> anyhow::Result<Response> {
        lock(&self.inner).request_within(req, deadline)
    }

    /// A request that runs no command there.
    pub fn request(&mut self, req: &Request) -> anyhow::Result<Response> {
        self.request_within(req, ANSWER_DEADLINE)
    }

    /// The name the session was opened to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The session broke: whatever it was running may or may not have happened.
    pub fn lost(&self) -> bool {
        lock(&self.inner).lost.is_some()
    }
}

fn lock(inner: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    // A panic while holding it leaves a session whose state is still consistent: every
    // field is written whole.
    inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Pings the agent whenever the session has been idle for [`PING_EVERY`], until the
/// session closes or is lost. A ping that gets no answer loses the session, as any
/// request would.
fn ping_while_idle(inner: &Mutex<Inner>, closing: &AtomicBool) {
    loop {
        std::thread::sleep(Duration::from_millis(500));
        if closing.load(Ordering::Relaxed) {
            return;
        }
        let mut s = lock(inner);
        if s.lost.is_some() || s.stdin.is_none() {
            return;
        }
        if s.last_sent.elapsed() >= PING_EVERY {
            let _ = s.request_within(&Request::Ping, PING_DEADLINE);
        }
    }
}

impl Inner {
    fn request_within(&mut self, req: &Request, deadline: Duration) -> anyhow::Result<Response> {
        if let Some(why) = &self.lost {
            anyhow::bail!("{}: the agent session is lost ({why})", self.name);
        }
        let mut line = serde_json::to_string(req)?;
        line.push('\n');
        self.last_sent = Instant::now();
        let sent = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(line.as_bytes()).and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("closed")),
        };
        if let Err(e) = sent {
            return Err(self.lose(format!("the agent session is gone ({e})")));
        }
        let started = Instant::now();
        match self.answers.recv_timeout(deadline) {
            // An answer that cannot be read leaves the next one unattributable: the session
            // is over.
            Ok(Ok(answer)) => match serde_json::from_str(&answer) {
                Ok(r) => Ok(r),
                Err(e) => Err(self.lose(format!("an answer it sent cannot be read ({e})"))),
            },
            Ok(Err(e)) => Err(self.lose(format!("reading its answer failed: {e}"))),
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.lose("the agent session closed (ssh failed, or drnfs is missing there)".to_owned()))
            }
            Err(RecvTimeoutError::Timeout) => Err(self.lose(format!("no answer within {:?}", started.elapsed()))),
        }
    }

    /// The session is unusable from now on: ssh and whatever it started are killed.
    fn lose(&mut self, why: String) -> anyhow::Error {
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let e = anyhow::anyhow!("{}: {why}", self.name);
        self.lost = Some(why);
        e
    }
}

impl Drop for Session {
    /// Ends the session: stdin closed, the agent gets a moment to release its locks and
    /// exit, then whatever is left is killed.
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        let mut s = lock(&self.inner);
        s.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(s.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
}
