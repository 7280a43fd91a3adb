//! Garbage in, bounded cost out. A damaged copy off a broken server (one huge line, a
//! flood of junk lines, JSON nested past reason) in place of any one source must cost
//! `drnfs snapshot --json` less than 64 MiB of memory, 1 MiB of output and a second, and
//! the damage must be reported, not hidden. Each case runs the real binary on a copy of
//! a lab capture (fixtures/failover/nodeb) with one file replaced.

mod common;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIZE: usize = 16 << 20;
const MEMORY_LIMIT_KIB: i64 = 64 << 10;
const OUTPUT_LIMIT: usize = 1 << 20;
const TIME_LIMIT: Duration = Duration::from_secs(1);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Writes 16 MiB of one shape of damage to `path`, a chunk at a time: this process stays
/// small, and its size is what a child inherits in its peak-memory figure.
fn write_garbage(path: &Path, shape: &str) {
    use std::io::Write;
    let unit: &[u8] = match shape {
        "one-line" => b"a:b +3 ",
        "short-lines" => b"a:b +3\n",
        "deep-json" => b"[",
        _ => unreachable!(),
    };
    let chunk: Vec<u8> = unit.iter().copied().cycle().take(64 << 10).collect();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = SIZE;
    while left > 0 {
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    f.flush().unwrap();
}

struct Run {
    rss_kib: i64,
    /// The first 2 MiB of stdout, then stderr.
    output: Vec<u8>,
    /// All of stdout, in bytes.
    output_len: usize,
    elapsed: Duration,
    status: std::process::ExitStatus,
}

/// Runs drnfs with `args` and measures its peak memory (wait4's rusage), output and time.
// The child is reaped by wait4 itself (std's wait would lose the rusage).
#[allow(clippy::zombie_processes)]
fn run(args: &[std::ffi::OsString]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(["snapshot", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    // Keeps the first 2 MiB and counts the rest (a flood must not grow this process).
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut total = 0usize;
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
            if v.len() < OUTPUT_LIMIT * 2 {
                v.extend_from_slice(&buf[..n]);
            }
        }
        (v, total)
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is valid; wait4 on our own child's pid, with valid
    // out-pointers.
    #[allow(unsafe_code)]
    let (pid, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage), usage)
    };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let elapsed = started.elapsed();
    let (mut output, total) = reader.join().unwrap();
    output.extend(err_reader.join().unwrap());
    Run {
        rss_kib: usage.ru_maxrss,
        output,
        output_len: total,
        elapsed,
        status: std::process::ExitStatus::from_raw(status),
    }
}

#[test]
fn a_16_mib_garbage_file_in_place_of_any_source_costs_little_and_is_reported() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/failover/nodeb");
    assert!(fixture.is_dir(), "{} is missing", fixture.display());
    // The undamaged capture, for scale.
    let base = run(&common::capture_sources(&fixture));
    assert!(base.status.success(), "{}", String::from_utf8_lossy(&base.output));
    eprintln!("undamaged: {} KiB peak, {} bytes out, {:?}", base.rss_kib, base.output_len, base.elapsed);

    let sources = [
        "proc/drbd",
        "proc/net/rpc/nfsd",
        "proc/fs/nfsd/versions",
        "proc/fs/nfsd/exports",
        "proc/fs/nfsd/pool_stats",
        "proc/fs/nfsd/threads",
        "proc/fs/nfsd/clients/2/info",
        "proc/self/mountinfo",
        "proc/net/fib_trie",
        "events2-now.txt",
        "dmesg.txt",
        "drbdadm-dump.txt",
    ];
    let mut failures = Vec::new();
    for source in sources {
        for shape in ["one-line", "short-lines", "deep-json"] {
            let dir = tempfile::tempdir().unwrap();
            let capture: PathBuf = dir.path().join("capture");
            copy_dir(&fixture, &capture);
            write_garbage(&capture.join(source), shape);
            let r = run(&common::capture_sources(&capture));
            let text = String::from_utf8_lossy(&r.output);
            let what = format!(
                "{source} ({shape}): {} KiB peak, {} bytes out, {:?}, {}",
                r.rss_kib, r.output_len, r.elapsed, r.status
            );
            eprintln!("{what}");
            if r.status.code().is_none() {
                failures.push(format!("{what}: killed by a signal (a panic or a crash)"));
            }
            if r.rss_kib > MEMORY_LIMIT_KIB {
                failures.push(format!("{what}: over {MEMORY_LIMIT_KIB} KiB"));
            }
            if r.output_len > OUTPUT_LIMIT {
                failures.push(format!("{what}: over {OUTPUT_LIMIT} bytes of output"));
            }
            if r.elapsed > TIME_LIMIT {
                failures.push(format!("{what}: over {TIME_LIMIT:?}"));
            }
            // The damage is named: the file appears in a warning or source error. (A
            // kernel log may hold any line and only DRBD's matter; fib_trie's other lines
            // carry nothing drnfs reads: junk there is no damage to report.)
            let name = Path::new(source).file_name().unwrap().to_string_lossy().into_owned();
            let named = text.contains(&name) || (name == "drbdadm-dump.txt" && text.contains("drbdadm dump"));
            if !named && !["dmesg.txt", "fib_trie"].contains(&name.as_str()) {
                failures.push(format!("{what}: the output does not name {name}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases over a bound:\n{}",
        failures.len(),
        sources.len() * 3,
        failures.join("\n")
    );
}

/// Small damage is the dangerous kind: a cut or junked copy of a real file still parses,
/// as different numbers (`threads-woken 27079` cut to `270`). Each of these passed with
/// no warning once; now each is named with its file and line in the snapshot's warnings.
#[test]
fn small_damage_to_a_real_capture_is_named_with_file_and_line() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/client-load/nodea");
    let info = std::fs::read_dir(fixture.join("proc/fs/nfsd/clients"))
        .unwrap()
        .flatten()
        .map(|e| format!("proc/fs/nfsd/clients/{}/info", e.file_name().to_string_lossy()))
        .next()
        .expect("a client directory in the capture");
    let cut = |bytes: &mut Vec<u8>, n: usize| bytes.truncate(bytes.len() - n);
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(String, Damage, &str)> = vec![
        ("proc/fs/nfsd/pool_stats".into(), Box::new(move |b| cut(b, 5)), "cut off"),
        (info.clone(), Box::new(move |b| cut(b, 8)), "cut off"),
        ("proc/net/rpc/nfsd".into(), Box::new(|b| b.extend_from_slice(b"\xff\xfe\x00\x13junk\n")), "not text"),
        ("events2-now.txt".into(), Box::new(|b| b.extend_from_slice(b"\x8a\xc3(\x00 exists -\n")), "not text"),
        (
            "proc/drbd".into(),
            Box::new(|b| {
                let text = String::from_utf8(b.clone()).unwrap();
                *b = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("ns:"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
                    .into_bytes();
            }),
            "counters line",
        ),
    ];
    let mut failures = Vec::new();
    for (file, damage, said) in &cases {
        let dir = tempfile::tempdir().unwrap();
        let capture = dir.path().join("capture");
        copy_dir(&fixture, &capture);
        let path = capture.join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        damage(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let r = run(&common::capture_sources(&capture));
        assert!(r.status.success(), "{file}: {}", String::from_utf8_lossy(&r.output));
        // stdout's JSON first, then stderr.
        let json: serde_json::Value = serde_json::Deserializer::from_slice(&r.output)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{file}: no JSON"))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let warnings = json["warnings"].as_array().cloned().unwrap_or_default();
        let named = warnings.iter().any(|w| {
            let line = w["line"].as_u64().map(|n| n as usize);
            let message = w["message"].as_str().unwrap_or("");
            let line_said = line.or_else(|| {
                message
                    .strip_prefix("line ")
                    .or_else(|| message.split("(line ").nth(1))?
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            });
            w["source"].as_str().is_some_and(|s| s.ends_with(file.as_str()))
                && message.contains(said)
                && line_said.is_some_and(|n| n >= 1 && n <= lines + 1)
        });
        if !named {
            failures.push(format!("{file}: no warning naming it, a line and \"{said}\": {warnings:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
