//! The host files drnfs reads beside DRBD and nfsd (kernel log, mountinfo, routes, the
//! FIB trie, octal escapes, RFC 3339 stamps, diskstats, /proc/stat, meminfo, loadavg):
//! never a panic, and the write path's figures stay in range.
#![no_main]
use drnfs_parsers::{
    diskstats, kernel_log, loadavg, meminfo, mountinfo, net_fib_trie, net_route, proc_stat, timestamp::Timestamp,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = kernel_log::parse(text);
    let _ = mountinfo::parse(text);
    let routes = net_route::parse(text);
    for ip in net_fib_trie::local_addresses(text) {
        let _ = net_route::link_interface(&routes, ip);
    }
    let _ = meminfo::parse(text);
    let _ = loadavg::parse(text);
    let disks = diskstats::parse(text).value;
    // Any two readings of a device, in either order: no figure out of range.
    for pair in disks.windows(2) {
        for (a, b) in [(&pair[0], &pair[1]), (&pair[1], &pair[0])] {
            if let Some(r) = diskstats::rates(a, b, 1.0) {
                assert!((0.0..=100.0).contains(&r.utilisation_percent), "{r:?}");
                assert!(r.queue_depth >= 0.0 && r.write_await_ms.is_none_or(|w| w >= 0.0), "{r:?}");
            }
        }
    }
    let stat = proc_stat::parse(text).value;
    if let Some(cpu) = stat.cpu {
        let doubled = proc_stat::CpuTimes { user: cpu.user.saturating_mul(2), iowait: cpu.iowait.saturating_mul(2), ..cpu };
        if let Some(s) = proc_stat::shares(&cpu, &doubled) {
            for v in [s.busy_percent, s.iowait_percent, s.softirq_percent, s.system_percent] {
                assert!((0.0..=100.0).contains(&v), "{s:?}");
            }
        }
    }
    if let Some(t) = Timestamp::parse_rfc3339(text) {
        // What was read renders to a stamp that reads back to the same moment.
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
    }
});
