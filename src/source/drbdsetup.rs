//! Running `drbdsetup events2 --now --statistics all` once (argv, never a shell).

use std::path::Path;
use std::time::Duration;

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

/// Runs `program args…`, killing it after `timeout`; stdout on success.
pub fn run_with_timeout(program: &Path, args: &[&str], timeout: Duration) -> Result<String, SourceError> {
    let name = program.display().to_string();
    let mut argv = vec![name.clone()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let out = crate::process::run(&argv, timeout);
    if out.success() {
        return Ok(out.stdout);
    }
    let message = match (&out.failure, out.exit) {
        (Some(f), _) if f.ends_with("not installed") => "not installed (drbd-utils provides it)".to_owned(),
        (Some(f), _) => f.clone(),
        (None, code) => format!("{} (exit {})", out.stderr.trim(), code.map_or("?".to_owned(), |c| c.to_string())),
    };
    Err(SourceError::Command { program: name, message })
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
        let started = std::time::Instant::now();
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
