//! The wall clock, read in one place: everything else takes time as a value, so tests and
//! replays decide what "now" is.

use drnfs_parsers::timestamp::Timestamp;

/// Now, to the microsecond.
pub fn now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_micros(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Whether times are shown in the local time zone (`TZ`, else `/etc/localtime`) or in
/// UTC. The library shows UTC until the command line asks for local time (`run` does,
/// unless `--utc`), so tests and one-off uses read the same text everywhere.
static SHOW_LOCAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static LOCAL_ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();

/// Show times in the local time zone from now on (`false`: UTC).
pub fn show_local_time(on: bool) {
    SHOW_LOCAL.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn zone() -> jiff::tz::TimeZone {
    if SHOW_LOCAL.load(std::sync::atomic::Ordering::Relaxed) {
        LOCAL_ZONE.get_or_init(jiff::tz::TimeZone::system).clone()
    } else {
        jiff::tz::TimeZone::UTC
    }
}

fn zoned(t: Timestamp) -> Option<jiff::Zoned> {
    Some(jiff::Timestamp::from_microsecond(t.unix_micros()).ok()?.to_zoned(zone()))
}

fn shown(t: Timestamp, format: &str) -> String {
    zoned(t).map_or_else(|| "?".to_owned(), |z| z.strftime(format).to_string())
}

/// `21:29:49` in the zone times are shown in.
pub fn time_of_day(t: Timestamp) -> String {
    shown(t, "%H:%M:%S")
}

/// `2026-11-25 21:29:49` in the zone times are shown in.
pub fn date_time(t: Timestamp) -> String {
    shown(t, "%Y-%m-%d %H:%M:%S")
}

/// `2026-11-25`, to say when the date changes in a list of times of day.
pub fn date(t: Timestamp) -> String {
    shown(t, "%Y-%m-%d")
}

/// The zone's name at `t` (`UTC`, `CET`, `+0530` where the zone has no abbreviation).
pub fn zone_name(t: Timestamp) -> String {
    shown(t, "%Z")
}

/// `2026-11-25 22:29:49 CET`: an instant for a person, with its zone.
pub fn date_time_zone(t: Timestamp) -> String {
    shown(t, "%Y-%m-%d %H:%M:%S %Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_until_local_time_is_asked_for() {
        let t = Timestamp::parse_rfc3339("2026-11-25T21:29:49.5Z").unwrap();
        assert_eq!(time_of_day(t), "21:29:49");
        assert_eq!(date_time(t), "2026-11-25 21:29:49");
        assert_eq!(date(t), "2026-11-25");
        assert_eq!(date_time_zone(t), "2026-11-25 21:29:49 UTC");
        // A zone by its tz database name, as TZ would name it (the local zone is
        // whatever this machine says; the conversion is the same).
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let z = jiff::Timestamp::from_microsecond(t.unix_micros()).unwrap().to_zoned(berlin);
        assert_eq!(z.strftime("%H:%M:%S %Z").to_string(), "22:29:49 CET");
    }
}
