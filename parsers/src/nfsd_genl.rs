//! The nfsd generic-netlink family (Linux 6.7+): `rpc-status-get`, the RPCs nfsd threads
//! are executing right now, as `nfsdctl status` shows them. Sampled several times per
//! second, it gives each client's share of busy nfsd threads and its operations — what
//! catches a metadata storm that moves few bytes.
//!
//! This module builds the request bytes and decodes the replies; the socket is the
//! caller's. Attribute layout (kernel `Documentation/netlink/specs/nfsd.yaml`): one
//! message per busy thread with top-level attributes `xid` (u32, big-endian), `flags`,
//! `prog`, `version` (u8), `proc`, `service_time` (s64, µs), `saddr4`/`daddr4` (u32,
//! big-endian), `saddr6`/`daddr6` (16 bytes), `sport`/`dport` (u16, big-endian) and one
//! `compound-ops` (u32) per NFSv4 operation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::netlink::attributes;

/// Generic netlink's controller family.
pub const GENL_ID_CTRL: u16 = 0x10;
const CTRL_CMD_GETFAMILY: u8 = 3;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

pub const NFSD_FAMILY_NAME: &str = "nfsd";
pub const NFSD_CMD_RPC_STATUS_GET: u8 = 1;

/// One RPC an nfsd thread was executing at the moment of the dump.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InFlightRpc {
    pub xid: u32,
    /// 100003 NFS, 100227 NFS ACL.
    pub program: u32,
    pub version: u8,
    /// NFSv2/v3 procedure number; 1 (COMPOUND) for NFSv4.
    pub procedure: u32,
    /// When the thread started on it, µs of the kernel's monotonic clock.
    pub service_time_us: i64,
    pub client: Option<SocketAddr>,
    pub server: Option<SocketAddr>,
    /// NFSv4 operation numbers of the compound.
    pub compound_ops: Vec<u32>,
}

/// What one reply datagram held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub rpcs: Vec<InFlightRpc>,
    pub family_id: Option<u16>,
    pub done: bool,
    /// Negative errno from an `NLMSG_ERROR` (e.g. -2 ENOENT: no such family).
    pub error: Option<i32>,
    pub problems: Vec<String>,
}

fn message(kind: u16, flags: u16, seq: u32, cmd: u8, version: u8, attrs: &[u8]) -> Vec<u8> {
    let len = 16 + 4 + attrs.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
    m.extend_from_slice(&[cmd, version, 0, 0]);
    m.extend_from_slice(attrs);
    m
}

fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
    let len = 4 + value.len();
    let mut a = Vec::with_capacity((len + 3) & !3);
    a.extend_from_slice(&(len as u16).to_ne_bytes());
    a.extend_from_slice(&kind.to_ne_bytes());
    a.extend_from_slice(value);
    while a.len() % 4 != 0 {
        a.push(0);
    }
    a
}

/// Asks the controller for the id of family `name`.
pub fn family_request(name: &str, seq: u32) -> Vec<u8> {
    let mut value = name.as_bytes().to_vec();
    value.push(0);
    message(GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1, &attr(CTRL_ATTR_FAMILY_NAME, &value))
}

/// Dumps the RPCs in flight (needs the family id from [`family_request`]).
pub fn rpc_status_request(family_id: u16, seq: u32) -> Vec<u8> {
    message(family_id, NLM_F_REQUEST | NLM_F_DUMP, seq, NFSD_CMD_RPC_STATUS_GET, 1, &[])
}

fn u32_ne(v: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(v.get(..4)?.try_into().ok()?))
}

/// Decodes one reply datagram (several netlink messages).
pub fn decode(buf: &[u8], nfsd_family: Option<u16>) -> Reply {
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
                let code = body.get(..4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0);
                if code != 0 {
                    out.error = Some(code);
                }
            }
            GENL_ID_CTRL => {
                if let Some(attrs) = body.get(4..) {
                    for (k, v) in attributes(attrs) {
                        if k == CTRL_ATTR_FAMILY_ID && v.len() >= 2 {
                            out.family_id = Some(u16::from_ne_bytes([v[0], v[1]]));
                        }
                    }
                }
            }
            k if Some(k) == nfsd_family => match body.get(4..) {
                Some(attrs) => out.rpcs.push(rpc_from(attributes(attrs))),
                None => out.problems.push(format!("short nfsd message at byte {off}")),
            },
            _ => {}
        }
        off += (len + 3) & !3;
    }
    out
}

fn rpc_from(attrs: Vec<(u16, &[u8])>) -> InFlightRpc {
    let mut r = InFlightRpc {
        xid: 0,
        program: 0,
        version: 0,
        procedure: 0,
        service_time_us: 0,
        client: None,
        server: None,
        compound_ops: Vec::new(),
    };
    let (mut saddr, mut daddr, mut sport, mut dport): (Option<IpAddr>, Option<IpAddr>, u16, u16) = (None, None, 0, 0);
    for (k, v) in attrs {
        match k {
            1 => r.xid = v.get(..4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            3 => r.program = u32_ne(v).unwrap_or(0),
            4 => r.version = v.first().copied().unwrap_or(0),
            5 => r.procedure = u32_ne(v).unwrap_or(0),
            6 => r.service_time_us = v.get(..8).map_or(0, |b| i64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))),
            8 | 9 => {
                let ip = v.get(..4).map(|b| IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])));
                if k == 8 { saddr = ip } else { daddr = ip }
            }
            10 | 11 => {
                // Kernels before the 2026 fix copied only 16 bytes of a sockaddr_in6 here:
                // take the address only when all 16 bytes are there.
                let ip = v.get(..16).and_then(|b| <[u8; 16]>::try_from(b).ok()).map(|b| IpAddr::V6(Ipv6Addr::from(b)));
                if k == 10 { saddr = ip } else { daddr = ip }
            }
            12 => sport = v.get(..2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]])),
            13 => dport = v.get(..2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]])),
            14 => r.compound_ops.extend(u32_ne(v)),
            _ => {}
        }
    }
    r.client = saddr.map(|ip| SocketAddr::new(ip, sport));
    r.server = daddr.map(|ip| SocketAddr::new(ip, dport));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfsd_reply(family: u16, client: [u8; 4], ops: &[u32]) -> Vec<u8> {
        let mut attrs = Vec::new();
        attrs.extend(attr(1, &0x1234_5678u32.to_be_bytes()));
        attrs.extend(attr(3, &100_003u32.to_ne_bytes()));
        attrs.extend(attr(4, &[4]));
        attrs.extend(attr(5, &1u32.to_ne_bytes()));
        attrs.extend(attr(6, &5_000_000i64.to_ne_bytes()));
        attrs.extend(attr(8, &client));
        attrs.extend(attr(9, &[10, 50, 0, 100]));
        attrs.extend(attr(12, &812u16.to_be_bytes()));
        attrs.extend(attr(13, &2049u16.to_be_bytes()));
        for op in ops {
            attrs.extend(attr(14, &op.to_ne_bytes()));
        }
        message(family, 2, 1, NFSD_CMD_RPC_STATUS_GET, 1, &attrs)
    }

    #[test]
    fn decodes_in_flight_rpcs() {
        let mut buf = nfsd_reply(33, [10, 50, 0, 21], &[53, 22, 38, 9]);
        buf.extend(nfsd_reply(33, [10, 50, 0, 22], &[]));
        let mut done = message(NLMSG_DONE, 2, 1, 0, 0, &[]);
        done.truncate(20);
        done[..4].copy_from_slice(&20u32.to_ne_bytes());
        buf.extend(done);
        let r = decode(&buf, Some(33));
        assert!(r.done);
        assert_eq!(r.rpcs.len(), 2);
        let a = &r.rpcs[0];
        assert_eq!(a.xid, 0x1234_5678);
        assert_eq!((a.program, a.version, a.procedure), (100_003, 4, 1));
        assert_eq!(a.client, Some("10.50.0.21:812".parse().unwrap()));
        assert_eq!(a.server, Some("10.50.0.100:2049".parse().unwrap()));
        assert_eq!(a.compound_ops, vec![53, 22, 38, 9]);
        assert_eq!(a.service_time_us, 5_000_000);
    }

    #[test]
    fn family_lookup_and_errors() {
        let req = family_request("nfsd", 9);
        assert_eq!(u16::from_ne_bytes([req[4], req[5]]), GENL_ID_CTRL);
        assert_eq!(&req[24..29], b"nfsd\0");
        let reply = message(GENL_ID_CTRL, 0, 9, 1, 2, &attr(CTRL_ATTR_FAMILY_ID, &35u16.to_ne_bytes()));
        assert_eq!(decode(&reply, None).family_id, Some(35));
        let mut err = message(NLMSG_ERROR, 0, 9, 0, 0, &[0; 16]);
        err[16..20].copy_from_slice(&(-2i32).to_ne_bytes());
        assert_eq!(decode(&err, None).error, Some(-2));
        assert_eq!(
            u16::from_ne_bytes([rpc_status_request(35, 1)[6], rpc_status_request(35, 1)[7]]),
            NLM_F_REQUEST | NLM_F_DUMP
        );
    }

    #[test]
    fn edges_of_the_netlink_framing() {
        // The family id comes from its own attribute, not from the name beside it.
        let mut attrs = attr(CTRL_ATTR_FAMILY_ID, &35u16.to_ne_bytes());
        attrs.extend(attr(CTRL_ATTR_FAMILY_NAME, b"nfsd\0"));
        assert_eq!(decode(&message(GENL_ID_CTRL, 0, 9, 1, 2, &attrs), None).family_id, Some(35));
        // A message that is its header alone is whole.
        let mut done = message(NLMSG_DONE, 2, 1, 0, 0, &[]);
        done.truncate(16);
        done[..4].copy_from_slice(&16u32.to_ne_bytes());
        let r = decode(&done, None);
        assert!(r.done && r.problems.is_empty(), "{:?}", r.problems);
        // An attribute claiming less than its own header ends the list; those before stay.
        let mut attrs = attr(4, &[3]);
        attrs.extend_from_slice(&[2, 0, 5, 0, 9, 9, 9, 9]);
        assert_eq!(attributes(&attrs), vec![(4, &[3u8][..])]);
        let mut zero = attr(4, &[3]);
        zero.extend_from_slice(&[0, 0, 5, 0]);
        assert_eq!(attributes(&zero), vec![(4, &[3u8][..])]);
    }

    #[test]
    fn ipv6_client_and_server_each_in_place() {
        let client: std::net::Ipv6Addr = "fd00::21".parse().unwrap();
        let server: std::net::Ipv6Addr = "fd00::100".parse().unwrap();
        let mut attrs = attr(1, &7u32.to_be_bytes());
        attrs.extend(attr(10, &client.octets()));
        attrs.extend(attr(11, &server.octets()));
        attrs.extend(attr(12, &812u16.to_be_bytes()));
        attrs.extend(attr(13, &2049u16.to_be_bytes()));
        let r = decode(&message(33, 2, 1, NFSD_CMD_RPC_STATUS_GET, 1, &attrs), Some(33));
        assert_eq!(r.rpcs[0].client, Some("[fd00::21]:812".parse().unwrap()));
        assert_eq!(r.rpcs[0].server, Some("[fd00::100]:2049".parse().unwrap()));
    }

    /// Only messages of nfsd's family are RPCs; another family's reply in the same
    /// buffer is not read as one.
    #[test]
    fn another_familys_message_is_no_rpc() {
        let mut buf = nfsd_reply(40, [10, 50, 0, 21], &[]);
        buf.extend(nfsd_reply(33, [10, 50, 0, 22], &[]));
        let r = decode(&buf, Some(33));
        assert_eq!(r.rpcs.len(), 1);
        assert_eq!(r.rpcs[0].client.map(|a| a.ip()), Some("10.50.0.22".parse().unwrap()));
        assert!(decode(&buf, None).rpcs.is_empty());
    }

    /// An attribute with an empty value (its header alone) is one, and the list goes on.
    #[test]
    fn an_empty_attribute_does_not_end_the_list() {
        let mut attrs = attr(5, &[]);
        attrs.extend(attr(4, &[3]));
        assert_eq!(attributes(&attrs), vec![(5, &[][..]), (4, &[3u8][..])]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..300), fam in proptest::option::of(0u16..40)) {
            let _ = decode(&b, fam);
        }

        #[test]
        fn never_panics_on_mutated_replies(pos in 0usize..200, val in proptest::num::u8::ANY, cut in 0usize..60) {
            let mut b = nfsd_reply(33, [1, 2, 3, 4], &[53, 9]);
            let p = pos % b.len();
            b[p] = val;
            b.truncate(b.len().saturating_sub(cut));
            let _ = decode(&b, Some(33));
        }
    }
}
