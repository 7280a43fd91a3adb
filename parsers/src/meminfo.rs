//! `/proc/meminfo`: memory, of which drnfs reads what a write waits behind: dirty pages
//! not yet written and pages being written back.
//!
//! ```text
//! MemTotal:        2014128 kB
//! MemAvailable:    1738740 kB
//! Dirty:             81236 kB
//! Writeback:          4096 kB
//! ```

use serde::{Deserialize, Serialize};

use crate::Parsed;
use crate::error::{ErrorSink, LineError};

/// The fields drnfs uses, in KiB; `None` when the kernel did not print one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemInfo {
    pub total_kib: Option<u64>,
    pub available_kib: Option<u64>,
    pub dirty_kib: Option<u64>,
    pub writeback_kib: Option<u64>,
}

pub fn parse(input: &str) -> Parsed<MemInfo> {
    let mut out = MemInfo::default();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        let Some((key, value)) = line.split_once(':') else {
            if !line.trim().is_empty() {
                errors.push(LineError::new(i + 1, crate::ErrorKind::Unrecognised, line));
            }
            continue;
        };
        let slot = match key.trim() {
            "MemTotal" => &mut out.total_kib,
            "MemAvailable" => &mut out.available_kib,
            "Dirty" => &mut out.dirty_kib,
            "Writeback" => &mut out.writeback_kib,
            // Dozens of other fields, more in every kernel: not ours to judge.
            _ => continue,
        };
        let number = value.trim().strip_suffix("kB").unwrap_or(value).trim();
        match number.parse::<u64>() {
            Ok(v) => *slot = Some(v),
            Err(_) => errors.push(LineError::bad_value(i + 1, key.trim(), value.trim(), line)),
        }
    }
    errors.finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_fields_and_damage() {
        let p = parse(
            "MemTotal:        2014128 kB\nMemFree: 1 kB\nMemAvailable:    1738740 kB\nDirty:             81236 kB\nWriteback:          4096 kB\nWritebackTmp: 0 kB\nHugePages_Total:       0\n",
        );
        assert_eq!(p.errors, vec![]);
        assert_eq!(
            p.value,
            MemInfo {
                total_kib: Some(2014128),
                available_kib: Some(1738740),
                dirty_kib: Some(81236),
                writeback_kib: Some(4096)
            }
        );
        let bad = parse("Dirty: lots kB\nno colon here\n");
        assert_eq!(bad.value.dirty_kib, None);
        assert_eq!(bad.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 2]);
    }

    proptest::proptest! {
        #[test]
        fn round_trip(d in proptest::option::of(0u64..1<<50), w in proptest::option::of(0u64..1<<50)) {
            let mut text = String::from("MemTotal: 10 kB\n");
            if let Some(d) = d { text.push_str(&format!("Dirty: {d} kB\n")); }
            if let Some(w) = w { text.push_str(&format!("Writeback:   {w} kB\n")); }
            let m = parse(&text).value;
            proptest::prop_assert_eq!((m.dirty_kib, m.writeback_kib, m.total_kib), (d, w, Some(10)));
        }

        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }
    }
}
