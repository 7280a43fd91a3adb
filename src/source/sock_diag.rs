//! Dumping TCP sockets over netlink `NETLINK_SOCK_DIAG`, as `ss` does, filtered in the
//! kernel by local port. Decoding is `drnfs_parsers::sock_diag`'s job.

use std::sync::atomic::{AtomicBool, Ordering};

use drnfs_parsers::sock_diag::{self, Family, TcpSocket};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

use super::SourceError;

/// Sockets of one dump (IPv4 and IPv6), and the raw reply bytes when asked for them.
#[derive(Debug, Default)]
pub struct Dump {
    pub sockets: Vec<TcpSocket>,
    /// Every reply datagram, concatenated (netlink messages carry their own lengths).
    pub raw: Vec<u8>,
    /// Reply messages that could not be decoded.
    pub problems: Vec<String>,
}

fn netlink_error(message: String) -> SourceError {
    SourceError::Io { path: "netlink sock_diag".to_owned(), message }
}

/// Dumps every TCP socket whose local port is `port`, IPv4 and IPv6.
pub fn dump_port(port: u16, keep: Keep) -> Result<Dump, SourceError> {
    dump(Some(port), None, keep)
}

/// [`dump_port`]'s reply bytes alone, undecoded: what the collectors send on (the model
/// decodes them, and a recording keeps them), so they are not decoded twice.
pub fn dump_port_raw(port: u16) -> Result<Vec<u8>, SourceError> {
    Ok(dump(Some(port), None, Keep::Raw)?.raw)
}

/// What a dump keeps of the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The decoded sockets.
    Sockets,
    /// The reply's bytes, undecoded.
    Raw,
    Both,
}

/// Most distinct replication ports asked for per sample: each costs the kernel a walk of
/// the TCP table, which on a server with thousands of NFS connections is not free.
pub const REPLICATION_PORTS_MAX: usize = 16;

/// DRBD's own TCP connections: every socket with one of `ports` as its local port (the
/// peer connected to us) or its remote port (we connected to the peer), raw reply bytes
/// concatenated. Only the first [`REPLICATION_PORTS_MAX`] ports are asked for.
pub fn dump_replication(ports: &[u16]) -> Result<Vec<u8>, SourceError> {
    let mut raw = Vec::new();
    for port in ports.iter().take(REPLICATION_PORTS_MAX) {
        raw.extend(dump(Some(*port), None, Keep::Raw)?.raw);
        raw.extend(dump(None, Some(*port), Keep::Raw)?.raw);
    }
    Ok(raw)
}

/// Dumps every TCP socket with local port `local` and remote port `remote` (`None`: any),
/// both families in one walk of the kernel's TCP table; a kernel that refuses that request
/// is asked per family, IPv4 then IPv6.
pub fn dump(local: Option<u16>, remote: Option<u16>, keep: Keep) -> Result<Dump, SourceError> {
    let mut socket = open()?;
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    if !BOTH_FAMILIES_REFUSED.load(Ordering::Relaxed) {
        let both = sock_diag::dump_request_both_families(local, remote, 1);
        match receive(&mut socket, &both, keep, &mut buf)? {
            Ok(dump) => return Ok(dump),
            // Refused (the request is the kernel's older form): what came before the
            // refusal is dropped, and the per-family requests ask the same again; their
            // answer, dump or refusal, is the one given. This kernel is not asked again.
            Err(errno) => {
                if !BOTH_FAMILIES_REFUSED.swap(true, Ordering::Relaxed) {
                    tracing::info!(
                        "the kernel refused the one-walk socket dump ({}); asking per family from now on",
                        std::io::Error::from_raw_os_error(-errno)
                    );
                }
            }
        }
    }
    per_family(&mut socket, local, remote, keep, &mut buf)
}

/// Set once the kernel refused the both-families request: later dumps ask per family
/// straight away instead of paying for a refusal each time.
static BOTH_FAMILIES_REFUSED: AtomicBool = AtomicBool::new(false);

/// [`dump`] asked per family, IPv4 then IPv6, as it asks a kernel that refuses the
/// both-families request: two walks of the TCP table for the same sockets.
pub fn dump_per_family(local: Option<u16>, remote: Option<u16>, keep: Keep) -> Result<Dump, SourceError> {
    let mut socket = open()?;
    per_family(&mut socket, local, remote, keep, &mut Vec::with_capacity(64 * 1024))
}

fn open() -> Result<Socket, SourceError> {
    let mut socket = Socket::new(NETLINK_SOCK_DIAG).map_err(|e| netlink_error(format!("cannot open: {e}")))?;
    socket.bind_auto().map_err(|e| netlink_error(format!("cannot bind: {e}")))?;
    socket.connect(&SocketAddr::new(0, 0)).map_err(|e| netlink_error(format!("cannot connect: {e}")))?;
    Ok(socket)
}

fn per_family(
    socket: &mut Socket,
    local: Option<u16>,
    remote: Option<u16>,
    keep: Keep,
    buf: &mut Vec<u8>,
) -> Result<Dump, SourceError> {
    let mut dump = Dump::default();
    for (seq, family) in [(2, Family::V4), (3, Family::V6)] {
        let request = sock_diag::dump_request_ports(family, local, remote, seq);
        match receive(socket, &request, keep, buf)? {
            Ok(part) => {
                dump.sockets.extend(part.sockets);
                dump.raw.extend(part.raw);
                dump.problems.extend(part.problems);
            }
            // IPv6 may be disabled in this kernel: that is no reason to lose IPv4.
            Err(errno) if family == Family::V6 && errno == -libc::EAFNOSUPPORT => {}
            Err(errno) => {
                return Err(netlink_error(format!(
                    "the kernel refused the dump: {}",
                    std::io::Error::from_raw_os_error(-errno)
                )));
            }
        }
    }
    Ok(dump)
}

/// Sends one dump request and reads its reply to the end: the dump, or the kernel's
/// refusal (a negative errno), in which case nothing of the reply is kept.
fn receive(
    socket: &mut Socket,
    request: &[u8],
    keep: Keep,
    buf: &mut Vec<u8>,
) -> Result<Result<Dump, i32>, SourceError> {
    if let Err(e) = socket.send(request, 0) {
        // A security module may refuse a request type it does not know when it is sent:
        // that is the kernel's refusal too, not a broken socket.
        return match e.raw_os_error() {
            Some(errno @ (libc::EINVAL | libc::EOPNOTSUPP)) => Ok(Err(-errno)),
            _ => Err(netlink_error(format!("cannot send the dump request: {e}"))),
        };
    }
    let mut dump = Dump::default();
    loop {
        // Kept bytes are received straight into the dump's buffer, not copied there.
        let into = if keep == Keep::Sockets {
            buf.clear();
            &mut *buf
        } else {
            &mut dump.raw
        };
        let start = into.len();
        // The kernel sends a dump in datagrams of at most 32 KiB: none is cut.
        into.reserve(64 * 1024);
        let n = socket.recv(into, 0).map_err(|e| netlink_error(format!("receive failed: {e}")))?;
        let datagram = &into[start..];
        let chunk = if keep == Keep::Raw { sock_diag::chunk_end(datagram) } else { sock_diag::decode_chunk(datagram) };
        dump.sockets.extend(chunk.sockets);
        dump.problems.extend(chunk.problems);
        if let Some(errno) = chunk.error {
            return Ok(Err(errno));
        }
        if chunk.done || n == 0 {
            return Ok(Ok(dump));
        }
    }
}
