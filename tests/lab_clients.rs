//! In the lab, with a heavy writer (db1, 10.50.0.21), a metadata storm (web1,
//! 10.50.0.22, NFSv3 with noac) and an idle client (backup1, 10.50.0.23), drnfs's ranking
//! over 10 s (`drnfs snapshot --json --sample-seconds 10` on the server, saved as
//! `ranking.json`) must put the writer first by inbound bytes, the idle client last, and —
//! the storm first by its share of the calls (estimated from TCP segments, and checked
//! against nfsd's own per-version operation counters), with rpc-status naming operations.
//!
//! It checks what a lab run measured, so it runs in the lab (tests/lab/run sets
//! `DRNFS_CAPTURES` to the run's fresh captures and includes it); `tests/run` lists it as
//! ignored rather than re-reading an old run's file.

use std::path::PathBuf;

use serde_json::Value;

fn ranking() -> (PathBuf, Value) {
    let root = std::env::var_os("DRNFS_CAPTURES")
        .map(PathBuf::from)
        .expect("DRNFS_CAPTURES names the captures of a lab run (tests/lab/run sets it)");
    let path = root.join("client-load/nodea/ranking.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run tests/lab/run --capture)", path.display()));
    (path, serde_json::from_str(&text).unwrap())
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(-1.0)
}

#[test]
#[ignore = "lab only: tests/lab/run runs it on the fresh captures of a run"]
fn writer_first_by_bytes_idle_last_storm_first_by_ops() {
    let (path, snap) = ranking();
    let clients = snap["clients"].as_array().unwrap_or_else(|| panic!("{}: no clients", path.display()));
    let addr = |c: &Value| c["address"].as_str().unwrap_or("").to_owned();
    assert_eq!(clients.len(), 3, "three clients in the lab: {clients:#?}");

    let mut by_in: Vec<&Value> = clients.iter().collect();
    by_in.sort_by(|a, b| f(&b["in_bytes_per_s"]).total_cmp(&f(&a["in_bytes_per_s"])));
    assert_eq!(addr(by_in[0]), "10.50.0.21", "the writer sends the most: {by_in:#?}");
    assert_eq!(addr(by_in[2]), "10.50.0.23", "the idle client sends the least: {by_in:#?}");
    assert!(f(&by_in[0]["share_in"]) > 0.5, "the writer dominates inbound bytes: {by_in:#?}");
    assert_eq!(by_in[0]["nfs4_name"].as_str(), Some("Linux NFSv4.2 db1"));
    assert!(by_in[1]["nfs4_name"].is_null(), "the storm mounts with NFSv3: no NFSv4 identity");

    // Ops share: calls estimated from TCP data segments. The storm must lead, and its
    // estimate must agree with what nfsd counted: it is the only NFSv3 client, so its
    // calls/s are nfsd's v3 operations/s over the same interval.
    let mut by_ops: Vec<&Value> = clients.iter().collect();
    by_ops.sort_by(|a, b| f(&b["calls_share"]).total_cmp(&f(&a["calls_share"])));
    assert_eq!(addr(by_ops[0]), "10.50.0.22", "the metadata storm makes the most calls: {by_ops:#?}");
    assert!(f(&by_ops[0]["calls_share"]) > 0.5, "{by_ops:#?}");
    assert_eq!(addr(by_ops[2]), "10.50.0.23", "the idle client makes the fewest calls: {by_ops:#?}");
    let v3_ops: f64 = snap["rates"]["ops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["version"] == "v3")
        .map(|o| f(&o["per_second"]))
        .sum();
    let storm_calls = f(&by_ops[0]["calls_per_s"]);
    assert!(
        storm_calls > v3_ops / 2.0 && storm_calls < v3_ops * 2.0,
        "the storm's estimated {storm_calls:.0} calls/s against nfsd's {v3_ops:.0} v3 ops/s"
    );

    // rpc-status (the lab's 6.12 has it): samples taken, operations named.
    assert!(snap["client_ops_error"].is_null(), "rpc-status failed: {}", snap["client_ops_error"]);
    let seen: Vec<&str> =
        clients.iter().flat_map(|c| c["top_ops"].as_array().unwrap().iter().filter_map(|o| o[0].as_str())).collect();
    assert!(!seen.is_empty(), "rpc-status saw no RPC in flight in 10 s of load");
    assert!(seen.iter().all(|o| o.starts_with("v3 ") || o.starts_with("v4 ")), "{seen:?}");
}
