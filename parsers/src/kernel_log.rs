//! DRBD lines of the kernel log, from `dmesg`, `journalctl -k` (short, short-iso,
//! short-monotonic), a syslog file, or raw `/dev/kmsg` records.
//!
//! ```text
//! [34368.492660] drbd r0/0 drbd1 nodeb: pdsk( DUnknown -> UpToDate ) repl( Off -> WFBitMapT )
//! Jun 12 15:24:16 host kernel: [  232.571439] drbd r0/0 drbd8 nodeb: Split-Brain detected but unresolved, dropping connection!
//! 6,1234,34368492660,-;block drbd0: conn( WFConnection -> WFReportParams )
//! ```
//! Subjects: `block drbdN:` (8.x device), `drbd RES:` (resource or 8.4 connection),
//! `drbd RES PEER:` (9 connection), `drbd RES/VOL drbdN:` (9 device), `drbd RES/VOL drbdN
//! PEER:` (9 peer device), `d-con RES:` (early 8.4). Lines of other subsystems are skipped.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KernelLogLine {
    pub time: LogTime,
    pub subject: Subject,
    pub event: KernelEvent,
    /// The message after the subject, as logged.
    pub message: String,
}

/// Whatever clock the log line carried.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LogTime {
    /// Kernel monotonic time (`[  232.569733]`, `/dev/kmsg`), microseconds since boot.
    pub monotonic_us: Option<u64>,
    /// A full wall-clock instant (`journalctl -o short-iso`).
    pub wall: Option<Timestamp>,
    /// A wall clock without year or zone (`Feb 18 14:18:06`, `dmesg -T`), as printed.
    pub wall_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Subject {
    pub resource: Option<String>,
    pub volume: Option<u32>,
    pub minor: Option<u32>,
    pub peer: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transition {
    /// `role`, `peer`, `conn`, `disk`, `pdsk`, `repl`, `susp-io`, `quorum`, `resync-susp`, …
    pub field: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SplitBrainOutcome {
    /// "Split-Brain detected but unresolved, dropping connection!"
    Unresolved,
    /// "Split-Brain detected, N primaries, automatically solved. Sync from … node"
    AutoResolved,
    /// "Split-Brain detected, manually solved. Sync from … node"
    ManuallyResolved,
    /// Any other "Split-Brain detected …" text (e.g. during attach on DRBD 9).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KernelEvent {
    /// `conn( A -> B ) pdsk( C -> D ) [reason]`
    StateChange {
        transitions: Vec<Transition>,
        reason: Option<String>,
    },
    SplitBrain {
        outcome: SplitBrainOutcome,
    },
    /// `helper command: /sbin/drbdadm split-brain [minor-0] [exit code 0 (0x0)]`
    Helper {
        helper: String,
        exit_code: Option<i32>,
    },
    /// `Began resync as SyncTarget (will sync 10129080 KB [2532270 bits set]).`
    ResyncBegan {
        role: String,
        kib: Option<u64>,
    },
    /// `Resync done (total 5 sec; paused 0 sec; 20480 K/sec)`
    ResyncDone,
    /// The connection handshake failed on a setting the two nodes must share:
    /// `incompatible protocol settings`, `incompatible DRBD dialects: …`,
    /// `Authentication of peer failed`. DRBD then drops to StandAlone and does not retry.
    HandshakeRefused {
        reason: String,
    },
    /// One side of the UUID handshake at connect time: `self|peer UUIDS bits:N flags:F`.
    /// `bits` is how many 4 KiB blocks that side marked changed since the nodes were last
    /// in sync — before a split brain, what each side wrote while they were apart.
    UuidHandshake {
        side: HandshakeSide,
        bits: u64,
    },
    /// A DRBD message with nothing drnfs acts on.
    Other,
}

/// Whose generation identifiers a handshake line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HandshakeSide {
    /// This node (`self …`).
    Local,
    /// The node it connects to (`peer …`).
    Peer,
}

/// Parses one log line; `None` when it is not a DRBD kernel message.
pub fn parse_line(line: &str) -> Option<KernelLogLine> {
    let line = line.trim_end();
    let mut time = LogTime::default();
    let mut msg = line;
    if let Some((us, rest)) = kmsg_record(line) {
        time.monotonic_us = Some(us);
        msg = rest;
    } else if let Some(i) = line.find(" kernel: ") {
        let prefix = &line[..i];
        msg = &line[i + " kernel: ".len()..];
        // "HOST" is the last word of the prefix; the clock is what comes before it.
        let clock = prefix.rsplit_once(' ').map_or("", |(c, _host)| c).trim();
        match Timestamp::parse_rfc3339(clock) {
            Some(t) => time.wall = Some(t),
            None if !clock.is_empty() => {
                if let Some(us) = bracket_seconds(clock) {
                    time.monotonic_us = Some(us);
                } else {
                    time.wall_text = Some(clock.to_owned());
                }
            }
            None => {}
        }
    }
    if let Some(rest) = msg.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        match seconds_to_us(inside.trim()) {
            Some(us) => time.monotonic_us = Some(us),
            None => time.wall_text = Some(inside.trim().to_owned()),
        }
        msg = after.trim_start();
    }
    let (subject, body) = parse_subject(msg)?;
    Some(KernelLogLine { time, subject, event: classify(body), message: body.to_owned() })
}

/// Parses many lines; non-DRBD lines are skipped.
pub fn parse(text: &str) -> Vec<KernelLogLine> {
    text.lines().filter_map(parse_line).collect()
}

/// `/dev/kmsg`: `PRIORITY,SEQ,MICROSECONDS,FLAGS[,…];MESSAGE`
fn kmsg_record(line: &str) -> Option<(u64, &str)> {
    let (head, msg) = line.split_once(';')?;
    let mut f = head.split(',');
    f.next()?.parse::<u32>().ok()?;
    f.next()?.parse::<u64>().ok()?;
    let us = f.next()?.parse::<u64>().ok()?;
    Some((us, msg))
}

fn bracket_seconds(s: &str) -> Option<u64> {
    seconds_to_us(s.strip_prefix('[')?.strip_suffix(']')?.trim())
}

fn seconds_to_us(s: &str) -> Option<u64> {
    let (sec, frac) = s.split_once('.')?;
    let sec: u64 = sec.parse().ok()?;
    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut us: u64 = 0;
    for k in 0..6 {
        us = us * 10 + frac.as_bytes().get(k).map_or(0, |d| u64::from(d - b'0'));
    }
    sec.checked_mul(1_000_000)?.checked_add(us)
}

fn parse_subject(msg: &str) -> Option<(Subject, &str)> {
    let (head, body) = msg.split_once(": ").or_else(|| msg.strip_suffix(':').map(|h| (h, "")))?;
    let mut s = Subject::default();
    if let Some(dev) = head.strip_prefix("block drbd") {
        s.minor = Some(dev.parse().ok()?);
        return Some((s, body));
    }
    let rest = head.strip_prefix("drbd ").or_else(|| head.strip_prefix("d-con "))?;
    let mut tokens = rest.split(' ');
    let first = tokens.next().filter(|t| !t.is_empty())?;
    match first.split_once('/') {
        Some((res, vol)) => {
            s.resource = Some(res.to_owned());
            s.volume = Some(vol.parse().ok()?);
        }
        None => s.resource = Some(first.to_owned()),
    }
    let mut next = tokens.next();
    if let Some(minor) = next.and_then(|t| t.strip_prefix("drbd")).and_then(|m| m.parse().ok()) {
        s.minor = Some(minor);
        next = tokens.next();
    }
    if let Some(peer) = next {
        s.peer = Some(peer.to_owned());
    }
    if tokens.next().is_some() {
        return None; // more words than any DRBD subject has: some other message
    }
    Some((s, body))
}

fn classify(body: &str) -> KernelEvent {
    if let Some(rest) = body.strip_prefix("Split-Brain detected") {
        let outcome = if rest.starts_with(" but unresolved") {
            SplitBrainOutcome::Unresolved
        } else if rest.contains("automatically solved") {
            SplitBrainOutcome::AutoResolved
        } else if rest.contains("manually solved") {
            SplitBrainOutcome::ManuallyResolved
        } else {
            SplitBrainOutcome::Other
        };
        return KernelEvent::SplitBrain { outcome };
    }
    if let Some(rest) = body.strip_prefix("helper command: ") {
        let mut words = rest.split_whitespace();
        let _program = words.next();
        let Some(helper) = words.next() else { return KernelEvent::Other };
        let exit_code =
            rest.split_once(" exit code ").and_then(|(_, c)| c.split_whitespace().next()).and_then(|c| c.parse().ok());
        return KernelEvent::Helper { helper: helper.to_owned(), exit_code };
    }
    if let Some(rest) = body.strip_prefix("Began resync as ") {
        let role = rest.split_whitespace().next().unwrap_or("").to_owned();
        let kib =
            rest.split_once("will sync ").and_then(|(_, r)| r.split_whitespace().next()).and_then(|n| n.parse().ok());
        return KernelEvent::ResyncBegan { role, kib };
    }
    if body.starts_with("Resync done") {
        return KernelEvent::ResyncDone;
    }
    for (prefix, side) in [("self ", HandshakeSide::Local), ("peer ", HandshakeSide::Peer)] {
        if let Some(rest) = body.strip_prefix(prefix)
            && let Some(bits) =
                rest.split_whitespace().find_map(|w| w.strip_prefix("bits:")).and_then(|b| b.parse().ok())
        {
            return KernelEvent::UuidHandshake { side, bits };
        }
    }
    if body.starts_with("incompatible ") || body.starts_with("Authentication of peer failed") {
        return KernelEvent::HandshakeRefused { reason: body.trim().to_owned() };
    }
    let transitions = transitions(body);
    if !transitions.is_empty() {
        let reason = body.trim_end().strip_suffix(']').and_then(|b| b.rsplit_once('[')).map(|(_, r)| r.to_owned());
        return KernelEvent::StateChange { transitions, reason };
    }
    KernelEvent::Other
}

/// All `field( old -> new )` groups of a line (spaces inside the parentheses vary).
fn transitions(body: &str) -> Vec<Transition> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('(') {
        let field = rest[..open].rsplit(' ').next().unwrap_or("").trim();
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        let inside = &after[..close];
        if let Some((from, to)) = inside.split_once("->") {
            let valid_field =
                !field.is_empty() && field.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_');
            if valid_field {
                out.push(Transition {
                    field: field.to_owned(),
                    from: from.trim().to_owned(),
                    to: to.trim().to_owned(),
                });
            }
        }
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_before_the_host_name() {
        // A dmesg-style bracket clock in the syslog position.
        let l = parse_line("[  12.345678] nodea kernel: drbd r0: conn( Connected -> Disconnecting )").unwrap();
        assert_eq!((l.time.monotonic_us, l.time.wall_text), (Some(12_345_678), None));
        // No clock at all: no time, not an empty one.
        let l = parse_line("nodea kernel: drbd r0: conn( Connected -> Disconnecting )").unwrap();
        assert_eq!((l.time.monotonic_us, l.time.wall.is_none(), l.time.wall_text), (None, true, None));
        // Anything else is kept as text.
        let l = parse_line("Dec  1 03:12:01 nodea kernel: drbd r0: conn( Connected -> Disconnecting )").unwrap();
        assert_eq!(l.time.wall_text.as_deref(), Some("Dec  1 03:12:01"));
    }

    #[test]
    fn monotonic_seconds_need_one_to_nine_fraction_digits() {
        let us = |clock: &str| parse_line(&format!("[{clock}] drbd r0: susp( 0 -> 1 )")).unwrap().time.monotonic_us;
        assert_eq!(us("5.123456789"), Some(5_123_456));
        assert_eq!(us("5.1"), Some(5_100_000));
        assert_eq!(us("5.1234567890"), None);
        assert_eq!(us("5."), None);
        assert_eq!(us("5.12a"), None);
    }

    #[test]
    fn transition_fields_are_lowercase_words() {
        let t = transitions("peer-disk( A -> B ) susp_fen( 0 -> 1 )role( C -> D ) Bad( E -> F ) ( G -> H )");
        let fields: Vec<&str> = t.iter().map(|t| t.field.as_str()).collect();
        assert_eq!(fields, vec!["peer-disk", "susp_fen", "role"]);
        assert_eq!((t[2].from.as_str(), t[2].to.as_str()), ("C", "D"));
    }

    #[test]
    fn drbd9_peer_device_state_change_with_monotonic_time() {
        let l = parse_line("[34368.492660] drbd one-vm-8737-disk-0/0 drbd1053 m14c37: pdsk( DUnknown -> UpToDate ) repl( Off -> WFBitMapT )").unwrap();
        assert_eq!(l.time.monotonic_us, Some(34_368_492_660));
        assert_eq!(
            l.subject,
            Subject {
                resource: Some("one-vm-8737-disk-0".into()),
                volume: Some(0),
                minor: Some(1053),
                peer: Some("m14c37".into())
            }
        );
        let KernelEvent::StateChange { transitions, reason } = l.event else { panic!() };
        assert_eq!(transitions.len(), 2);
        assert_eq!(
            (transitions[1].field.as_str(), transitions[1].from.as_str(), transitions[1].to.as_str()),
            ("repl", "Off", "WFBitMapT")
        );
        assert_eq!(reason, None);
    }

    #[test]
    fn handshake_refusal_is_told_from_chatter() {
        // DRBD 8.4.11 in the lab, nodea's protocol changed to A and applied alone.
        let l = parse_line("[ 1767.092360] drbd r0: incompatible protocol settings").unwrap();
        assert_eq!(l.subject.resource.as_deref(), Some("r0"));
        assert_eq!(l.event, KernelEvent::HandshakeRefused { reason: "incompatible protocol settings".into() });
        let auth = parse_line("drbd r0 peer: Authentication of peer failed").unwrap();
        assert!(matches!(auth.event, KernelEvent::HandshakeRefused { .. }));
        // The handshake that went well is chatter.
        assert_eq!(
            parse_line("[ 1767.0] drbd r0: Handshake successful: Agreed network protocol version 101").unwrap().event,
            KernelEvent::Other
        );
    }

    #[test]
    fn the_bits_each_side_changed_while_apart() {
        // DRBD 8.4.11 in the lab's split brain (nodea), then DRBD 9.2.18 (nodea, peer nodeb).
        let a = parse_line("[  413.630745] drbd r0/0 drbd0: self 1FD3E9F56CDAE3B9:A1DA474733200C7D:0BE2016347C2F155:0BE1016347C2F155 bits:10 flags:0").unwrap();
        assert_eq!(a.event, KernelEvent::UuidHandshake { side: HandshakeSide::Local, bits: 10 });
        assert_eq!(a.subject.minor, Some(0));
        let b = parse_line("[  413.630923] drbd r0/0 drbd0: peer 4B03AC42BD2477A4:A1DA474733200C7C:0BE2016347C2F154:0BE1016347C2F155 bits:14 flags:0").unwrap();
        assert_eq!(b.event, KernelEvent::UuidHandshake { side: HandshakeSide::Peer, bits: 14 });
        let nine = parse_line("[  290.567863] drbd r0/0 drbd0 nodeb: peer AC70F051E47D6831:E49C1E9411562024:29315927FECE1C32:5D4A53A3568E6DBC bits:1040 flags:1120").unwrap();
        assert_eq!(nine.event, KernelEvent::UuidHandshake { side: HandshakeSide::Peer, bits: 1040 });
        assert_eq!(nine.subject.peer.as_deref(), Some("nodeb"));
        // Without a number it is not a handshake line.
        assert_eq!(parse_line("[ 1.0] drbd r0/0 drbd0: self test bits:x").unwrap().event, KernelEvent::Other);
    }

    #[test]
    fn journal_split_brain_and_helpers() {
        let sb = parse_line("Jun 12 15:24:16 os-hv-am-4 kernel: [  232.571439] drbd vm-57/0 drbd8 os-hv-am-3: Split-Brain detected but unresolved, dropping connection!").unwrap();
        assert_eq!(sb.event, KernelEvent::SplitBrain { outcome: SplitBrainOutcome::Unresolved });
        assert_eq!(sb.time.wall_text.as_deref(), Some("Jun 12 15:24:16"));
        assert_eq!(sb.time.monotonic_us, Some(232_571_439));
        let h = parse_line(
            "Feb 18 14:18:07 nodeC kernel: drbd u12215 nodeA: helper command: /sbin/drbdadm disconnected exit code 0",
        )
        .unwrap();
        assert_eq!(h.event, KernelEvent::Helper { helper: "disconnected".into(), exit_code: Some(0) });
        assert_eq!(h.subject.peer.as_deref(), Some("nodeA"));
        let h84 = parse_line(
            "6,912,1234567,-;block drbd0: helper command: /sbin/drbdadm split-brain minor-0 exit code 0 (0x0)",
        )
        .unwrap();
        assert_eq!(h84.event, KernelEvent::Helper { helper: "split-brain".into(), exit_code: Some(0) });
        assert_eq!((h84.subject.minor, h84.time.monotonic_us), (Some(0), Some(1_234_567)));
    }

    #[test]
    fn reason_suffix_and_iso_time() {
        let l = parse_line("2026-11-25T13:00:01+0000 nodea kernel: drbd testres1 Node1: conn( Disconnecting -> StandAlone ) [disconnected]").unwrap();
        assert!(l.time.wall.is_some());
        let KernelEvent::StateChange { reason, .. } = l.event else { panic!() };
        assert_eq!(reason.as_deref(), Some("disconnected"));
    }

    #[test]
    fn other_subsystems_and_resync() {
        assert_eq!(parse_line("[  1.0] virtio_blk virtio1: [vda] 100 512-byte logical blocks"), None);
        assert_eq!(parse_line("Feb 18 14:18:06 drbd kernel: e1000: link up"), None);
        let l = parse_line("[1.5] block drbd1: Began resync as SyncTarget (will sync 10129080 KB [2532270 bits set]).")
            .unwrap();
        assert_eq!(l.event, KernelEvent::ResyncBegan { role: "SyncTarget".into(), kib: Some(10_129_080) });
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse_line(&s);
        }

        #[test]
        fn never_panics_near_the_format(s in "(\\[ *[0-9.]{0,8}\\] )?(block drbd[0-9x]{0,2}|drbd [a-z0-9/]{0,6}( drbd[0-9]{0,2})?( [a-z]{0,3})?|d-con r): ?[a-z(>) -]{0,40}") {
            let _ = parse_line(&s);
        }
    }
}
