//! `drbdsetup status --json`: never a panic on any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = drnfs_parsers::drbd_status_json::parse(text);
});
