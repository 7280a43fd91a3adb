//! drnfs agrees with the tools people use, on real kernel output from the lab.
//!
//! Every lab capture holds `drnfs snapshot --json` taken on the node, and right after it
//! `/proc/drbd`, `drbdadm status`, `nfsstat -s`, `ss -tin` and the raw sock_diag reply.
//! For each capture this test checks that
//! 1. the live snapshot agrees with `/proc/drbd` (read here with its own small parser),
//!    `drbdadm status` and `nfsstat -s`;
//! 2. drnfs re-reading the captured files (`--proc-root`, `--events2-file`) reaches the
//!    same states as it did live;
//! 3. the sock_diag decoder sees the same connections and byte counts as `ss -tin`.
//!
//! Captures come from `$DRNFS_CAPTURES` (the lab sets it to a fresh run) or from the
//! committed `fixtures/`. Finding none is a failure, never a silent pass.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use drnfs::source::SourceConfig;
use serde_json::Value;

/// Every `<scenario>/<node>` capture of `DRNFS_CAPTURES` (default: the fixtures).
fn capture_dirs() -> Vec<PathBuf> {
    let root = std::env::var_os("DRNFS_CAPTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    common::capture_dirs(&root, "drnfs-snapshot.json")
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

/// `/proc/drbd` device lines, parsed here independently of drnfs-parsers.
fn proc_drbd_states(text: &str) -> BTreeMap<u64, (String, String, String)> {
    let re = regex::Regex::new(r"(?m)^\s*(\d+): cs:(\S+)(?: ro:(\S+) ds:(\S+))?").unwrap();
    re.captures_iter(text)
        .map(|c| {
            let g = |i| c.get(i).map_or(String::new(), |m| m.as_str().to_owned());
            (g(1).parse().unwrap(), (g(2), g(3), g(4)))
        })
        .collect()
}

/// `drbdadm status` of a single resource: role, disk, peer role, replication, peer disk.
fn drbdadm_status(text: &str) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    let find = |key: &str, within: &str| -> Option<String> {
        within.split_whitespace().find_map(|w| w.strip_prefix(key)).map(str::to_owned)
    };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    if let Some(first) = lines.next()
        && let Some(r) = find("role:", first)
    {
        m.insert("role", r);
    }
    for l in text.lines() {
        let indent = l.len() - l.trim_start().len();
        match indent {
            2 if l.trim_start().starts_with("disk:") => {
                m.insert("disk", find("disk:", l).unwrap());
            }
            2 => {
                if let Some(c) = find("connection:", l) {
                    m.insert("connection", c);
                }
                if let Some(r) = find("role:", l) {
                    m.insert("peer_role", r);
                }
            }
            4 => {
                if let Some(r) = find("replication:", l) {
                    m.insert("replication", r);
                }
                if let Some(d) = find("peer-disk:", l) {
                    m.insert("peer_disk", d);
                }
            }
            _ => {}
        }
    }
    m
}

/// `nfsstat -s`: the server RPC call count.
fn nfsstat_calls(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("Server rpc stats:") {
            lines.next()?; // header
            return lines.next()?.split_whitespace().next()?.parse().ok();
        }
    }
    None
}

/// `ss -tinH`: remote address → bytes_received.
fn ss_connections(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for l in text.lines() {
        if !l.starts_with([' ', '\t']) {
            current = l.split_whitespace().nth(4).map(str::to_owned);
            if let Some(c) = &current {
                out.insert(c.clone(), 0);
            }
        } else if let Some(c) = &current {
            let br = l.split_whitespace().find_map(|w| w.strip_prefix("bytes_received:")).and_then(|v| v.parse().ok());
            out.insert(c.clone(), br.unwrap_or(0));
        }
    }
    out
}

/// Every address `ip -br address` lists, but loopback.
fn ip_br_addresses(text: &str) -> std::collections::BTreeSet<std::net::IpAddr> {
    text.lines()
        .flat_map(|l| l.split_whitespace().skip(2))
        .filter_map(|w| w.split_once('/').and_then(|(a, _)| a.parse::<std::net::IpAddr>().ok()))
        .filter(|a| !a.is_loopback())
        .collect()
}

fn s(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

#[test]
fn snapshots_agree_with_the_usual_tools() {
    let dirs = capture_dirs();
    let mut checked = 0;
    for dir in &dirs {
        let live: Value = serde_json::from_str(&read(dir, "drnfs-snapshot.json"))
            .unwrap_or_else(|e| panic!("{}: drnfs-snapshot.json: {e}", dir.display()));
        let ctx = dir.display().to_string();

        // 1a. /proc/drbd
        let proc = proc_drbd_states(&read(dir, "proc/drbd"));
        let minors = live["drbd"]["minors"].as_array().cloned().unwrap_or_default();
        assert_eq!(minors.len(), proc.len(), "{ctx}: minors");
        for m in &minors {
            let (cs, ro, ds) = &proc[&m["minor"].as_u64().unwrap()];
            assert_eq!(&s(&m["connection"]), cs, "{ctx}: cs");
            if !ro.is_empty() {
                assert_eq!(format!("{}/{}", s(&m["role"]), s(&m["peer_role"])), *ro, "{ctx}: ro");
                assert_eq!(format!("{}/{}", s(&m["disk"]), s(&m["peer_disk"])), *ds, "{ctx}: ds");
            }
        }

        // 1b. drbdadm status (one resource in the lab). It prints `connection:` only when not
        // Connected, and on DRBD 8.4 no peer line at all once StandAlone.
        let status = read(dir, "drbdadm-status.txt");
        let st = drbdadm_status(&status);
        if let Some(r) = live["drbd"]["resources"].as_array().and_then(|a| a.first()) {
            assert_eq!(st.get("role"), Some(&s(&r["role"])), "{ctx}: role");
            assert_eq!(st.get("disk"), Some(&s(&r["devices"][0]["disk"])), "{ctx}: disk");
            let c = &r["connections"][0];
            let peer_line = status
                .lines()
                .any(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.trim_start().starts_with("disk:"));
            if !peer_line {
                assert!(
                    c.is_null() || s(&c["state"]) == "StandAlone",
                    "{ctx}: no peer in drbdadm status, drnfs says {c}"
                );
            } else if let Some(conn) = st.get("connection") {
                assert_eq!(conn, &s(&c["state"]), "{ctx}: connection");
            } else {
                assert_eq!(s(&c["state"]), "Connected", "{ctx}: connection (drbdadm omits Connected)");
                assert_eq!(st.get("peer_role"), Some(&s(&c["peer_role"])), "{ctx}: peer role");
                let pd = &c["peer_devices"][0];
                assert_eq!(st.get("peer_disk"), Some(&s(&pd["peer_disk"])), "{ctx}: peer disk");
                let repl = st.get("replication").cloned().unwrap_or_else(|| "Established".to_owned());
                assert_eq!(repl, s(&pd["replication"]), "{ctx}: replication");
            }
        } else {
            assert!(
                !st.contains_key("role") || status.contains("No such resource"),
                "{ctx}: drbdadm knows a resource drnfs does not"
            );
        }

        // 1c. nfsstat -s ran after drnfs: same or more calls, never fewer.
        if let (Some(calls), Some(n)) =
            (nfsstat_calls(&read(dir, "nfsstat-s.txt")), live["nfsd"]["rpc"]["calls"].as_u64())
        {
            assert!(calls >= n, "{ctx}: nfsstat calls {calls} < drnfs {n}");
            assert!(calls - n <= n / 10 + 200, "{ctx}: nfsstat calls {calls} far from drnfs {n}");
        }

        // 1d. The host's addresses are those `ip -br address` lists right after, loopback
        // aside: both families where drnfs read rtnetlink (a fresh lab run must have),
        // IPv4 where a snapshot of an older build read /proc/net/fib_trie.
        let ip_br = ip_br_addresses(&read(dir, "ip-br-addr.txt"));
        assert!(!ip_br.is_empty(), "{ctx}: ip-br-addr.txt lists no address");
        let ours: std::collections::BTreeSet<std::net::IpAddr> = live["host"]["addresses"]
            .as_array()
            .unwrap_or_else(|| panic!("{ctx}: no host.addresses"))
            .iter()
            .map(|a| s(a).parse().unwrap())
            .collect();
        match live["host"]["addresses_from"].as_str() {
            Some("rtnetlink") => assert_eq!(ours, ip_br, "{ctx}: addresses from rtnetlink"),
            other => {
                assert!(
                    std::env::var_os("DRNFS_CAPTURES").is_none(),
                    "{ctx}: a fresh capture read addresses from {other:?}"
                );
                let v4: std::collections::BTreeSet<_> = ip_br.iter().copied().filter(|a| a.is_ipv4()).collect();
                assert_eq!(ours, v4, "{ctx}: IPv4 addresses from fib_trie");
            }
        }

        // 2. Re-reading the captured files through the engine's one-shot mode (what
        // `drnfs snapshot` runs) reaches the same states.
        let sources = SourceConfig::capture(dir);
        let replayed = serde_json::to_value(drnfs::engine::oneshot::take(&sources, None).unwrap()).unwrap();
        for key in ["connection", "role", "peer_role", "disk", "peer_disk", "protocol"] {
            let a: Vec<String> = minors.iter().map(|m| s(&m[key])).collect();
            let b: Vec<String> = replayed["drbd"]["minors"].as_array().unwrap().iter().map(|m| s(&m[key])).collect();
            assert_eq!(a, b, "{ctx}: replayed minors {key}");
        }
        let strip = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap_or(&Vec::new())
                .iter()
                .map(|r| format!("{} {} {}", s(&r["name"]), s(&r["role"]), s(&r["connections"][0]["state"])))
                .collect()
        };
        assert_eq!(strip(&live["drbd"]["resources"]), strip(&replayed["drbd"]["resources"]), "{ctx}: resources");
        assert_eq!(live["nfsd"]["threads"], replayed["nfsd"]["threads"], "{ctx}: threads");
        assert_eq!(live["nfsd"]["exports"], replayed["nfsd"]["exports"], "{ctx}: exports");
        assert_eq!(live["host"]["hostname"], replayed["host"]["hostname"], "{ctx}: hostname");

        // 3. sock_diag decoder vs ss, run right after the dump (bytes may only have grown)
        // and, in captures since 2026-12-08, right before it (bytes may only have grown
        // since then): a connection that closed just after the dump is in the first.
        let raw = std::fs::read(dir.join("sock-diag-2049.bin")).unwrap_or_default();
        let decoded = drnfs_parsers::sock_diag::decode_chunk(&raw);
        assert!(decoded.problems.is_empty(), "{ctx}: {:?}", decoded.problems);
        let ss = ss_connections(&read(dir, "ss-tin.txt"));
        let before = ss_connections(&read(dir, "ss-tin-before.txt"));
        let ours: BTreeMap<String, u64> = decoded
            .sockets
            .iter()
            .map(|t| (t.remote.to_string(), t.info.as_ref().and_then(|i| i.bytes_received).unwrap_or(0)))
            .collect();
        // A connection opened or closed between the two reads (the lab's rpcinfo probes
        // live for one call) is in one list only; it may carry one small call, no more.
        const ONE_PROBE: u64 = 200;
        for (addr, bytes) in &ours {
            match (before.get(addr), ss.get(addr)) {
                (_, Some(ss_bytes)) => assert!(ss_bytes >= bytes, "{ctx}: {addr} ss {ss_bytes} < drnfs {bytes}"),
                (Some(was), None) => assert!(was <= bytes, "{ctx}: {addr} ss before {was} > drnfs {bytes}"),
                (None, None) => {
                    assert!(*bytes <= ONE_PROBE, "{ctx}: {addr} ({bytes} bytes) decoded by drnfs, not in ss")
                }
            }
            if let (Some(was), Some(after)) = (before.get(addr), ss.get(addr)) {
                assert!(was <= bytes && bytes <= after, "{ctx}: {addr} ss {was} then {after}, drnfs {bytes} between");
            }
        }
        // A connection ss saw before and after the dump was open all along: drnfs has it.
        for addr in before.keys().filter(|a| ss.contains_key(*a)) {
            assert!(ours.contains_key(addr), "{ctx}: {addr} in ss before and after, not decoded by drnfs");
        }
        for (addr, bytes) in &ss {
            assert!(
                ours.contains_key(addr) || *bytes <= ONE_PROBE,
                "{ctx}: {addr} ({bytes} bytes) in ss, not decoded by drnfs"
            );
        }
        checked += 1;
    }
    println!("checked {checked} captures");
}

/// The kernel log of every capture: each DRBD `conn( A -> B )` line parses to a state
/// change, the last one ends where `/proc/drbd` says the connection is, and the split
/// brain the lab made is found (unresolved) where it happened and nowhere before it.
#[test]
fn kernel_log_agrees_with_proc_drbd() {
    use drnfs_parsers::kernel_log::{self, KernelEvent, SplitBrainOutcome};
    let dirs = capture_dirs();
    let mut checked = 0;
    for dir in &dirs {
        let ctx = dir.display().to_string();
        let text = read(dir, "dmesg.txt");
        let events = kernel_log::parse(&text);
        let conn_lines = text.lines().filter(|l| l.contains("drbd") && l.contains(" conn( ")).count();
        let mut last_conn = None;
        let mut changes = 0;
        let mut split_brain = false;
        for e in &events {
            match &e.event {
                KernelEvent::StateChange { transitions, .. } => {
                    if let Some(t) = transitions.iter().find(|t| t.field == "conn") {
                        changes += 1;
                        last_conn = Some(t.to.clone());
                    }
                }
                KernelEvent::SplitBrain { outcome } => split_brain |= *outcome == SplitBrainOutcome::Unresolved,
                _ => {}
            }
        }
        assert_eq!(changes, conn_lines, "{ctx}: every conn( ) line is a state change");
        if let (Some(last), Some((cs, _, _))) = (last_conn, proc_drbd_states(&read(dir, "proc/drbd")).get(&0)) {
            assert_eq!(&last, cs, "{ctx}: the kernel log's last conn( ) vs /proc/drbd");
        }
        let scenario = dir.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        if scenario.as_deref() == Some("split-brain") {
            assert!(split_brain, "{ctx}: the split brain is in the kernel log");
        }
        if matches!(scenario.as_deref(), Some("resync" | "connected-idle" | "client-load")) {
            assert!(!split_brain, "{ctx}: no split brain before the lab made one");
        }
        checked += 1;
    }
    println!("kernel log checked on {checked} captures");
}

/// Under the writer client's load the lab sampled nodea's write path with drnfs (`snapshot
/// --json --sample-seconds 10`) and, over the same 10 s, `iostat -x` for drbd0 and its disk
/// vdb, then `ss -tin` for the replication link: the figures must agree, and each state
/// must get its verdict (the link slowed: replication; the disk throttled: the local disk;
/// plain load: neither). On the committed fixtures, or on a fresh lab run's captures.
#[test]
fn write_path_agrees_with_iostat_and_ss() {
    let root = std::env::var_os("DRNFS_CAPTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    let dirs = common::capture_dirs(&root, "write-path.json");
    let mut checked = 0;
    for dir in &dirs {
        let ctx = dir.display().to_string();
        let snap: Value = serde_json::from_str(&read(dir, "write-path.json"))
            .unwrap_or_else(|e| panic!("{ctx}: write-path.json: {e}: {}", read(dir, "write-path.stderr")));
        let iostat: Value =
            serde_json::from_str(&read(dir, "iostat-x.json")).unwrap_or_else(|e| panic!("{ctx}: iostat-x.json: {e}"));
        let theirs = |device: &str| -> Value {
            iostat["sysstat"]["hosts"][0]["statistics"][0]["disk"]
                .as_array()
                .and_then(|d| d.iter().find(|d| d["disk_device"] == device).cloned())
                .unwrap_or_else(|| panic!("{ctx}: no {device} in iostat -x"))
        };
        let w = &snap["write_path"];
        let d = &w["devices"][0];
        assert_eq!(d["minor"], 0, "{ctx}: {w}");
        assert_eq!(d["backing"]["name"], "vdb", "{ctx}: the configured disk /dev/vdb: {w}");
        for (name, ours) in [("drbd0", &d["device"]), ("vdb", &d["backing"]["rates"])] {
            let t = theirs(name);
            let close = |what: &str, a: f64, b: f64, rel: f64, abs: f64| {
                assert!(
                    (a - b).abs() <= (b.abs() * rel).max(abs),
                    "{ctx}: {name} {what}: drnfs {a:.2}, iostat -x {b:.2} over the same 10 s"
                );
            };
            let f = |v: &Value| v.as_f64().unwrap_or(0.0);
            close("w/s", f(&ours["writes_per_second"]), f(&t["w/s"]), 0.25, 3.0);
            close("wkB/s", f(&ours["write_kib_per_second"]), f(&t["wkB/s"]), 0.25, 64.0);
            close("%util", f(&ours["utilisation_percent"]), f(&t["util"]), 0.0, 25.0);
            close("w_await", f(&ours["write_await_ms"]), f(&t["w_await"]), 0.5, 5.0);
        }
        let link = &w["links"][0];
        let ss = read(dir, "ss-link.txt");
        let ss_sockets = ss.lines().filter(|l| l.starts_with("ESTAB")).count();
        assert_eq!(link["sockets"].as_u64(), Some(ss_sockets as u64), "{ctx}: link {link} vs ss:\n{ss}");
        let ids: Vec<&str> = snap["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
        let has = |rule: &str| ids.iter().any(|i| i.starts_with(rule));
        let scenario = dir.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
        match scenario {
            "write-path-replication" => {
                assert!(has("write-path.replication:"), "{ctx}: {ids:?}");
                assert!(link["rtt_ms"].as_f64().is_some_and(|r| r >= 25.0), "{ctx}: 30 ms were added: {link}");
            }
            "write-path-local-disk" => assert!(has("write-path.local-disk:"), "{ctx}: {ids:?}"),
            _ => assert!(!has("write-path."), "{ctx}: plain load blames no hop: {ids:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 3, "write-path captures checked: {checked}");
    println!("checked {checked} write-path captures");
}
