//! This host's addresses, both families, from rtnetlink (`RTM_GETADDR`), the way `ip
//! address` reads them: where keepalived's VIP shows up when it is here, IPv6 included
//! (`/proc/net/fib_trie` knows IPv4 only).
//!
//! This module builds the dump request and decodes the replies (the socket is the
//! caller's), and writes and reads the addresses as text in the form of `ip -o address`
//! (`2: br0    inet 10.50.0.100/24 scope global br0`), which is how a sample stores
//! them. Layout (kernel `include/uapi/linux/if_addr.h`): each `RTM_NEWADDR` message is an
//! `ifaddrmsg` (family, prefix length, flags, scope, interface index) followed by
//! attributes `IFA_ADDRESS` (1), `IFA_LOCAL` (2, the local end on a point-to-point link,
//! where `IFA_ADDRESS` is the peer's) and `IFA_LABEL` (3, IPv4's interface label).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, ErrorSink, LineError, Parsed};

const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;

/// One address of one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub index: u32,
    /// The interface's label (IPv4 carries it; IPv6 addresses borrow it from an IPv4
    /// address on the same interface when there is one, else `if<index>`).
    pub label: String,
    pub address: IpAddr,
    pub prefix_len: u8,
    /// `host` (loopback), `link` (link-local), `global`, or the kernel's number.
    pub scope: String,
}

/// What one reply datagram held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub addresses: Vec<InterfaceAddress>,
    pub done: bool,
    /// Negative errno from an `NLMSG_ERROR`.
    pub error: Option<i32>,
    pub problems: Vec<String>,
}

/// A dump request for every address of every family.
pub fn dump_request(seq: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    out.extend_from_slice(&24u32.to_ne_bytes());
    out.extend_from_slice(&RTM_GETADDR.to_ne_bytes());
    out.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    // ifaddrmsg: AF_UNSPEC (both families), the rest zero.
    out.extend_from_slice(&[0; 8]);
    out
}

fn scope_name(scope: u8) -> String {
    match scope {
        0 => "global".to_owned(),
        200 => "site".to_owned(),
        253 => "link".to_owned(),
        254 => "host".to_owned(),
        n => n.to_string(),
    }
}

/// Decodes one reply datagram (several netlink messages).
pub fn decode(buf: &[u8]) -> Reply {
    let mut out = Reply::default();
    let mut off = 0;
    while off + 16 <= buf.len() {
        let len = u32::from_ne_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]]) as usize;
        let kind = u16::from_ne_bytes([buf[off + 4], buf[off + 5]]);
        if len < 16 || off + len > buf.len() {
            out.problems.push(format!("netlink message at byte {off} claims {len} bytes"));
            break;
        }
        let body = &buf[off + 16..off + len];
        match kind {
            NLMSG_DONE => out.done = true,
            NLMSG_ERROR => {
                let code = body.get(..4).map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                if code != 0 {
                    out.error = Some(code);
                }
            }
            RTM_NEWADDR => match address(body) {
                Some(a) => out.addresses.push(a),
                None => out.problems.push(format!("address message at byte {off} has no usable address")),
            },
            _ => {}
        }
        off += (len + 3) & !3;
    }
    out
}

fn address(body: &[u8]) -> Option<InterfaceAddress> {
    let head = body.get(..8)?;
    let (family, prefix_len, scope) = (head[0], head[1], head[3]);
    let index = u32::from_ne_bytes([head[4], head[5], head[6], head[7]]);
    let (mut address, mut local, mut label) = (None, None, None);
    for (kind, value) in crate::netlink::attributes(&body[8..]) {
        let ip = match (family, value.len()) {
            (AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(value[0], value[1], value[2], value[3]))),
            (AF_INET6, 16) => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(value).ok()?))),
            _ => None,
        };
        match kind {
            IFA_ADDRESS => address = ip,
            IFA_LOCAL => local = ip,
            IFA_LABEL => {
                let text = value.split(|b| *b == 0).next().unwrap_or_default();
                label = Some(String::from_utf8_lossy(text).into_owned());
            }
            _ => {}
        }
    }
    Some(InterfaceAddress {
        index,
        label: label.unwrap_or_else(|| format!("if{index}")),
        address: local.or(address)?,
        prefix_len,
        scope: scope_name(scope),
    })
}

/// Gives IPv6 addresses (which carry no label) the label of an IPv4 address on the same
/// interface, as `ip` shows the interface's name for both.
pub fn name_interfaces(addresses: &mut [InterfaceAddress]) {
    let names: Vec<(u32, String)> = addresses
        .iter()
        .filter(|a| a.address.is_ipv4())
        .map(|a| (a.index, a.label.split(':').next().unwrap_or_default().to_owned()))
        .collect();
    for a in addresses.iter_mut().filter(|a| a.address.is_ipv6()) {
        if let Some((_, name)) = names.iter().find(|(i, _)| *i == a.index) {
            a.label.clone_from(name);
        }
    }
}

/// The addresses as `ip -o address` prints them (the fields it has in common with the
/// dump): one line each.
pub fn render(addresses: &[InterfaceAddress]) -> String {
    let mut out = String::new();
    for a in addresses {
        let family = if a.address.is_ipv4() { "inet" } else { "inet6" };
        out.push_str(&format!("{}: {} {family} {}/{} scope {}\n", a.index, a.label, a.address, a.prefix_len, a.scope));
    }
    out
}

/// Reads `ip -o address` lines (drnfs's own rendering, or the command's output): index,
/// label, family, address/prefix, and the scope when given. A line that is not one is an
/// error on its line; `link/ether` lines of `ip -o link` mixed in are skipped.
pub fn parse(input: &str) -> Parsed<Vec<InterfaceAddress>> {
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(Some(a)) => out.push(a),
            Ok(None) => {}
            Err(kind) => errors.push(LineError::new(i + 1, kind, line)),
        }
    }
    errors.finish(out)
}

fn parse_line(line: &str) -> Result<Option<InterfaceAddress>, ErrorKind> {
    let mut words = line.split_whitespace();
    let bad = |field: &str, value: &str| ErrorKind::BadValue {
        field: field.to_owned(),
        value: value.chars().take(40).collect(),
    };
    let index_word = words.next().unwrap_or_default();
    let index = index_word.strip_suffix(':').and_then(|n| n.parse().ok()).ok_or_else(|| bad("index", index_word))?;
    let label = words.next().ok_or(ErrorKind::Missing { field: "interface".into() })?.to_owned();
    let family = words.next().ok_or(ErrorKind::Missing { field: "family".into() })?;
    if !matches!(family, "inet" | "inet6") {
        return Ok(None);
    }
    let cidr = words.next().ok_or(ErrorKind::Missing { field: "address".into() })?;
    let (ip, prefix) = cidr.split_once('/').ok_or_else(|| bad("address", cidr))?;
    let address: IpAddr = ip.parse().map_err(|_| bad("address", cidr))?;
    let prefix_len: u8 = prefix.parse().map_err(|_| bad("prefix", cidr))?;
    if address.is_ipv4() != (family == "inet") || prefix_len > if address.is_ipv4() { 32 } else { 128 } {
        return Err(bad("address", cidr));
    }
    let mut scope = "global".to_owned();
    while let Some(w) = words.next() {
        if w == "scope" {
            scope = words.next().unwrap_or("global").to_owned();
            break;
        }
    }
    Ok(Some(InterfaceAddress { index, label, address, prefix_len, scope }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(value);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out
    }

    fn newaddr(family: u8, prefix: u8, scope: u8, index: u32, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut body = vec![family, prefix, 0, scope];
        body.extend_from_slice(&index.to_ne_bytes());
        for a in attrs {
            body.extend_from_slice(a);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((16 + body.len()) as u32).to_ne_bytes());
        out.extend_from_slice(&RTM_NEWADDR.to_ne_bytes());
        out.extend_from_slice(&2u16.to_ne_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&body);
        out
    }

    fn done() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&20u32.to_ne_bytes());
        out.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        out.extend_from_slice(&2u16.to_ne_bytes());
        out.extend_from_slice(&[0; 12]);
        out
    }

    #[test]
    fn the_request_asks_every_family_for_a_dump() {
        let r = dump_request(7);
        assert_eq!(r.len(), 24);
        assert_eq!(u32::from_ne_bytes(r[0..4].try_into().unwrap()), 24);
        assert_eq!(u16::from_ne_bytes([r[4], r[5]]), RTM_GETADDR);
        assert_eq!(u16::from_ne_bytes([r[6], r[7]]), 0x301);
        assert_eq!(u32::from_ne_bytes(r[8..12].try_into().unwrap()), 7);
        assert_eq!(r[16], 0, "AF_UNSPEC: both families");
    }

    /// A VIP beside the node's address on br0, an IPv6 address without a label, a
    /// point-to-point address whose IFA_ADDRESS is the peer's, then the end of the dump.
    #[test]
    fn decodes_both_families_and_the_local_end_of_a_point_to_point_link() {
        let mut buf = newaddr(AF_INET, 24, 0, 4, &[attr(IFA_ADDRESS, &[10, 50, 0, 1]), attr(IFA_LABEL, b"br0\0")]);
        buf.extend(newaddr(AF_INET, 24, 0, 4, &[attr(IFA_ADDRESS, &[10, 50, 0, 100]), attr(IFA_LABEL, b"br0\0")]));
        let v6: Ipv6Addr = "fd00:50::100".parse().unwrap();
        buf.extend(newaddr(AF_INET6, 64, 0, 4, &[attr(IFA_ADDRESS, &v6.octets())]));
        buf.extend(newaddr(
            AF_INET,
            32,
            0,
            9,
            &[attr(IFA_ADDRESS, &[192, 0, 2, 2]), attr(IFA_LOCAL, &[192, 0, 2, 1]), attr(IFA_LABEL, b"tun0\0")],
        ));
        buf.extend(newaddr(
            AF_INET6,
            64,
            253,
            4,
            &[attr(IFA_ADDRESS, &"fe80::1".parse::<Ipv6Addr>().unwrap().octets())],
        ));
        buf.extend(done());
        let mut r = decode(&buf);
        assert_eq!((r.done, r.error, r.problems.len()), (true, None, 0), "{:?}", r.problems);
        name_interfaces(&mut r.addresses);
        assert_eq!(
            render(&r.addresses),
            "4: br0 inet 10.50.0.1/24 scope global\n\
             4: br0 inet 10.50.0.100/24 scope global\n\
             4: br0 inet6 fd00:50::100/64 scope global\n\
             9: tun0 inet 192.0.2.1/32 scope global\n\
             4: br0 inet6 fe80::1/64 scope link\n"
        );
        // What is rendered reads back as the same addresses.
        let back = parse(&render(&r.addresses));
        assert_eq!((back.value, back.errors), (r.addresses, vec![]));
    }

    #[test]
    fn damage_is_said_and_the_rest_is_kept() {
        // An address of the wrong length, then a message claiming more than the buffer.
        let mut buf = newaddr(AF_INET, 24, 0, 2, &[attr(IFA_ADDRESS, &[10, 0, 0])]);
        buf.extend(newaddr(AF_INET, 8, 254, 1, &[attr(IFA_ADDRESS, &[127, 0, 0, 1]), attr(IFA_LABEL, b"lo\0")]));
        let mut bad = newaddr(AF_INET, 24, 0, 3, &[attr(IFA_ADDRESS, &[10, 0, 0, 3])]);
        bad[0..4].copy_from_slice(&400u32.to_ne_bytes());
        buf.extend(bad);
        let r = decode(&buf);
        assert_eq!(r.addresses.len(), 1);
        assert_eq!((r.addresses[0].address, r.addresses[0].scope.as_str()), ("127.0.0.1".parse().unwrap(), "host"));
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
        assert!(!r.done);
        let mut err = Vec::new();
        err.extend_from_slice(&36u32.to_ne_bytes());
        err.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        err.extend_from_slice(&[0; 10]);
        err.extend_from_slice(&(-13i32).to_ne_bytes());
        err.extend_from_slice(&[0; 16]);
        assert_eq!(decode(&err).error, Some(-13));
    }

    /// The command's own output reads as well as drnfs's rendering of it.
    #[test]
    fn reads_ip_o_address_output() {
        let text = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever
4: br0    inet 10.50.0.100/24 scope global secondary br0\\       valid_lft forever preferred_lft forever
4: br0    inet6 fe80::5054:ff:fe50:1/64 scope link \\       valid_lft forever preferred_lft forever
2: eth0    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
x: br0 inet 10.0.0.1/24
5: br1 inet 10.0.0.1/33
5: br1 inet6 10.0.0.1/24
";
        let p = parse(text);
        let got: Vec<String> =
            p.value.iter().map(|a| format!("{} {}/{} {}", a.label, a.address, a.prefix_len, a.scope)).collect();
        assert_eq!(
            got,
            ["lo 127.0.0.1/8 host", "lo ::1/128 host", "br0 10.50.0.100/24 global", "br0 fe80::5054:ff:fe50:1/64 link"]
        );
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [6, 7, 8]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..300), s in "\\PC{0,200}") {
            let _ = decode(&b);
            let _ = parse(&s);
        }

        /// Any address rendered reads back unchanged.
        #[test]
        fn render_then_parse_round_trips(v4 in proptest::num::u32::ANY, v6 in proptest::num::u128::ANY, p4 in 0u8..=32, p6 in 0u8..=128, index in 1u32..100_000) {
            let addrs = vec![
                InterfaceAddress { index, label: "eth0".into(), address: IpAddr::V4(Ipv4Addr::from(v4)), prefix_len: p4, scope: "global".into() },
                InterfaceAddress { index, label: "eth0".into(), address: IpAddr::V6(Ipv6Addr::from(v6)), prefix_len: p6, scope: "link".into() },
            ];
            let back = parse(&render(&addrs));
            proptest::prop_assert_eq!(back.value, addrs);
            proptest::prop_assert!(back.errors.is_empty());
        }
    }
}
