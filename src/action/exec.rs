//! Running a plan's operations on a node: here, directly; on the peer, through one
//! `ssh <peer> drnfs agent` session that speaks JSON lines (argv travels as data on stdin,
//! so no shell on either side ever parses it).
//!
//! Every answer from the peer has a deadline. A session that misses one, or whose ssh
//! dies, is lost for good: what it was doing counts as unknown, never as "nothing
//! happened" (see the rollback in [`super`]).

use std::time::Duration;

use super::plan::Op;
use super::state::NodeState;
use crate::config::{Config, Resource};
pub use crate::peer::{Request, Response, Session as Peer};
use crate::process::Outcome;

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

/// The peer's report, read typed once from its agent's answer.
pub fn peer_report(session: &mut Peer) -> anyhow::Result<crate::engine::Report> {
    let resp = session.request(&Request::State { resource: String::new() })?;
    let name = session.name().to_owned();
    let value = resp.snapshot.ok_or_else(|| anyhow::anyhow!("{name}: {}", resp.error.unwrap_or_default()))?;
    serde_json::from_value(value)
        .map_err(|e| anyhow::anyhow!("{name}: its drnfs answered with a report this drnfs cannot read: {e}"))
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
        match self.request_within(&req, timeout + crate::peer::TRANSPORT_MARGIN) {
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
        let report = peer_report(self)?;
        Ok(NodeState::from_report(&report, &r.name, r.minor(), None))
    }

    fn name(&self) -> String {
        Peer::name(self).to_owned()
    }

    fn lost(&self) -> bool {
        Peer::lost(self)
    }
}
