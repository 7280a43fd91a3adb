//! Netlink `SOCK_DIAG_BY_FAMILY` dumps of TCP sockets, as `ss -ti` reads them: the
//! `inet_diag_msg` of each socket and its `tcp_info` (`INET_DIAG_INFO`).
//!
//! A socket's message (`inet_diag_msg` and its attributes) is read in place here, held
//! equal to `netlink-packet-sock-diag`'s decoding by a property test; that library decodes
//! the rest (the dump's end, errors) and builds the per-family request. `tcp_info` is
//! decoded here by offset, because its length differs by kernel: a field past
//! the end of what the kernel sent is `None` ("this kernel does not report it"), never 0.
//! [`dump_request`] builds the request bytes; sending them is the caller's business.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
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

/// `SOCK_DIAG_BY_FAMILY`: a socket's message in a reply to a per-family request.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `TCPDIAG_GETSOCK`: a socket's message in a reply to [`dump_request_both_families`]
/// (the kernel answers with the request's type).
const TCPDIAG_GETSOCK: u16 = 18;
/// Size of `inet_diag_msg`, the fixed part of a socket's message before its attributes.
const INET_DIAG_MSG_LEN: usize = 72;
/// The `tcp_info` attribute.
const INET_DIAG_INFO: u16 = 2;

fn walk_chunk(buf: &[u8], sockets: bool) -> DumpChunk {
    let mut out = DumpChunk::default();
    if sockets {
        // A whole dump (10,000 sockets of some 400 bytes each) is decoded at once: room
        // for all of them first, so the list is not copied as it grows.
        out.sockets.reserve(socket_count(buf));
    }
    let mut offset = 0;
    while offset + 16 <= buf.len() {
        let len = u32::from_ne_bytes([buf[offset], buf[offset + 1], buf[offset + 2], buf[offset + 3]]) as usize;
        if len < 16 || len > buf.len() - offset {
            out.problems.push(format!("netlink message at byte {offset} claims {len} bytes of {}", buf.len() - offset));
            break;
        }
        let kind = u16::from_ne_bytes([buf[offset + 4], buf[offset + 5]]);
        if kind == SOCK_DIAG_BY_FAMILY || kind == TCPDIAG_GETSOCK {
            if sockets {
                match decode_socket(&buf[offset + 16..offset + len]) {
                    Ok(socket) => out.sockets.push(socket),
                    Err(e) => out.problems.push(format!("netlink message at byte {offset}: {e}")),
                }
            }
        } else {
            // The dump's end or the kernel's refusal: rare, so the library decodes them.
            match NetlinkMessage::<SockDiagMessage>::deserialize(&buf[offset..offset + len]) {
                Ok(msg) => match msg.payload {
                    NetlinkPayload::Done(d) => {
                        out.done = true;
                        // A dump that failed on the way ends with its errno in NLMSG_DONE:
                        // not a complete dump.
                        if d.code < 0 {
                            out.error = Some(d.code);
                        }
                    }
                    NetlinkPayload::Error(e) => {
                        if let Some(code) = e.code {
                            out.error = Some(code.get());
                        }
                    }
                    _ => {}
                },
                Err(e) => out.problems.push(format!("netlink message at byte {offset}: {e}")),
            }
        }
        // Messages are 4-byte aligned.
        offset += (len + 3) & !3;
    }
    out
}

/// How many socket messages long enough to decode `buf` holds, read from their headers
/// alone (so room is never made for more sockets than a tenth of the bytes).
fn socket_count(buf: &[u8]) -> usize {
    let (mut count, mut offset) = (0, 0);
    while let Some(header) = buf.get(offset..offset + 16) {
        let len = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]) as usize;
        if len < 16 || len > buf.len() - offset {
            break;
        }
        let kind = u16::from_ne_bytes([header[4], header[5]]);
        if (kind == SOCK_DIAG_BY_FAMILY || kind == TCPDIAG_GETSOCK) && len >= 16 + INET_DIAG_MSG_LEN {
            count += 1;
        }
        offset += (len + 3) & !3;
    }
    count
}

/// One socket's message (`inet_diag_msg`, then attributes), read in place: a dump of
/// 10,000 sockets is decoded on every sample, so no allocation but the result's. Only the
/// `tcp_info` attribute is read; the others are stepped over, their framing checked.
fn decode_socket(payload: &[u8]) -> Result<TcpSocket, String> {
    let Some(head) = payload.get(..INET_DIAG_MSG_LEN) else {
        return Err(format!(
            "a socket message of {} bytes, shorter than inet_diag_msg's {INET_DIAG_MSG_LEN}",
            payload.len()
        ));
    };
    let u32_at = |o: usize| u32::from_ne_bytes([head[o], head[o + 1], head[o + 2], head[o + 3]]);
    let port_at = |o: usize| u16::from_be_bytes([head[o], head[o + 1]]);
    let address_at = |o: usize| -> Result<IpAddr, String> {
        match head[0] {
            AF_INET => Ok(IpAddr::V4(Ipv4Addr::new(head[o], head[o + 1], head[o + 2], head[o + 3]))),
            AF_INET6 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&head[o..o + 16]);
                Ok(IpAddr::V6(Ipv6Addr::from(octets)))
            }
            family => Err(format!("address family {family} is neither AF_INET nor AF_INET6")),
        }
    };
    // inet_diag_sockid at 4: sport, dport (network order), src[16], dst[16], if, cookie.
    let local = SocketAddr::new(address_at(8)?, port_at(4));
    let remote = SocketAddr::new(address_at(24)?, port_at(6));
    let mut cookie = [0u8; 8];
    cookie.copy_from_slice(&head[44..52]);
    let mut info = None;
    let mut at = INET_DIAG_MSG_LEN;
    while at < payload.len() {
        let rest = &payload[at..];
        let claimed = rest.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]]) as usize);
        let length = match claimed {
            Some(length) if (4..=rest.len()).contains(&length) => length,
            _ => return Err(format!("attribute at byte {} of the socket message is damaged", at)),
        };
        // The kernel's flag bits (nested, byte order) are not part of the type.
        let kind = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
        if kind == INET_DIAG_INFO && info.is_none() {
            info = Some(TcpInfo::decode(&rest[4..length]));
        }
        at += (length + 3) & !3;
    }
    Ok(TcpSocket {
        local,
        remote,
        state: head[1],
        recv_q: u32_at(56),
        send_q: u32_at(60),
        uid: u32_at(64),
        inode: u32_at(68),
        cookie: u64::from_ne_bytes(cookie),
        info,
    })
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
    let states = dump_states();
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

/// The states a dump asks for: everything but LISTEN and TIME-WAIT (a closing connection
/// still counts toward its client's rate).
fn dump_states() -> StateFlags {
    StateFlags::ESTABLISHED
        | StateFlags::SYN_RECV
        | StateFlags::FIN_WAIT1
        | StateFlags::FIN_WAIT2
        | StateFlags::CLOSE_WAIT
        | StateFlags::LAST_ACK
        | StateFlags::CLOSING
}

/// A dump request for TCP sockets of both families at once, filtered as
/// [`dump_request_ports`]'s: the kernel's older `TCPDIAG_GETSOCK` request (`struct
/// inet_diag_req`), whose family may be `AF_UNSPEC`. Two per-family requests each walk the
/// kernel's whole TCP table (262,144 buckets on a 24 GiB server, most of them empty); this
/// walks it once. The reply's socket messages carry type 18, not 20.
pub fn dump_request_both_families(local: Option<u16>, remote: Option<u16>, sequence: u32) -> Vec<u8> {
    const NLMSG_HEADER_LEN: usize = 16;
    const INET_DIAG_REQ_LEN: usize = 60;
    let mut buf = Vec::with_capacity(NLMSG_HEADER_LEN + INET_DIAG_REQ_LEN);
    buf.extend_from_slice(&((NLMSG_HEADER_LEN + INET_DIAG_REQ_LEN) as u32).to_ne_bytes());
    buf.extend_from_slice(&TCPDIAG_GETSOCK.to_ne_bytes());
    buf.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    buf.extend_from_slice(&sequence.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
    // family AF_UNSPEC, src_len, dst_len, extensions (bit n-1 asks for attribute n)
    buf.extend_from_slice(&[0, 0, 0, 1 << (INET_DIAG_INFO - 1)]);
    buf.extend_from_slice(&local.unwrap_or(0).to_be_bytes());
    buf.extend_from_slice(&remote.unwrap_or(0).to_be_bytes());
    buf.extend_from_slice(&[0; 16 + 16 + 4 + 8]); // addresses, interface, cookie: any
    buf.extend_from_slice(&dump_states().bits().to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes()); // idiag_dbs: unused
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

    fn done_with(code: i32) -> Vec<u8> {
        let mut out = done();
        out[16..20].copy_from_slice(&code.to_ne_bytes());
        out
    }

    #[test]
    fn a_dump_that_failed_on_the_way_is_not_complete() {
        let mut buf = reply(1, 2, 232);
        buf.extend(done_with(-2));
        let c = decode_chunk(&buf);
        assert_eq!((c.done, c.error, c.sockets.len()), (true, Some(-2), 1));
        assert_eq!((chunk_end(&buf).done, chunk_end(&buf).error), (true, Some(-2)));
        assert_eq!(decode_chunk(&done()).error, None);
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

    /// The library's decoding of one socket message, as drnfs did it before reading the
    /// messages in place: the oracle the in-place reading is held to.
    fn library_decode(message: &[u8]) -> Result<TcpSocket, String> {
        use netlink_packet_sock_diag::inet::nlas::Nla;
        let msg = NetlinkMessage::<SockDiagMessage>::deserialize(message).map_err(|e| e.to_string())?;
        let NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) = msg.payload else {
            return Err("not a socket".to_owned());
        };
        let info = r.nlas.iter().find_map(|n| match n {
            Nla::TcpInfo(bytes) => Some(TcpInfo::decode(bytes)),
            _ => None,
        });
        let id = &r.header.socket_id;
        Ok(TcpSocket {
            local: SocketAddr::new(id.source_address, id.source_port),
            remote: SocketAddr::new(id.destination_address, id.destination_port),
            state: r.header.state,
            recv_q: r.header.recv_queue,
            send_q: r.header.send_queue,
            uid: r.header.uid,
            inode: r.header.inode,
            cookie: u64::from_ne_bytes(id.cookie),
            info,
        })
    }

    /// Attribute types the library takes at any length (`tcp_info` and types it does not
    /// know), so that it decodes the message and the two decodings can be compared.
    fn any_length_kind() -> impl proptest::strategy::Strategy<Value = u16> {
        proptest::prop_oneof![proptest::strategy::Just(2u16), 23u16..60]
    }

    /// A socket message of type 20 with the given fixed part and attributes (type, value).
    fn socket_message(head: &[u8; 72], attributes: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut msg = head.to_vec();
        for (kind, value) in attributes {
            msg.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
            msg.extend_from_slice(&kind.to_ne_bytes());
            msg.extend_from_slice(value);
            while !msg.len().is_multiple_of(4) {
                msg.push(0);
            }
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((16 + msg.len()) as u32).to_ne_bytes());
        out.extend_from_slice(&20u16.to_ne_bytes());
        out.extend_from_slice(&2u16.to_ne_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&msg);
        out
    }

    #[test]
    fn both_families_request_is_the_compat_request_for_any_family() {
        let req = dump_request_both_families(Some(2049), None, 9);
        assert_eq!(req.len(), 16 + 60);
        assert_eq!(u32::from_ne_bytes([req[0], req[1], req[2], req[3]]), 76);
        assert_eq!(u16::from_ne_bytes([req[4], req[5]]), 18); // TCPDIAG_GETSOCK
        assert_eq!(u16::from_ne_bytes([req[6], req[7]]), 0x301); // REQUEST | DUMP
        assert_eq!(u32::from_ne_bytes([req[8], req[9], req[10], req[11]]), 9);
        assert_eq!(&req[16..20], &[0, 0, 0, 1 << 1]); // AF_UNSPEC, INET_DIAG_INFO
        assert_eq!((&req[20..22], &req[22..24]), (&2049u16.to_be_bytes()[..], &[0u8, 0][..]));
        assert!(req[24..68].iter().all(|b| *b == 0));
        let per_family = dump_request(Family::V4, 2049, 9);
        assert_eq!(&req[68..72], &per_family[20..24], "the same states as the per-family request");
        assert_eq!(&req[72..76], &[0; 4]);
        let remote = dump_request_both_families(None, Some(7789), 1);
        assert_eq!((&remote[20..22], &remote[22..24]), (&[0u8, 0][..], &7789u16.to_be_bytes()[..]));
    }

    /// A reply to the both-families request: its socket messages carry type 18.
    #[test]
    fn decodes_the_both_families_reply() {
        let mut buf = reply(5, 6, 232);
        buf[4..6].copy_from_slice(&18u16.to_ne_bytes());
        buf.extend(done());
        let c = decode_chunk(&buf);
        assert_eq!((c.sockets.len(), c.done, c.problems.len()), (1, true, 0));
        assert_eq!((c.sockets[0].cookie, c.sockets[0].remote.port()), (5, 812));
        let end = chunk_end(&buf);
        assert_eq!((end.sockets.len(), end.done), (0, true));
        // A family neither IPv4 nor IPv6 is refused, not read as either.
        buf[16] = 0;
        let c = decode_chunk(&buf);
        assert_eq!((c.sockets.len(), c.done), (0, true));
        assert_eq!(c.problems, ["netlink message at byte 0: address family 0 is neither AF_INET nor AF_INET6"]);
    }

    /// An attribute claiming less than its own header, or more than is left, damages its
    /// message (refused, as the library refuses it), and the walk goes on to the next.
    #[test]
    fn a_damaged_attribute_refuses_its_socket_only() {
        for claim in [0u16, 1, 3, 237, 240] {
            let mut b = reply(3, 4, 232); // tcp_info attribute: 236 bytes at byte 88
            b[88..90].copy_from_slice(&claim.to_ne_bytes());
            assert!(library_decode(&b).is_err(), "{claim}");
            b.extend(reply(4, 4, 232));
            b.extend(done());
            let c = decode_chunk(&b);
            assert_eq!(
                c.problems,
                ["netlink message at byte 0: attribute at byte 72 of the socket message is damaged"]
            );
            assert_eq!((c.sockets.len(), c.sockets[0].cookie, c.done), (1, 4, true), "{claim}");
        }
    }

    proptest::proptest! {
        /// Reading a socket's message in place gives what the library's decoding gives, for
        /// either family, any field values, and any attributes around `tcp_info`.
        #[test]
        fn a_socket_is_read_as_the_library_reads_it(
            head in proptest::collection::vec(proptest::num::u8::ANY, 72),
            v6 in proptest::bool::ANY,
            before in proptest::collection::vec((any_length_kind(), proptest::collection::vec(proptest::num::u8::ANY, 0..12)), 0..3),
            info_len in proptest::option::of(0usize..260),
            info_flags in 0u16..4,
            after in proptest::collection::vec((any_length_kind(), proptest::collection::vec(proptest::num::u8::ANY, 0..12)), 0..3),
        ) {
            let mut fixed = [0u8; 72];
            fixed.copy_from_slice(&head);
            fixed[0] = if v6 { 10 } else { 2 };
            let mut attributes = before;
            if let Some(n) = info_len {
                // The top two bits of a type are flags (nested, byte order), not the type.
                attributes.push((2 | info_flags << 14, (0..n).map(|i| (i * 7) as u8).collect()));
            }
            attributes.extend(after);
            let message = socket_message(&fixed, &attributes);
            let ours = decode_socket(&message[16..]);
            proptest::prop_assert_eq!(ours, library_decode(&message));
        }

        /// On damaged messages: whatever the library decodes is decoded the same, and what
        /// drnfs refuses the library refuses too.
        #[test]
        fn a_damaged_socket_is_refused_as_the_library_refuses_it(
            pos in 0usize..400,
            val in proptest::num::u8::ANY,
            cut in 0usize..300,
            family in 0u8..12,
        ) {
            let mut b = reply(3, 4, 232);
            b[16] = family;
            let p = 16 + pos % (b.len() - 16);
            b[p] = val;
            b.truncate(b.len().saturating_sub(cut % 260));
            let claimed = b.len() as u32;
            b[..4].copy_from_slice(&claimed.to_ne_bytes());
            match (decode_socket(&b[16..]), library_decode(&b)) {
                (ours, Ok(socket)) => proptest::prop_assert_eq!(ours, Ok(socket)),
                (_, Err(_)) => {}
            }
        }

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
