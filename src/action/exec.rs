//! Running a plan's operations on a node: here, directly; on the peer, through one
//! `ssh <peer> drnfs agent` session that speaks JSON lines (argv travels as data on stdin,
//! so no shell on either side ever parses it).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::config::{Config, Resource};
use super::plan::Op;
use super::state::NodeState;
use crate::process::Outcome;

/// Programs an action may run (the agent refuses anything else).
pub const ALLOWED_PROGRAMS: &[&str] = &["drbdadm", "systemctl", "mount", "umount"];

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
}

impl Response {
    pub fn error(e: impl Into<String>) -> Self {
        Self { ok: false, error: Some(e.into()), outcome: None, snapshot: None }
    }
}

/// Where a plan step runs.
pub trait Runner {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome;
    fn state(&mut self, r: &Resource) -> anyhow::Result<(NodeState, serde_json::Value)>;
    fn name(&self) -> String;
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
        Op::Run { argv } => {
            if !argv.first().is_some_and(|p| ALLOWED_PROGRAMS.contains(&p.as_str())) {
                return Outcome {
                    exit: None,
                    stdout: String::new(),
                    stderr: String::new(),
                    duration_ms: 0,
                    failure: Some(format!("refused: {:?} is not a program drnfs runs", argv.first())),
                };
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
    /// Reads this node's snapshot.
    pub snapshot: Box<dyn FnMut() -> anyhow::Result<serde_json::Value> + 'a>,
}

impl Runner for Local<'_> {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome {
        run_local(self.config, op, r, timeout)
    }

    fn state(&mut self, r: &Resource) -> anyhow::Result<(NodeState, serde_json::Value)> {
        let snap = (self.snapshot)()?;
        let minor = r.device.to_string_lossy().trim_start_matches("/dev/drbd").parse().ok();
        Ok((NodeState::from_snapshot(&snap, &r.name, minor), snap))
    }

    fn name(&self) -> String {
        "local".to_owned()
    }
}

/// The peer, through `ssh <peer> drnfs agent`.
pub struct Peer {
    name: String,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    /// Opens the agent session over ssh ([`Peer::drnfs_argv`]).
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let p = config.peer.as_ref().ok_or_else(|| anyhow::anyhow!("no [peer] in the drnfs configuration"))?;
        let argv = p.drnfs_argv(&["agent"]);
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| anyhow::anyhow!("ssh: {e}"))?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("ssh: no stdin"))?;
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow::anyhow!("ssh: no stdout"))?);
        Ok(Self { name: p.name.clone(), child, stdin, stdout })
    }

    pub fn request(&mut self, req: &Request) -> anyhow::Result<Response> {
        let mut line = serde_json::to_string(req)?;
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: the agent session is gone ({e})", self.name))?;
        self.stdin.flush()?;
        let mut answer = String::new();
        let n = self.stdout.read_line(&mut answer)?;
        if n == 0 {
            anyhow::bail!("{}: the agent session closed (ssh failed, or drnfs is missing there)", self.name);
        }
        serde_json::from_str(&answer).map_err(|e| anyhow::anyhow!("{}: bad agent answer: {e}", self.name))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Runner for Peer {
    fn run(&mut self, op: &Op, r: &Resource, timeout: Duration) -> Outcome {
        let req = match op {
            Op::Run { argv } => Request::Run { argv: argv.clone(), timeout_s: timeout.as_secs() },
            Op::Hold { on } => Request::Hold { resource: r.name.clone(), on: *on },
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
        match self.request(&req) {
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

    fn state(&mut self, r: &Resource) -> anyhow::Result<(NodeState, serde_json::Value)> {
        let resp = self.request(&Request::State { resource: r.name.clone() })?;
        let snap = resp.snapshot.ok_or_else(|| anyhow::anyhow!("{}: {}", self.name, resp.error.unwrap_or_default()))?;
        let minor = r.device.to_string_lossy().trim_start_matches("/dev/drbd").parse().ok();
        Ok((NodeState::from_snapshot(&snap, &r.name, minor), snap))
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
