//! /proc/drbd: never a panic; what is parsed holds the file's invariants (percent in
//! 0..=100, remaining <= total), a parse never yields more minors than the input has lines,
//! and every error names one of its lines.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let parsed = drnfs_parsers::proc_drbd::parse(text);
    assert!(parsed.value.minors.len() <= text.lines().count());
    for m in &parsed.value.minors {
        if let Some(s) = &m.sync {
            assert!((0.0..=100.0).contains(&s.percent), "percent {} out of range", s.percent);
            assert!(s.remaining_kib <= s.total_kib, "remaining {} > total {}", s.remaining_kib, s.total_kib);
        }
    }
    // Every error names a line of the input (a line may have several bad tokens), and
    // junk costs at most the kept-error limit.
    let lines = text.lines().count();
    for e in &parsed.errors {
        assert!(e.line >= 1 && e.line <= lines, "error on line {} of {lines}", e.line);
    }
    assert!(parsed.errors.len() <= 20, "{} errors kept", parsed.errors.len());
});
