use serde::{Deserialize, Serialize};

/// What was wrong with one line of input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorKind {
    /// The line does not look like anything this format contains.
    #[error("unrecognised line")]
    Unrecognised,
    /// A field the line needs is missing.
    #[error("missing {field}")]
    Missing { field: String },
    /// A field is present but its value is not what the format allows.
    #[error("bad value {value:?} for {field}")]
    BadValue { field: String, value: String },
    /// The line belongs to a block (a minor, a resource) that was never opened.
    #[error("{what} without a preceding {needs}")]
    Orphan { what: String, needs: String },
    /// The input as a whole is not of this format (for example, not JSON).
    #[error("{message}")]
    Invalid { message: String },
}

/// An error tied to the line (1-based) where it was found, with a short excerpt of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[error("line {line}: {kind} in {excerpt:?}")]
pub struct LineError {
    pub line: usize,
    pub kind: ErrorKind,
    pub excerpt: String,
}

impl LineError {
    /// Longest excerpt of the offending line kept in an error (characters).
    pub const EXCERPT_CHARS: usize = 80;

    pub fn new(line: usize, kind: ErrorKind, text: &str) -> Self {
        let excerpt: String = text.chars().take(Self::EXCERPT_CHARS).collect();
        Self { line, kind, excerpt }
    }

    pub(crate) fn missing(line: usize, field: &str, text: &str) -> Self {
        Self::new(line, ErrorKind::Missing { field: field.to_owned() }, text)
    }

    pub(crate) fn bad_value(line: usize, field: &str, value: &str, text: &str) -> Self {
        let value: String = value.chars().take(Self::EXCERPT_CHARS).collect();
        Self::new(line, ErrorKind::BadValue { field: field.to_owned(), value }, text)
    }
}

/// A value parsed from a multi-line input, with the lines that could not be used: the
/// first [`ErrorSink::KEPT`] in full, the rest only counted (a file of junk must not cost
/// an error record per token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parsed<T> {
    pub value: T,
    pub errors: Vec<LineError>,
    /// Errors beyond those kept in `errors`.
    #[serde(default)]
    pub more_errors: u64,
}

impl<T> Parsed<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed { value: f(self.value), errors: self.errors, more_errors: self.more_errors }
    }

    /// Every error, kept or only counted.
    pub fn error_count(&self) -> u64 {
        self.errors.len() as u64 + self.more_errors
    }
}

/// Collects the errors of one parse, keeping the first [`ErrorSink::KEPT`].
#[derive(Debug, Default)]
pub(crate) struct ErrorSink {
    kept: Vec<LineError>,
    more: u64,
}

impl ErrorSink {
    /// Errors kept in full per parse; enough to show what is wrong with a file.
    pub const KEPT: usize = 20;

    pub fn push(&mut self, e: LineError) {
        if self.kept.len() < Self::KEPT {
            self.kept.push(e);
        } else {
            self.more += 1;
        }
    }

    pub fn finish<T>(self, value: T) -> Parsed<T> {
        Parsed { value, errors: self.kept, more_errors: self.more }
    }
}

/// Unknown keys a parser keeps for a newer kernel's additions: at most this many per
/// input, each key and text value cut to [`OTHER_TEXT_MAX`] characters, so that junk cannot
/// grow them without bound.
pub(crate) const OTHER_MAX: usize = 64;
pub(crate) const OTHER_TEXT_MAX: usize = 128;

/// `s` cut to [`OTHER_TEXT_MAX`] characters.
pub(crate) fn short(s: &str) -> String {
    s.chars().take(OTHER_TEXT_MAX).collect()
}

/// Keeps an unknown key's value, within [`OTHER_MAX`] entries.
pub(crate) fn keep_other<V>(map: &mut std::collections::BTreeMap<String, V>, key: &str, value: V) {
    if map.len() < OTHER_MAX || map.contains_key(key) {
        map.insert(short(key), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the kept errors the rest are counted, and the count is of all of them.
    #[test]
    fn every_error_is_counted_whether_kept_or_not() {
        let mut sink = ErrorSink::default();
        for n in 1..=ErrorSink::KEPT + 5 {
            sink.push(LineError::new(n, ErrorKind::Unrecognised, "junk"));
        }
        let parsed = sink.finish(());
        assert_eq!((parsed.errors.len(), parsed.more_errors, parsed.error_count()), (20, 5, 25));
        assert_eq!(ErrorSink::default().finish(()).error_count(), 0);
    }

    /// Unknown keys are kept up to the limit; a key already kept is updated past it.
    #[test]
    fn unknown_keys_are_kept_within_the_limit() {
        let mut map = std::collections::BTreeMap::new();
        for i in 0..OTHER_MAX + 3 {
            keep_other(&mut map, &format!("k{i}"), i);
        }
        assert_eq!(map.len(), OTHER_MAX);
        keep_other(&mut map, "k0", 99);
        assert_eq!((map.len(), map["k0"]), (OTHER_MAX, 99));
    }
}
