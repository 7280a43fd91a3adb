//! `drnfs check` is keepalived's vrrp_script: whatever it runs must not outlast its
//! budget, or keepalived's own timeout decides for it. On DRBD 9 it asks `drbdsetup status
//! --json`; a drbdsetup that hangs with a child holding its output must still leave
//! `drnfs check` answering "unreadable" (10) within a second or so.

use std::path::Path;
use std::time::{Duration, Instant};

fn samples() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/drbd9-lab");
    assert!(p.is_dir(), "{} is missing: the shared samples must sit beside the checkout", p.display());
    p
}

#[test]
fn a_hanging_drbdsetup_with_a_child_holding_its_output_does_not_hold_the_check() {
    let d = tempfile::tempdir().unwrap();
    let proc = d.path().join("proc");
    std::fs::create_dir_all(&proc).unwrap();
    // A real DRBD 9.2.18 /proc/drbd: no per-minor lines, so the check must ask drbdsetup.
    std::fs::copy(samples().join("connected-idle/nodea/proc/drbd"), proc.join("drbd")).unwrap();
    let stub = d.path().join("drbdsetup");
    let child_pid = d.path().join("child.pid");
    std::fs::write(&stub, format!("#!/bin/sh\nsleep 60 &\necho $! > {}\nsleep 60\n", child_pid.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = d.path().join("drnfs.toml");
    std::fs::write(&config, "[[resource]]\nname = 'r0'\ndevice = '/dev/drbd0'\nmount_point = '/srv/nfs'\n").unwrap();
    let t = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .arg("--proc-root")
        .arg(&proc)
        .arg("--config")
        .arg(&config)
        .arg("--drbdsetup")
        .arg(&stub)
        .args(["check", "--resource", "r0"])
        .output()
        .unwrap();
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(10), "{text}");
    assert!(text.contains("killed"), "{text}");
    assert!(took < Duration::from_secs(2), "drnfs check took {took:?}");
    let pid = std::fs::read_to_string(&child_pid).unwrap();
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).map_or(true, |s| s.contains(") Z "))
    });
    assert!(gone, "drbdsetup's child outlived the check");
}

/// What cannot be judged is 10 (unreadable), never a code that names a state of the node:
/// no DRBD here, a resource with no configuration, a resource the configuration lacks.
#[test]
fn what_cannot_be_judged_is_unreadable() {
    let empty = tempfile::tempdir().unwrap();
    let check = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .arg("check")
            .arg("--proc-root")
            .arg(empty.path())
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drnfs.toml");
    let config = config.to_str().unwrap();
    let (code, text) = check(&["--config", config]);
    assert_eq!(code, Some(10), "{text}");
    assert!(text.starts_with("10 r0: DRBD state unreadable"), "{text}");
    let (code, text) = check(&["--resource", "r0", "--config", "/nonexistent/drnfs.toml"]);
    assert_eq!(code, Some(10), "{text}");
    assert!(text.starts_with("10 r0: --resource needs the drnfs configuration (/nonexistent/drnfs.toml)"), "{text}");
    let (code, text) = check(&["--resource", "r9", "--config", config]);
    assert_eq!(code, Some(10), "{text}");
    assert!(text.contains("\"r9\" is not in the drnfs configuration"), "{text}");
}
