//! `docs/snapshot.schema.json` is the published interface of `drnfs snapshot --json`. It is
//! generated from the Rust types; this test fails when the types changed and the file was
//! not regenerated (`DRNFS_UPDATE_SCHEMA=1 cargo test --test schema`), and checks that real
//! snapshots carry the names the schema promises.

use std::path::Path;

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
