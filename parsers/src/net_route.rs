//! `/proc/net/route`: the kernel's IPv4 routing table, for the interface an address is
//! reached on (the interface drnfs asks for ARP replies on).
//!
//! ```text
//! Iface   Destination Gateway  Flags RefCnt Use Metric Mask     MTU Window IRTT
//! br0     0000320A    00000000 0001  0      0   0      00FFFFFF 0   0      0
//! ```
//! Addresses and masks are the kernel's 32-bit values printed in hex in host byte order
//! (little-endian on the machines drnfs runs on).

use std::net::Ipv4Addr;

/// One route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub interface: String,
    pub destination: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub mask: Ipv4Addr,
    pub metric: u32,
    /// RTF_UP.
    pub up: bool,
}

fn addr(hex: &str) -> Option<Ipv4Addr> {
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some(Ipv4Addr::from(v.swap_bytes()))
}

/// Every well-formed route; the header and malformed lines are skipped.
pub fn parse(input: &str) -> Vec<Route> {
    input
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 || f[0] == "Iface" {
                return None;
            }
            let flags = u32::from_str_radix(f[3], 16).ok()?;
            Some(Route {
                interface: f[0].to_owned(),
                destination: addr(f[1])?,
                gateway: addr(f[2])?,
                mask: addr(f[7])?,
                metric: f[6].parse().ok()?,
                up: flags & 1 == 1,
            })
        })
        .collect()
}

/// The interface of the most specific directly connected route (no gateway) that holds
/// `ip`: where an ARP request for it goes out.
pub fn link_interface(routes: &[Route], ip: Ipv4Addr) -> Option<&str> {
    routes
        .iter()
        .filter(|r| r.up && r.gateway.is_unspecified() && !r.mask.is_unspecified())
        .filter(|r| u32::from(ip) & u32::from(r.mask) == u32::from(r.destination) & u32::from(r.mask))
        .max_by_key(|r| (u32::from(r.mask).count_ones(), std::cmp::Reverse(r.metric)))
        .map(|r| r.interface.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The lab's nodeb: the slirp management network and the pair's bridge.
    const NODEB: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
br0\t0000320A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";

    #[test]
    fn the_link_route_of_an_address() {
        let routes = parse(NODEB);
        assert_eq!(routes.len(), 3);
        assert_eq!(routes[2].destination, Ipv4Addr::new(10, 50, 0, 0));
        assert_eq!(routes[0].gateway, Ipv4Addr::new(10, 0, 2, 2));
        assert_eq!(link_interface(&routes, Ipv4Addr::new(10, 50, 0, 100)), Some("br0"));
        assert_eq!(link_interface(&routes, Ipv4Addr::new(10, 0, 2, 15)), Some("eth0"));
        // Reached only through the default gateway: no link of its own to ask on.
        assert_eq!(link_interface(&routes, Ipv4Addr::new(192, 0, 2, 1)), None);
    }

    #[test]
    fn the_most_specific_route_wins() {
        let text = "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
wide 0000000A 00000000 0001 0 0 0 000000FF 0 0 0
narrow 0000320A 00000000 0001 0 0 0 00FFFFFF 0 0 0
down 0064320A 00000000 0000 0 0 0 FFFFFFFF 0 0 0
garbage line
";
        let routes = parse(text);
        assert_eq!(routes.len(), 3);
        assert_eq!(link_interface(&routes, Ipv4Addr::new(10, 50, 0, 100)), Some("narrow"));
        assert_eq!(link_interface(&routes, Ipv4Addr::new(10, 9, 0, 1)), Some("wide"));
    }

    #[test]
    fn flags_gateways_and_short_lines() {
        // Exactly the eight columns up to Mask are enough; seven are not.
        let text = "eth0 00000000 0202000A 0003 0 0 0 00000000
lan 0000A8C0 0101A8C0 0003 0 0 0 00FFFFFF
cut 0000320A 00000000 0001 0 0 0
";
        let routes = parse(text);
        assert_eq!(routes.len(), 2);
        // RTF_UP is bit 0: 0x3 (UP|GATEWAY) is up, 0x2 alone is not.
        assert!(routes[0].up);
        assert!(!parse("x 0000320A 00000000 0002 0 0 0 00FFFFFF")[0].up);
        assert!(!parse("x 0000320A 00000000 0000 0 0 0 00FFFFFF")[0].up);
        // A network reached through a gateway is not on a link of ours, mask or not.
        assert_eq!(link_interface(&routes, Ipv4Addr::new(192, 168, 0, 5)), None);
    }

    proptest::proptest! {
        /// Whatever the input, every route parsed came from a line with its interface.
        #[test]
        fn routes_come_from_lines(s in "\\PC{0,300}") {
            for r in parse(&s) {
                proptest::prop_assert!(s.lines().any(|l| l.split_whitespace().next() == Some(r.interface.as_str())));
            }
        }
    }
}
