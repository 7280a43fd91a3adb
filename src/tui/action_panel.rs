//! Guarded actions from the TUI: the same engine as `drnfs promote|demote|failover`, run
//! on a worker thread. The panel shows the preflight and the plan, asks for the typed
//! phrase, and streams each step as it runs. On a replay or a capture it is a dry run
//! against the recorded state ("would failover be allowed here?").

use std::io::Write;
use std::sync::mpsc;

use tokio::sync::mpsc::UnboundedSender;

use crate::action::plan::ActionKind;
use crate::action::{Ask, Ending};

#[derive(Debug)]
pub enum ActionEvent {
    Output(String),
    /// The engine waits for the typed phrase on the sender.
    NeedPhrase(String, mpsc::Sender<String>),
    Finished(String),
}

#[derive(Debug)]
pub enum Phase {
    Running,
    AwaitingPhrase { phrase: String, reply: mpsc::Sender<String> },
    Finished { result: String },
}

#[derive(Debug)]
pub struct ActionPanel {
    pub title: String,
    pub lines: Vec<String>,
    pub phase: Phase,
    pub input: String,
    pub scroll: usize,
}

impl ActionPanel {
    pub fn new(title: String) -> Self {
        Self { title, lines: Vec::new(), phase: Phase::Running, input: String::new(), scroll: 0 }
    }

    pub fn apply(&mut self, ev: ActionEvent) {
        match ev {
            ActionEvent::Output(l) => self.lines.push(l),
            ActionEvent::NeedPhrase(phrase, reply) => self.phase = Phase::AwaitingPhrase { phrase, reply },
            ActionEvent::Finished(result) => self.phase = Phase::Finished { result },
        }
    }

    /// Sends what was typed (an empty or wrong phrase aborts the action).
    pub fn submit(&mut self) {
        if let Phase::AwaitingPhrase { reply, .. } = &self.phase {
            let _ = reply.send(std::mem::take(&mut self.input));
            self.phase = Phase::Running;
        }
    }

    pub fn typing(&self) -> bool {
        matches!(self.phase, Phase::AwaitingPhrase { .. })
    }

    pub fn finished(&self) -> bool {
        matches!(self.phase, Phase::Finished { .. })
    }
}

/// Lines written by the engine, sent to the UI as they complete.
struct Lines {
    tx: UnboundedSender<ActionEvent>,
    buf: Vec<u8>,
}

impl Write for Lines {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        while let Some(i) = self.buf.iter().position(|c| *c == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            let _ = self.tx.send(ActionEvent::Output(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned()));
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            let _ = self.tx.send(ActionEvent::Output(String::from_utf8_lossy(&rest).into_owned()));
        }
        Ok(())
    }
}

/// Starts `kind` on `resource` on a worker thread. `report` reads this node's state
/// (live, or the recorded state for a dry run); `peer` is the peer's recorded state for
/// a dry run (a replay played beside the peer's recording), named.
pub fn start(
    kind: ActionKind,
    resource: String,
    config_path: std::path::PathBuf,
    dry_run: bool,
    peer: Option<(String, crate::engine::Report)>,
    report: impl FnMut() -> anyhow::Result<crate::engine::Report> + Send + 'static,
    tx: UnboundedSender<ActionEvent>,
) {
    std::thread::Builder::new()
        .name("action".into())
        .spawn(move || {
            let ask = Ask {
                kind,
                resource,
                config_path,
                dry_run,
                confirm: None,
                no_fencing_accepted: false,
                accept_stale: false,
                force: false,
                victim: None,
                peer_snapshot: peer,
                recorded: dry_run,
            };
            let mut out = Lines { tx: tx.clone(), buf: Vec::new() };
            let ask_tx = tx.clone();
            let confirm = move |phrase: &str| -> anyhow::Result<String> {
                let (reply, typed) = mpsc::channel();
                let _ = ask_tx.send(ActionEvent::NeedPhrase(phrase.to_owned(), reply));
                Ok(typed.recv().unwrap_or_default())
            };
            let result = crate::action::run(&ask, report, &mut out, confirm);
            let _ = out.flush();
            let text = match result {
                Ok(Ending::Done) => "done".to_owned(),
                Ok(Ending::DryRun { blocked: false }) => "dry run: it would be allowed".to_owned(),
                Ok(Ending::DryRun { blocked: true }) => "dry run: it would be REFUSED".to_owned(),
                Ok(Ending::Refused) => "REFUSED".to_owned(),
                Ok(Ending::Aborted) => "aborted: nothing changed".to_owned(),
                Ok(Ending::RolledBack) => "FAILED and rolled back".to_owned(),
                Ok(Ending::Undone) => "rolled back as asked".to_owned(),
                Ok(Ending::Failed) => "FAILED, rollback incomplete".to_owned(),
                Ok(Ending::StoppedSafe) => "STOPPED SAFE: the peer's state is unknown; see above".to_owned(),
                Err(e) => format!("error: {e:#}"),
            };
            let _ = tx.send(ActionEvent::Finished(text));
        })
        .ok();
}
