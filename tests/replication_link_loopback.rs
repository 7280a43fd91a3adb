//! DRBD's replication link as drnfs finds it: real TCP connections on this machine's
//! loopback laid out as DRBD lays them out, a DRBD configuration naming the two nodes'
//! addresses, and drnfs's sock_diag dump matched against `ss -tin` taken at the same moment.
//!
//! This node is 127.0.0.1 (listening on 7789), the peer 127.0.0.2 (listening on 7790).
//! DRBD keeps two connections per link: one the peer opened to our port, one we opened to
//! the peer's. The peer's own ends live in the same kernel here: each side must count its
//! own ends only.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use drnfs::model::write_path::links;
use drnfs::source::sock_diag::dump_replication;
use drnfs_parsers::drbd_config;

mod common;

const OURS: u16 = 7789;
const PEERS: u16 = 7790;

fn connect(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    socket.connect(&to.into()).expect("connect to the test listener");
    socket.into()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned()
}

fn config(host: &str) -> String {
    format!(
        "resource r0 {{\n on {host} {{ device /dev/drbd0 minor 0; disk /dev/vdb; address ipv4 127.0.0.1:{OURS}; }}\n \
         on peer-node {{ device /dev/drbd0 minor 0; disk /dev/vdb; address ipv4 127.0.0.2:{PEERS}; }}\n \
         net {{ protocol C; }}\n}}\n"
    )
}

/// `ss -tinH` for the link's two connections as this node sees them: (rtt ms, bytes_acked)
/// of each, in ss's own words.
fn ss_link() -> Vec<(f64, u64)> {
    let out = Command::new("ss")
        .args(["-tinH", &format!("dst 127.0.0.2 and ( sport = :{OURS} or dport = :{PEERS} )")])
        .output()
        .expect("ss (iproute2)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut found = Vec::new();
    for word_line in text.lines().filter(|l| l.contains("rtt:")) {
        let field = |key: &str| word_line.split_whitespace().find_map(|w| w.strip_prefix(key)).map(str::to_owned);
        let rtt = field("rtt:").and_then(|r| r.split('/').next()?.parse().ok()).unwrap();
        let acked = field("bytes_acked:").and_then(|b| b.parse().ok()).unwrap_or(0);
        found.push((rtt, acked));
    }
    found.sort_by_key(|f| f.1);
    found
}

#[test]
fn the_replication_link_is_found_by_its_configured_ports_and_agrees_with_ss() {
    let ours = TcpListener::bind(("127.0.0.1", OURS)).expect("port 7789 must be free for this test");
    let peers = TcpListener::bind(("127.0.0.2", PEERS)).expect("port 7790 on 127.0.0.2 must be free");
    let _from_peer = common::drain(ours);
    let received = common::drain(peers);
    // The peer's connection to us, and ours to the peer (the one that carries our writes).
    let _meta = connect(Ipv4Addr::new(127, 0, 0, 2), SocketAddr::from(([127, 0, 0, 1], OURS)));
    let mut data = connect(Ipv4Addr::new(127, 0, 0, 1), SocketAddr::from(([127, 0, 0, 2], PEERS)));
    // Unrelated traffic between the same two addresses on other ports is not the link.
    let other = TcpListener::bind(("127.0.0.2", 0)).unwrap();
    let other_addr = other.local_addr().unwrap();
    let _other_rx = common::drain(other);
    let _other = connect(Ipv4Addr::new(127, 0, 0, 1), other_addr);
    std::thread::sleep(Duration::from_millis(200));

    let resources = drbd_config::resources(&drbd_config::parse(&config(&hostname())).unwrap());
    assert_eq!(drbd_config::replication_ports(&resources), vec![OURS, PEERS]);
    let decode = |raw: Vec<u8>| {
        let mut s = drnfs_parsers::sock_diag::decode_chunk(&raw).sockets;
        s.sort_by_key(|s| s.cookie);
        s.dedup_by_key(|s| s.cookie);
        s
    };
    let before = decode(dump_replication(&[OURS, PEERS]).expect("sock_diag dump"));
    let sent = vec![5u8; 3 << 20];
    data.write_all(&sent).unwrap();
    let mut got = 0;
    while got < sent.len() {
        got += received.recv_timeout(Duration::from_secs(10)).expect("the peer received everything");
    }
    std::thread::sleep(Duration::from_millis(200));
    let after = decode(dump_replication(&[OURS, PEERS]).expect("sock_diag dump"));
    let ss = ss_link();

    let link = links(&before, &after, 2.0, &resources, Some(&hostname()));
    assert_eq!(link.len(), 1, "{link:#?}");
    let l = &link[0];
    assert_eq!((l.resource.as_str(), l.peer.as_str(), l.peer_address.as_str()), ("r0", "peer-node", "127.0.0.2:7790"));
    assert_eq!(l.sockets, 2, "the two connections of the link, not the peer's ends or other ports: {l:#?}");
    assert_eq!(ss.len(), 2, "ss sees the same two: {ss:?}");
    // Exactly what was written, over the 2 s given, acknowledged by the peer.
    assert_eq!(l.sent_bytes_per_s, Some((3u64 << 20) as f64 / 2.0), "{l:#?}");
    assert_eq!(l.retransmits_per_s, Some(0.0));
    // The data connection (the busiest) is the one whose rtt is shown: ss's for it.
    let (ss_rtt, ss_acked) = ss[1];
    assert!(ss_acked >= 3 << 20, "{ss:?}");
    let rtt = l.rtt_ms.unwrap();
    assert!((rtt - ss_rtt).abs() < 0.0015, "rtt: drnfs {rtt} ms, ss {ss_rtt} ms");
    assert_eq!(l.send_queue_bytes, 0, "everything was acknowledged");

    // The peer's view of the same configuration (its ends live in this kernel too): its
    // own two ends, which received what we sent.
    let theirs = &links(&before, &after, 2.0, &resources, Some("peer-node"))[0];
    assert_eq!((theirs.sockets, theirs.peer_address.as_str()), (2, "127.0.0.1:7789"));
    assert_eq!(theirs.received_bytes_per_s, Some((3u64 << 20) as f64 / 2.0), "{theirs:#?}");
    // A host not in the configuration has no link to measure.
    assert!(links(&before, &after, 2.0, &resources, Some("elsewhere")).is_empty());
}

/// The same through the binary: `drnfs snapshot --json` reads the configuration, dumps
/// the ports and puts the link into the write path.
#[test]
fn snapshot_json_carries_the_link() {
    let ours = TcpListener::bind(("127.0.0.1", OURS + 100)).expect("port 7889 must be free for this test");
    let _rx = common::drain(ours);
    let _peer_to_us = connect(Ipv4Addr::new(127, 0, 0, 2), SocketAddr::from(([127, 0, 0, 1], OURS + 100)));
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("drbd.conf");
    std::fs::write(&conf, config(&hostname()).replace(&OURS.to_string(), &(OURS + 100).to_string())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(["snapshot", "--json", "--sample-seconds", "1", "--drbd-config"])
        .arg(&conf)
        .output()
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let link = &json["write_path"]["links"][0];
    assert_eq!(link["resource"], "r0", "{}", json["write_path"]);
    assert_eq!(link["sockets"], 1, "the peer's connection to our port: {link}");
    assert!(link["rtt_ms"].as_f64().is_some_and(|r| r > 0.0), "{link}");
}
