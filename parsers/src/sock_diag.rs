//! Netlink `SOCK_DIAG_BY_FAMILY` dumps of TCP sockets, as `ss -ti` reads them: the
//! `inet_diag_msg` of each socket and its `tcp_info` (`INET_DIAG_INFO`).
//!
//! The netlink framing and the fixed `inet_diag_msg` come from `netlink-packet-sock-diag`.
//! `tcp_info` is decoded here by offset, because its length differs by kernel: a field past
//! the end of what the kernel sent is `None` ("this kernel does not report it"), never 0.
//! [`dump_request`] builds the request bytes; sending them is the caller's business.

use std::net::{IpAddr, SocketAddr};

use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags, nlas::Nla};
use serde::{Deserialize, Serialize};

/// One TCP socket of a dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TcpSocket {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// Kernel TCP state number (1 = ESTABLISHED); see [`tcp_state_name`].
    pub state: u8,
    /// Bytes received and not yet read by the owner (for nfsd: waiting for a thread).
    pub recv_q: u32,
    /// Bytes sent and not yet acknowledged by the peer.
    pub send_q: u32,
    pub uid: u32,
    /// 0 for kernel sockets such as nfsd's.
    pub inode: u32,
    /// Unique socket id (`ss -e` "sk:"); stable for the socket's life.
    pub cookie: u64,
    pub info: Option<TcpInfo>,
}

impl TcpSocket {
    /// The remote address with IPv4-mapped IPv6 (`::ffff:a.b.c.d`) turned into IPv4, so one
    /// client is one address whichever listener it reached.
    pub fn remote_ip(&self) -> IpAddr {
        canonical_ip(self.remote.ip())
    }
}

/// `::ffff:a.b.c.d` → `a.b.c.d`; other addresses unchanged.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Kernel TCP state names, as `ss` prints them.
pub fn tcp_state_name(state: u8) -> &'static str {
    match state {
        1 => "ESTAB",
        2 => "SYN-SENT",
        3 => "SYN-RECV",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "UNCONN",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// `struct tcp_info`, every field `None` when the kernel's struct is too short to have it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TcpInfo {
    /// How many bytes the kernel sent.
    pub length: usize,
    pub retransmits: Option<u8>,
    pub rto_us: Option<u32>,
    pub snd_mss: Option<u32>,
    pub rcv_mss: Option<u32>,
    pub unacked: Option<u32>,
    pub lost: Option<u32>,
    pub retrans: Option<u32>,
    pub last_data_sent_ms: Option<u32>,
    pub last_data_recv_ms: Option<u32>,
    pub last_ack_recv_ms: Option<u32>,
    pub rtt_us: Option<u32>,
    pub rttvar_us: Option<u32>,
    pub snd_cwnd: Option<u32>,
    pub total_retrans: Option<u32>,
    pub pacing_rate: Option<u64>,
    /// Bytes the peer acknowledged (server → client: READ data and replies). 4.1+.
    pub bytes_acked: Option<u64>,
    /// Bytes received (client → server: WRITE data and calls). 4.1+.
    pub bytes_received: Option<u64>,
    pub segs_out: Option<u32>,
    pub segs_in: Option<u32>,
    pub notsent_bytes: Option<u32>,
    pub min_rtt_us: Option<u32>,
    pub data_segs_in: Option<u32>,
    pub data_segs_out: Option<u32>,
    pub delivery_rate: Option<u64>,
    pub busy_time_us: Option<u64>,
    pub rwnd_limited_us: Option<u64>,
    pub sndbuf_limited_us: Option<u64>,
    pub delivered: Option<u32>,
    /// Bytes sent including retransmissions. 4.19+.
    pub bytes_sent: Option<u64>,
    pub bytes_retrans: Option<u64>,
    pub snd_wnd: Option<u32>,
}

impl TcpInfo {
    /// Decodes `tcp_info` from however many bytes this kernel sends.
    pub fn decode(b: &[u8]) -> Self {
        let u8_at = |o: usize| b.get(o).copied();
        let u32_at = |o: usize| b.get(o..o + 4).map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
        let u64_at =
            |o: usize| b.get(o..o + 8).map(|s| u64::from_ne_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]));
        Self {
            length: b.len(),
            retransmits: u8_at(2),
            rto_us: u32_at(8),
            snd_mss: u32_at(16),
            rcv_mss: u32_at(20),
            unacked: u32_at(24),
            lost: u32_at(32),
            retrans: u32_at(36),
            last_data_sent_ms: u32_at(44),
            last_data_recv_ms: u32_at(52),
            last_ack_recv_ms: u32_at(56),
            rtt_us: u32_at(68),
            rttvar_us: u32_at(72),
            snd_cwnd: u32_at(80),
            total_retrans: u32_at(100),
            pacing_rate: u64_at(104),
            bytes_acked: u64_at(120),
            bytes_received: u64_at(128),
            segs_out: u32_at(136),
            segs_in: u32_at(140),
            notsent_bytes: u32_at(144),
            min_rtt_us: u32_at(148),
            data_segs_in: u32_at(152),
            data_segs_out: u32_at(156),
            delivery_rate: u64_at(160),
            busy_time_us: u64_at(168),
            rwnd_limited_us: u64_at(176),
            sndbuf_limited_us: u64_at(184),
            delivered: u32_at(192),
            bytes_sent: u64_at(200),
            bytes_retrans: u64_at(208),
            snd_wnd: u32_at(228),
        }
    }
}

/// What one `recv()` of a dump held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DumpChunk {
    pub sockets: Vec<TcpSocket>,
    /// `NLMSG_DONE` was seen: the dump is complete.
    pub done: bool,
    /// The kernel answered with an error (negative errno, e.g. -1 EPERM).
    pub error: Option<i32>,
    /// Messages that could not be decoded (the others are kept).
    pub problems: Vec<String>,
}

/// Decodes every netlink message in `buf` (one datagram of a dump reply).
pub fn decode_chunk(buf: &[u8]) -> DumpChunk {
    walk_chunk(buf, true)
}

/// Whether the dump is done or refused after `buf`, its sockets left undecoded: for a
/// collector that keeps the reply's bytes and leaves the decoding to whoever reads them.
/// `done` and `error` are what [`decode_chunk`] says of the same bytes.
pub fn chunk_end(buf: &[u8]) -> DumpChunk {
    walk_chunk(buf, false)
}

/// `SOCK_DIAG_BY_FAMILY`: a socket's message in a dump reply.
const SOCK_DIAG_BY_FAMILY: u16 = 20;

fn walk_chunk(buf: &[u8], sockets: bool) -> DumpChunk {
    let mut out = DumpChunk::default();
    let mut offset = 0;
    while offset + 16 <= buf.len() {
        let len = u32::from_ne_bytes([buf[offset], buf[offset + 1], buf[offset + 2], buf[offset + 3]]) as usize;
        if len < 16 || offset + len > buf.len() {
            out.problems.push(format!("netlink message at byte {offset} claims {len} bytes of {}", buf.len() - offset));
            break;
        }
        let kind = u16::from_ne_bytes([buf[offset + 4], buf[offset + 5]]);
        if !sockets && kind == SOCK_DIAG_BY_FAMILY {
            offset += (len + 3) & !3;
            continue;
        }
        match NetlinkMessage::<SockDiagMessage>::deserialize(&buf[offset..offset + len]) {
            Ok(msg) => match msg.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) => {
                    let info = r.nlas.iter().find_map(|n| match n {
                        Nla::TcpInfo(bytes) => Some(TcpInfo::decode(bytes)),
                        _ => None,
                    });
                    let id = &r.header.socket_id;
                    out.sockets.push(TcpSocket {
                        local: SocketAddr::new(id.source_address, id.source_port),
                        remote: SocketAddr::new(id.destination_address, id.destination_port),
                        state: r.header.state,
                        recv_q: r.header.recv_queue,
                        send_q: r.header.send_queue,
                        uid: r.header.uid,
                        inode: r.header.inode,
                        cookie: u64::from_ne_bytes(id.cookie),
                        info,
                    });
                }
                NetlinkPayload::Done(_) => out.done = true,
                NetlinkPayload::Error(e) => {
                    if let Some(code) = e.code {
                        out.error = Some(code.get());
                    }
                }
                _ => {}
            },
            Err(e) => out.problems.push(format!("netlink message at byte {offset}: {e}")),
        }
        // Messages are 4-byte aligned.
        offset += (len + 3) & !3;
    }
    out
}

/// IP family of a dump request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// A `SOCK_DIAG_BY_FAMILY` dump request for TCP sockets with local port `local_port`
/// (filtered in the kernel), asking for `tcp_info`. States: everything but LISTEN and
/// TIME-WAIT (a closing connection still counts toward its client's rate).
pub fn dump_request(family: Family, local_port: u16, sequence: u32) -> Vec<u8> {
    dump_request_ports(family, Some(local_port), None, sequence)
}

/// A dump request for TCP sockets with local port `local` and/or remote port `remote`
/// (the kernel skips sockets whose port differs from one given; `None` matches any).
pub fn dump_request_ports(family: Family, local: Option<u16>, remote: Option<u16>, sequence: u32) -> Vec<u8> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.sequence_number = sequence;
    let mut socket_id = match family {
        Family::V4 => SocketId::new_v4(),
        Family::V6 => SocketId::new_v6(),
    };
    socket_id.source_port = local.unwrap_or(0);
    socket_id.destination_port = remote.unwrap_or(0);
    let states = StateFlags::ESTABLISHED
        | StateFlags::SYN_RECV
        | StateFlags::FIN_WAIT1
        | StateFlags::FIN_WAIT2
        | StateFlags::CLOSE_WAIT
        | StateFlags::LAST_ACK
        | StateFlags::CLOSING;
    let mut packet = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family: match family {
                Family::V4 => AF_INET,
                Family::V6 => AF_INET6,
            },
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::INFO,
            states,
            socket_id,
        })
        .into(),
    );
    packet.finalize();
    let mut buf = vec![0; packet.buffer_len()];
    packet.serialize(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One AF_INET reply, built field by field like the kernel does (little-endian host).
    fn reply(cookie: u64, bytes_received: u64, info_len: usize) -> Vec<u8> {
        let mut info = vec![0u8; 232];
        info[68..72].copy_from_slice(&1500u32.to_ne_bytes()); // rtt 1.5 ms
        info[120..128].copy_from_slice(&777u64.to_ne_bytes()); // bytes_acked
        info[128..136].copy_from_slice(&bytes_received.to_ne_bytes());
        info.truncate(info_len);
        let mut msg = Vec::new();
        msg.extend_from_slice(&[2, 1, 0, 0]); // family AF_INET, ESTABLISHED, timer, retrans
        msg.extend_from_slice(&2049u16.to_be_bytes()); // sport
        msg.extend_from_slice(&812u16.to_be_bytes()); // dport
        let mut src = [0u8; 16];
        src[..4].copy_from_slice(&[10, 50, 0, 100]);
        let mut dst = [0u8; 16];
        dst[..4].copy_from_slice(&[10, 50, 0, 21]);
        msg.extend_from_slice(&src);
        msg.extend_from_slice(&dst);
        msg.extend_from_slice(&0u32.to_ne_bytes()); // if
        msg.extend_from_slice(&cookie.to_ne_bytes());
        for v in [0u32, 4096, 0, 0, 0] {
            msg.extend_from_slice(&v.to_ne_bytes()); // expires rqueue wqueue uid inode
        }
        let attr_len = 4 + info.len();
        msg.extend_from_slice(&(attr_len as u16).to_ne_bytes());
        msg.extend_from_slice(&2u16.to_ne_bytes()); // INET_DIAG_INFO
        msg.extend_from_slice(&info);
        while msg.len() % 4 != 0 {
            msg.push(0);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((16 + msg.len()) as u32).to_ne_bytes());
        out.extend_from_slice(&20u16.to_ne_bytes()); // SOCK_DIAG_BY_FAMILY
        out.extend_from_slice(&2u16.to_ne_bytes()); // NLM_F_MULTI
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&msg);
        out
    }

    fn done() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&20u32.to_ne_bytes());
        out.extend_from_slice(&3u16.to_ne_bytes()); // NLMSG_DONE
        out.extend_from_slice(&2u16.to_ne_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&0i32.to_ne_bytes());
        out
    }

    fn error(code: i32) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&36u32.to_ne_bytes());
        out.extend_from_slice(&2u16.to_ne_bytes()); // NLMSG_ERROR
        out.extend_from_slice(&0u16.to_ne_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&code.to_ne_bytes());
        out.extend_from_slice(&[0; 16]);
        out
    }

    #[test]
    fn decodes_sockets_and_done() {
        let mut buf = reply(0xdead_beef_0000_0001, 123_456, 232);
        buf.extend(reply(2, 9, 232));
        buf.extend(done());
        let c = decode_chunk(&buf);
        assert_eq!(c.problems, Vec::<String>::new());
        assert!(c.done);
        assert_eq!(c.sockets.len(), 2);
        let s = &c.sockets[0];
        assert_eq!(s.local, "10.50.0.100:2049".parse().unwrap());
        assert_eq!(s.remote, "10.50.0.21:812".parse().unwrap());
        assert_eq!((s.recv_q, s.cookie, s.state), (4096, 0xdead_beef_0000_0001, 1));
        let info = s.info.as_ref().unwrap();
        assert_eq!((info.bytes_received, info.bytes_acked, info.rtt_us), (Some(123_456), Some(777), Some(1500)));
        assert_eq!(info.bytes_sent, Some(0));
    }

    #[test]
    fn short_tcp_info_means_absent_fields() {
        let c = decode_chunk(&reply(1, 5, 104));
        let info = c.sockets[0].info.as_ref().unwrap();
        assert_eq!(info.length, 104);
        assert_eq!(info.rtt_us, Some(1500));
        assert_eq!(info.bytes_received, None);
        assert_eq!(info.bytes_sent, None);
    }

    #[test]
    fn truncated_and_error_replies() {
        let full = reply(1, 5, 232);
        let c = decode_chunk(&full[..full.len() - 10]);
        assert!(c.sockets.is_empty());
        assert_eq!(c.problems.len(), 1);
        assert_eq!(decode_chunk(&error(-1)).error, Some(-1));
    }

    #[test]
    fn request_filters_on_source_port() {
        let req = dump_request(Family::V4, 2049, 7);
        assert_eq!(req.len(), 16 + 56);
        assert_eq!(u16::from_ne_bytes([req[4], req[5]]), 20);
        assert_eq!(&req[16..18], &[2, 6]); // AF_INET, TCP
        assert_eq!(req[18], 1 << 1); // INET_DIAG_INFO
        assert_eq!(&req[24..26], &2049u16.to_be_bytes());
        assert_eq!(dump_request(Family::V6, 2049, 7)[16], 10);
        // Every state but LISTEN (10) and TIME-WAIT (6), and nothing else: bit n is state n.
        let states = u32::from_ne_bytes([req[20], req[21], req[22], req[23]]);
        let want = [1, 3, 4, 5, 8, 9, 11].iter().fold(0u32, |m, s| m | 1 << s);
        assert_eq!(states, want, "{states:#b}");
        // The remote port, when asked, is filtered on too; unasked ports are 0 (any).
        let both = dump_request_ports(Family::V4, None, Some(7789), 8);
        assert_eq!((&both[24..26], &both[26..28]), (&[0u8, 0][..], &7789u16.to_be_bytes()[..]));
    }

    #[test]
    fn state_names_as_ss_prints_them() {
        let names: Vec<&str> = (0..=12).map(tcp_state_name).collect();
        assert_eq!(
            names,
            [
                "UNKNOWN",
                "ESTAB",
                "SYN-SENT",
                "SYN-RECV",
                "FIN-WAIT-1",
                "FIN-WAIT-2",
                "TIME-WAIT",
                "UNCONN",
                "CLOSE-WAIT",
                "LAST-ACK",
                "LISTEN",
                "CLOSING",
                "UNKNOWN"
            ]
        );
    }

    #[test]
    fn mapped_addresses_become_ipv4() {
        let ip: IpAddr = "::ffff:10.50.0.21".parse().unwrap();
        assert_eq!(canonical_ip(ip), "10.50.0.21".parse::<IpAddr>().unwrap());
    }

    /// A message that is its header alone (a NOOP) is stepped over, not refused; one
    /// claiming less than a header ends the chunk with the claim in the problem.
    #[test]
    fn a_header_only_message_is_whole_and_a_shorter_claim_is_not() {
        let mut noop = Vec::new();
        noop.extend_from_slice(&16u32.to_ne_bytes());
        noop.extend_from_slice(&1u16.to_ne_bytes()); // NLMSG_NOOP
        noop.extend_from_slice(&[0; 10]);
        let mut buf = noop.clone();
        buf.extend(reply(7, 9, 232));
        buf.extend(done());
        let c = decode_chunk(&buf);
        assert_eq!((c.problems.len(), c.sockets.len(), c.done), (0, 1, true), "{:?}", c.problems);
        let mut short = noop;
        short[..4].copy_from_slice(&8u32.to_ne_bytes());
        short.extend(reply(7, 9, 232));
        let c = decode_chunk(&short);
        assert_eq!(c.problems, [format!("netlink message at byte 0 claims 8 bytes of {}", short.len())]);
        assert!(c.sockets.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = decode_chunk(&b);
            let _ = TcpInfo::decode(&b);
        }

        #[test]
        fn never_panics_on_mutated_replies(pos in 0usize..300, val in proptest::num::u8::ANY, cut in 0usize..300) {
            let mut b = reply(3, 4, 232);
            let p = pos % b.len();
            b[p] = val;
            b.truncate(b.len().saturating_sub(cut % 50));
            let _ = decode_chunk(&b);
        }

        /// Reading only where a reply ends says what decoding all of it says of its end,
        /// on whole and damaged replies alike, and decodes no socket.
        #[test]
        fn the_end_of_a_reply_is_read_as_decoding_reads_it(
            sockets in 0usize..4,
            end in 0u8..3,
            pos in 0usize..1200,
            val in proptest::num::u8::ANY,
            damage in proptest::bool::ANY,
        ) {
            let mut b = Vec::new();
            for i in 0..sockets {
                b.extend(reply(i as u64, 7, 232));
            }
            match end {
                0 => b.extend(done()),
                1 => b.extend(error(-13)),
                _ => {}
            }
            if damage && !b.is_empty() {
                let p = pos % b.len();
                b[p] = val;
            }
            let (ends, decoded) = (chunk_end(&b), decode_chunk(&b));
            proptest::prop_assert_eq!((ends.done, ends.error), (decoded.done, decoded.error));
            proptest::prop_assert!(ends.sockets.is_empty());
        }
    }
}
