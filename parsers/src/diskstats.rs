//! `/proc/diskstats`: the block layer's I/O counters per device, as `iostat -x` reads them.
//!
//! ```text
//!  253       0 vda 6155 2283 585226 2651 27153 20391 1337458 19861 0 30972 24046 0 0 0 0 4120 1532
//!  147       0 drbd0 1021 0 8168 1164 40960 0 327680 98130 2 60724 99294 0 0 0 0 0 0
//! ```
//! After `major minor name`: 11 counters on every kernel, 15 since 4.18 (discards), 17
//! since 5.5 (flushes). Sectors are 512 bytes whatever the device's sector size; times are
//! milliseconds; `in_flight` is a level, everything else only grows (until it wraps).

use serde::{Deserialize, Serialize};

use crate::error::{ErrorSink, LineError};
use crate::{ErrorKind, Parsed};

/// The counters of one block device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiskStats {
    pub major: u32,
    pub minor: u32,
    /// Kernel name (`vda`, `dm-3`, `drbd0`).
    pub name: String,
    pub reads: u64,
    pub reads_merged: u64,
    pub sectors_read: u64,
    pub read_ms: u64,
    pub writes: u64,
    pub writes_merged: u64,
    pub sectors_written: u64,
    pub write_ms: u64,
    /// Requests issued to the driver and not yet completed (a level, not a counter).
    pub in_flight: u64,
    /// Milliseconds the device had at least one request in flight (`%util`'s source).
    pub io_ms: u64,
    /// Milliseconds spent by all requests, summed (`aqu-sz`'s source).
    pub weighted_io_ms: u64,
    /// Since 4.18.
    pub discards: Option<u64>,
    /// Since 5.5.
    pub flushes: Option<u64>,
    pub flush_ms: Option<u64>,
}

/// Every well-formed device line; a line with too few or non-numeric counters is an error
/// naming it, and the other devices are still read.
pub fn parse(input: &str) -> Parsed<Vec<DiskStats>> {
    let mut out = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(d) => out.push(d),
            Err(kind) => errors.push(LineError::new(n, kind, line)),
        }
    }
    errors.finish(out)
}

fn parse_line(line: &str) -> Result<DiskStats, ErrorKind> {
    let mut f = line.split_whitespace();
    let number = |field: &str, v: Option<&str>| -> Result<u32, ErrorKind> {
        let v = v.ok_or_else(|| ErrorKind::Missing { field: field.to_owned() })?;
        v.parse().map_err(|_| ErrorKind::BadValue { field: field.to_owned(), value: crate::error::short(v) })
    };
    let major = number("major", f.next())?;
    let minor = number("minor", f.next())?;
    let name = f.next().ok_or_else(|| ErrorKind::Missing { field: "name".into() })?;
    if name.parse::<u64>().is_ok() {
        return Err(ErrorKind::BadValue { field: "name".into(), value: crate::error::short(name) });
    }
    let rest: Vec<&str> = f.collect();
    if rest.len() < 11 {
        return Err(ErrorKind::Missing { field: format!("counters (11 needed, {} found)", rest.len()) });
    }
    let mut values = Vec::with_capacity(rest.len());
    for (k, v) in rest.iter().enumerate() {
        match v.parse::<u64>() {
            Ok(x) => values.push(x),
            Err(_) => {
                return Err(ErrorKind::BadValue { field: format!("counter {}", k + 4), value: crate::error::short(v) });
            }
        }
    }
    Ok(DiskStats {
        major,
        minor,
        name: crate::error::short(name),
        reads: values[0],
        reads_merged: values[1],
        sectors_read: values[2],
        read_ms: values[3],
        writes: values[4],
        writes_merged: values[5],
        sectors_written: values[6],
        write_ms: values[7],
        in_flight: values[8],
        io_ms: values[9],
        weighted_io_ms: values[10],
        discards: values.get(11).copied(),
        flushes: values.get(15).copied(),
        flush_ms: values.get(16).copied(),
    })
}

/// What `iostat -x` prints for one device over an interval, from two readings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiskRates {
    pub reads_per_second: f64,
    pub writes_per_second: f64,
    pub read_kib_per_second: f64,
    pub write_kib_per_second: f64,
    /// Average milliseconds per completed read (queue and service): `r_await`. `None`
    /// without a completed read.
    pub read_await_ms: Option<f64>,
    /// `w_await`.
    pub write_await_ms: Option<f64>,
    /// Average requests in the queue and in service: `aqu-sz`.
    pub queue_depth: f64,
    /// Share of the interval with a request in flight, 0–100: `%util`.
    pub utilisation_percent: f64,
    /// Requests in flight at the second reading.
    pub in_flight: u64,
}

/// `iostat -x`'s figures between two readings of the same device `seconds` apart; `None`
/// when the interval is not positive or a counter went backwards (the device was replaced,
/// or a counter wrapped): no figure beats a wrong one.
pub fn rates(before: &DiskStats, after: &DiskStats, seconds: f64) -> Option<DiskRates> {
    if seconds <= 0.0 || !seconds.is_finite() {
        return None;
    }
    let d = |a: u64, b: u64| b.checked_sub(a);
    let reads = d(before.reads, after.reads)?;
    let writes = d(before.writes, after.writes)?;
    let sectors_read = d(before.sectors_read, after.sectors_read)?;
    let sectors_written = d(before.sectors_written, after.sectors_written)?;
    let read_ms = d(before.read_ms, after.read_ms)?;
    let write_ms = d(before.write_ms, after.write_ms)?;
    let io_ms = d(before.io_ms, after.io_ms)?;
    let weighted = d(before.weighted_io_ms, after.weighted_io_ms)?;
    let interval_ms = seconds * 1000.0;
    let per_request = |ms: u64, n: u64| (n > 0).then(|| ms as f64 / n as f64);
    Some(DiskRates {
        reads_per_second: reads as f64 / seconds,
        writes_per_second: writes as f64 / seconds,
        read_kib_per_second: sectors_read as f64 / 2.0 / seconds,
        write_kib_per_second: sectors_written as f64 / 2.0 / seconds,
        read_await_ms: per_request(read_ms, reads),
        write_await_ms: per_request(write_ms, writes),
        queue_depth: weighted as f64 / interval_ms,
        // The kernel's io_ticks can run slightly ahead of the wall clock between two
        // reads; iostat caps it the same way.
        utilisation_percent: (io_ms as f64 / interval_ms * 100.0).min(100.0),
        in_flight: after.in_flight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // This machine's kind: a 6.12 kernel (17 counters) and an old 4.9 one (11).
    const NEW: &str = " 253       0 vda 6155 2283 585226 2651 27153 20391 1337458 19861 0 30972 24046 0 0 0 0 4120 1532
 147       0 drbd0 1021 0 8168 1164 40960 0 327680 98130 2 60724 99294 0 0 0 0 0 0
";
    const OLD: &str = "   8       0 sda 9093 1297 402386 23048 1702 2101 31248 5520 0 13108 28568\n";

    #[test]
    fn every_counter_in_its_field() {
        let p = parse(NEW);
        assert_eq!(p.errors, vec![]);
        let drbd = &p.value[1];
        assert_eq!((drbd.major, drbd.minor, drbd.name.as_str()), (147, 0, "drbd0"));
        assert_eq!((drbd.reads, drbd.reads_merged, drbd.sectors_read, drbd.read_ms), (1021, 0, 8168, 1164));
        assert_eq!((drbd.writes, drbd.writes_merged, drbd.sectors_written, drbd.write_ms), (40960, 0, 327680, 98130));
        assert_eq!((drbd.in_flight, drbd.io_ms, drbd.weighted_io_ms), (2, 60724, 99294));
        assert_eq!((drbd.discards, drbd.flushes, drbd.flush_ms), (Some(0), Some(0), Some(0)));
        assert_eq!((p.value[0].flushes, p.value[0].flush_ms), (Some(4120), Some(1532)));
        let old = parse(OLD).value;
        assert_eq!(
            (old[0].name.as_str(), old[0].weighted_io_ms, old[0].discards, old[0].flushes),
            ("sda", 28568, None, None)
        );
    }

    #[test]
    fn damaged_lines_are_errors_with_their_line() {
        let p = parse(" 8 0 sda 1 2 3\n8 1 sda1 1 2 3 4 5 6 7 8 9 10 x\n\n8 2 sda2 1 2 3 4 5 6 7 8 9 10 11\n4 x\n");
        assert_eq!(p.value.len(), 1);
        assert_eq!(p.value[0].name, "sda2");
        let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 5]);
    }

    #[test]
    fn iostat_figures_over_an_interval() {
        let a = parse(" 8 0 sda 100 0 800 50 200 0 4000 1000 0 1000 1500\n").value.remove(0);
        let b = parse(" 8 0 sda 150 0 1200 150 400 0 8000 5000 3 1800 6000\n").value.remove(0);
        let r = rates(&a, &b, 2.0).unwrap();
        assert_eq!((r.reads_per_second, r.writes_per_second), (25.0, 100.0));
        assert_eq!((r.read_kib_per_second, r.write_kib_per_second), (100.0, 1000.0));
        assert_eq!((r.read_await_ms, r.write_await_ms), (Some(2.0), Some(20.0)));
        assert_eq!((r.queue_depth, r.utilisation_percent, r.in_flight), (2.25, 40.0, 3));
        // Idle: no requests, no await (not 0 ms, not NaN).
        let idle = rates(&b, &b, 1.0).unwrap();
        assert_eq!((idle.read_await_ms, idle.write_await_ms, idle.utilisation_percent), (None, None, 0.0));
        // Backwards (a new device with the same name) or no time: no figures.
        assert_eq!(rates(&b, &a, 1.0), None);
        assert_eq!(rates(&a, &b, 0.0), None);
        // io_ticks slightly ahead of the clock is capped like iostat does.
        let mut c = b.clone();
        c.io_ms = b.io_ms + 1010;
        assert_eq!(rates(&b, &c, 1.0).unwrap().utilisation_percent, 100.0);
    }

    proptest::proptest! {
        /// Rendered counters parse back to the same values.
        #[test]
        fn round_trip(v in proptest::collection::vec(0u64..u64::MAX, 17), name in "[a-z]{1,6}[0-9]{0,2}") {
            let line = format!("{} {} {name} {}", v[0] % 4096, v[1] % 4096,
                v.iter().map(u64::to_string).collect::<Vec<_>>().join(" "));
            let d = parse(&line).value.remove(0);
            proptest::prop_assert_eq!((d.reads, d.weighted_io_ms, d.flush_ms), (v[0], v[10], Some(v[16])));
        }

        /// Whatever the input, no panic; utilisation stays in 0–100 and awaits are finite.
        #[test]
        fn never_panics_and_figures_stay_in_range(s in "\\PC{0,300}", a in proptest::collection::vec(0u64..1u64<<40, 11), b in proptest::collection::vec(0u64..1u64<<40, 11), secs in 0.001f64..100.0) {
            let _ = parse(&s);
            let line = |v: &[u64]| format!("8 0 sda {}", v.iter().map(u64::to_string).collect::<Vec<_>>().join(" "));
            let (x, y) = (parse(&line(&a)).value.remove(0), parse(&line(&b)).value.remove(0));
            if let Some(r) = rates(&x, &y, secs) {
                proptest::prop_assert!((0.0..=100.0).contains(&r.utilisation_percent));
                proptest::prop_assert!(r.write_await_ms.is_none_or(f64::is_finite));
                proptest::prop_assert!(r.queue_depth >= 0.0);
            }
        }
    }
}
