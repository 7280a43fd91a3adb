//! Files of the nfsd pseudo filesystem, `/proc/fs/nfsd/`: `pool_stats`, `threads`,
//! `versions`, `exports`, `export_stats`, and per NFSv4 client `clients/<id>/info` and
//! `clients/<id>/states`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, ErrorSink, LineError, Parsed};

// ----------------------------------------------------------------------------- pool_stats

/// One line of `pool_stats`. Columns are mapped by the header's names (they changed
/// over time: `xprts-enqueued`, `starved`, `no-work`), by position when there is no header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PoolStats {
    pub pool: u32,
    pub packets_arrived: u64,
    /// Transports queued to wait for a thread. On 6.x this also counts transports a thread
    /// was woken for: the "had to wait" rate is Δenqueued − Δwoken, clamped at 0.
    pub sockets_enqueued: u64,
    pub threads_woken: u64,
    /// Hard-coded 0 since 6.6.
    pub threads_timedout: Option<u64>,
    /// Columns of newer kernels, by header name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, u64>,
}

const POOL_COLUMNS: [&str; 5] = ["pool", "packets-arrived", "sockets-enqueued", "threads-woken", "threads-timedout"];

pub fn pool_stats(input: &str) -> Parsed<Vec<PoolStats>> {
    let mut header: Vec<String> = POOL_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(h) = t.strip_prefix('#') {
            header = h.split_whitespace().map(str::to_owned).collect();
            continue;
        }
        let mut row = PoolStats::default();
        let mut ok = true;
        let mut count = 0;
        for (col, value) in t.split_whitespace().enumerate() {
            count += 1;
            let Ok(v) = value.parse::<u64>() else {
                errors.push(LineError::bad_value(n, "pool_stats column", value, line));
                ok = false;
                break;
            };
            let name = header.get(col).map_or("", String::as_str);
            match name {
                "pool" => match u32::try_from(v) {
                    Ok(p) => row.pool = p,
                    Err(_) => {
                        errors.push(LineError::bad_value(n, "pool", value, line));
                        ok = false;
                        break;
                    }
                },
                "packets-arrived" => row.packets_arrived = v,
                "sockets-enqueued" | "xprts-enqueued" => row.sockets_enqueued = v,
                "threads-woken" => row.threads_woken = v,
                "threads-timedout" => row.threads_timedout = Some(v),
                "" => {
                    crate::error::keep_other(&mut row.other, &format!("column{}", col + 1), v);
                }
                other => {
                    crate::error::keep_other(&mut row.other, other, v);
                }
            }
        }
        if ok && count < 4 {
            errors.push(LineError::missing(n, "pool_stats columns", line));
            ok = false;
        }
        if ok {
            out.push(row);
        }
    }
    errors.finish(out)
}

// ----------------------------------------------------------------------- threads, versions

/// `threads`: one integer.
pub fn threads(input: &str) -> Result<u64, ErrorKind> {
    let t = input.trim();
    t.parse().map_err(|_| ErrorKind::BadValue { field: "threads".into(), value: t.chars().take(40).collect() })
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VersionFlag {
    /// `2`, `3`, `4`, `4.1`, `4.2`.
    pub version: String,
    pub enabled: bool,
}

/// `versions`: `-2 +3 +4 +4.1 +4.2`.
pub fn versions(input: &str) -> Parsed<Vec<VersionFlag>> {
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        for w in line.split_whitespace() {
            let (enabled, v) = match w.as_bytes().first() {
                Some(b'+') => (true, &w[1..]),
                Some(b'-') => (false, &w[1..]),
                _ => {
                    errors.push(LineError::bad_value(i + 1, "version", w, line));
                    continue;
                }
            };
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                errors.push(LineError::bad_value(i + 1, "version", w, line));
                continue;
            }
            // One flag per version (the last word wins, as nfsd applies them): a line of
            // repeated words cannot grow the list.
            if let Some(f) = out.iter_mut().find(|f: &&mut VersionFlag| f.version == v) {
                f.enabled = enabled;
            } else if out.len() < crate::error::OTHER_MAX {
                out.push(VersionFlag { version: v.to_owned(), enabled });
            } else {
                errors.push(LineError::bad_value(i + 1, "version", w, line));
            }
        }
    }
    errors.finish(out)
}

// --------------------------------------------------------------------------------- exports

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Export {
    pub path: String,
    /// The auth domain the export matched: `*`, `10.0.0.0/24`, a hostname, `@netgroup`.
    pub client: String,
    pub options: Vec<String>,
    /// `fsid=` when set (stable file handles across the two nodes depend on it).
    pub fsid: Option<String>,
    /// An entry nfsd adds itself for the NFSv4 pseudo filesystem (`v4root`), not one from
    /// /etc/exports.
    pub pseudo_root: bool,
}

/// `exports`: what the kernel's export cache holds now (`/path\tclient(opts)`).
pub fn exports(input: &str) -> Parsed<Vec<Export>> {
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let t = line.trim_end();
        if t.trim().is_empty() || t.trim_start().starts_with('#') {
            continue;
        }
        let (path, rest) = match t.split_once(['\t', ' ']) {
            // An exported path is absolute.
            Some(x) if x.0.starts_with('/') => x,
            _ => {
                errors.push(LineError::missing(i + 1, "client", line));
                continue;
            }
        };
        let rest = rest.trim();
        let (client, options) = match rest.split_once('(') {
            Some((c, o)) => match o.strip_suffix(')') {
                Some(o) => (c, o.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>()),
                None => {
                    errors.push(LineError::bad_value(i + 1, "options", o, line));
                    continue;
                }
            },
            None => (rest, Vec::new()),
        };
        let fsid = options.iter().find_map(|o| o.strip_prefix("fsid=")).map(str::to_owned);
        let pseudo_root = options.iter().any(|o| o == "v4root");
        out.push(Export {
            path: crate::words::unescape_octal(path),
            client: client.to_owned(),
            options,
            fsid,
            pseudo_root,
        });
    }
    errors.finish(out)
}

// ---------------------------------------------------------------------------- export_stats

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportStats {
    pub path: String,
    pub client: String,
    /// Monotonic seconds when this cache entry started counting (detects resets).
    pub start_time: Option<u64>,
    /// `fh_stale`, `io_read`, `io_write`, and anything newer.
    pub stats: BTreeMap<String, u64>,
}

pub fn export_stats(input: &str) -> Parsed<Vec<ExportStats>> {
    let mut out: Vec<ExportStats> = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with(['\t', ' ']) {
            let Some(current) = out.last_mut() else {
                errors.push(LineError::new(
                    n,
                    ErrorKind::Orphan { what: "stat".into(), needs: "export line".into() },
                    line,
                ));
                continue;
            };
            match line.trim().split_once(':') {
                Some((k, v)) => match v.trim().parse::<u64>() {
                    Ok(x) => {
                        current.stats.insert(k.trim().to_owned(), x);
                    }
                    Err(_) => errors.push(LineError::bad_value(n, k.trim(), v.trim(), line)),
                },
                None => errors.push(LineError::new(n, ErrorKind::Unrecognised, line)),
            }
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(path), Some(client)) = (parts.next(), parts.next()) else {
            errors.push(LineError::missing(n, "client", line));
            continue;
        };
        let start_time = parts.next().and_then(|s| s.trim().parse().ok());
        out.push(ExportStats {
            path: crate::words::unescape_octal(path),
            client: client.to_owned(),
            start_time,
            stats: BTreeMap::new(),
        });
    }
    errors.finish(out)
}

// --------------------------------------------------------------------- clients/<id>/info

/// `clients/<id>/info` of one NFSv4 client (Linux 5.3+; lines added over time).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientInfo {
    /// `0x…` as printed.
    pub clientid: Option<String>,
    /// The client's IP, without the port. `None` when the kernel printed `(einval)`.
    pub address: Option<IpAddr>,
    /// Source port at client creation; stale after a reconnect, so match sockets by IP.
    pub port: Option<u16>,
    pub address_raw: Option<String>,
    /// `confirmed`, `unconfirmed`, `courtesy`, `expirable`.
    pub status: Option<String>,
    pub seconds_from_last_renew: Option<u64>,
    /// The client-chosen name, e.g. `Linux NFSv4.2 web01`.
    pub name: Option<String>,
    pub minor_version: Option<u32>,
    pub implementation_domain: Option<String>,
    pub implementation_name: Option<String>,
    /// `UP`, `DOWN`, `FAULT`, `UNKNOWN`.
    pub callback_state: Option<String>,
    pub callback_address: Option<String>,
    pub admin_revoked_states: Option<u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, String>,
}

impl ClientInfo {
    /// A hostname hint from a Linux client's name (`Linux NFSv4.2 web01.example` → `web01`).
    pub fn hostname_hint(&self) -> Option<&str> {
        let last = self.name.as_deref()?.split_whitespace().last()?;
        let last = last.rsplit('/').next().unwrap_or(last);
        let host = last.split('.').next().unwrap_or(last);
        (!host.is_empty()).then_some(host)
    }
}

pub fn client_info(input: &str) -> Parsed<ClientInfo> {
    let mut c = ClientInfo::default();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            errors.push(LineError::new(n, ErrorKind::Unrecognised, line));
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "clientid" => c.clientid = Some(value.to_owned()),
            "address" => {
                let raw = unquote(value);
                let (ip, port) = split_host_port(&raw);
                c.address = ip;
                c.port = port;
                if c.address.is_none() && raw != "(einval)" {
                    errors.push(LineError::bad_value(n, "address", &raw, line));
                }
                c.address_raw = Some(raw);
            }
            "status" => c.status = Some(value.to_owned()),
            "seconds from last renew" => match value.parse() {
                Ok(v) => c.seconds_from_last_renew = Some(v),
                Err(_) => errors.push(LineError::bad_value(n, "seconds from last renew", value, line)),
            },
            "name" => c.name = Some(unquote(value)),
            "minor version" => match value.parse() {
                Ok(v) => c.minor_version = Some(v),
                Err(_) => errors.push(LineError::bad_value(n, "minor version", value, line)),
            },
            "Implementation domain" => c.implementation_domain = Some(unquote(value)),
            "Implementation name" => c.implementation_name = Some(unquote(value)),
            "callback state" => c.callback_state = Some(value.to_owned()),
            "callback address" => c.callback_address = Some(unquote(value)),
            "admin-revoked states" => match value.parse() {
                Ok(v) => c.admin_revoked_states = Some(v),
                Err(_) => errors.push(LineError::bad_value(n, "admin-revoked states", value, line)),
            },
            other => {
                crate::error::keep_other(&mut c.other, other, crate::error::short(value));
            }
        }
    }
    errors.finish(c)
}

/// `1.2.3.4:752`, `[fe80::1]:752`, or an address without a port.
fn split_host_port(s: &str) -> (Option<IpAddr>, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, port)) = rest.split_once(']') {
            return (host.parse().ok(), port.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
        return (None, None);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return (Some(ip), None);
    }
    match s.rsplit_once(':') {
        Some((host, port)) => (host.parse().ok(), port.parse().ok()),
        None => (None, None),
    }
}

/// YAML-style double-quoted string with the kernel's escapes (`\xNN`, `\\`, `\"`);
/// unquoted text is returned as is. Invalid UTF-8 becomes U+FFFD.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) else {
        return s.to_owned();
    };
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'x' if i + 3 < b.len() && hex(b[i + 2]).is_some() && hex(b[i + 3]).is_some() => {
                    out.push((hex(b[i + 2]).unwrap_or(0) << 4) | hex(b[i + 3]).unwrap_or(0));
                    i += 4;
                    continue;
                }
                b'\\' | b'"' => {
                    out.push(b[i + 1]);
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

// -------------------------------------------------------------------- clients/<id>/states

/// One stateid of `clients/<id>/states`: an open, lock, delegation or layout.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClientState {
    pub stateid: String,
    /// `open`, `lock`, `deleg`, `layout`.
    pub kind: Option<String>,
    pub access: Option<String>,
    pub deny: Option<String>,
    /// `major:minor:inode`; missing for some courtesy-client delegations.
    pub superblock: Option<String>,
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, String>,
}

/// `- 0x…: { type: open, access: r-, deny: --, superblock: "fd:10:13649", owner: "…" }`
pub fn client_states(input: &str) -> Parsed<Vec<ClientState>> {
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(item) = t.strip_prefix("- ") else {
            errors.push(LineError::new(n, ErrorKind::Unrecognised, line));
            continue;
        };
        let Some((stateid, map)) = item.split_once(": ") else {
            errors.push(LineError::missing(n, "stateid", line));
            continue;
        };
        let Some(body) = map.trim().strip_prefix('{').and_then(|m| m.strip_suffix('}')) else {
            errors.push(LineError::bad_value(n, "state map", map, line));
            continue;
        };
        let mut st = ClientState { stateid: stateid.to_owned(), ..ClientState::default() };
        for (k, v) in flow_map_entries(body) {
            let v = unquote(v);
            match k {
                "type" => st.kind = Some(v),
                "access" => st.access = Some(v),
                "deny" => st.deny = Some(v),
                "superblock" => st.superblock = Some(v),
                "filename" => st.filename = Some(v),
                other => {
                    crate::error::keep_other(&mut st.other, other, v);
                }
            }
        }
        out.push(st);
    }
    errors.finish(out)
}

/// Splits `k: v, k: "v, with comma", …` respecting double quotes and escapes.
fn flow_map_entries(body: &str) -> Vec<(&str, &str)> {
    let b = body.as_bytes();
    let mut segments = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => {
                segments.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < body.len() {
        segments.push(&body[start..]);
    }
    segments.iter().filter_map(|seg| seg.split_once(':')).map(|(k, v)| (k.trim(), v.trim())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Damage is refused where it is and said with its own line number; what is well
    /// formed around it is kept.
    #[test]
    fn damage_is_refused_on_its_own_line() {
        let v = versions("+3 +4\n+ -4.x +4.2\n");
        assert_eq!(v.value.iter().map(|f| f.version.as_str()).collect::<Vec<_>>(), ["3", "4", "4.2"]);
        assert_eq!(v.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 2], "a bare + and 4.x: {:?}", v.errors);
        let e = exports("/srv/a\t10.0.0.0/24(rw,fsid=1)\nsrv/b\t10.0.0.0/24(rw)\n");
        assert_eq!(e.value.iter().map(|x| x.path.as_str()).collect::<Vec<_>>(), ["/srv/a"]);
        assert_eq!(e.errors.iter().map(|x| x.line).collect::<Vec<_>>(), [2], "a relative path is no export");
        let st = export_stats("/srv/a\tlocalhost\t92\n\tfh_stale: 1\n\tio_read: x\n");
        assert_eq!(st.value[0].stats.get("fh_stale"), Some(&1));
        assert_eq!(st.errors.iter().map(|x| x.line).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn quoted_values_unescape_backslash_quote_and_newline() {
        assert_eq!(unquote(r#""a\\b\"c""#), r#"a\b"c"#);
        assert_eq!(unquote(r#""x\ny\\""#), "x\ny\\");
        assert_eq!(unquote(r#""a\tb""#), "a\tb");
        // A backslash only escapes inside quotes; a quoted comma does not split.
        assert_eq!(flow_map_entries(r"a: x\, b: y"), [("a", r"x\"), ("b", "y")]);
        assert_eq!(flow_map_entries(r#"k: "v\", w", j: 1"#), [("k", r#""v\", w""#), ("j", "1")]);
    }

    #[test]
    fn pool_stats_by_header_and_position() {
        let p = pool_stats(
            "# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n0 22050308 41214046 41213992 0\n",
        );
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.value[0].sockets_enqueued, 41_214_046);
        let p =
            pool_stats("# pool packets-arrived xprts-enqueued threads-woken threads-timedout starved\n1 5 6 7 0 3\n");
        assert_eq!(p.value[0].pool, 1);
        assert_eq!(p.value[0].sockets_enqueued, 6);
        assert_eq!(p.value[0].other["starved"], 3);
        let p = pool_stats("0 1 2 3 4\nx y\n0 1\n");
        assert_eq!(p.value.len(), 1);
        assert_eq!(p.errors.len(), 2);
    }

    #[test]
    fn pool_stats_minimum_columns_and_unnamed_extras() {
        // Four columns are enough (threads-timedout is gone on some kernels); three are not.
        let p = pool_stats("# pool packets-arrived sockets-enqueued threads-woken\n0 10 20 15\n1 10 20\n");
        assert_eq!(p.value.len(), 1);
        assert_eq!((p.value[0].threads_woken, p.value[0].threads_timedout), (15, None));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 3);
        // A column past the header is kept under its 1-based position.
        let p = pool_stats("0 1 2 3 4 99\n");
        assert_eq!(p.value[0].other.get("column6"), Some(&99), "{:?}", p.value[0].other);
    }

    #[test]
    fn client_info_quoted_and_stale_port() {
        let p = client_info(
            "clientid: 0xdf43354e670522ab\naddress: \"192.168.93.218:752\"\nstatus: confirmed\nseconds from last renew: 60\nname: \"Linux NFSv4.2 raspberrypi\"\nminor version: 2\nImplementation time: [0, 0]\ncallback state: UP\ncallback address: 192.168.93.218:0\n",
        );
        assert_eq!(p.errors, vec![]);
        let c = p.value;
        assert_eq!(c.address, Some("192.168.93.218".parse().unwrap()));
        assert_eq!(c.port, Some(752));
        assert_eq!(c.hostname_hint(), Some("raspberrypi"));
        assert_eq!(c.callback_state.as_deref(), Some("UP"));
        assert_eq!(c.other["Implementation time"], "[0, 0]");
    }

    #[test]
    fn client_info_ipv6_unquoted_and_einval() {
        let c = client_info("address: [fd00::21]:833\nname: \"Linux NFSv4.1 \\x22odd\\x22/host.example\"\n").value;
        assert_eq!(c.address, Some("fd00::21".parse().unwrap()));
        assert_eq!(c.name.as_deref(), Some("Linux NFSv4.1 \"odd\"/host.example"));
        assert_eq!(c.hostname_hint(), Some("host"));
        let p = client_info("address: \"(einval)\"\n");
        assert_eq!(p.errors, vec![]);
        assert_eq!((p.value.address, p.value.address_raw.as_deref()), (None, Some("(einval)")));
    }

    #[test]
    fn states_with_quotes_commas_and_no_superblock() {
        let p = client_states(
            "- 0x01: { type: open, access: r-, deny: --, superblock: \"fd:10:13649\", owner: \"open id:\\x00, x\" }\n- 0x02: { type: deleg, access: w }\nnot a state\n",
        );
        assert_eq!(p.value.len(), 2);
        assert_eq!(p.value[0].superblock.as_deref(), Some("fd:10:13649"));
        assert_eq!(p.value[0].other["owner"], "open id:\u{0}, x");
        assert_eq!(p.value[1].superblock, None);
        assert_eq!(p.errors.len(), 1);
        // Hex escapes in either case (the kernel prints lowercase).
        assert_eq!(unquote("\"a\\x2fb\\x2Fc\\x7e\""), "a/b/c~");
        // The stateid is what ties a state to the client's open files across ticks.
        assert_eq!((p.value[0].stateid.as_str(), p.value[1].stateid.as_str()), ("0x01", "0x02"));
    }

    #[test]
    fn exports_export_stats_versions_threads() {
        let e = exports(
            "# Version 1.1\n# Path Client(Flags) # IPs\n/srv/nfs\t10.50.0.0/24(rw,no_root_squash,sync,wdelay,no_subtree_check,fsid=1,sec=1)\n/my\\040dir\t*(ro)\n",
        );
        assert_eq!(e.errors, vec![]);
        assert_eq!(e.value[0].fsid.as_deref(), Some("1"));
        assert!(!e.value[0].pseudo_root);
        assert_eq!(e.value[1].path, "/my dir");
        let s = export_stats(
            "# Version 1.1\n# Path Client Start-time\n#\tStats\n/test\tlocalhost\t92\n\tfh_stale: 0\n\tio_read: 9\n\tio_write: 1\n",
        );
        assert_eq!(s.errors, vec![]);
        assert_eq!((s.value[0].start_time, s.value[0].stats["io_read"]), (Some(92), 9));
        let v = versions("-2 +3 +4 +4.1 +4.2\n").value;
        assert_eq!(v.iter().filter(|f| f.enabled).count(), 4);
        assert_eq!(threads("8\n"), Ok(8));
        assert!(threads("eight").is_err());
    }

    /// A line of more versions than are kept is cut at the limit and said, on its line;
    /// an export whose options never close and a state that is not one are refused on
    /// their own lines too.
    #[test]
    fn limits_and_damage_name_their_lines() {
        let many: Vec<String> = (0..crate::error::OTHER_MAX + 1).map(|i| format!("+{i}")).collect();
        let v = versions(&format!("+3\n{}\n", many.join(" ")));
        assert_eq!(v.value.len(), crate::error::OTHER_MAX);
        assert_eq!(v.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2], "{:?}", v.errors);
        let e = exports("/srv/a\t*(rw)\n/srv/b\t*(rw\n");
        assert_eq!(e.value.len(), 1);
        assert_eq!(e.errors.iter().map(|x| x.line).collect::<Vec<_>>(), [2]);
        let s = client_states("- 0x01: { type: open, access: r- }\n\nnot a state\n");
        assert_eq!(s.value.len(), 1);
        assert_eq!(s.errors.iter().map(|x| x.line).collect::<Vec<_>>(), [3]);
    }

    /// Damage names its own line in versions and client info too.
    #[test]
    fn versions_and_client_info_name_the_damaged_line() {
        let v = versions("+3\n4\n");
        assert_eq!(v.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2]);
        let c = client_info("clientid: 0x1\n\nno colon here\n");
        assert_eq!(c.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3]);
    }

    proptest::proptest! {
        #[test]
        fn never_panic(s in "\\PC{0,200}") {
            let _ = pool_stats(&s);
            let _ = threads(&s);
            let _ = versions(&s);
            let _ = exports(&s);
            let _ = export_stats(&s);
            let _ = client_info(&s);
            let _ = client_states(&s);
        }

        #[test]
        fn escapes_never_panic(s in "\"(\\\\x?[0-9a-fA-F]{0,2}|[a-z\\\\\" ,:]){0,20}\"") {
            let _ = unquote(&s);
            let _ = client_states(&format!("- 0x1: {{ owner: {s}, type: open }}"));
            let _ = crate::words::unescape_octal(&s.replace('x', "0"));
        }
    }
}
