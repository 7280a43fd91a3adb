//! The action engine end to end on this machine: plan order, verification after each
//! step, rollback of a failed failover step in reverse, refusals, the confirmation, the
//! journal a killed drnfs leaves, and the audit log. The cluster commands are stand-ins on
//! PATH that keep a small state file (role, mounts, nfsd) the way the real ones change the
//! node; the real commands run in the lab (tests/lab/run).

use std::path::{Path, PathBuf};

use drnfs::action::plan::ActionKind;
use drnfs::action::{Ask, Ending};
use serde_json::{Value, json};

mod common;

struct Node {
    dir: tempfile::TempDir,
}

impl Node {
    /// A node that is Primary, mounted, serving. `umount_fails` makes unmounting the data
    /// filesystem fail as if a process held it.
    fn serving(umount_fails: bool) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::fs::write(d.join("state"), "role=Primary\nmnt_/srv/nfs=1\nmnt_/var/lib/nfs=1\nthreads=8\n").unwrap();
        let state = d.join("state").display().to_string();
        let log = d.join("commands").display().to_string();
        // Each stand-in logs its argv and updates the state file like the real command.
        let set = |k: &str, v: &str| format!("sed -i '/^{k}=/d' {state}; echo '{k}={v}' >> {state}");
        let scripts = [
            (
                "drbdadm",
                format!(
                    "case \"$1\" in primary) {};; secondary) {};; esac",
                    set("role", "Primary"),
                    set("role", "Secondary")
                ),
            ),
            (
                "systemctl",
                format!("case \"$1\" in start) {};; stop) {};; esac", set("threads", "8"), set("threads", "0")),
            ),
            (
                "mount",
                format!(
                    "for a; do p=$a; done; {}",
                    set("mnt_$p", "1").replace("'mnt_$p=1'", "\"mnt_$p=1\"").replace("/^mnt_$p=/d", "\\#^mnt_$p=#d")
                ),
            ),
            (
                "umount",
                format!(
                    "p=$1; if [ \"$p\" = /srv/nfs ] && [ {umount_fails} = true ]; then echo \"umount: $p: target is busy.\" >&2; exit 32; fi; {}",
                    set("mnt_$p", "0").replace("'mnt_$p=0'", "\"mnt_$p=0\"").replace("/^mnt_$p=/d", "\\#^mnt_$p=#d")
                ),
            ),
        ];
        for (name, body) in scripts {
            let path = d.join("bin").join(name);
            std::fs::write(&path, format!("#!/bin/sh\necho \"{name} $*\" >> {log}\n{body}\nexit 0\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let config = format!(
            "[keepalived]\nhold_dir = '{0}/hold'\n[paths]\naudit_log = '{0}/audit.jsonl'\njournal_dir = '{0}/journal'\nlock_dir = '{0}/lock'\n\
             [[resource]]\nname = 'r0'\ndevice = '/dev/drbd0'\nmount_point = '/srv/nfs'\nstate_dir = 'state'\nexports = ['/srv/nfs/export']\nnfs_helpers = []\n",
            d.display()
        );
        std::fs::write(d.join("drnfs.toml"), config).unwrap();
        Node { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// This node's report, built from the state file (as JSON, the way a peer's arrives).
    fn report(state: &Path) -> drnfs::engine::Report {
        serde_json::from_value(Node::snapshot(state)).expect("a report")
    }

    /// This node's `drnfs snapshot --json`, built from the state file.
    fn snapshot(state: &Path) -> Value {
        let text = std::fs::read_to_string(state).unwrap();
        let get = |k: &str| text.lines().rev().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap_or("").to_owned();
        let role = get("role");
        let mounts: Vec<Value> = ["/srv/nfs", "/var/lib/nfs"]
            .iter()
            .filter(|m| get(&format!("mnt_{m}")) == "1")
            .map(|m| json!({"device": "/dev/drbd0", "mount_point": m, "fstype": "ext4", "read_only": false}))
            .collect();
        let threads: u64 = get("threads").parse().unwrap_or(0);
        // Single-primary pair: whichever role this node has, the peer stays Secondary here.
        let peer = "Secondary";
        json!({
            "host": {"hostname": "nodea", "drbd_mounts": mounts, "addresses": []},
            "drbd": {"available": true, "version": "8.4.11", "resources": [], "minors": [{
                "minor": 0, "connection": "Connected", "role": role, "peer_role": peer,
                "disk": "UpToDate", "peer_disk": "UpToDate", "protocol": "C", "counters": {"oos": 0}}]},
            "nfsd": {"threads": threads, "exports": if threads > 0 { json!([{"path": "/srv/nfs/export", "client": "10.50.0.0/24", "pseudo_root": false}]) } else { json!([]) }},
            "findings": []
        })
    }

    fn ask(&self, kind: ActionKind, confirm: &str) -> Ask {
        Ask {
            kind,
            resource: "r0".into(),
            config_path: self.path("drnfs.toml"),
            dry_run: false,
            confirm: Some(confirm.into()),
            no_fencing_accepted: false,
            accept_stale: false,
            force: false,
            victim: None,
            peer_snapshot: None,
            recorded: false,
        }
    }

    fn run(&self, ask: &Ask) -> (Ending, String) {
        // The stand-ins come first on PATH (tests in this file run one at a time: PATH_LOCK).
        let old = std::env::var("PATH").unwrap_or_default();
        unsafe_free_set_path(&format!("{}:{old}", self.path("bin").display()));
        let state = self.path("state");
        let mut out = Vec::new();
        let ending = drnfs::action::run(ask, || Ok(Node::report(&state)), &mut out, |_| Ok(String::new())).unwrap();
        unsafe_free_set_path(&old);
        (ending, String::from_utf8(out).unwrap())
    }

    fn commands(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("commands")).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

static PATH_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn unsafe_free_set_path(v: &str) {
    // Only the test threads of this file touch the environment, one at a time (PATH_LOCK).
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PATH", v);
    }
}

#[test]
fn demote_runs_in_order_and_verifies_each_step() {
    let _g = PATH_LOCK.lock().unwrap();
    let n = Node::serving(false);
    let (ending, out) = n.run(&n.ask(ActionKind::Demote, "r0"));
    assert_eq!(ending, Ending::Done, "{out}");
    assert_eq!(
        n.commands(),
        vec!["systemctl stop nfs-server.service", "umount /var/lib/nfs", "umount /srv/nfs", "drbdadm secondary r0"]
    );
    let events: Vec<String> = n.audit().iter().map(|r| r["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, vec!["start", "step", "step", "step", "step", "done"]);
    assert_eq!(n.audit()[0]["typed"], "r0");
    assert!(!n.path("journal/r0.json").exists(), "the journal is closed");
}

#[test]
fn a_busy_mount_rolls_back_and_the_node_keeps_serving() {
    let _g = PATH_LOCK.lock().unwrap();
    let n = Node::serving(true);
    let (ending, out) = n.run(&n.ask(ActionKind::Demote, "r0"));
    assert_eq!(ending, Ending::RolledBack, "{out}");
    assert!(out.contains("target is busy"), "{out}");
    // Stop NFS, unbind, fail to unmount; then rebind and start NFS again, newest first.
    assert_eq!(
        n.commands(),
        vec![
            "systemctl stop nfs-server.service",
            "umount /var/lib/nfs",
            "umount /srv/nfs",
            "mount --bind /srv/nfs/state /var/lib/nfs",
            "systemctl start nfs-server.service",
        ]
    );
    let snap = Node::snapshot(&n.path("state"));
    assert_eq!(snap["nfsd"]["threads"], 8);
    assert_eq!(snap["drbd"]["minors"][0]["role"], "Primary");
    let audit = n.audit();
    let failed = audit.iter().find(|r| r["ok"] == false).unwrap();
    assert_eq!(failed["argv"], json!(["umount", "/srv/nfs"]));
    assert_eq!(failed["exit"], 32);
    assert_eq!(audit.last().unwrap()["event"], "rolled_back");
}

#[test]
fn refusals_and_a_wrong_confirmation_change_nothing() {
    let _g = PATH_LOCK.lock().unwrap();
    let n = Node::serving(false);
    // Promote on a node that is already Primary: refused at preflight.
    let (ending, out) = n.run(&n.ask(ActionKind::Promote, "r0"));
    assert_eq!(ending, Ending::Refused, "{out}");
    assert!(out.contains("REFUSED"), "{out}");
    // A wrong phrase aborts.
    let (ending, _) = n.run(&n.ask(ActionKind::Demote, "r1"));
    assert_eq!(ending, Ending::Aborted);
    assert!(n.commands().is_empty());
    let events: Vec<String> = n.audit().iter().map(|r| r["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events, vec!["refused", "aborted"]);
}

#[test]
fn an_interrupted_action_blocks_until_resumed() {
    let _g = PATH_LOCK.lock().unwrap();
    let n = Node::serving(false);
    // A journal as a drnfs killed after step 2 leaves it.
    let config = drnfs::config::Config::load(&n.path("drnfs.toml")).unwrap();
    let r = config.resource("r0").unwrap();
    let plan = drnfs::action::plan::demote(&config, r, "nodea");
    let journal = drnfs::action::record::Journal {
        run_id: "dead-run".into(),
        pid: 999_999,
        operator: "test".into(),
        started_at: "2026-11-25T00:00:00Z".into(),
        steps: vec![
            drnfs::action::record::StepState::Done,
            drnfs::action::record::StepState::Running,
            drnfs::action::record::StepState::Pending,
            drnfs::action::record::StepState::Pending,
        ],
        plan,
        state: drnfs::action::record::RunState::Running,
        note: None,
    };
    journal.save(&config.paths.journal_dir).unwrap();
    let (ending, out) = n.run(&n.ask(ActionKind::Demote, "r0"));
    assert_eq!(ending, Ending::Refused);
    assert!(out.contains("interrupted demote"), "{out}");
    // Roll it back: steps 1 and 2 (the running one counts as done) are undone, newest first.
    let old = std::env::var("PATH").unwrap_or_default();
    unsafe_free_set_path(&format!("{}:{old}", n.path("bin").display()));
    let state = n.path("state");
    let mut out = Vec::new();
    let ending =
        drnfs::action::resume(&n.path("drnfs.toml"), "r0", true, || Ok(Node::report(&state)), &mut out).unwrap();
    unsafe_free_set_path(&old);
    // A rollback asked for ends as "undone" (exit 0), not as a failed action rolled back.
    assert_eq!(ending, Ending::Undone, "{}", String::from_utf8_lossy(&out));
    // The unbind was running when drnfs died but never happened (/var/lib/nfs is still
    // bound in this node's state), so its undo is already so and is not run; nfsd is
    // started again.
    assert!(String::from_utf8_lossy(&out).contains("already so, not run"));
    assert_eq!(n.commands(), vec!["systemctl start nfs-server.service"]);
    assert!(drnfs::action::record::Journal::unfinished(&config.paths.journal_dir, "r0").unwrap().is_none());
}

/// "Would a failover / a takeover be allowed?" asked of the lab's failover capture: nodeb's
/// state from its capture, nodea's from its snapshot file. The evidence says the peer's
/// state came from that file, not from ssh.
#[test]
fn a_dry_run_on_captures_names_where_the_peers_state_came_from() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let here = fixtures.join("failover/nodeb");
    let peer = fixtures.join("failover/nodea/drnfs-snapshot.json");
    let dry_run = |action: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .args(action)
            .args(["r0", "--dry-run"])
            .args(common::capture_sources(&here))
            .arg("--config")
            .arg(fixtures.join("drnfs.toml"))
            .arg("--peer-snapshot")
            .arg(&peer)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("answered over ssh"), "{text}");
        (out.status.code(), text)
    };
    // nodeb serves, nodea is a connected, UpToDate Secondary: a failover is allowed.
    let (code, text) = dry_run(&["failover"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!("peer reachable                           its snapshot from {}", peer.display())),
        "{text}"
    );
    // nodea was up then: a takeover is refused (exit 3), saying how drnfs knows.
    let (code, text) = dry_run(&["takeover"]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains(&format!("nodea's snapshot ({}) shows it running: it is not dead", peer.display())),
        "{text}"
    );
}

/// The same question of a recording, with the peer's recording of the same time beside
/// it (`--replay FILE --peer-replay FILE --at SECONDS`): nodeb's state is read from its
/// recording at the same wall-clock moment. Without it, the dry run says what it lacks.
#[test]
fn a_dry_run_on_a_replay_reads_the_peer_from_its_recording() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let here = fixtures.join("demo/lab-incident.drnfs.gz");
    let peer = fixtures.join("demo/lab-incident-nodeb.drnfs.gz");
    let serving = drnfs::engine::chapters::chapters(&drnfs::source::recording::Recording::open(&here).unwrap())
        .iter()
        .find(|c| c.title.contains("nfsd serving"))
        .map(|c| c.at)
        .expect("a serving chapter");
    let dry_run = |with_peer: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"));
        cmd.args(["failover", "r0", "--dry-run", "--config"])
            .arg(fixtures.join("drnfs.toml"))
            .arg("--replay")
            .arg(&here);
        if with_peer {
            cmd.arg("--peer-replay").arg(&peer);
        }
        let out = cmd.args(["--at", &format!("{:.0}", serving + 30.0)]).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("answered over ssh"), "{text}");
        (out.status.code(), text)
    };
    // Half a minute after nfsd began serving on nodea, nodeb is a connected, UpToDate
    // Secondary in its own recording: a failover would be allowed.
    let (code, text) = dry_run(true);
    assert!(text.contains(&format!("its snapshot from {} (recording of nodeb)", peer.display())), "{text}");
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = dry_run(false);
    assert!(text.contains("recorded state: pass the peer's snapshot with --peer-snapshot"), "{text}");
    assert_eq!(code, Some(3), "{text}");
}
