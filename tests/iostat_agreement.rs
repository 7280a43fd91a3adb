//! drnfs's block-device figures against `iostat -x` (sysstat), the tool of record, on the
//! same two readings of `/proc/diskstats`.
//!
//! iostat reads a named device's counters from `/sys/block/NAME/stat` (the diskstats line
//! without its first three fields) and the interval from `/proc/uptime`, so in a private
//! mount namespace the test puts its own files over them: iostat takes its first reading, the
//! test swaps in the second one while iostat sleeps, and both tools then work from exactly
//! the same counters and interval. Needs root (mount namespaces) and sysstat; `tests/run`
//! installs sysstat, and a machine without either fails here with the reason.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use drnfs_parsers::diskstats;

/// `iostat -x -d -y 2 1 DEVICE` over the two readings: its columns by header name.
fn iostat(before: &str, after: &str, device: &str) -> BTreeMap<String, f64> {
    let dir = tempfile::tempdir().unwrap();
    let stat = dir.path().join(device).join("stat");
    std::fs::create_dir(dir.path().join(device)).unwrap();
    let uptime = dir.path().join("uptime");
    // A named device is read from /sys/block/NAME/stat: the diskstats line without its
    // major, minor and name.
    let counters = |line: &str| line.split_whitespace().skip(3).collect::<Vec<_>>().join(" ") + "\n";
    std::fs::write(&stat, counters(before)).unwrap();
    std::fs::write(&uptime, "1000.00 1900.00\n").unwrap();
    let script = format!(
        "mount --bind {} /sys/block && mount --bind {} /proc/uptime && exec iostat -x -d -y 2 1 {device}",
        dir.path().display(),
        uptime.display()
    );
    let child = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("LC_ALL", "C")
        .env("S_COLORS", "never")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("unshare and iostat (sysstat) are needed: tests/run installs sysstat; run as root");
    // iostat reads at once, then sleeps 2 s: the second reading goes in half-way. Writing
    // in place keeps the inode the bind mount points at.
    std::thread::sleep(Duration::from_millis(1000));
    std::fs::write(&stat, counters(after)).unwrap();
    std::fs::write(&uptime, "1002.00 1903.00\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "iostat failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let mut header: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() == Some(&"Device") {
            header = f.iter().map(|s| (*s).to_owned()).collect();
        } else if f.first() == Some(&device) && !header.is_empty() {
            return header.iter().zip(&f).skip(1).map(|(h, v)| (h.clone(), v.parse().unwrap())).collect();
        }
    }
    panic!("no line for {device} in iostat's output:\n{stdout}");
}

fn close(name: &str, ours: f64, theirs: f64) {
    // iostat prints two decimals.
    assert!((ours - theirs).abs() <= 0.006 + theirs.abs() * 1e-4, "{name}: drnfs {ours}, iostat -x {theirs}");
}

#[test]
fn block_device_figures_agree_with_iostat() {
    // Three intervals: a busy replicated device (the lab's drbd0 while the writer client
    // ran), an idle one, and a saturated disk with reads and writes queued.
    let pairs = [
        (
            " 147 0 drbd0 1021 0 8168 1164 40960 0 327680 98130 2 60724 99294 0 0 0 0 0 0\n",
            " 147 0 drbd0 1021 0 8168 1164 41473 0 331784 104297 3 61910 105461 0 0 0 0 0 0\n",
            "drbd0",
        ),
        (
            " 253 16 vdb 500 10 4000 300 900 40 7200 800 0 1000 1100 0 0 0 0 10 5\n",
            " 253 16 vdb 500 10 4000 300 900 40 7200 800 0 1000 1100 0 0 0 0 10 5\n",
            "vdb",
        ),
        (
            " 8 0 sda 9093 1297 402386 23048 1702 2101 31248 5520 0 13108 28568\n",
            " 8 0 sda 9193 1397 404386 25048 1902 2401 33648 15520 7 15108 46568\n",
            "sda",
        ),
    ];
    for (before, after, device) in pairs {
        let theirs = iostat(before, after, device);
        let a = diskstats::parse(before).value.remove(0);
        let b = diskstats::parse(after).value.remove(0);
        let ours = diskstats::rates(&a, &b, 2.0).unwrap();
        close("r/s", ours.reads_per_second, theirs["r/s"]);
        close("w/s", ours.writes_per_second, theirs["w/s"]);
        close("rkB/s", ours.read_kib_per_second, theirs["rkB/s"]);
        close("wkB/s", ours.write_kib_per_second, theirs["wkB/s"]);
        // iostat prints 0.00 where drnfs says "no write completed".
        close("r_await", ours.read_await_ms.unwrap_or(0.0), theirs["r_await"]);
        close("w_await", ours.write_await_ms.unwrap_or(0.0), theirs["w_await"]);
        close("aqu-sz", ours.queue_depth, theirs["aqu-sz"]);
        close("%util", ours.utilisation_percent, theirs["%util"]);
        eprintln!("{device}: agrees with iostat -x on 8 columns: {theirs:?}");
    }
}
