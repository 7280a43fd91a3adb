//! Helpers shared by the integration tests (each test file is its own crate).

use std::ffi::OsString;
use std::path::Path;

/// The flags that make drnfs read a lab capture (`fixtures/<scenario>/<node>`) instead
/// of this machine: its /proc tree, events2 dump, kernel log and DRBD configuration.
#[allow(dead_code)]
pub fn capture_sources(dir: &Path) -> Vec<OsString> {
    [
        ("--proc-root", "proc"),
        ("--events2-file", "events2-now.txt"),
        ("--kernel-log-file", "dmesg.txt"),
        ("--drbd-config", "drbdadm-dump.txt"),
    ]
    .into_iter()
    .flat_map(|(flag, file)| [OsString::from(flag), dir.join(file).into_os_string()])
    .collect()
}

pub mod pair;
