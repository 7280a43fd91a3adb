//! `drnfs agent`: the peer's side of an action, reached over ssh. It reads one JSON request
//! per line on stdin and answers one JSON line on stdout. It runs only the programs an
//! action may run, with argv as given (no shell), against its own node's configuration.

use std::io::Write;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::exec::{Request, Response, write_hold};
use super::record::{Journal, Lock, audit};
use crate::config::Config;
use crate::peer::AGENT_IDLE_LIMIT;

/// Serves requests until stdin closes. Locks taken are held until then, or until no
/// request (a ping counts) arrives for [`AGENT_IDLE_LIMIT`] while one is held: the
/// session is then taken as lost (its network gone, which ssh on this side may not learn
/// for hours), the locks are released and the agent ends.
pub fn serve(
    config: &Config,
    mut snapshot: impl FnMut() -> anyhow::Result<crate::engine::Report>,
) -> anyhow::Result<()> {
    let (tx, requests) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Requests are small; a line this long is not one (and is not kept whole).
        crate::source::bounded::forward_lines(std::io::stdin().lock(), 1 << 20, "a request", |l| tx.send(l).is_ok());
    });
    let mut stdout = std::io::stdout().lock();
    let mut locks: Vec<Lock> = Vec::new();
    loop {
        let line = if locks.is_empty() {
            match requests.recv() {
                Ok(line) => line,
                Err(_) => break,
            }
        } else {
            match requests.recv_timeout(AGENT_IDLE_LIMIT) {
                Ok(line) => line,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    eprintln!(
                        "drnfs agent: no request for {} s while holding a lock: the session is taken as lost; \
                         releasing the lock",
                        AGENT_IDLE_LIMIT.as_secs()
                    );
                    break;
                }
            }
        };
        let resp = match line {
            // Too long to be a request: answered, and the session goes on.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Response::error(format!("bad request: {e}")),
            Err(e) => return Err(e.into()),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => match serde_json::from_str::<Request>(&line) {
                Err(e) => Response::error(format!("bad request: {e}")),
                Ok(req) => handle(config, req, &mut snapshot, &mut locks),
            },
        };
        let mut text = serde_json::to_string(&resp)?;
        text.push('\n');
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
    }
    drop(locks);
    Ok(())
}

fn handle(
    config: &Config,
    req: Request,
    snapshot: &mut impl FnMut() -> anyhow::Result<crate::engine::Report>,
    locks: &mut Vec<Lock>,
) -> Response {
    match req {
        Request::State { .. } => match snapshot().and_then(|r| Ok(serde_json::to_value(r)?)) {
            Ok(s) => Response { snapshot: Some(s), ..Response::ok() },
            Err(e) => Response::error(e.to_string()),
        },
        Request::Run { argv, timeout_s } => {
            // Only a command a plan of this node's own drnfs.toml contains, argument for
            // argument.
            if !super::plan::commands(config).contains(&argv) {
                return Response::error(format!(
                    "refused: {:?} is not a command of any plan for this node's drnfs.toml",
                    argv.join(" ")
                ));
            }
            let outcome = crate::process::run(&argv, std::time::Duration::from_secs(timeout_s.clamp(1, 3600)));
            Response { outcome: Some(outcome), ..Response::ok() }
        }
        Request::Hold { resource, on } => match config.resource(&resource) {
            Ok(r) => Response { outcome: Some(write_hold(config, r, on)), ..Response::ok() },
            Err(e) => Response::error(e.to_string()),
        },
        Request::Lock { resource, run_id } => {
            if let Err(e) = config.resource(&resource) {
                return Response::error(e.to_string());
            }
            match Journal::unfinished(&config.paths.journal_dir, &resource) {
                Ok(None) => {}
                Ok(Some(j)) if j.run_id == run_id => {} // our own action, resumed
                Ok(Some(j)) => {
                    return Response::error(format!(
                        "an interrupted {} (run {}) must be resumed or rolled back first",
                        j.plan.action.name(),
                        j.run_id
                    ));
                }
                Err(e) => return Response::error(e),
            }
            // A resumed action may find its own earlier session's agent still holding the
            // lock (that session's network vanished): it lets go within AGENT_IDLE_LIMIT,
            // so the same run waits that long for it. Anyone else is refused at once.
            let deadline = Instant::now() + AGENT_IDLE_LIMIT + Duration::from_secs(10);
            loop {
                match Lock::try_take(&config.paths.lock_dir, &resource, &run_id) {
                    Ok(l) => {
                        locks.push(l);
                        return Response::ok();
                    }
                    Err(e) if e.contains(&format!("run {run_id}")) && Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(500));
                    }
                    Err(e) => return Response::error(e),
                }
            }
        }
        Request::ModifiedSince { resource, since, limit } => {
            let Ok(r) = config.resource(&resource) else {
                return Response::error(format!("resource {resource:?} is not in this node's drnfs.toml"));
            };
            let Some(t) = drnfs_parsers::timestamp::Timestamp::parse_rfc3339(&since) else {
                return Response::error(format!("bad time {since:?}"));
            };
            let since = std::time::UNIX_EPOCH + std::time::Duration::from_micros(t.unix_micros().max(0) as u64);
            let files = super::files::modified_since(
                &r.mount_point,
                since,
                limit.min(1000),
                std::time::Duration::from_secs(20),
            );
            Response { files: Some(files), ..Response::ok() }
        }
        Request::Ping => Response::ok(),
        Request::Audit { record } => match audit(&config.paths.audit_log, &record) {
            Ok(()) => Response::ok(),
            Err(e) => Response::error(format!("audit log {}: {e}", config.paths.audit_log.display())),
        },
    }
}
