//! This host's addresses over rtnetlink (`RTM_GETADDR`, both families), as `ip address`
//! reads them. Decoding is `drnfs_parsers::rtnl_addr`'s job; a sample keeps them as the
//! text of `ip -o address`, so recordings replay them like any file.

use drnfs_parsers::rtnl_addr;
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

use super::SourceError;

fn netlink_error(message: String) -> SourceError {
    SourceError::Io { path: "netlink route (addresses)".to_owned(), message }
}

/// Most datagrams read for one dump: a host with more addresses than this many replies
/// hold is cut there and says so, rather than reading for ever.
const DATAGRAMS_MAX: usize = 256;

/// Every address of every interface, rendered as `ip -o address` lines.
pub fn addresses() -> Result<String, SourceError> {
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(|e| netlink_error(format!("cannot open: {e}")))?;
    socket.bind_auto().map_err(|e| netlink_error(format!("cannot bind: {e}")))?;
    socket.connect(&SocketAddr::new(0, 0)).map_err(|e| netlink_error(format!("cannot connect: {e}")))?;
    socket
        .send(&rtnl_addr::dump_request(1), 0)
        .map_err(|e| netlink_error(format!("cannot send the dump request: {e}")))?;
    let mut found = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(32 * 1024);
    for _ in 0..DATAGRAMS_MAX {
        buf.clear();
        buf.reserve(32 * 1024);
        let n = socket.recv(&mut buf, 0).map_err(|e| netlink_error(format!("receive failed: {e}")))?;
        let reply = rtnl_addr::decode(&buf[..n.min(buf.len())]);
        if let Some(errno) = reply.error {
            return Err(netlink_error(format!(
                "the kernel refused the dump: {}",
                std::io::Error::from_raw_os_error(-errno)
            )));
        }
        if let Some(p) = reply.problems.first() {
            return Err(netlink_error(format!("a reply could not be read: {p}")));
        }
        found.extend(reply.addresses);
        if reply.done || n == 0 {
            rtnl_addr::name_interfaces(&mut found);
            return Ok(rtnl_addr::render(&found));
        }
    }
    Err(netlink_error(format!("the dump did not end within {DATAGRAMS_MAX} replies")))
}

#[cfg(test)]
mod tests {
    /// Loopback is on every host this runs on: the dump finds it, and reads back.
    #[test]
    fn the_dump_finds_loopback() {
        let text = super::addresses().unwrap();
        let parsed = drnfs_parsers::rtnl_addr::parse(&text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let lo: Vec<_> = parsed.value.iter().filter(|a| a.address.is_loopback()).collect();
        assert!(lo.iter().any(|a| a.address == std::net::Ipv4Addr::LOCALHOST), "{text}");
        assert!(lo.iter().all(|a| a.scope == "host" && a.label == "lo"), "{text}");
        // IPv6 when this kernel has it: ::1 is listed too, named after its interface.
        if std::path::Path::new("/proc/net/if_inet6").exists()
            && std::fs::read_to_string("/proc/net/if_inet6")
                .unwrap_or_default()
                .contains("00000000000000000000000000000001")
        {
            assert!(lo.iter().any(|a| a.address == std::net::Ipv6Addr::LOCALHOST), "{text}");
        }
    }
}
