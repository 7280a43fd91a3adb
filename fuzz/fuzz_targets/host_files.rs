//! The host files drnfs reads beside DRBD and nfsd (kernel log, mountinfo, routes, the
//! FIB trie, octal escapes, RFC 3339 stamps): never a panic.
#![no_main]
use drnfs_parsers::{kernel_log, mountinfo, net_fib_trie, net_route, timestamp::Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = kernel_log::parse(text);
    let _ = mountinfo::parse(text);
    let routes = net_route::parse(text);
    for ip in net_fib_trie::local_addresses(text) {
        let _ = net_route::link_interface(&routes, ip);
    }
    if let Some(t) = Timestamp::parse_rfc3339(text) {
        // What was read renders to a stamp that reads back to the same moment.
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
    }
});
