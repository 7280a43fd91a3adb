//! The wall clock, read in one place: everything else takes time as a value, so tests and
//! replays decide what "now" is.

use drnfs_parsers::timestamp::Timestamp;

/// Now, to the microsecond.
pub fn now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_micros(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
