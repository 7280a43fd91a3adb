//! Netlink replies (sock_diag dumps with tcp_info, the nfsd generic-netlink rpc_status
//! dump): never a panic on any datagram, and never more sockets than whole messages fit.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let chunk = drnfs_parsers::sock_diag::decode_chunk(bytes);
    assert!(chunk.sockets.len() <= bytes.len() / 16);
    let _ = drnfs_parsers::sock_diag::TcpInfo::decode(bytes);
    let _ = drnfs_parsers::nfsd_genl::decode(bytes, None);
    let _ =
        drnfs_parsers::nfsd_genl::decode(bytes, Some(u16::from_ne_bytes([bytes.first().copied().unwrap_or(0), 0x10])));
});
