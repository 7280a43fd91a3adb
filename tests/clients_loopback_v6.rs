//! NFS clients over IPv6, on this machine's `::1`: a listener on `[::1]:2049`, one client
//! with two connections (nconnect) and one IPv4 client on the same port. drnfs's dump
//! asks both families; the IPv6 client is one row with its address as IPv6, ranked by
//! its bytes beside the IPv4 one. (Its own test binary: the dump sees every socket on
//! port 2049, so it must not share the port with the IPv4 test running in parallel.)

use std::io::Write;
use std::net::{Ipv6Addr, TcpListener, TcpStream};
use std::time::Duration;

use drnfs::model::clients::ClientTracker;
use drnfs::source::sock_diag::{Keep, dump_per_family, dump_port};

mod common;

const PORT: u16 = 2049;

#[test]
fn an_ipv6_client_is_listed_and_ranked_beside_an_ipv4_one() {
    let v6 = match TcpListener::bind((Ipv6Addr::LOCALHOST, PORT)) {
        Ok(l) => l,
        // A kernel without IPv6 (ipv6.disable=1) cannot have IPv6 clients either.
        Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) || e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => {
            panic!("IPv6 is not available on this machine's loopback: {e}")
        }
        Err(e) => panic!("[::1]:{PORT} must be free for this test: {e}"),
    };
    let v4 = TcpListener::bind(("127.0.0.1", PORT)).expect("127.0.0.1:2049 must be free for this test");
    let (from_v6, from_v4) = (common::drain(v6), common::drain(v4));
    let mut a = TcpStream::connect((Ipv6Addr::LOCALHOST, PORT)).unwrap();
    let mut b = TcpStream::connect((Ipv6Addr::LOCALHOST, PORT)).unwrap();
    let mut c = TcpStream::connect(("127.0.0.1", PORT)).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let mut tracker = ClientTracker::new();
    tracker.update(0.0, &dump_port(PORT, Keep::Sockets).expect("sock_diag dump").sockets, &[]);
    a.write_all(&vec![1u8; 2 << 20]).unwrap();
    b.write_all(&vec![2u8; 1 << 20]).unwrap();
    c.write_all(&vec![3u8; 512 << 10]).unwrap();
    common::received(&from_v6, 3 << 20);
    common::received(&from_v4, 512 << 10);
    std::thread::sleep(Duration::from_millis(100));
    tracker.update(2.0, &dump_port(PORT, Keep::Sockets).expect("sock_diag dump").sockets, &[]);

    let rows: Vec<(String, usize, Option<f64>)> =
        tracker.rows.iter().map(|r| (r.address.to_string(), r.connections.len(), r.in_bytes_per_s)).collect();
    // The listeners' own sockets are not clients; each client is one row.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0], ("::1".to_owned(), 2, Some((3u64 << 20) as f64 / 2.0)), "{rows:?}");
    assert_eq!(rows[1], ("127.0.0.1".to_owned(), 1, Some((512u64 << 10) as f64 / 2.0)), "{rows:?}");
    let share = tracker.rows[0].share_in.unwrap();
    assert!((share - 3072.0 / 3584.0).abs() < 1e-9, "{share}");

    // The one walk of both families finds what the per-family requests find (what a
    // kernel refusing the one walk is asked), raw bytes and all.
    let cookies = |d: drnfs::source::sock_diag::Dump| {
        let mut c: Vec<(u64, String)> = d.sockets.iter().map(|s| (s.cookie, s.remote.to_string())).collect();
        c.sort();
        c
    };
    let once = dump_port(PORT, Keep::Both).expect("sock_diag dump");
    // One walk: the kernel answered the both-families request (type 18), not the
    // per-family ones it falls back to (type 20).
    assert_eq!(u16::from_ne_bytes([once.raw[4], once.raw[5]]), 18, "the both-families request was refused");
    let decoded = drnfs_parsers::sock_diag::decode_chunk(&once.raw);
    assert!(decoded.done && decoded.problems.is_empty(), "{:?}", decoded.problems);
    let per_family = dump_per_family(Some(PORT), None, Keep::Sockets).expect("sock_diag dump");
    assert_eq!(cookies(once), cookies(per_family));
    assert_eq!(decoded.sockets.len(), 3);
}
