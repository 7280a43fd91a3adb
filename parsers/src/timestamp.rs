//! Wall-clock instants as the sources print them (`drbdsetup events2 --timestamps`,
//! `journalctl -o short-iso`), kept as microseconds since the Unix epoch in UTC.

use serde::{Serialize, Serializer};

/// Microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_unix_micros(us: i64) -> Self {
        Self(us)
    }

    pub fn unix_micros(self) -> i64 {
        self.0
    }

    pub fn unix_seconds_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM|±HHMM)`, the form of events2
    /// `--timestamps` (`2019-05-07T13:50:23.973595-07:00`) and of RFC 3339.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let year = digits(&b[0..4])? as i64;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])? as i64;
        let minute = digits(&b[14..16])? as i64;
        let second = digits(&b[17..19])? as i64;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut i = 19;
        let mut micros: i64 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &b[start..i];
            if frac.is_empty() {
                return None;
            }
            // Keep microseconds; pad or cut to 6 digits.
            for k in 0..6 {
                micros = micros * 10 + frac.get(k).map_or(0, |d| i64::from(d - b'0'));
            }
        }
        let offset_seconds: i64 = match b.get(i) {
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) => {
                let rest = &b[i + 1..];
                let (oh, om) = match rest.len() {
                    5 if rest[2] == b':' => (digits(&rest[0..2])?, digits(&rest[3..5])?),
                    4 => (digits(&rest[0..2])?, digits(&rest[2..4])?),
                    2 => (digits(&rest[0..2])?, 0),
                    _ => return None,
                };
                let off = i64::from(oh * 3600 + om * 60);
                if sign == b'-' { -off } else { off }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
        Some(Self(secs.checked_mul(1_000_000)?.checked_add(micros)?))
    }

    /// RFC 3339 in UTC with microseconds: `2019-05-07T20:50:23.973595Z`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", sod / 3600, (sod / 60) % 60, sod % 60)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 instant: {s:?}")))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time",
            "description": "RFC 3339 instant in UTC with microseconds" })
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events2_timestamp_with_offset() {
        let t = Timestamp::parse_rfc3339("2019-05-07T13:50:23.973595-07:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-05-07T20:50:23.973595Z");
        assert_eq!(t.0, 1_557_262_223_973_595);
    }

    #[test]
    fn utc_and_compact_offsets() {
        let a = Timestamp::parse_rfc3339("2026-11-25T13:00:00Z").unwrap();
        let b = Timestamp::parse_rfc3339("2026-11-25T14:00:00+0100").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2026-11-25T13:00:00.000000Z");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2019-05-07",
            "2019-13-07T00:00:00Z",
            "2019-05-07T00:00:00",
            "2019-05-07T00:00:00.Z",
            "abcd-ef-ghT00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(s), None, "{s}");
        }
    }

    #[test]
    fn each_separator_and_field_range_is_checked_alone() {
        let good = "2026-11-25T13:00:00Z";
        assert!(Timestamp::parse_rfc3339(good).is_some());
        // A space may stand for the T; a leap second is a second.
        assert!(Timestamp::parse_rfc3339("2026-11-25 13:00:00Z").is_some());
        assert!(Timestamp::parse_rfc3339("2026-11-25T23:59:60Z").is_some());
        // One thing wrong at a time: each is refused on its own.
        for bad in [
            "2026/11-25T13:00:00Z",
            "2026-11/25T13:00:00Z",
            "2026-11-25X13:00:00Z",
            "2026-11-25T13-00:00Z",
            "2026-11-25T13:00-00Z",
            "2026-00-25T13:00:00Z",
            "2026-11-00T13:00:00Z",
            "2026-11-32T13:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T13:60:00Z",
            "2026-11-25T13:00:61Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn seconds_and_micros() {
        let t = Timestamp::from_unix_micros(1_500_000);
        assert_eq!((t.unix_micros(), t.unix_seconds_f64()), (1_500_000, 1.5));
        assert_eq!(Timestamp::from_unix_micros(-250_000).unix_seconds_f64(), -0.25);
    }

    #[cfg(feature = "schema")]
    #[test]
    fn the_schema_says_date_time() {
        let schema = serde_json::to_value(schemars::schema_for!(Timestamp)).unwrap();
        assert_eq!(
            (schema["type"].as_str(), schema["format"].as_str()),
            (Some("string"), Some("date-time")),
            "{schema}"
        );
    }

    /// Offsets in every written form, a fraction that runs to the end without a zone,
    /// and anything after the Z are each judged on their own.
    #[test]
    fn offsets_fractions_and_trailing_text() {
        let utc = Timestamp::parse_rfc3339("2026-11-25T13:00:00Z").unwrap();
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25T18:30:00+05:30"), Some(utc));
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25T18:30:00+0530"), Some(utc));
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25T18:00:00+05"), Some(utc));
        assert_eq!(Timestamp::parse_rfc3339("2026-11-25T07:30:00-05:30"), Some(utc));
        for bad in
            ["2026-11-25T13:00:00.123", "2026-11-25T13:00:00Zjunk", "2026-11-25T13:00:00+5", "2026-11-25T13:00:00+05:3"]
        {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
    }

    /// Days at the calendar's edges (a 400-year leap day, century years, the epoch's
    /// eve) are written as the dates they are.
    #[test]
    fn calendar_edges_are_written_right() {
        for date in [
            "2000-02-29",
            "2000-03-01",
            "1900-03-01",
            "2100-02-28",
            "2100-03-01",
            "1969-12-31",
            "2400-02-29",
            "1600-02-29",
        ] {
            let s = format!("{date}T00:00:00.000000Z");
            let t = Timestamp::parse_rfc3339(&s).unwrap();
            assert_eq!(t.to_rfc3339(), s);
        }
        assert_eq!(Timestamp::parse_rfc3339("2000-02-29T00:00:00Z").unwrap().unix_micros(), 951_782_400_000_000);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
        }

        #[test]
        fn roundtrip(us in -1_000_000_000_000_000i64..4_000_000_000_000_000i64) {
            let t = Timestamp(us);
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        }
    }
}
