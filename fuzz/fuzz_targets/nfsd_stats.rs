//! /proc/net/rpc/nfsd: never a panic; errors stay bounded by the kept-error limit.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let parsed = drnfs_parsers::nfsd_stats::parse(text);
    assert!(parsed.errors.len() <= 20, "{} errors kept", parsed.errors.len());
});
