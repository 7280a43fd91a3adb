//! Running a plan's operations on a node: here, directly; on the peer, through one
//! `ssh <peer> drnfs agent` session that speaks JSON lines (argv travels as data on stdin,
//! so no shell on either side ever parses it).
//!
//! Every answer from the peer has a deadline. A session that misses one, or whose ssh
//! dies, is lost for good: what it was doing counts as unknown, never as "nothing
//! happened" (see the rollback in [`super`]).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::config::{Config, Resource};
use super::plan::Op;
use super::state::NodeState;
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
    pub files: Option<super::files::ModifiedFiles>,
}

impl Response {
    pub fn error(e: impl Into<String>) -> Self {
        Self { ok: false, error: Some(e.into()), ..Self::ok() }
    }

    pub fn ok() -> Self {
        Self { ok: true, error: None, outcome: None, snapshot: None, files: None }
    }
}

/// Where a plan step runs.
pub trait Runner {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome;
    /// The node's state for `r`, read now.
    fn state(&mut self, r: &Resource) -> anyhow::Result<NodeState>;
    fn name(&self) -> String;
    /// The way to the node broke (its session died or missed a deadline): what was
    /// running there may or may not have happened.
    fn lost(&self) -> bool {
        false
    }
}

/// Writes the keepalived hold file: `1` drains the VIP, `0` releases it.
pub fn write_hold(config: &Config, r: &Resource, on: bool) -> Outcome {
    let started = std::time::Instant::now();
    let path = r.hold_file(&config.keepalived);
    let result = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, if on { "1\n" } else { "0\n" }));
    Outcome {
        exit: Some(if result.is_ok() { 0 } else { 1 }),
        stdout: String::new(),
        stderr: result.err().map(|e| format!("{}: {e}", path.display())).unwrap_or_default(),
        duration_ms: started.elapsed().as_millis() as u64,
        failure: None,
    }
}

/// Runs an operation here.
pub fn run_local(config: &Config, op: &Op, r: &Resource, timeout: Duration) -> Outcome {
    match op {
        Op::Fence { argv } => {
            // Only the command drnfs.toml configures (a resumed journal could say anything).
            match &config.fence {
                Some(f) if f.command == *argv => crate::process::run(argv, timeout),
                Some(_) => Outcome::not_run("refused: the fence command differs from drnfs.toml's [fence]"),
                None => Outcome::not_run("refused: no [fence] in drnfs.toml"),
            }
        }
        Op::PeerSilent { .. } => Outcome::not_run("the peer's silence is checked by the action itself"),
        Op::Run { argv } => {
            // What a plan of drnfs.toml holds, and nothing else (a resumed journal could
            // say anything).
            if !super::plan::commands(config).contains(argv) {
                return Outcome::not_run(format!(
                    "refused: {:?} is not a command of any plan for drnfs.toml",
                    argv.join(" ")
                ));
            }
            crate::process::run(argv, timeout)
        }
        Op::Hold { on } => write_hold(config, r, *on),
        Op::Verify => {
            Outcome { exit: Some(0), stdout: String::new(), stderr: String::new(), duration_ms: 0, failure: None }
        }
    }
}

/// This node.
pub struct Local<'a> {
    pub config: &'a Config,
    /// Reads this node's report (the engine's one-shot mode, or a recorded moment).
    pub report: Box<dyn FnMut() -> anyhow::Result<crate::engine::Report> + 'a>,
}

impl Runner for Local<'_> {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome {
        run_local(self.config, op, r, timeout)
    }

    fn state(&mut self, r: &Resource) -> anyhow::Result<NodeState> {
        let report = (self.report)()?;
        let peer = self.config.peer.as_ref().map(|p| p.name.as_str());
        Ok(NodeState::from_report(&report, &r.name, r.minor(), peer))
    }

    fn name(&self) -> String {
        "local".to_owned()
    }
}

/// The peer, through `ssh <peer> drnfs agent`.
pub struct Peer {
    name: String,
    child: Child,
    /// Closed when the session ends, so the agent ends on its own and releases its locks.
    stdin: Option<ChildStdin>,
    /// Answer lines, read on their own thread so a silent peer cannot block a request.
    answers: Receiver<std::io::Result<String>>,
    /// Why the session is unusable, once it is.
    lost: Option<String>,
}

/// Longest wait for the peer's answer to a request that runs no command.
const ANSWER_DEADLINE: Duration = Duration::from_secs(60);
/// Extra time on top of a command's own deadline for the answer to come back over ssh.
const TRANSPORT_MARGIN: Duration = Duration::from_secs(30);

impl Peer {
    /// Opens the agent session over ssh ([`Peer::drnfs_argv`]).
    ///
    /// [`Peer::drnfs_argv`]: super::config::Peer::drnfs_argv
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
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("ssh: no stdout"))?);
        let (tx, answers) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Self { name: name.to_owned(), child, stdin: Some(stdin), answers, lost: None })
    }

    /// Sends one request and waits at most `deadline` for its answer.
    pub fn request_within(&mut self, req: &Request, deadline: Duration) -> anyhow::Result<Response> {
        if let Some(why) = &self.lost {
            anyhow::bail!("{}: the agent session is lost ({why})", self.name);
        }
        let mut line = serde_json::to_string(req)?;
        line.push('\n');
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

    /// A request that runs no command there.
    pub fn request(&mut self, req: &Request) -> anyhow::Result<Response> {
        self.request_within(req, ANSWER_DEADLINE)
    }

    /// The peer's report, read typed once.
    pub fn report(&mut self) -> anyhow::Result<crate::engine::Report> {
        let resp = self.request(&Request::State { resource: String::new() })?;
        let value =
            resp.snapshot.ok_or_else(|| anyhow::anyhow!("{}: {}", self.name, resp.error.unwrap_or_default()))?;
        serde_json::from_value(value)
            .map_err(|e| anyhow::anyhow!("{}: its drnfs answered with a report this drnfs cannot read: {e}", self.name))
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

impl Drop for Peer {
    /// Ends the session: stdin closed, the agent gets a moment to release its locks and
    /// exit, then whatever is left is killed.
    fn drop(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Runner for Peer {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome {
        let req = match op {
            Op::Run { argv } => Request::Run { argv: argv.clone(), timeout_s: timeout.as_secs() },
            Op::Hold { on } => Request::Hold { resource: r.name.clone(), on: *on },
            Op::Fence { .. } | Op::PeerSilent { .. } => {
                return Outcome::not_run("refused: fencing and probing the peer run on this node only");
            }
            Op::Verify => {
                return Outcome {
                    exit: Some(0),
                    stdout: String::new(),
                    stderr: String::new(),
                    duration_ms: 0,
                    failure: None,
                };
            }
        };
        match self.request_within(&req, timeout + TRANSPORT_MARGIN) {
            Ok(Response { outcome: Some(o), .. }) => o,
            Ok(Response { error, .. }) => Outcome {
                exit: None,
                stdout: String::new(),
                stderr: String::new(),
                duration_ms: 0,
                failure: Some(error.unwrap_or_else(|| "the agent gave no outcome".to_owned())),
            },
            Err(e) => Outcome {
                exit: None,
                stdout: String::new(),
                stderr: String::new(),
                duration_ms: 0,
                failure: Some(e.to_string()),
            },
        }
    }

    fn state(&mut self, r: &Resource) -> anyhow::Result<NodeState> {
        let report = self.report()?;
        Ok(NodeState::from_report(&report, &r.name, r.minor(), None))
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn lost(&self) -> bool {
        self.lost.is_some()
    }
}
