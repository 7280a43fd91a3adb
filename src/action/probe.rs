//! Is the peer alive? Every path drnfs knows to the peer is tried, and each says one of
//! three things: it answered (the peer is alive, whatever else failed), it stayed silent
//! (no route, no reply within the deadline), or drnfs could not tell (no such path
//! configured, a tool missing, a name that does not resolve).
//!
//! Silence is not death: a partitioned node can still write to its disk. A takeover
//! needs silence on every path *and* proof that the peer cannot write (a fence, DRBD's
//! own fencing, quorum); see [`super::checks`].

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::process::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// Something on the peer answered: it is alive.
    Answered,
    /// Nothing answered on this path before the deadline.
    Silent,
    /// This path could not be tried or its result means nothing either way.
    Unknown,
}

/// One path to the peer and what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// `ssh root@nodeb`, `replication 10.50.0.2:7789`, `ARP for 10.50.0.100 on br0`.
    pub path: String,
    pub liveness: Liveness,
    /// What was seen, in words.
    pub evidence: String,
}

/// Every probe of one look at the peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerProbes {
    pub probes: Vec<Probe>,
}

impl PeerProbes {
    /// The first path on which the peer answered.
    pub fn answered(&self) -> Option<&Probe> {
        self.probes.iter().find(|p| p.liveness == Liveness::Answered)
    }

    /// Silent on at least one path and answering on none.
    pub fn silent(&self) -> bool {
        self.answered().is_none() && self.probes.iter().any(|p| p.liveness == Liveness::Silent)
    }
}

/// What an `ssh … drnfs snapshot --json` to the peer means for its liveness.
///
/// ssh exits 255 for its own errors; any other code is the remote command's, so the peer
/// ran it (127: drnfs is missing there — alive all the same). Of ssh's own errors, only
/// a connection that times out or has no route says nothing answered; a refused
/// connection came from the peer's kernel, an authentication or host-key failure from its
/// sshd: alive. A name that does not resolve says nothing about the peer.
pub fn classify_ssh(outcome: &Outcome) -> (Liveness, String) {
    let err = last_line(&outcome.stderr);
    match outcome.exit {
        Some(0) => (Liveness::Answered, "ssh answered and drnfs ran there".to_owned()),
        Some(127) => (Liveness::Answered, format!("ssh reached it, but drnfs is missing there (exit 127): {err}")),
        Some(255) => {
            let e = err.to_ascii_lowercase();
            // A banner exchange that timed out had a TCP connection: its kernel answered.
            if outcome.stderr.to_ascii_lowercase().contains("banner exchange") {
                return (Liveness::Answered, format!("its TCP stack answered, its ssh server did not: {err}"));
            }
            let silent = ["timed out", "no route to host", "network is unreachable", "host is down"];
            let unknown = ["could not resolve", "name or service not known", "temporary failure in name resolution"];
            if silent.iter().any(|s| e.contains(s)) {
                (Liveness::Silent, format!("no answer: {err}"))
            } else if unknown.iter().any(|s| e.contains(s)) {
                (Liveness::Unknown, format!("the name does not resolve: {err}"))
            } else if e.contains("connection refused") {
                (Liveness::Answered, format!("its kernel refused the connection (the host is up): {err}"))
            } else if e.is_empty() {
                (Liveness::Unknown, "ssh failed without saying why (exit 255)".to_owned())
            } else {
                (Liveness::Answered, format!("its ssh server answered: {err}"))
            }
        }
        Some(code) => (Liveness::Answered, format!("the command ran there and exited {code}: {err}")),
        None if outcome.failure.as_deref().is_some_and(|f| f.contains("not installed")) => {
            (Liveness::Unknown, "ssh is not installed here".to_owned())
        }
        // Killed at the deadline. ssh gives up connecting by itself much sooner
        // (ConnectTimeout), so it was connected: a live peer whose drnfs is slow (loaded,
        // or its I/O suspended).
        None => (
            Liveness::Answered,
            format!("ssh connected but drnfs there did not answer before the deadline ({})", outcome.reason()),
        ),
    }
}

fn last_line(s: &str) -> String {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned()
}

/// What a TCP connection attempt to `addr` means: accepted or refused, the host's kernel
/// answered; a timeout or an unreachable host or network, nothing did.
pub fn classify_tcp(result: &std::io::Result<()>) -> (Liveness, String) {
    use std::io::ErrorKind;
    match result {
        Ok(()) => (Liveness::Answered, "it accepted a TCP connection".to_owned()),
        Err(e) => match e.kind() {
            ErrorKind::ConnectionRefused => {
                (Liveness::Answered, "it refused the connection: its kernel answered (the host is up)".to_owned())
            }
            ErrorKind::TimedOut | ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                (Liveness::Silent, format!("no answer: {e}"))
            }
            _ => (Liveness::Unknown, format!("cannot tell: {e}")),
        },
    }
}

/// Tries a TCP connection to `addr` within `timeout`.
pub fn tcp(path: String, addr: SocketAddr, timeout: Duration) -> Probe {
    let result = TcpStream::connect_timeout(&addr, timeout).map(drop);
    let (liveness, evidence) = classify_tcp(&result);
    Probe { path, liveness, evidence }
}

/// What `arping -D` (iputils: duplicate address detection, sender 0.0.0.0) said: exit 0
/// means no host answered for the address, 1 that one did.
pub fn classify_arping(outcome: &Outcome) -> (Liveness, String) {
    match outcome.exit {
        Some(0) => (Liveness::Silent, "no host answered ARP for it".to_owned()),
        Some(1) => {
            let who = outcome
                .stdout
                .lines()
                .find(|l| l.contains("reply from"))
                .map_or_else(String::new, |l| format!(": {}", l.trim()));
            (Liveness::Answered, format!("a host still answers ARP for it{who}"))
        }
        _ if outcome.failure.as_deref().is_some_and(|f| f.contains("not installed")) => {
            (Liveness::Unknown, "arping is not installed (package iputils-arping)".to_owned())
        }
        _ => (Liveness::Unknown, format!("arping failed: {}", outcome.reason())),
    }
}

/// Asks, by duplicate address detection on `interface`, whether any host still answers
/// ARP for `vip` (the address keepalived moves; a live old Primary may still hold it).
pub fn arp(vip: IpAddr, interface: Option<&str>, timeout: Duration) -> Probe {
    let path = format!("ARP for {vip}{}", interface.map_or_else(String::new, |i| format!(" on {i}")));
    let (IpAddr::V4(_), Some(iface)) = (vip, interface) else {
        let why = if vip.is_ipv6() {
            "IPv6 has no ARP (neighbour discovery is not probed)"
        } else {
            "no interface on this node routes to it"
        };
        return Probe { path, liveness: Liveness::Unknown, evidence: why.to_owned() };
    };
    let secs = timeout.as_secs().max(1).to_string();
    let argv: Vec<String> =
        ["arping", "-D", "-c", "2", "-w", &secs, "-I", iface, &vip.to_string()].map(str::to_owned).to_vec();
    let outcome = crate::process::run(&argv, timeout + Duration::from_secs(2));
    let (liveness, evidence) = classify_arping(&outcome);
    Probe { path, liveness, evidence }
}

/// How long each path may take. ssh's own connect timeout (5 s, [`Peer::drnfs_argv`]) is
/// shorter than its deadline here, so an ssh that times out says so itself.
///
/// [`Peer::drnfs_argv`]: crate::config::Peer::drnfs_argv
const SSH_DEADLINE: Duration = Duration::from_secs(20);
const TCP_DEADLINE: Duration = Duration::from_secs(3);
const ARP_DEADLINE: Duration = Duration::from_secs(3);

/// Every path to the peer this node knows, tried at once: ssh (and drnfs there), DRBD's
/// replication address, the management addresses of drnfs.toml, ARP for each VIP. With
/// the peer's own snapshot when ssh brought one.
pub fn look_at_peer(
    config: &crate::config::Config,
    r: &crate::config::Resource,
    local: &super::state::NodeState,
    routes: &str,
) -> (PeerProbes, Option<crate::engine::Report>) {
    let mut probes = Vec::new();
    let mut snapshot = None;
    std::thread::scope(|scope| {
        let ssh = config.peer.as_ref().map(|p| {
            scope.spawn(move || {
                let argv = p.drnfs_argv(&["snapshot", "--json"]);
                let outcome = crate::process::run(&argv, SSH_DEADLINE);
                let (liveness, evidence) = classify_ssh(&outcome);
                let snap = serde_json::from_str::<crate::engine::Report>(&outcome.stdout).ok();
                (Probe { path: format!("ssh {}", p.destination()), liveness, evidence }, snap)
            })
        });
        let mut others = Vec::new();
        match local.peer_address.as_deref().map(str::parse::<SocketAddr>) {
            Some(Ok(addr)) => {
                others.push(scope.spawn(move || tcp(format!("DRBD replication address {addr}"), addr, TCP_DEADLINE)))
            }
            Some(Err(_)) => probes.push(Probe {
                path: "DRBD replication address".to_owned(),
                liveness: Liveness::Unknown,
                evidence: format!("{:?} in the DRBD configuration is not an IP:port", local.peer_address),
            }),
            None => probes.push(Probe {
                path: "DRBD replication address".to_owned(),
                liveness: Liveness::Unknown,
                evidence: "the DRBD configuration (drbdadm dump) names no address for the peer".to_owned(),
            }),
        }
        for ip in config.peer.iter().flat_map(|p| p.addresses.iter().copied()) {
            let addr = SocketAddr::new(ip, 22);
            others.push(scope.spawn(move || tcp(format!("management address {addr}"), addr, TCP_DEADLINE)));
        }
        let table = drnfs_parsers::net_route::parse(routes);
        for vip in r.vip.iter().copied() {
            let iface = match vip {
                IpAddr::V4(v4) => drnfs_parsers::net_route::link_interface(&table, v4).map(str::to_owned),
                IpAddr::V6(_) => None,
            };
            others.push(scope.spawn(move || arp(vip, iface.as_deref(), ARP_DEADLINE)));
        }
        if ssh.is_none() {
            probes.push(Probe {
                path: "ssh".to_owned(),
                liveness: Liveness::Unknown,
                evidence: "no [peer] in drnfs.toml".to_owned(),
            });
        }
        if let Some(h) = ssh {
            match h.join() {
                Ok((p, snap)) => {
                    probes.insert(0, p);
                    snapshot = snap;
                }
                Err(_) => probes.push(Probe {
                    path: "ssh".to_owned(),
                    liveness: Liveness::Unknown,
                    evidence: "the probe failed".to_owned(),
                }),
            }
        }
        for h in others {
            if let Ok(p) = h.join() {
                probes.push(p);
            }
        }
    });
    (PeerProbes { probes }, snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(exit: Option<i32>, stderr: &str) -> Outcome {
        Outcome { exit, stdout: String::new(), stderr: stderr.into(), duration_ms: 0, failure: None }
    }

    #[test]
    fn ssh_outcomes() {
        let cases = [
            (Some(0), "", Liveness::Answered),
            (Some(127), "bash: line 1: drnfs: command not found", Liveness::Answered),
            (Some(2), "drnfs: no such resource", Liveness::Answered),
            (Some(255), "ssh: connect to host nodea port 22: Connection timed out", Liveness::Silent),
            (Some(255), "ssh: connect to host 10.50.0.1 port 22: No route to host", Liveness::Silent),
            (Some(255), "ssh: connect to host 10.9.0.1 port 22: Network is unreachable", Liveness::Silent),
            (Some(255), "ssh: connect to host nodea port 22: Connection refused", Liveness::Answered),
            (Some(255), "root@nodea: Permission denied (publickey).", Liveness::Answered),
            (Some(255), "Host key verification failed.", Liveness::Answered),
            (Some(255), "ssh: Could not resolve hostname nodeq: Name or service not known", Liveness::Unknown),
            (Some(255), "", Liveness::Unknown),
        ];
        for (exit, stderr, want) in cases {
            assert_eq!(classify_ssh(&out(exit, stderr)).0, want, "{exit:?} {stderr}");
        }
        let killed = Outcome { failure: Some("ssh: no answer within 10s, killed".into()), ..out(None, "") };
        assert_eq!(classify_ssh(&killed).0, Liveness::Answered, "connected, then slow: alive");
        let banner = "Connection timed out during banner exchange\nConnection to 10.50.0.2 port 22 timed out";
        assert_eq!(classify_ssh(&out(Some(255), banner)).0, Liveness::Answered);
        let missing = Outcome { failure: Some("ssh: not installed".into()), ..out(None, "") };
        assert_eq!(classify_ssh(&missing).0, Liveness::Unknown);
    }

    #[test]
    fn tcp_outcomes() {
        use std::io::{Error, ErrorKind};
        assert_eq!(classify_tcp(&Ok(())).0, Liveness::Answered);
        for (kind, want) in [
            (ErrorKind::ConnectionRefused, Liveness::Answered),
            (ErrorKind::TimedOut, Liveness::Silent),
            (ErrorKind::HostUnreachable, Liveness::Silent),
            (ErrorKind::NetworkUnreachable, Liveness::Silent),
            (ErrorKind::PermissionDenied, Liveness::Unknown),
        ] {
            assert_eq!(classify_tcp(&Err(Error::from(kind))).0, want, "{kind:?}");
        }
    }

    #[test]
    fn tcp_probe_on_loopback() {
        // A listener answers; a closed port on this host is refused by its kernel: alive too.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = l.local_addr().unwrap();
        assert_eq!(tcp("t".into(), open, Duration::from_secs(2)).liveness, Liveness::Answered);
        drop(l);
        let refused = tcp("t".into(), open, Duration::from_secs(2));
        assert_eq!(refused.liveness, Liveness::Answered, "{}", refused.evidence);
        assert!(refused.evidence.contains("refused"));
    }

    #[test]
    fn arping_outcomes() {
        let mut reply = out(Some(1), "");
        reply.stdout = "ARPING 10.50.0.100 from 0.0.0.0 br0\nUnicast reply from 10.50.0.100 [52:54:00:50:00:01]  0.7ms\nSent 1 probes\n".into();
        let (l, e) = classify_arping(&reply);
        assert_eq!(l, Liveness::Answered);
        assert!(e.contains("52:54:00:50:00:01"), "{e}");
        assert_eq!(classify_arping(&out(Some(0), "")).0, Liveness::Silent);
        let missing = Outcome { failure: Some("arping: not installed".into()), ..out(None, "") };
        assert_eq!(classify_arping(&missing).0, Liveness::Unknown);
        assert_eq!(classify_arping(&out(Some(2), "arping: unknown iface br9")).0, Liveness::Unknown);
        assert_eq!(arp("fd00::1".parse().unwrap(), Some("br0"), Duration::from_secs(1)).liveness, Liveness::Unknown);
        assert_eq!(arp("10.0.0.1".parse().unwrap(), None, Duration::from_secs(1)).liveness, Liveness::Unknown);
    }

    #[test]
    fn silence_needs_one_silent_path_and_no_answer() {
        let p = |liveness| Probe { path: "x".into(), liveness, evidence: String::new() };
        assert!(PeerProbes { probes: vec![p(Liveness::Silent), p(Liveness::Unknown)] }.silent());
        assert!(!PeerProbes { probes: vec![p(Liveness::Silent), p(Liveness::Answered)] }.silent());
        assert!(!PeerProbes { probes: vec![p(Liveness::Unknown)] }.silent());
        assert!(!PeerProbes::default().silent());
    }
}
