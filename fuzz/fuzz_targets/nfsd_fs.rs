//! Every /proc/fs/nfsd file parser on the same bytes: never a panic.
#![no_main]
use drnfs_parsers::nfsd_fs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = nfsd_fs::pool_stats(text);
    let _ = nfsd_fs::threads(text);
    let _ = nfsd_fs::versions(text);
    let _ = nfsd_fs::exports(text);
    let _ = nfsd_fs::export_stats(text);
    let _ = nfsd_fs::client_info(text).value.hostname_hint();
    let _ = nfsd_fs::client_states(text);
});
