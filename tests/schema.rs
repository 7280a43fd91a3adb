//! `docs/snapshot.schema.json` is the published interface of `drnfs snapshot --json`. It is
//! generated from the Rust types; this test fails when the types changed and the file was
//! not regenerated (`DRNFS_UPDATE_SCHEMA=1 cargo test --test schema`), and checks that real
//! snapshots carry the names the schema promises, and validates real reports against the
//! published schema with a JSON-schema validator: drnfs's report of every lab capture (made
//! by the production path and by the binary), and, when `DRNFS_CAPTURES` names a fresh
//! lab run's captures, the snapshots the VMs' drnfs printed there.

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn committed_schema_matches_the_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json");
    let generated = serde_json::to_string_pretty(&drnfs::report::json::schema()).unwrap() + "\n";
    if std::env::var_os("DRNFS_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/snapshot.schema.json is out of date: run DRNFS_UPDATE_SCHEMA=1 cargo test --test schema"
    );
}

#[test]
fn schema_names_the_documented_fields() {
    let schema = drnfs::report::json::schema().to_string();
    for name in [
        "\"drbd\"",
        "\"available\"",
        "\"version\"",
        "\"source\"",
        "\"minors\"",
        "\"peer_role\"",
        "\"peer_disk\"",
        "\"protocol\"",
        "\"counters\"",
        "\"oos\"",
        "\"remaining_kib\"",
        "\"eta_seconds\"",
        "\"speed_kib_s\"",
        "\"avg_speed_kib_s\"",
        "\"want_kib_s\"",
        "\"resources\"",
        "\"devices\"",
        "\"size_kib\"",
        "\"connections\"",
        "\"peer\"",
        "\"peer_node_id\"",
        "\"state\"",
        "\"peer_devices\"",
        "\"replication\"",
        "\"out_of_sync_kib\"",
        "\"nfsd\"",
        "\"threads\"",
        "\"read_bytes\"",
        "\"write_bytes\"",
        "\"calls\"",
        "\"bad_calls\"",
        "\"ops\"",
        "\"pool_stats\"",
        "\"packets_arrived\"",
        "\"sockets_enqueued\"",
        "\"threads_woken\"",
        "\"threads_timedout\"",
        "\"clients_v4\"",
        "\"clientid\"",
        "\"address\"",
        "\"port\"",
        "\"minor_version\"",
        "\"status\"",
        "\"callback_state\"",
        "\"reason\"",
        "\"warnings\"",
        "\"clients\"",
        "\"bytes_in\"",
        "\"bytes_out\"",
        "\"recv_q\"",
        "\"nfs4_name\"",
        "\"in_bytes_per_s\"",
        "\"out_bytes_per_s\"",
        "\"share_in\"",
        "\"findings\"",
        "\"severity\"",
        "\"subject\"",
        "\"summary\"",
        "\"evidence\"",
        "\"suggestion\"",
    ] {
        assert!(schema.contains(name), "the schema lacks {name}");
    }
}

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("docs/snapshot.schema.json is a valid JSON schema")
}

fn errors(v: &jsonschema::Validator, report: &serde_json::Value) -> Vec<String> {
    v.iter_errors(report).take(5).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn reports_of_every_capture_validate_against_the_schema() {
    let v = validator();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dirs = common::capture_dirs(&root, "proc");
    for dir in &dirs {
        // The production path (the engine's one-shot mode) ...
        let report = drnfs::engine::oneshot::take(&drnfs::source::SourceConfig::capture(dir), None).unwrap();
        let value = serde_json::to_value(&report).unwrap();
        let errs = errors(&v, &value);
        assert!(errs.is_empty(), "{}: the report does not validate: {errs:#?}", dir.display());
        // ... and what the binary prints.
        let out = Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .args(["snapshot", "--json"])
            .args(common::capture_sources(dir))
            .output()
            .unwrap();
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: snapshot --json printed no JSON ({e})", dir.display()));
        let errs = errors(&v, &printed);
        assert!(errs.is_empty(), "{}: snapshot --json does not validate: {errs:#?}", dir.display());
    }
    // A wrong shape must fail: the validator is not a yes-machine.
    let mut broken = serde_json::to_value(
        drnfs::engine::oneshot::take(&drnfs::source::SourceConfig::capture(&dirs[0]), None).unwrap(),
    )
    .unwrap();
    broken["findings"] = serde_json::json!("none");
    assert!(!errors(&v, &broken).is_empty(), "a string where findings belong validated");
    eprintln!("validated the reports of {} captures", dirs.len());
}

/// The snapshots the lab's VMs printed (`drnfs snapshot --json` on a real node), when
/// `DRNFS_CAPTURES` names a lab run's captures (tests/lab/run sets it).
#[test]
fn live_snapshots_of_a_lab_run_validate_against_the_schema() {
    let Some(root) = std::env::var_os("DRNFS_CAPTURES") else {
        eprintln!("DRNFS_CAPTURES not set: the lab runs this part on its fresh captures");
        return;
    };
    let v = validator();
    let dirs = common::capture_dirs(Path::new(&root), "proc");
    let mut n = 0;
    for dir in &dirs {
        let path = dir.join("drnfs-snapshot.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON ({e})", path.display()));
        let errs = errors(&v, &value);
        assert!(errs.is_empty(), "{}: does not validate: {errs:#?}", path.display());
        n += 1;
    }
    eprintln!("validated {n} live snapshots of the lab run");
}
