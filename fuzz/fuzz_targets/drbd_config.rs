//! `drbdadm dump` configuration: never a panic, and resources come only from a parse
//! that succeeded.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(top) = drnfs_parsers::drbd_config::parse(text) {
        let _ = drnfs_parsers::drbd_config::resources(&top);
    }
});
