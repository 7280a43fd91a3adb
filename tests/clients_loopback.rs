//! Real TCP connections on this machine's loopback: a listener on port 2049 and clients
//! from distinct 127.0.0.x addresses sending known byte counts. drnfs's sock_diag dump,
//! decoder and client grouping must rank them and count their bytes exactly.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use drnfs::model::clients::ClientTracker;
use drnfs::source::sock_diag::{Keep, dump_port};

mod common;

const PORT: u16 = 2049;

/// A connection from `from` (bound before connecting, which std cannot do) to the listener.
fn connect_from(from: Ipv4Addr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    socket.connect(&SocketAddr::from(([127, 0, 0, 1], PORT)).into()).expect("connect to the test listener");
    socket.into()
}

#[test]
fn ranks_loopback_clients_by_bytes_and_counts_them_exactly() {
    let listener = TcpListener::bind(("0.0.0.0", PORT)).expect("port 2049 must be free for this test");
    // The "server": reads everything each connection sends.
    let rx = common::drain(listener);
    let writer = Ipv4Addr::new(127, 0, 0, 21);
    let storm = Ipv4Addr::new(127, 0, 0, 22);
    let idle = Ipv4Addr::new(127, 0, 0, 23);
    let mut w = connect_from(writer);
    let mut w2 = connect_from(writer); // nconnect: a second connection of the same client
    let mut s = connect_from(storm);
    let _i = connect_from(idle);
    std::thread::sleep(Duration::from_millis(200));

    let mut tracker = ClientTracker::new();
    let first = dump_port(PORT, Keep::Sockets).expect("sock_diag dump");
    tracker.update(0.0, &first.sockets, &[]);

    let big = vec![7u8; 3 << 20];
    let small = vec![1u8; 200 << 10];
    w.write_all(&big).unwrap();
    w2.write_all(&big[..1 << 20]).unwrap();
    s.write_all(&small).unwrap();
    let expected = (4u64 << 20) + (200 << 10);
    common::received(&rx, expected);
    std::thread::sleep(Duration::from_millis(100));
    let second = dump_port(PORT, Keep::Sockets).expect("sock_diag dump");
    tracker.update(2.0, &second.sockets, &[]);
    // What the live collector sends on (the reply's bytes, undecoded) holds the same
    // sockets, once decoded where the model decodes them.
    let raw = drnfs::source::sock_diag::dump_port_raw(PORT).expect("sock_diag dump");
    let cookies = |s: &[drnfs_parsers::sock_diag::TcpSocket]| {
        let mut c: Vec<u64> = s.iter().map(|s| s.cookie).collect();
        c.sort_unstable();
        c
    };
    assert_eq!(cookies(&drnfs_parsers::sock_diag::decode_chunk(&raw).sockets), cookies(&second.sockets));

    let rows: Vec<(String, usize, Option<f64>)> =
        tracker.rows.iter().map(|r| (r.address.to_string(), r.connections.len(), r.in_bytes_per_s)).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0].0, "127.0.0.21");
    assert_eq!(rows[0].1, 2);
    assert_eq!(rows[1].0, "127.0.0.22");
    assert_eq!(rows[2].0, "127.0.0.23");
    // Exactly what was sent between the samples, over the 2 s between them.
    assert_eq!(rows[0].2, Some((4u64 << 20) as f64 / 2.0));
    assert_eq!(rows[1].2, Some((200u64 << 10) as f64 / 2.0));
    assert_eq!(rows[2].2, Some(0.0));
    assert_eq!(tracker.rows[0].bytes_in, 4 << 20);
    let share = tracker.rows[0].share_in.unwrap();
    assert!((share - 4096.0 / 4296.0).abs() < 1e-9, "{share}");
    assert_eq!(tracker.total_in_per_s, Some(expected as f64 / 2.0));
}
