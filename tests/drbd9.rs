//! DRBD 9 on a real kernel: the captures of a DRBD 9.2.18 pair (`../shared/samples/drbd9-lab`,
//! made in a lab like this project's; not copied into the repository) raise the findings
//! that `drbdadm status` and the kernel log of the same moment call for, and the same
//! finding ids as the DRBD 8.4 lab's captures of the same situation (`fixtures/`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn drbd9_lab() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/drbd9-lab");
    assert!(p.is_dir(), "{} is missing: the shared samples must sit beside the checkout", p.display());
    p
}

/// The report drnfs makes of one capture (the engine's one-shot path, as `doctor` runs it).
fn report(dir: &Path) -> drnfs::engine::Report {
    drnfs::engine::oneshot::take(&drnfs::source::SourceConfig::capture(dir), None)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// The DRBD findings' rule ids (`drbd.resync`), without subjects.
fn drbd_rules(r: &drnfs::engine::Report) -> BTreeSet<String> {
    r.findings
        .iter()
        .map(|f| f.id.split(':').next().unwrap_or("").to_owned())
        .filter(|id| id.starts_with("drbd."))
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

/// What each state calls for on each node, read from its `drbdadm status` and kernel log.
const EXPECTED: &[(&str, &str, &[&str])] = &[
    // r0 Primary / Secondary, both UpToDate.
    ("connected-idle", "nodea", &[]),
    ("connected-idle", "nodeb", &[]),
    // nodea `replication:SyncSource peer-disk:Inconsistent done:45.05`; nodeb SyncTarget,
    // Inconsistent while it receives: expected, not a disk finding.
    ("resync", "nodea", &["drbd.resync"]),
    ("resync", "nodeb", &["drbd.resync"]),
    // nodea `nodeb connection:Connecting`; nodeb "No currently configured DRBD found"
    // (drbdadm down) although its configuration names it.
    ("peer-down", "nodea", &["drbd.peer-unreachable"]),
    ("peer-down", "nodeb", &["drbd.down"]),
    // Both Primary and StandAlone after "Split-Brain detected but unresolved".
    ("split-brain", "nodea", &["drbd.split-brain"]),
    ("split-brain", "nodeb", &["drbd.split-brain"]),
    ("split-brain-resolved", "nodea", &[]),
    ("split-brain-resolved", "nodeb", &[]),
];

#[test]
fn every_drbd9_state_raises_what_drbdadm_status_and_the_kernel_log_call_for() {
    let root = drbd9_lab();
    let mut wrong = Vec::new();
    for (state, node, want) in EXPECTED {
        let dir = root.join(state).join(node);
        let r = report(&dir);
        assert_eq!(r.drbd.version.as_deref().map(|v| v.starts_with('9')), Some(true), "{state}/{node}: not DRBD 9");
        let got = drbd_rules(&r);
        if got != set(want) {
            wrong.push(format!("{state}/{node}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn drbd9_findings_carry_what_the_operator_needs() {
    let root = drbd9_lab();
    let target = report(&root.join("resync/nodeb"));
    let f = target.findings.iter().find(|f| f.id == "drbd.resync:r0").expect("drbd.resync:r0 on the SyncTarget");
    // events2-now.txt says done:20.49 (drbdadm status, a moment later, 26.54).
    assert!(f.summary.starts_with("r0: receiving resync 20.5% done"), "{}", f.summary);
    assert!(f.suggestion.as_deref().is_some_and(|s| s.contains("do not promote")), "{f:?}");
    let source = report(&root.join("resync/nodea"));
    let f = source.findings.iter().find(|f| f.id == "drbd.resync:r0").unwrap();
    assert!(f.summary.starts_with("r0: resync to peer 35.7% done"), "{}", f.summary);
    let down = report(&root.join("peer-down/nodea"));
    let f = down.findings.iter().find(|f| f.id == "drbd.peer-unreachable:r0").unwrap();
    assert!(f.summary.contains("Connecting: waiting for it to connect"), "{}", f.summary);
    // out-of-sync:8328 on the Primary: what the peer will need when it is back.
    assert!(f.evidence.iter().any(|e| e.contains("8.13 MiB written here since")), "{:?}", f.evidence);
    let sb = report(&root.join("split-brain/nodeb"));
    let f = sb.findings.iter().find(|f| f.id == "drbd.split-brain:r0").unwrap();
    assert!(f.summary.contains("nodeb (Primary, this node) and nodea"), "{}", f.summary);
}

/// The same situation on DRBD 8.4 (the project's lab) and DRBD 9 raises the same ids.
#[test]
fn drbd9_and_drbd84_captures_of_the_same_situation_raise_the_same_findings() {
    let nine = drbd9_lab();
    let eight = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for state in ["resync", "peer-down", "split-brain"] {
        // Per node role in that state: which node serves differs between the two labs,
        // so the union over both nodes is compared.
        let union = |root: &Path| -> BTreeSet<String> {
            ["nodea", "nodeb"]
                .iter()
                .filter(|n| root.join(state).join(n).join("proc").is_dir())
                .flat_map(|n| drbd_rules(&report(&root.join(state).join(n))))
                .collect()
        };
        let (a, b) = (union(&eight), union(&nine));
        assert!(!a.is_empty(), "{state}: the 8.4 capture raised nothing");
        assert_eq!(a, b, "{state}: DRBD 8.4 raised {a:?}, DRBD 9 {b:?}");
    }
}

/// `drnfs ACTION r0 --dry-run` on one DRBD 9 capture, with the peer's state from its
/// snapshot of the same moment: exit code and output.
fn dry_run(state: &str, node: &str, peer: &str, action: &[&str]) -> (Option<i32>, String) {
    let root = drbd9_lab().join(state);
    let here = root.join(node);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(action)
        .args(["r0", "--dry-run"])
        .args(common::capture_sources(&here))
        .arg("--config")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/drnfs.toml"))
        .arg("--peer-snapshot")
        .arg(root.join(peer).join("drnfs-snapshot.json"))
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The preflight's blocking checks, as `ID node`.
fn blocked(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("BLOCK "))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

/// The guarded actions read DRBD 9's state as they read 8.4's: a failover of the idle pair
/// is allowed; during a resync it is refused for the resync and the SyncTarget's data;
/// promoting the SyncTarget is refused for its data, its Primary peer, and DRBD 9's own
/// `may_promote:no`; split-brain recovery compares both sides and names the victim.
#[test]
fn guarded_actions_read_drbd9_state() {
    let (code, text) = dry_run("connected-idle", "nodea", "nodeb", &["failover"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("replication Established, out of sync 0 KiB"), "{text}");

    let (code, text) = dry_run("resync", "nodea", "nodeb", &["failover"]);
    assert_eq!(code, Some(3), "{text}");
    assert_eq!(blocked(&text), set(&["C08 nodea", "C07 nodea", "C04 nodeb", "C08 nodeb"]), "{text}");

    let (code, text) = dry_run("resync", "nodeb", "nodea", &["promote"]);
    assert_eq!(code, Some(3), "{text}");
    assert_eq!(blocked(&text), set(&["C23 nodeb", "C04 nodeb", "C06 nodeb"]), "{text}");
    assert!(text.contains("disk Inconsistent (SyncTarget)"), "{text}");
    assert!(text.contains("likely because the disk here is Inconsistent, not UpToDate, the peer is Primary"), "{text}");

    let (code, text) = dry_run("split-brain", "nodeb", "nodea", &["recover-split-brain"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(blocked(&text).is_empty(), "{text}");
    // Both sides' changes while apart, from each side's own out-of-sync bitmap.
    assert!(text.contains("blocks changed while apart  1040 (4160 KiB)"), "{text}");
    assert!(text.contains("Recommended victim: nodeb (nodea serves clients"), "{text}");
}

/// The DRBD view of a DRBD 9 resync at 80×24: the protocol from the configuration, the
/// resync's size (from `done:` and out-of-sync, which events2 gives; not `rs-total`, which
/// it does not), and the peer device's counters in place of 8.4's /proc/drbd line.
#[test]
fn the_drbd_view_of_a_drbd9_resync_is_complete() {
    use drnfs::tui::app::{App, Mode, View};
    use drnfs::tui::keys::Action;
    let r = report(&drbd9_lab().join("resync/nodea"));
    let mut app = App::new(
        Mode::Capture { root: "capture".into() },
        drnfs::tui::theme::Theme { color: false, ascii: false },
        vec![],
    );
    app.set_report(Some(r));
    app.update(Action::Show(View::Drbd));
    let screen = common::screen_text(&app, 80, 24);
    assert!(screen.contains("state SyncSource   disk UpToDate → peer Inconsistent   protocol C"), "{screen}");
    // events2: done:35.74 out-of-sync:38884 dbdt1:1.48 eta:26. The kernel log of the same
    // resync says "will sync 60508 KB": the derived size is within 0.01% of it.
    assert!(screen.contains("ETA 0:00:26   speed 1.48 MiB/s   37.97 MiB left of 59.09 MiB"), "{screen}");
    assert!(!screen.contains("average ?"), "a figure events2 does not carry is not shown as unknown:\n{screen}");
    assert!(screen.contains("out of sync 37.97 MiB   pending 1   unacked 0   sent 43.22 MiB"), "{screen}");
    assert!(screen.contains("may promote no"), "{screen}");
}

/// DRBD 9 says how much application data is on its way to the peer (`ap-in-flight`, in
/// sectors, per connection): the write path carries it in KiB beside the queues, and the
/// evidence of a replication verdict says it. The capture's connection had 12 sectors out.
#[test]
fn the_write_path_carries_drbd9_in_flight_data() {
    let dir = drbd9_lab().join("connected-idle/nodea");
    let events2 = std::fs::read_to_string(dir.join("events2-now.txt")).unwrap();
    assert!(events2.contains("conn-name:nodeb connection:Connected role:Secondary congested:no ap-in-flight:12 "));
    let r = drnfs::engine::oneshot::take(&drnfs::source::SourceConfig::capture(&dir), Some(0.2)).unwrap();
    let w = r.write_path.expect("two samples: the write path is measured");
    let hop = w.devices.iter().find(|d| d.resource.as_deref() == Some("r0")).expect("r0's device");
    assert_eq!(hop.queues.in_flight_kib, Some(6), "12 sectors of 512 bytes");
    assert_eq!(hop.queues.resync_in_flight_kib, Some(0));
    assert_eq!(hop.peer.as_deref(), Some("nodeb"));
}
