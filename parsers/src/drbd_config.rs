//! DRBD configuration as `drbdadm dump` prints it (and as `/etc/drbd.d/*.res` is written):
//! the settings that decide how dangerous a failover is — protocol, allow-two-primaries,
//! fencing, quorum, auto-promote, split-brain policies — and the two hosts.
//!
//! ```text
//! resource r0 {
//!     on nodea { device /dev/drbd0 minor 0; disk /dev/vdb; address ipv4 10.50.0.1:7789; }
//!     net { protocol C; after-sb-0pri disconnect; }
//! }
//! ```
//! Values set in `common { }` apply to every resource unless the resource sets its own.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, LineError};

/// A `name args { … }` block, or the top level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// The words before `{`, e.g. `["resource", "r0"]`, `["on", "nodea"]`, `["net"]`.
    pub head: Vec<String>,
    /// `key value…;` statements, in order.
    pub options: Vec<(String, Vec<String>)>,
    pub sections: Vec<Section>,
}

impl Section {
    pub fn kind(&self) -> &str {
        self.head.first().map_or("", String::as_str)
    }

    pub fn option(&self, key: &str) -> Option<&[String]> {
        self.options.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }

    pub fn child(&self, kind: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind() == kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Open,
    Close,
    End,
}

/// More tokens than a configuration of thousands of resources has: past this, the text is
/// not a DRBD configuration, and reading on would only cost memory.
const MAX_TOKENS: usize = 400_000;
/// More words than any DRBD statement has before its `;` or `{`.
const MAX_WORDS: usize = 1_000;

fn tokens(text: &str) -> Result<Vec<(usize, Token)>, LineError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if out.len() > MAX_TOKENS {
            return Err(LineError::new(
                n,
                ErrorKind::Invalid { message: format!("more than {MAX_TOKENS} tokens: not a DRBD configuration") },
                line,
            ));
        }
        let mut chars = line.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            match c {
                '#' => break,
                '{' => out.push((n, Token::Open)),
                '}' => out.push((n, Token::Close)),
                ';' => out.push((n, Token::End)),
                '"' => {
                    let mut s = String::new();
                    let mut closed = false;
                    while let Some((_, c)) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some((_, e)) = chars.next() {
                                    s.push(e);
                                }
                            }
                            '"' => {
                                closed = true;
                                break;
                            }
                            other => s.push(other),
                        }
                    }
                    if !closed {
                        return Err(LineError::new(n, ErrorKind::Missing { field: "closing quote".into() }, line));
                    }
                    out.push((n, Token::Word(s)));
                }
                c if c.is_whitespace() => {}
                _ => {
                    let mut s = String::from(c);
                    while let Some(&(_, d)) = chars.peek() {
                        if d.is_whitespace() || matches!(d, '{' | '}' | ';' | '"' | '#') {
                            break;
                        }
                        s.push(d);
                        chars.next();
                    }
                    out.push((n, Token::Word(s)));
                }
            }
        }
    }
    Ok(out)
}

/// Parses a whole configuration into its top-level section.
pub fn parse(text: &str) -> Result<Section, LineError> {
    let toks = tokens(text)?;
    let mut stack = vec![Section::default()];
    // Where each open section began: an unclosed one is reported at its own line.
    let mut opened_at: Vec<usize> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    for (n, t) in toks {
        match t {
            Token::Word(w) => {
                if words.len() >= MAX_WORDS {
                    return Err(LineError::new(
                        n,
                        ErrorKind::Invalid { message: format!("a statement of more than {MAX_WORDS} words") },
                        &w,
                    ));
                }
                words.push(w)
            }
            Token::End => {
                if let Some((k, v)) = words.split_first()
                    && let Some(top) = stack.last_mut()
                {
                    top.options.push((k.clone(), v.to_vec()));
                }
                words.clear();
            }
            Token::Open => {
                opened_at.push(n);
                stack.push(Section { head: std::mem::take(&mut words), ..Section::default() });
            }
            Token::Close => {
                if !words.is_empty() {
                    return Err(LineError::new(n, ErrorKind::Missing { field: "';' before '}'".into() }, ""));
                }
                if stack.len() < 2 {
                    return Err(LineError::new(n, ErrorKind::Unrecognised, "}"));
                }
                opened_at.pop();
                let done = stack.pop().unwrap_or_default();
                if let Some(parent) = stack.last_mut() {
                    parent.sections.push(done);
                }
            }
        }
    }
    if stack.len() != 1 {
        let head = stack.last().map(|s| s.head.join(" ")).unwrap_or_default();
        let line = opened_at.last().copied().unwrap_or(1);
        return Err(LineError::new(line, ErrorKind::Missing { field: "closing '}'".into() }, &format!("{head} {{")));
    }
    if let Some(w) = words.first() {
        return Err(LineError::new(0, ErrorKind::Missing { field: "';' at the end".into() }, w));
    }
    Ok(stack.pop().unwrap_or_default())
}

/// What drnfs needs to know about one resource.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResourceConfig {
    pub name: String,
    /// The `on HOST` sections: node names with their device and address.
    pub hosts: Vec<HostConfig>,
    pub protocol: Option<String>,
    pub allow_two_primaries: bool,
    /// `fencing` (net section in DRBD 9, disk section in 8.4): `dont-care` when unset.
    pub fencing: String,
    /// `quorum` (options, DRBD 9): `off` when unset.
    pub quorum: String,
    /// `on-no-quorum` (options, DRBD 9): what a node without quorum does with writes
    /// (`suspend-io` or `io-error`); `None` when unset.
    pub on_no_quorum: Option<String>,
    /// `auto-promote` (options, DRBD 9; `yes` is DRBD 9's default).
    pub auto_promote: Option<bool>,
    pub after_sb_0pri: Option<String>,
    pub after_sb_1pri: Option<String>,
    pub after_sb_2pri: Option<String>,
    pub split_brain_handler: Option<String>,
    /// The `fence-peer` handler DRBD runs to fence the peer (with `fencing` set).
    pub fence_peer_handler: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HostConfig {
    pub name: String,
    pub device: Option<String>,
    pub minor: Option<u32>,
    pub disk: Option<String>,
    pub address: Option<String>,
}

impl ResourceConfig {
    /// The hosts of the resource other than `me`, in the configuration's order: the peer
    /// (or, on DRBD 9, the peers) of that node.
    pub fn other_hosts<'a>(&'a self, me: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.hosts.iter().map(|h| h.name.as_str()).filter(move |n| *n != me)
    }
}

impl HostConfig {
    /// The replication address (`ipv4 10.50.0.1:7789`, `ipv6 [fd00::1]:7789`,
    /// `10.0.0.1:7789`) as a socket address; `None` for a name, another address family
    /// (`ssocks`, `sdp`) or no address.
    pub fn socket_addr(&self) -> Option<std::net::SocketAddr> {
        let a = self.address.as_deref()?.trim();
        let a = a.strip_prefix("ipv4").or_else(|| a.strip_prefix("ipv6")).unwrap_or(a).trim();
        a.parse().ok()
    }
}

/// Every TCP port the configured replication links use, each once: what to ask sock_diag
/// for to find DRBD's own connections.
pub fn replication_ports(resources: &[ResourceConfig]) -> Vec<u16> {
    let mut ports: Vec<u16> =
        resources.iter().flat_map(|r| &r.hosts).filter_map(|h| Some(h.socket_addr()?.port())).collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The effective settings of every resource (resource values over `common` ones).
pub fn resources(top: &Section) -> Vec<ResourceConfig> {
    let common = top.child("common");
    let lookup = |res: &Section, section: &str, key: &str| -> Option<String> {
        let own = res.child(section).and_then(|s| s.option(key));
        let inherited = common.and_then(|c| c.child(section)).and_then(|s| s.option(key));
        own.or(inherited).map(|v| v.join(" "))
    };
    top.sections
        .iter()
        .filter(|s| s.kind() == "resource")
        .map(|r| {
            // Per-host settings may also sit at resource level (device, disk).
            let res_device = r.option("device").map(|v| v.join(" "));
            let hosts = r
                .sections
                .iter()
                .filter(|s| s.kind() == "on")
                .map(|h| {
                    let device = h.option("device").map(|v| v.join(" ")).or_else(|| res_device.clone());
                    let minor = device.as_deref().and_then(|d| {
                        d.split_whitespace()
                            .skip_while(|w| *w != "minor")
                            .nth(1)
                            .and_then(|m| m.parse().ok())
                            .or_else(|| d.trim_start_matches("/dev/drbd").split_whitespace().next()?.parse().ok())
                    });
                    HostConfig {
                        name: h.head.get(1).cloned().unwrap_or_default(),
                        device,
                        minor,
                        disk: h.option("disk").or_else(|| r.option("disk")).map(|v| v.join(" ")),
                        address: h.option("address").map(|v| v.join(" ")),
                    }
                })
                .collect();
            let fencing = lookup(r, "net", "fencing").or_else(|| lookup(r, "disk", "fencing"));
            ResourceConfig {
                name: r.head.get(1).cloned().unwrap_or_default(),
                hosts,
                protocol: lookup(r, "net", "protocol").or_else(|| r.option("protocol").map(|v| v.join(" "))),
                allow_two_primaries: lookup(r, "net", "allow-two-primaries")
                    .is_some_and(|v| v == "yes" || v.is_empty()),
                fencing: fencing.unwrap_or_else(|| "dont-care".to_owned()),
                quorum: lookup(r, "options", "quorum").unwrap_or_else(|| "off".to_owned()),
                on_no_quorum: lookup(r, "options", "on-no-quorum"),
                auto_promote: lookup(r, "options", "auto-promote").map(|v| v != "no"),
                after_sb_0pri: lookup(r, "net", "after-sb-0pri"),
                after_sb_1pri: lookup(r, "net", "after-sb-1pri"),
                after_sb_2pri: lookup(r, "net", "after-sb-2pri"),
                split_brain_handler: lookup(r, "handlers", "split-brain"),
                fence_peer_handler: lookup(r, "handlers", "fence-peer"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = r#"# /etc/drbd.conf
global {
    usage-count no;
}
common {
    net { protocol C; }
    handlers {
        split-brain "/usr/lib/drbd/notify-split-brain.sh root";
    }
}
# resource r0 on nodea: not ignored, not stacked
resource r0 {
    on nodea {
        device           /dev/drbd0 minor 0;
        disk             /dev/vdb;
        meta-disk        internal;
        address          ipv4 10.50.0.1:7789;
    }
    on nodeb {
        device           /dev/drbd0 minor 0;
        disk             /dev/vdb;
        address          ipv4 10.50.0.2:7789;
    }
    net {
        after-sb-0pri    disconnect;
        allow-two-primaries no;
    }
    disk { fencing resource-only; }
}
resource r1 { net { protocol A; allow-two-primaries; } options { auto-promote yes; quorum majority; } on x { device /dev/drbd7; } }
"#;

    #[test]
    fn effective_settings_with_common_inheritance() {
        let top = parse(DUMP).unwrap();
        let rs = resources(&top);
        assert_eq!(rs.len(), 2);
        let r0 = &rs[0];
        assert_eq!(r0.hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), vec!["nodea", "nodeb"]);
        assert_eq!(r0.hosts[0].minor, Some(0));
        assert_eq!(r0.hosts[1].address.as_deref(), Some("ipv4 10.50.0.2:7789"));
        assert_eq!(r0.hosts[1].socket_addr(), Some("10.50.0.2:7789".parse().unwrap()));
        assert_eq!(r0.protocol.as_deref(), Some("C"));
        assert!(!r0.allow_two_primaries);
        assert_eq!(r0.fencing, "resource-only");
        assert_eq!(r0.quorum, "off");
        assert_eq!(r0.split_brain_handler.as_deref(), Some("/usr/lib/drbd/notify-split-brain.sh root"));
        let r1 = &rs[1];
        assert_eq!((r1.protocol.as_deref(), r1.allow_two_primaries, r1.auto_promote), (Some("A"), true, Some(true)));
        assert_eq!((r1.quorum.as_str(), r1.fencing.as_str()), ("majority", "dont-care"));
        assert_eq!(r1.hosts[0].minor, Some(7));
        // The peer of each node is the other host; a node not in the resource sees all.
        assert_eq!(r0.other_hosts("nodea").collect::<Vec<_>>(), ["nodeb"]);
        assert_eq!(r0.other_hosts("nodeb").collect::<Vec<_>>(), ["nodea"]);
        assert_eq!(r0.other_hosts("nodec").collect::<Vec<_>>(), ["nodea", "nodeb"]);
        assert_eq!(r1.other_hosts("x").count(), 0);
    }

    #[test]
    fn broken_configs_are_errors() {
        assert!(parse("resource r0 {").is_err());
        assert!(parse("}").is_err());
        assert!(parse("resource r0 { net { protocol C } }").is_err());
        assert!(parse("x \"unterminated").is_err());
    }

    /// The minor is the number after `minor`, whatever the device is named.
    #[test]
    fn the_minor_is_read_from_the_device_statement() {
        let top =
            parse("resource data { on a { device /dev/drbd_data minor 3; disk /dev/vdb; address 10.0.0.1:7789; } }")
                .unwrap();
        assert_eq!(resources(&top)[0].hosts[0].minor, Some(3));
    }

    /// An error names the line it is on (an operator opens the file there).
    #[test]
    fn an_error_names_its_line() {
        let e = parse("resource r0 {\n  net {\n    x \"unterminated\n  }\n}\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        // An unclosed section: the line where it opened, and its head.
        let e = parse("resource r0 {\n  net { protocol C; }\n").unwrap_err();
        assert_eq!((e.line, e.excerpt.as_str()), (1, "resource r0 {"), "{e:?}");
    }

    /// Past MAX_TOKENS the text is refused before more memory goes to it, whatever the
    /// lines look like: here one line of 400,001 tokens, then one more line.
    #[test]
    fn too_many_tokens_are_refused() {
        let text = format!("{}\nresource r0 {{}}\n", ";".repeat(MAX_TOKENS + 1));
        let e = parse(&text).unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        assert!(matches!(&e.kind, ErrorKind::Invalid { message } if message.contains("tokens")), "{e:?}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[a-z0-9 {};\"#\\\\\n-]{0,200}") {
            if let Ok(top) = parse(&s) {
                let _ = resources(&top);
            }
        }
    }

    #[test]
    fn replication_addresses_and_ports() {
        let host = |a: &str| HostConfig { address: Some(a.to_owned()), ..HostConfig::default() };
        assert_eq!(host("ipv6 [fd00::1]:7790").socket_addr(), Some("[fd00::1]:7790".parse().unwrap()));
        assert_eq!(host("10.0.0.1:7789").socket_addr(), Some("10.0.0.1:7789".parse().unwrap()));
        assert_eq!(host("ssocks 10.0.0.1:7789").socket_addr(), None);
        assert_eq!(host("ipv4 nodea:7789").socket_addr(), None);
        let r =
            |ports: &[&str]| ResourceConfig { hosts: ports.iter().map(|a| host(a)).collect(), ..Default::default() };
        let all = [r(&["ipv4 10.0.0.1:7790", "ipv4 10.0.0.2:7789"]), r(&["ipv4 10.0.0.1:7789", "sdp 10.0.0.2:7000"])];
        assert_eq!(replication_ports(&all), vec![7789, 7790]);
    }
}
