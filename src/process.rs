//! Running a program: argv only (never a shell string), bounded in time, with its exit
//! code, stdout and stderr kept whatever happens.
//!
//! The deadline is a hard limit. The program runs in a process group of its own; when the
//! deadline passes the whole group is killed, and drnfs stops waiting for output a
//! grandchild may still hold open (a helper that forked a daemon, a hung `ssh` control
//! master), so no caller waits longer than it asked.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `None` when it was killed (timeout, signal) or could not start.
    pub exit: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub duration_ms: u64,
    /// Why it did not run to its end, if it did not.
    pub failure: Option<String>,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.exit == Some(0)
    }

    /// One line for messages: the exit code and the last line of stderr.
    pub fn reason(&self) -> String {
        let err = self.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        match (&self.failure, self.exit) {
            (Some(f), _) => f.clone(),
            (None, Some(0)) => "ok".to_owned(),
            (None, Some(c)) if err.is_empty() => format!("exit {c}"),
            (None, Some(c)) => format!("exit {c}: {err}"),
            (None, None) => "killed".to_owned(),
        }
    }

    /// An outcome for something that never ran.
    pub fn not_run(failure: impl Into<String>) -> Self {
        Outcome {
            exit: None,
            stdout: String::new(),
            stderr: String::new(),
            duration_ms: 0,
            failure: Some(failure.into()),
        }
    }
}

/// Most output kept from one stream; the rest is read and dropped so the program never
/// blocks on a full pipe.
const KEEP_BYTES: usize = 16 << 20;

/// Reads a pipe to its end on its own thread; the text arrives on the receiver.
fn drain(pipe: Option<impl Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut p) = pipe {
            let mut buf = [0u8; 8192];
            loop {
                match p.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = KEEP_BYTES.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
        }
        let _ = tx.send(String::from_utf8_lossy(&kept).into_owned());
    });
    rx
}

/// Kills every process of the group `child` leads (it was started as its leader).
fn kill_group(child: &mut Child) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

/// How long a killed program gets to die. One stuck in the kernel (uninterruptible
/// sleep: a `mount` or `umount` on a device whose I/O DRBD suspended) ignores SIGKILL;
/// drnfs then stops waiting for it and says so.
const DEATH_GRACE: Duration = Duration::from_secs(5);

/// Reaps a killed child within [`DEATH_GRACE`]; false when it did not die.
fn reap(child: &mut Child) -> bool {
    let until = Instant::now() + DEATH_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return false,
        }
    }
}

/// `now + d`, or far in the future when that does not fit (a journal with a huge
/// timeout must not panic the executor).
pub fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// Runs `argv` with a deadline; the child and everything it started are killed when it
/// passes.
pub fn run(argv: &[String], timeout: Duration) -> Outcome {
    let started = Instant::now();
    let deadline = deadline_after(timeout);
    let fail =
        |failure: String| Outcome { duration_ms: started.elapsed().as_millis() as u64, ..Outcome::not_run(failure) };
    let Some((program, args)) = argv.split_first() else { return fail("empty command".to_owned()) };
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return fail(format!("{program}: not installed")),
        Err(e) => return fail(format!("{program}: cannot start: {e}")),
    };
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let mut failure = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                kill_group(&mut child);
                failure = Some(if reap(&mut child) {
                    format!("{program}: no answer within {timeout:?}, killed")
                } else {
                    format!(
                        "{program}: no answer within {timeout:?}, and it did not die when killed (stuck in the kernel: \
                         suspended I/O?); drnfs stopped waiting for it"
                    )
                });
                break None;
            }
            Err(e) => {
                kill_group(&mut child);
                failure = Some(format!("{program}: {e}"));
                break None;
            }
        }
    };
    // The program is gone, but something it started may still hold its output open: wait
    // for the output only until the deadline, then kill what is left of the group.
    let collect = |rx: Receiver<String>, child: &mut Child, failure: &mut Option<String>| {
        let wait = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(s) => s,
            Err(RecvTimeoutError::Timeout) => {
                kill_group(child);
                if failure.is_none() {
                    *failure = Some(format!(
                        "{program}: exited, but a process it started still held its output at the deadline ({timeout:?}); killed"
                    ));
                }
                rx.recv_timeout(Duration::from_millis(200)).unwrap_or_default()
            }
            Err(RecvTimeoutError::Disconnected) => String::new(),
        }
    };
    let stdout = collect(out, &mut child, &mut failure);
    let stderr = collect(err, &mut child, &mut failure);
    Outcome {
        exit: status.and_then(|s| s.code()),
        stdout,
        stderr,
        duration_ms: started.elapsed().as_millis() as u64,
        failure,
    }
}

/// `run` for string slices.
pub fn run_strs(argv: &[&str], timeout: Duration) -> Outcome {
    run(&argv.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(), timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_output_timeouts() {
        let ok = run_strs(&["sh", "-c", "echo out; echo err >&2; exit 3"], Duration::from_secs(5));
        assert_eq!((ok.exit, ok.stdout.as_str(), ok.stderr.as_str()), (Some(3), "out\n", "err\n"));
        assert_eq!(ok.reason(), "exit 3: err");
        let slow = run_strs(&["sleep", "5"], Duration::from_millis(100));
        assert_eq!(slow.exit, None);
        assert!(slow.reason().contains("killed"));
        assert!(run_strs(&["/nonexistent/x"], Duration::from_secs(1)).reason().contains("not installed"));
        // Arguments are never interpreted by a shell.
        let literal = run_strs(&["echo", "$(id)", ";", "|"], Duration::from_secs(5));
        assert_eq!(literal.stdout, "$(id) ; |\n");
    }

    /// A command that forks a child holding stdout: neither the command hanging nor its
    /// child keeping the pipe open may hold the caller past the deadline, and the child
    /// dies with the group.
    #[test]
    fn a_grandchild_holding_the_output_does_not_outlive_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("child.pid");
        let script = format!("sleep 30 & echo $! > {}; echo started", pidfile.display());
        // The shell exits at once; its child keeps stdout open.
        let t = Instant::now();
        let o = run_strs(&["sh", "-c", &script], Duration::from_millis(800));
        assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
        assert_eq!(o.exit, Some(0), "{o:?}");
        assert_eq!(o.stdout, "started\n");
        assert!(o.failure.as_deref().is_some_and(|f| f.contains("still held its output")), "{o:?}");
        let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
        });
        assert!(gone, "the child {pid} outlived its group");
        // The command itself hangs with a child: both are killed at the deadline.
        let t = Instant::now();
        let o = run_strs(&["sh", "-c", "sleep 30 & sleep 30"], Duration::from_millis(500));
        assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
        assert_eq!(o.exit, None);
        assert!(o.reason().contains("killed"), "{o:?}");
    }

    #[test]
    fn output_beyond_the_bound_is_dropped_not_kept() {
        let o = run_strs(&["sh", "-c", "head -c 20000000 /dev/zero"], Duration::from_secs(10));
        assert_eq!(o.exit, Some(0));
        assert_eq!(o.stdout.len(), KEEP_BYTES);
    }
}
