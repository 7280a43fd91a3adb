//! Running a program: argv only (never a shell string), bounded in time, with its exit
//! code, stdout and stderr kept whatever happens.

use std::io::Read;
use std::process::{Command, Stdio};
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
}

/// Runs `argv` with a deadline; the child is killed when it passes.
pub fn run(argv: &[String], timeout: Duration) -> Outcome {
    let started = Instant::now();
    let fail = |failure: String| Outcome {
        exit: None,
        stdout: String::new(),
        stderr: String::new(),
        duration_ms: started.elapsed().as_millis() as u64,
        failure: Some(failure),
    };
    let Some((program, args)) = argv.split_first() else { return fail("empty command".to_owned()) };
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return fail(format!("{program}: not installed")),
        Err(e) => return fail(format!("{program}: cannot start: {e}")),
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = started + timeout;
    let mut failure = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                failure = Some(format!("{program}: no answer within {timeout:?}, killed"));
                break None;
            }
            Err(e) => {
                failure = Some(format!("{program}: {e}"));
                break None;
            }
        }
    };
    Outcome {
        exit: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
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
}
