//! How numbers read on screen and in text output: sizes, rates, durations. A leaf: every
//! layer may use it, it uses none of them.

/// Bytes as `1.5 GiB`.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

/// KiB (DRBD's unit) as `1.5 GiB`.
pub fn kib(n: u64) -> String {
    bytes(n.saturating_mul(1024))
}

/// Seconds as DRBD prints an ETA: `h:mm:ss`.
pub fn hms(seconds: u64) -> String {
    format!("{}:{:02}:{:02}", seconds / 3600, (seconds / 60) % 60, seconds % 60)
}

/// Seconds as `m:ss` or `h:mm:ss` (a replay position, a view's age).
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Bytes per second as `12.3 MiB/s`; `–` when unknown.
pub fn byte_rate(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{}/s", bytes(x.max(0.0) as u64)),
        _ => "–".to_owned(),
    }
}

/// Milliseconds as `12.3 ms` (a wait per request, a round trip); `–` when unknown.
pub fn ms(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.1} ms"),
        _ => "–".to_owned(),
    }
}

/// A count per second as `1234/s` or `12.3k/s`; `–` when unknown.
pub fn per_second(v: Option<f64>) -> String {
    match v {
        Some(x) if x >= 10_000.0 => format!("{:.1}k/s", x / 1000.0),
        Some(x) if x >= 100.0 => format!("{x:.0}/s"),
        Some(x) if x.is_finite() => format!("{x:.1}/s"),
        _ => "–".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_rates_and_durations() {
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(kib(2048), "2 MiB");
        assert_eq!(hms(3725), "1:02:05");
        assert_eq!(clock(65.9), "1:05");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(byte_rate(Some(1048576.0)), "1 MiB/s");
        assert_eq!(byte_rate(Some(-3.0)), "0 B/s");
        assert_eq!(byte_rate(None), "–");
        assert_eq!((ms(Some(12.34)), ms(None)), ("12.3 ms".to_owned(), "–".to_owned()));
        assert_eq!(per_second(Some(12345.0)), "12.3k/s");
        assert_eq!(per_second(Some(123.4)), "123/s");
        assert_eq!(per_second(Some(1.25)), "1.2/s");
        assert_eq!(per_second(Some(f64::NAN)), "–");
    }
}
