//! Running `drbdsetup events2 --now --statistics all` once (argv, never a shell).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::SourceError;

/// Longest a one-shot `drbdsetup events2 --now` may take before drnfs gives up on it.
pub const ONE_SHOT_TIMEOUT: Duration = Duration::from_secs(5);

/// The argv of a one-shot state dump.
pub fn events2_now_args() -> [&'static str; 4] {
    ["events2", "--now", "--statistics", "all"]
}

/// Runs `drbdsetup events2 --now --statistics all` and returns its stdout.
pub fn events2_now(program: &Path) -> Result<String, SourceError> {
    run_with_timeout(program, &events2_now_args(), ONE_SHOT_TIMEOUT)
}

/// Runs `program args…`, killing it after `timeout`. Output is drained on threads so a
/// large dump cannot block the child on a full pipe.
pub fn run_with_timeout(program: &Path, args: &[&str], timeout: Duration) -> Result<String, SourceError> {
    let name = program.display().to_string();
    let fail = |message: String| SourceError::Command { program: name.clone(), message };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            fail(if e.kind() == std::io::ErrorKind::NotFound {
                "not installed (drbd-utils provides it)".to_owned()
            } else {
                e.to_string()
            })
        })?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!("no answer within {timeout:?}, killed")));
            }
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&err);
        return Err(fail(format!("{} ({status})", stderr.trim())));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program_is_a_clear_error() {
        let e = events2_now(Path::new("/nonexistent/drbdsetup")).unwrap_err();
        assert!(e.to_string().contains("not installed"), "{e}");
    }

    #[test]
    fn failing_and_hanging_children() {
        let e = run_with_timeout(
            Path::new("sh"),
            &["-c", "echo 'Could not connect to drbd' >&2; exit 20"],
            ONE_SHOT_TIMEOUT,
        )
        .unwrap_err();
        assert!(e.to_string().contains("Could not connect to drbd"), "{e}");
        let started = Instant::now();
        let e = run_with_timeout(Path::new("sleep"), &["10"], Duration::from_millis(200)).unwrap_err();
        assert!(e.to_string().contains("killed"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn large_output_does_not_deadlock() {
        let out =
            run_with_timeout(Path::new("sh"), &["-c", "head -c 1000000 /dev/zero | tr '\\0' x"], ONE_SHOT_TIMEOUT)
                .unwrap();
        assert_eq!(out.len(), 1_000_000);
    }
}
