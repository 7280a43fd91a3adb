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
