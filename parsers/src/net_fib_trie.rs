//! `/proc/net/fib_trie`: the IPv4 addresses local to this host (where a VIP shows up
//! when keepalived puts it here), without netlink.
//!
//! ```text
//!      |-- 10.50.0.100
//!         /32 host LOCAL
//! ```

use std::net::Ipv4Addr;

/// Every address the kernel routes as `host LOCAL`, in order, without duplicates.
pub fn local_addresses(input: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut leaf: Option<Ipv4Addr> = None;
    for line in input.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            leaf = addr.trim().parse().ok();
        } else if t.starts_with("+--") {
            leaf = None;
        } else if t.starts_with("/32 host LOCAL")
            && let Some(a) = leaf
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_entries_only() {
        let text = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     +-- 10.50.0.0/24 2 0 2\n        |-- 10.50.0.0\n           /24 link UNICAST\n        |-- 10.50.0.1\n           /32 host LOCAL\n        |-- 10.50.0.100\n           /32 host LOCAL\n        |-- 10.50.0.255\n           /32 link BROADCAST\nLocal:\n        |-- 10.50.0.1\n           /32 host LOCAL\n";
        let got: Vec<String> = local_addresses(text).iter().map(ToString::to_string).collect();
        assert_eq!(got, vec!["10.50.0.1", "10.50.0.100"]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = local_addresses(&s);
        }
    }
}
