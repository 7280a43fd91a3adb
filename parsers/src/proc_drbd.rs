//! `/proc/drbd` of DRBD 8.3 and 8.4, and the version-only file of DRBD 9.
//!
//! ```text
//! version: 8.4.11 (api:1/proto:86-101)
//! srcversion: C83CE761848B9DE61379370
//!
//!  1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
//!     ns:696684000 nr:0 dw:2729072 dr:696641533 al:500 bm:0 lo:15 pe:1 ua:15 ap:0 ep:1 wo:f oos:3209234560
//!         [==>.................] sync'ed: 17.9% (3134016/3815352)M
//!         finish: 10:43:36 speed: 83,088 (100,400) K/sec
//! ```
//! Layout facts this parser relies on (kernel `drbd_proc.c`): the minor is `%2d`, so it may
//! have a leading space; the protocol letter is a blank when there is no network config;
//! a blank line precedes a minor that does not follow the previous one; the progress line is
//! glued to the `finish:` line (`)Mfinish:`) by some 8.3/8.4 builds; amounts are KiB or MiB;
//! speeds have thousands separators; `want:` and `(stalled)` are optional.

use serde::{Deserialize, Serialize};

use crate::drbd_state::{DiskState, ProcCs, Role};
use crate::error::{ErrorKind, ErrorSink, LineError, Parsed};
use crate::words::{hms_seconds, key_value, u64_with_commas};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProcDrbd {
    pub version: Option<DrbdVersion>,
    /// Line 2 as printed (`srcversion: …`, `GIT-hash: … build by …`): opaque build identity.
    pub build: Option<String>,
    /// DRBD 9's `Transports (api:N): tcp (9.x)` line.
    pub transports: Option<String>,
    pub minors: Vec<ProcMinor>,
}

impl ProcDrbd {
    /// DRBD 9 keeps only version lines here; device state must come from
    /// `drbdsetup events2` (unless a resource runs in 8.4 compat mode and prints lines).
    pub fn device_state_needs_events2(&self) -> bool {
        self.version.as_ref().is_some_and(|v| v.major >= 9) && self.minors.is_empty()
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DrbdVersion {
    /// As printed, including a package suffix: `8.4.11`, `9.0.22-2`.
    pub release: String,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub api: Option<u32>,
    pub proto_min: Option<u32>,
    pub proto_max: Option<u32>,
    /// DRBD 9.2.15+ built with 8.4 compatibility (` (compat 8.4)` suffix).
    pub compat_84: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProcMinor {
    pub minor: u32,
    /// `cs:` as printed (8.x folds connection and replication state into it).
    pub connection: ProcCs,
    pub role: Option<Role>,
    pub peer_role: Option<Role>,
    pub disk: Option<DiskState>,
    pub peer_disk: Option<DiskState>,
    /// `A`, `B` or `C`; `None` when printed blank (no network configuration).
    pub protocol: Option<char>,
    pub io_flags: Option<IoFlags>,
    pub counters: Option<Counters>,
    /// Present while `cs` is SyncSource, SyncTarget, VerifyS or VerifyT.
    pub sync: Option<SyncProgress>,
}

/// The six I/O state letters after the protocol, e.g. `r-----`, `s---n-`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IoFlags {
    pub raw: String,
    /// `s` in the first position: application I/O is suspended.
    pub io_suspended: bool,
    /// `a`: resync paused by a resync-after dependency.
    pub paused_by_dependency: bool,
    /// `p`: resync paused because the peer asked.
    pub paused_by_peer: bool,
    /// `u`: resync paused by the user (`drbdadm pause-sync`).
    pub paused_by_user: bool,
    /// Congestion letter (`d` frozen, `c` helper pending, `b` backing device, `n` network,
    /// `a` both b and n), `None` for `-`.
    pub congestion: Option<char>,
    /// `s` in the last position: activity log suspended.
    pub al_suspended: bool,
}

/// The `ns: nr: dw: …` line. Sizes are KiB; `al`/`bm` are counts; `lo`…`ep` are gauges.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Counters {
    pub ns: u64,
    pub nr: u64,
    pub dw: u64,
    pub dr: u64,
    pub al: u64,
    pub bm: u64,
    pub lo: i64,
    pub pe: i64,
    pub ua: i64,
    pub ap: i64,
    pub ep: i64,
    /// Write ordering: `b` barrier, `f` flush, `d` drain, `n` none.
    pub wo: Option<char>,
    pub oos: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    #[default]
    Resync,
    Verify,
}

/// The progress bar and `finish:` lines of a running resync or verify.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SyncProgress {
    pub kind: SyncKind,
    /// `sync'ed:` / `verified:` percent of this resync.
    pub percent: f64,
    /// Left to resync, KiB (converted from MiB when printed with `M`).
    pub remaining_kib: u64,
    /// Total of this resync (not the device size), KiB.
    pub total_kib: u64,
    pub eta_seconds: Option<u64>,
    /// Recent rate (about the last 18 s), KiB/s.
    pub speed_kib_s: Option<u64>,
    /// Average since the resync started, excluding paused time, KiB/s.
    pub avg_speed_kib_s: Option<u64>,
    /// The ~3 s rate printed first when the `proc_details` module parameter is set.
    pub short_speed_kib_s: Option<u64>,
    /// Resync controller target rate (printed on SyncTarget and VerifyS), KiB/s.
    pub want_kib_s: Option<u64>,
    /// The kernel saw no progress for more than 180 s.
    pub stalled: bool,
}

/// Parses the whole file. Lines that cannot be used are reported in `errors`.
pub fn parse(input: &str) -> Parsed<ProcDrbd> {
    let mut out = ProcDrbd::default();
    let mut errors = ErrorSink::default();
    // A configured minor's line is always followed by its counters line: a minor without
    // one is a cut or damaged file, not a device with no I/O (its line and text, to say so).
    let mut awaiting_counters: Option<(usize, String)> = None;
    let no_counters =
        |(n, line): (usize, String)| LineError::missing(n, "counters line (ns: nr: dw: …) after it", &line);
    for (idx, raw) in input.lines().enumerate() {
        let n = idx + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("version:") {
            match parse_version(rest.trim()) {
                Some(v) => out.version = Some(v),
                None => errors.push(LineError::bad_value(n, "version", rest.trim(), line)),
            }
        } else if trimmed.starts_with("srcversion:") || trimmed.starts_with("GIT-hash:") {
            out.build = Some(trimmed.to_owned());
        } else if trimmed.starts_with("Transports") {
            out.transports = Some(trimmed.to_owned());
        } else if is_device_line(trimmed) {
            if let Some(previous) = awaiting_counters.take() {
                errors.push(no_counters(previous));
            }
            match parse_device_line(trimmed, n) {
                Ok(m) => {
                    if m.connection != ProcCs::Unconfigured {
                        awaiting_counters = Some((n, line.to_owned()));
                    }
                    out.minors.push(m);
                }
                Err(e) => errors.push(e),
            }
        } else if trimmed.starts_with("ns:") {
            awaiting_counters = None;
            match out.minors.last_mut() {
                Some(m) => m.counters = Some(parse_counters(trimmed, n, &mut errors)),
                None => errors.push(orphan(n, "counters line", line)),
            }
        } else if trimmed.starts_with('[') || trimmed.starts_with("sync'ed:") || trimmed.starts_with("verified:") {
            match out.minors.last_mut() {
                Some(m) => match parse_progress(trimmed) {
                    Some(p) => m.sync = Some(p),
                    None => errors.push(LineError::new(n, ErrorKind::Unrecognised, line)),
                },
                None => errors.push(orphan(n, "progress line", line)),
            }
        } else if let Some(rest) = trimmed.strip_prefix("finish:") {
            match out.minors.last_mut().and_then(|m| m.sync.as_mut()) {
                Some(sync) => {
                    if !parse_finish(rest, sync) {
                        errors.push(LineError::new(n, ErrorKind::Unrecognised, line));
                    }
                }
                None => errors.push(LineError::new(
                    n,
                    ErrorKind::Orphan { what: "finish line".into(), needs: "progress line".into() },
                    line,
                )),
            }
        } else if is_detail_line(trimmed) {
            // proc_details >= 1: sector position and LRU statistics; not used.
        } else {
            errors.push(LineError::new(n, ErrorKind::Unrecognised, line));
        }
    }
    if let Some(last) = awaiting_counters {
        errors.push(no_counters(last));
    }
    let mut parsed = errors.finish(out);
    // In file order: a missing counters line is only known at the next minor's line.
    parsed.errors.sort_by_key(|e| e.line);
    parsed
}

fn orphan(n: usize, what: &str, line: &str) -> LineError {
    LineError::new(n, ErrorKind::Orphan { what: what.into(), needs: "minor line".into() }, line)
}

fn is_device_line(t: &str) -> bool {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && t[digits..].starts_with(": cs:")
}

fn is_detail_line(t: &str) -> bool {
    t.contains("sector pos:")
        || t.starts_with("resync:")
        || t.starts_with("act_log:")
        || t.starts_with("blocked on activity log:")
}

fn parse_version(s: &str) -> Option<DrbdVersion> {
    // "8.4.11 (api:1/proto:86-101)" or "9.2.15 (api:2/proto:86-122) (compat 8.4)"
    let (release, rest) = match s.split_once(' ') {
        Some((r, rest)) => (r, rest),
        None => (s, ""),
    };
    let numeric: &str = release.split(['-', '+', '_']).next().unwrap_or(release);
    let mut parts = numeric.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let mut v = DrbdVersion {
        release: release.to_owned(),
        major,
        minor,
        patch,
        api: None,
        proto_min: None,
        proto_max: None,
        compat_84: rest.contains("compat 8.4"),
    };
    if let Some(inner) = rest.strip_prefix("(api:").and_then(|r| r.split(')').next()) {
        let (api, proto) = inner.split_once("/proto:").unwrap_or((inner, ""));
        v.api = api.parse().ok();
        if let Some((lo, hi)) = proto.split_once('-') {
            v.proto_min = lo.parse().ok();
            v.proto_max = hi.parse().ok();
        }
    }
    Some(v)
}

fn parse_device_line(t: &str, n: usize) -> Result<ProcMinor, LineError> {
    let (minor_text, rest) = t.split_once(':').ok_or_else(|| LineError::missing(n, "minor", t))?;
    let minor: u32 = minor_text.parse().map_err(|_| LineError::bad_value(n, "minor", minor_text, t))?;
    let mut tokens = rest.split_whitespace();
    let cs_token = tokens.next().ok_or_else(|| LineError::missing(n, "cs", t))?;
    let cs = cs_token.strip_prefix("cs:").ok_or_else(|| LineError::missing(n, "cs", t))?;
    if cs.is_empty() {
        return Err(LineError::bad_value(n, "cs", cs, t));
    }
    let mut m = ProcMinor {
        minor,
        connection: ProcCs::parse(cs),
        role: None,
        peer_role: None,
        disk: None,
        peer_disk: None,
        protocol: None,
        io_flags: None,
        counters: None,
        sync: None,
    };
    if m.connection == ProcCs::Unconfigured {
        return Ok(m);
    }
    let ro = tokens.next().and_then(|x| x.strip_prefix("ro:")).ok_or_else(|| LineError::missing(n, "ro", t))?;
    let (r, pr) = ro.split_once('/').ok_or_else(|| LineError::bad_value(n, "ro", ro, t))?;
    m.role = Some(Role::parse(r));
    m.peer_role = Some(Role::parse(pr));
    let ds = tokens.next().and_then(|x| x.strip_prefix("ds:")).ok_or_else(|| LineError::missing(n, "ds", t))?;
    let (d, pd) = ds.split_once('/').ok_or_else(|| LineError::bad_value(n, "ds", ds, t))?;
    m.disk = Some(DiskState::parse(d));
    m.peer_disk = Some(DiskState::parse(pd));
    // What follows is "P flags" or, with a blank protocol, only "flags" (the blank
    // collapses into the separating spaces, also when a document squeezed whitespace).
    let tail: Vec<&str> = tokens.collect();
    let flags = match tail.as_slice() {
        [] => None,
        [flags] => Some(*flags),
        [proto, flags] if proto.len() == 1 => {
            m.protocol = proto.chars().next();
            Some(*flags)
        }
        _ => return Err(LineError::bad_value(n, "protocol and flags", &tail.join(" "), t)),
    };
    if let Some(f) = flags {
        m.io_flags = Some(parse_io_flags(f).ok_or_else(|| LineError::bad_value(n, "I/O flags", f, t))?);
    }
    Ok(m)
}

fn parse_io_flags(f: &str) -> Option<IoFlags> {
    let c: Vec<char> = f.chars().collect();
    if c.len() < 4 || c.len() > 8 || !c.iter().all(|ch| ch.is_ascii_alphabetic() || *ch == '-') {
        return None;
    }
    let at = |i: usize| c.get(i).copied().unwrap_or('-');
    Some(IoFlags {
        raw: f.to_owned(),
        io_suspended: at(0) == 's',
        paused_by_dependency: at(1) == 'a',
        paused_by_peer: at(2) == 'p',
        paused_by_user: at(3) == 'u',
        congestion: Some(at(4)).filter(|ch| *ch != '-'),
        al_suspended: at(5) == 's',
    })
}

fn parse_counters(t: &str, n: usize, errors: &mut ErrorSink) -> Counters {
    let mut c = Counters::default();
    for token in t.split_whitespace() {
        let Some((k, v)) = key_value(token) else {
            errors.push(LineError::bad_value(n, "counter", token, t));
            continue;
        };
        let ok = match k {
            "wo" => {
                c.wo = v.chars().next();
                v.chars().count() == 1
            }
            "ns" | "nr" | "dw" | "dr" | "al" | "bm" | "oos" => match v.parse::<u64>() {
                Ok(x) => {
                    *match k {
                        "ns" => &mut c.ns,
                        "nr" => &mut c.nr,
                        "dw" => &mut c.dw,
                        "dr" => &mut c.dr,
                        "al" => &mut c.al,
                        "bm" => &mut c.bm,
                        _ => &mut c.oos,
                    } = x;
                    true
                }
                Err(_) => false,
            },
            "lo" | "pe" | "ua" | "ap" | "ep" => match v.parse::<i64>() {
                Ok(x) => {
                    *match k {
                        "lo" => &mut c.lo,
                        "pe" => &mut c.pe,
                        "ua" => &mut c.ua,
                        "ap" => &mut c.ap,
                        _ => &mut c.ep,
                    } = x;
                    true
                }
                Err(_) => false,
            },
            _ => true, // a counter a newer DRBD added: ignore
        };
        if !ok {
            errors.push(LineError::bad_value(n, k, v, t));
        }
    }
    c
}

/// `[==>....] sync'ed: 17.9% (3134016/3815352)M` with an optional glued `finish: …`.
fn parse_progress(t: &str) -> Option<SyncProgress> {
    let (kind, after) = if let Some(i) = t.find("sync'ed:") {
        (SyncKind::Resync, &t[i + "sync'ed:".len()..])
    } else if let Some(i) = t.find("verified:") {
        (SyncKind::Verify, &t[i + "verified:".len()..])
    } else {
        return None;
    };
    let after = after.trim_start();
    let (pct_text, after) = after.split_once('%')?;
    let percent: f64 = pct_text.trim().parse().ok()?;
    // A share of the resync: anything else is a damaged line, not a value to show.
    if !(0.0..=100.0).contains(&percent) {
        return None;
    }
    let after = after.trim_start().strip_prefix('(')?;
    let (amounts, after) = after.split_once(')')?;
    let (left, total) = amounts.split_once('/')?;
    let mut chars = after.chars();
    let multiplier = match chars.next() {
        Some('M') => 1024,
        Some('K') => 1,
        _ => return None,
    };
    let mut p = SyncProgress {
        kind,
        percent,
        remaining_kib: left.trim().parse::<u64>().ok()?.checked_mul(multiplier)?,
        total_kib: total.trim().parse::<u64>().ok()?.checked_mul(multiplier)?,
        eta_seconds: None,
        speed_kib_s: None,
        avg_speed_kib_s: None,
        short_speed_kib_s: None,
        want_kib_s: None,
        stalled: false,
    };
    // The kernel clamps what is left to the total (drbd_get_syncer_progress): more left
    // than the whole is a damaged line.
    if p.remaining_kib > p.total_kib {
        return None;
    }
    let rest = chars.as_str().trim_start();
    if let Some(glued) = rest.strip_prefix("finish:") {
        if !parse_finish(glued, &mut p) {
            return None;
        }
    } else if !rest.is_empty() {
        return None;
    }
    Some(p)
}

/// ` 10:43:36 speed: 83,088 (1,234 -- 100,400) want: 113,600 K/sec (stalled)`
fn parse_finish(rest: &str, p: &mut SyncProgress) -> bool {
    let mut tokens = rest.split_whitespace().peekable();
    let Some(eta) = tokens.next().and_then(hms_seconds) else { return false };
    p.eta_seconds = Some(eta);
    if tokens.next() != Some("speed:") {
        return false;
    }
    let Some(speed) = tokens.next().and_then(u64_with_commas) else { return false };
    p.speed_kib_s = Some(speed);
    // "(avg)" or "(short -- avg)"
    let Some(first) = tokens.next() else { return false };
    let Some(first) = first.strip_prefix('(') else { return false };
    if let Some(avg) = first.strip_suffix(')') {
        p.avg_speed_kib_s = u64_with_commas(avg);
    } else {
        p.short_speed_kib_s = u64_with_commas(first);
        if tokens.next() != Some("--") {
            return false;
        }
        p.avg_speed_kib_s = tokens.next().and_then(|a| a.strip_suffix(')')).and_then(u64_with_commas);
    }
    if p.avg_speed_kib_s.is_none() {
        return false;
    }
    while let Some(tok) = tokens.next() {
        match tok {
            "want:" => match tokens.next().and_then(u64_with_commas) {
                Some(w) => p.want_kib_s = Some(w),
                None => return false,
            },
            "K/sec" => {}
            "(stalled)" => p.stalled = true,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_MINORS: &str = "version: 8.4.11 (api:1/proto:86-101)
srcversion: C83CE761848B9DE61379370

 1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
    ns:696684000 nr:0 dw:2729072 dr:696641533 al:500 bm:0 lo:15 pe:1 ua:15 ap:0 ep:1 wo:f oos:3209234560
        [==>.................] sync'ed: 17.9% (3134016/3815352)M
        finish: 10:43:36 speed: 83,088 (100,400) K/sec
 2: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----
    ns:0 nr:563686400 dw:563682304 dr:0 al:8 bm:0 lo:5 pe:21 ua:4 ap:0 ep:1 wo:f oos:1389772624
        [====>...............] sync'ed: 28.9% (1357196/1907668)M
        finish: 3:50:39 speed: 100,404 (103,180) want: 113,600 K/sec
";

    #[test]
    fn resync_in_both_directions() {
        let p = parse(TWO_MINORS);
        assert_eq!(p.errors, vec![]);
        let v = p.value.version.as_ref().unwrap();
        assert_eq!((v.major, v.minor, v.patch, v.api, v.proto_max), (8, 4, 11, Some(1), Some(101)));
        assert_eq!(p.value.minors.len(), 2);
        let a = &p.value.minors[0];
        assert_eq!(a.minor, 1);
        assert_eq!(a.connection, ProcCs::SyncSource);
        assert_eq!(a.protocol, Some('C'));
        assert_eq!(a.counters.as_ref().unwrap().oos, 3_209_234_560);
        let s = a.sync.as_ref().unwrap();
        assert_eq!(s.percent, 17.9);
        assert_eq!(s.remaining_kib, 3_134_016 * 1024);
        assert_eq!(s.total_kib, 3_815_352 * 1024);
        assert_eq!(s.eta_seconds, Some(10 * 3600 + 43 * 60 + 36));
        assert_eq!((s.speed_kib_s, s.avg_speed_kib_s, s.want_kib_s), (Some(83_088), Some(100_400), None));
        let b = p.value.minors[1].sync.as_ref().unwrap();
        assert_eq!(b.want_kib_s, Some(113_600));
    }

    #[test]
    fn standalone_with_blank_protocol() {
        let text = " 1: cs:StandAlone ro:Primary/Unknown ds:UpToDate/Inconsistent   r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        let m = &p.value.minors[0];
        assert_eq!(m.protocol, None);
        assert_eq!(m.peer_role, Some(Role::Unknown));
        assert_eq!(m.io_flags.as_ref().unwrap().raw, "r-----");
    }

    #[test]
    fn glued_finish_line() {
        let text = " 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n    [>....................] sync'ed:  1.5% (5048/5116)Mfinish: 1:04:20 speed: 1,336 (1,284) K/sec\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        let s = p.value.minors[0].sync.as_ref().unwrap();
        assert_eq!((s.percent, s.remaining_kib, s.eta_seconds), (1.5, 5048 * 1024, Some(3860)));
        assert_eq!(s.speed_kib_s, Some(1336));
    }

    #[test]
    fn unconfigured_details_and_stalled() {
        let text = "version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Unconfigured\n\n 3: cs:VerifyS ro:Primary/Secondary ds:UpToDate/UpToDate C r---n-\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n\t[>....................] verified:  0.1% (100/200)K\n\tfinish: 0:00:10 speed: 7 (1,000 -- 9) want: 10 K/sec (stalled)\n\t  0% sector pos: 0/4194304\n\tresync: used:0/61 hits:0 misses:0 starving:0 locked:0 changed:0\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.value.minors[0].connection, ProcCs::Unconfigured);
        let m = &p.value.minors[1];
        assert_eq!(m.io_flags.as_ref().unwrap().congestion, Some('n'));
        let s = m.sync.as_ref().unwrap();
        assert_eq!(s.kind, SyncKind::Verify);
        assert_eq!(
            (s.short_speed_kib_s, s.avg_speed_kib_s, s.want_kib_s, s.stalled),
            (Some(1000), Some(9), Some(10), true)
        );
    }

    #[test]
    fn drbd9_version_only_means_events2() {
        let text = "version: 9.0.22-2 (api:2/proto:86-116)\nGIT-hash: 719792f2cc1360c65c848ffdb66090959e27fde5 build by mockbuild@, 2020-04-05 03:16:50\nTransports (api:16): tcp (9.0.22-2)\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        assert!(p.value.device_state_needs_events2());
        assert_eq!(p.value.version.as_ref().unwrap().release, "9.0.22-2");
        assert!(p.value.transports.is_some());
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_is_kept() {
        let text = " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:1 nr:x dw:3\ngarbage here\n 1: cs:Connected ro:Primary\n 2: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----\n    [>...] sync'ed: lots\n";
        let p = parse(text);
        assert_eq!(p.value.minors.len(), 2);
        assert_eq!(p.value.minors[0].counters.as_ref().unwrap().dw, 3);
        let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6], "minor 2 has no counters line either");
    }

    /// A configured minor without its counters line is damage (a cut file), said at the
    /// minor's line; an unconfigured minor has none and is fine.
    #[test]
    fn a_minor_without_its_counters_line_is_reported() {
        let text = "version: 8.4.11 (api:1/proto:86-101)\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n 1: cs:Unconfigured\n 2: cs:WFConnection ro:Secondary/Unknown ds:UpToDate/DUnknown C r-----\n    ns:1 nr:2 dw:3 dr:4 al:5 bm:6 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n 3: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----\n";
        let p = parse(text);
        let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 6], "{:?}", p.errors);
        assert!(p.errors[0].to_string().contains("counters line"), "{}", p.errors[0]);
        assert_eq!(p.value.minors.len(), 4);
        assert!(p.value.minors[2].counters.is_some());
    }

    /// Found by the fuzzer (fuzz/fuzz_targets/proc_drbd.rs): a progress line saying more is
    /// left than the whole resync was read as it stood.
    #[test]
    fn more_left_than_the_whole_resync_is_damage() {
        let text = " 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n    ns:0 nr:208 dw:208867 dr:262609 al:10 bm:0 lo:0 pe:56 ua:0 ap:0 ep:1 wo:f oos:130824\n\t[>....................] sync'ed:  3.2% (130824/13132)K\n\tfinish: 6:43:22 speed: 0 (0) want: 2,048 K/sec\n";
        let p = parse(text);
        assert_eq!(p.value.minors[0].sync, None);
        // The progress line, and its finish line left without one.
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
        let fine = parse(&text.replace("/13132)", "/135132)"));
        assert_eq!(fine.value.minors[0].sync.as_ref().map(|s| s.total_kib), Some(135_132));
    }

    #[test]
    fn io_flags_each_in_its_place() {
        let all = parse_io_flags("sapuns").unwrap();
        assert!(all.io_suspended && all.paused_by_dependency && all.paused_by_peer && all.paused_by_user);
        assert_eq!((all.congestion, all.al_suspended), (Some('n'), true));
        let none = parse_io_flags("r-----").unwrap();
        assert!(!none.io_suspended && !none.paused_by_dependency && !none.paused_by_peer && !none.paused_by_user);
        assert_eq!((none.congestion, none.al_suspended), (None, false));
        // Four to eight flags (8.3 printed four); fewer or more is not a flags field.
        assert!(parse_io_flags("r---").is_some() && parse_io_flags("r-------").is_some());
        assert!(parse_io_flags("r--").is_none() && parse_io_flags("r--------").is_none());
    }

    #[test]
    fn a_protocol_is_one_letter_and_each_counter_lands_in_its_field() {
        let line = |proto: &str| {
            format!(
                " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate {proto} r-----\n    ns:1 nr:2 dw:3 dr:4 al:5 bm:6 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:7\n"
            )
        };
        let p = parse(&line("C"));
        assert_eq!(p.errors, vec![]);
        let m = &p.value.minors[0];
        assert_eq!(m.protocol, Some('C'));
        let c = m.counters.as_ref().unwrap();
        assert_eq!((c.ns, c.nr, c.dw, c.dr, c.al, c.bm, c.oos), (1, 2, 3, 4, 5, 6, 7));
        let two = parse(&line("AB"));
        // The device line is refused (and its counters line, left without it, said too).
        assert_eq!(two.errors.first().map(|e| e.line), Some(1), "{:?}", two.errors);
        assert!(format!("{:?}", two.errors[0]).contains("protocol and flags"), "{:?}", two.errors);
        assert!(two.value.minors.is_empty());
    }

    #[test]
    fn a_resync_just_begun_has_all_of_it_left() {
        let text = " 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:4096\n\t[>....................] sync'ed:  0.0% (4096/4096)K\n\tfinish: 0:00:10 speed: 0 (0) want: 2,048 K/sec\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        let sync = p.value.minors[0].sync.as_ref().expect("a resync with everything left");
        assert_eq!((sync.remaining_kib, sync.total_kib), (4096, 4096));
    }

    #[test]
    fn only_drbd9_without_minor_lines_needs_events2() {
        let v9 = "version: 9.2.8 (api:2/proto:86-122)\n";
        assert!(parse(v9).value.device_state_needs_events2());
        let compat = format!("{v9} 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n");
        assert!(!parse(&compat).value.device_state_needs_events2(), "8.4 compat lines are state");
        assert!(!parse("version: 8.4.11 (api:1/proto:86-101)\n").value.device_state_needs_events2());
    }

    #[test]
    fn truncated_lines_do_not_panic() {
        for cut in 0..TWO_MINORS.len() {
            if TWO_MINORS.is_char_boundary(cut) {
                let _ = parse(&TWO_MINORS[..cut]);
            }
        }
    }

    /// A device line may end at the disk states (no protocol, no flags); a line that
    /// looks like one but has no minor number is not one.
    #[test]
    fn a_device_line_without_flags_and_one_without_a_minor() {
        let text = " 0: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";
        let p = parse(text);
        assert_eq!(p.errors, vec![]);
        let m = &p.value.minors[0];
        assert_eq!((m.protocol, m.io_flags.is_none()), (None, true));
        assert!(is_device_line("12: cs:Connected"));
        assert!(!is_device_line(": cs:Connected") && !is_device_line("x: cs:Connected") && !is_device_line("1: ro:x"));
    }

    /// Each of 8.4's detail lines (`drbdsetup show-gi`, `cat /proc/drbd` with verbosity)
    /// is one on its own.
    #[test]
    fn each_detail_line_alone() {
        for t in [
            "resync: used:0/61 hits:0 misses:0 starving:0 locked:0 changed:0",
            "act_log: used:0/1237 hits:0",
            "blocked on activity log: 0",
            "0% sector pos: 0/2097016",
        ] {
            assert!(is_detail_line(t), "{t}");
        }
        assert!(!is_detail_line("ns:0 nr:0 dw:0"));
    }

    /// A progress line may come without its bar (`sync'ed:` or `verified:` first).
    #[test]
    fn progress_without_a_bar() {
        for (line, done) in [("sync'ed: 1.5% (5048/5116)M", 1.5), ("verified: 20.0% (4000/5000)M", 20.0)] {
            let text = format!(
                " 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n    {line}\n"
            );
            let p = parse(&text);
            assert_eq!(p.errors, vec![], "{line}");
            let sync = p.value.minors[0].sync.as_ref().unwrap_or_else(|| panic!("{line}: no progress"));
            assert_eq!(sync.percent, done, "{line}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_mutated_real_lines(idx in 0usize..600, ch in proptest::char::any()) {
            let mut chars: Vec<char> = TWO_MINORS.chars().collect();
            let i = idx % chars.len();
            chars[i] = ch;
            let s: String = chars.into_iter().collect();
            let p = parse(&s);
            // One character cannot make a third minor out of two, and what is read stays
            // within what /proc/drbd can say.
            proptest::prop_assert!(p.value.minors.len() <= 2);
            for m in &p.value.minors {
                if let Some(sync) = &m.sync {
                    proptest::prop_assert!((0.0..=100.0).contains(&sync.percent), "{}", sync.percent);
                    proptest::prop_assert!(sync.remaining_kib <= sync.total_kib, "{sync:?}");
                }
            }
        }

        /// Any resync progress DRBD 8.4 can print is read back as printed: percent,
        /// remaining and total (K or M), finish time, speeds and the rate target.
        #[test]
        fn resync_progress_round_trips(
            tenths in 0u32..=1000,
            total in 1u64..5_000_000,
            left_share in 0u64..=1000,
            mib in proptest::bool::ANY,
            h in 0u64..100, m in 0u64..60, sec in 0u64..60,
            speed in 0u64..3_000_000, avg in 0u64..3_000_000,
            want in proptest::option::of(1u64..3_000_000),
            target in proptest::bool::ANY,
        ) {
            let remaining = total * left_share / 1000;
            let unit = if mib { "M" } else { "K" };
            let cs = if target { "SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate" } else { "SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent" };
            let want_text = want.map(|w| format!(" want: {}", thousands(w))).unwrap_or_default();
            let text = format!(
                "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: C83CE761848B9DE61379370\n 0: cs:{cs} C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:{remaining}\n\t[==>.................] sync'ed: {}.{}% ({remaining}/{total}){unit}\n\tfinish: {h}:{m:02}:{sec:02} speed: {} ({}){want_text} K/sec\n",
                tenths / 10, tenths % 10, thousands(speed), thousands(avg)
            );
            let p = parse(&text);
            proptest::prop_assert!(p.errors.is_empty(), "{:?}\n{}", p.errors, text);
            let sync = p.value.minors[0].sync.clone().expect("a sync line");
            let scale = if mib { 1024 } else { 1 };
            proptest::prop_assert_eq!(sync.percent, f64::from(tenths) / 10.0);
            proptest::prop_assert_eq!(sync.remaining_kib, remaining * scale);
            proptest::prop_assert_eq!(sync.total_kib, total * scale);
            proptest::prop_assert!(sync.remaining_kib <= sync.total_kib);
            proptest::prop_assert_eq!(sync.eta_seconds, Some(h * 3600 + m * 60 + sec));
            proptest::prop_assert_eq!(sync.speed_kib_s, Some(speed));
            proptest::prop_assert_eq!(sync.avg_speed_kib_s, Some(avg));
            proptest::prop_assert_eq!(sync.want_kib_s, want);
        }
    }

    /// 1234567 as DRBD prints it: 1,234,567.
    fn thousands(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}
