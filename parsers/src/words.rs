//! Small tokenising helpers shared by the text parsers. All of them are total: they
//! return `None` instead of panicking on any input.

/// Parses an unsigned decimal, accepting thousands separators (`1,234,567`) as
/// `/proc/drbd` prints speeds.
pub(crate) fn u64_with_commas(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    let mut digits = 0;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                digits += 1;
            }
            b',' => {}
            _ => return None,
        }
    }
    (digits > 0).then_some(value)
}

/// Splits `key:value` at the first colon.
pub(crate) fn key_value(token: &str) -> Option<(&str, &str)> {
    token.split_once(':')
}

/// `h:mm:ss` (hours unbounded) to seconds.
pub(crate) fn hms_seconds(s: &str) -> Option<u64> {
    let mut parts = s.split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec: u64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m >= 60 || sec >= 60 {
        return None;
    }
    h.checked_mul(3600)?.checked_add(m * 60 + sec)
}

/// Undoes the kernel's octal escapes of blanks and backslashes in paths (`\040` for a
/// space, in the export cache and mountinfo); anything else is kept as is.
pub fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = (u32::from(b[i + 1] - b'0') << 6) | (u32::from(b[i + 2] - b'0') << 3) | u32::from(b[i + 3] - b'0');
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_digits() {
        assert_eq!(u64_with_commas("1,234,567"), Some(1_234_567));
        assert_eq!(u64_with_commas("83088"), Some(83_088));
        assert_eq!(u64_with_commas(","), None);
        assert_eq!(u64_with_commas("12a"), None);
        assert_eq!(u64_with_commas("99999999999999999999999"), None);
    }

    #[test]
    fn hours_minutes_seconds() {
        assert_eq!(hms_seconds("10:43:36"), Some(10 * 3600 + 43 * 60 + 36));
        assert_eq!(hms_seconds("0:00:05"), Some(5));
        assert_eq!(hms_seconds("1:61:00"), None);
        assert_eq!(hms_seconds("1:00"), None);
    }

    /// Each of an octal escape's three digits in its place: `\\134` is a backslash.
    #[test]
    fn octal_escapes_use_all_three_digits() {
        assert_eq!(unescape_octal("a\\134b\\040c\\011d"), "a\\b c\td");
    }
}
