//! `drnfs check`: exit 0 only when this node serves the resource — Primary, UpToDate,
//! mounted, nfsd running, exports present, no hold. Read-only and fast: it reads /proc
//! directly, runs neither drbdadm nor systemctl, and takes no lock.

use std::path::Path;

use drnfs_parsers::drbd_state::{DiskState, Role};
use drnfs_parsers::{nfsd_fs, nfsd_stats, proc_drbd};

use crate::config::{Config, Resource};
use crate::source::{ProcRoot, SourceError};

/// Exit codes (keepalived only tells 0 from the rest; the rest is for humans and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Serving = 0,
    NotPrimary = 1,
    NotMounted = 2,
    NfsDown = 3,
    Degraded = 4,
    TwoPrimaries = 5,
    Hold = 6,
    Unreadable = 10,
}

impl Verdict {
    pub fn code(self) -> u8 {
        self as u8
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Result {
    pub verdict: Verdict,
    pub reason: String,
}

fn result(verdict: Verdict, reason: impl Into<String>) -> Result {
    Result { verdict, reason: reason.into() }
}

/// Checks `r` (or, without configuration, any DRBD minor and any export) under `proc`.
pub fn check(proc: &ProcRoot, config: Option<&Config>, r: Option<&Resource>, drbdsetup: &Path) -> Result {
    let minor: Option<u32> = r.and_then(|r| r.device.to_string_lossy().trim_start_matches("/dev/drbd").parse().ok());
    let text = match proc.read("drbd", None) {
        Ok(t) => t,
        // Nothing is known of this node's role: unreadable, not "not Primary".
        Err(e) => return result(Verdict::Unreadable, format!("DRBD state unreadable ({e})")),
    };
    let p = proc_drbd::parse(&text).value;
    let (role, peer_role, disk, suspended) = if p.device_state_needs_events2() {
        // DRBD 9: status JSON, under a deadline shorter than keepalived's.
        let Some(r) = r else { return result(Verdict::Unreadable, "DRBD 9 needs the resource name (--resource)") };
        match crate::source::drbdsetup::run_with_timeout(
            drbdsetup,
            &["status", "--json", &r.name],
            std::time::Duration::from_millis(500),
        ) {
            Ok(json) => match drnfs_parsers::drbd_status_json::parse(&json).ok().and_then(|mut v| v.pop()) {
                Some(res) => {
                    let quorum_lost = res.devices.iter().any(|d| d.quorum == Some(false));
                    let peer_role = res.connections.iter().find_map(|c| c.peer_role.clone());
                    let disk = res.devices.first().and_then(|d| d.disk.clone());
                    (res.role, peer_role, disk, res.suspended.as_deref().is_some_and(|s| s != "no") || quorum_lost)
                }
                None => return result(Verdict::Unreadable, "drbdsetup status --json: no such resource"),
            },
            Err(e) => return result(Verdict::Unreadable, e.to_string()),
        }
    } else {
        let m = match minor {
            Some(mi) => p.minors.iter().find(|m| m.minor == mi),
            None => p.minors.iter().find(|m| m.role == Some(Role::Primary)).or(p.minors.first()),
        };
        let Some(m) = m else { return result(Verdict::NotPrimary, "no such DRBD minor") };
        (m.role.clone(), m.peer_role.clone(), m.disk.clone(), m.io_flags.as_ref().is_some_and(|f| f.io_suspended))
    };
    if role != Some(Role::Primary) {
        return result(Verdict::NotPrimary, format!("role {}", role.map_or("?".to_owned(), |r| r.to_string())));
    }
    if disk != Some(DiskState::UpToDate) || suspended {
        return result(
            Verdict::Degraded,
            format!(
                "disk {}{}",
                disk.map_or("?".to_owned(), |d| d.to_string()),
                if suspended { ", I/O suspended" } else { "" }
            ),
        );
    }
    // Disconnected (even StandAlone) a Primary still serves: moving the VIP to a node that
    // cannot would only make the outage. Two connected Primaries are a different matter.
    if peer_role == Some(Role::Primary) {
        return result(Verdict::TwoPrimaries, "the peer is Primary too");
    }
    let mountinfo = proc.read("self/mountinfo", None).unwrap_or_default();
    let device = r.map(|r| r.device.display().to_string());
    let mp = r.map(|r| r.mount_point.display().to_string());
    let mounted = drnfs_parsers::mountinfo::parse(&mountinfo).value.iter().any(|m| {
        let from_drbd = match &device {
            Some(d) => m.source == *d,
            None => m.source.starts_with("/dev/drbd"),
        };
        from_drbd && !m.read_only() && mp.as_deref().is_none_or(|p| p == m.mount_point)
    });
    if !mounted {
        return result(
            Verdict::NotMounted,
            format!("{} not mounted read-write", mp.as_deref().unwrap_or("no DRBD filesystem")),
        );
    }
    // /proc/fs/nfsd/threads is root-only (0600); the `th` line of /proc/net/rpc/nfsd
    // counts the same running threads and anyone may read it, so a check run as another
    // user (keepalived's script_user) still tells "nfsd down" from "cannot see".
    let threads = match proc.read("fs/nfsd/threads", None) {
        Ok(t) => nfsd_fs::threads(&t).unwrap_or(0),
        Err(e) => match proc.read("net/rpc/nfsd", None) {
            Ok(stats) => nfsd_stats::parse(&stats).value.threads.unwrap_or(0),
            Err(_) if matches!(e, SourceError::PermissionDenied { .. }) => {
                return result(Verdict::Unreadable, e.to_string());
            }
            Err(_) => 0,
        },
    };
    if threads == 0 {
        return result(Verdict::NfsDown, "nfsd is not running");
    }
    // exportfs's table says what is exported; the kernel's cache only what clients used
    // lately (empty right after nfsd starts), so it is only the fallback.
    let exports = proc
        .read_etab()
        .or_else(|_| proc.read("fs/nfsd/exports", None))
        .map(|t| nfsd_fs::exports(&t).value)
        .unwrap_or_default();
    let missing: Vec<String> = match r {
        Some(r) => r
            .exports
            .iter()
            .map(|e| e.display().to_string())
            .filter(|e| !exports.iter().any(|x| x.path == *e))
            .collect(),
        None if exports.iter().all(|e| e.pseudo_root) => vec!["any export".to_owned()],
        None => Vec::new(),
    };
    if !missing.is_empty() {
        return result(Verdict::NfsDown, format!("not exported: {}", missing.join(", ")));
    }
    if let (Some(c), Some(r)) = (config, r)
        && std::fs::read_to_string(r.hold_file(&c.keepalived)).is_ok_and(|h| h.trim() == "1")
    {
        return result(Verdict::Hold, "hold set: draining the VIP from this node");
    }
    result(Verdict::Serving, format!("serving: Primary, UpToDate, mounted, {threads} nfsd threads"))
}

/// Logs the result when it changed since the last check of this resource (per-interval
/// logging would drown the journal).
pub fn log_change(state_dir: &Path, name: &str, res: &Result) {
    let path = state_dir.join(format!("check-{name}.state"));
    let now = format!("{} {}", res.verdict.code(), res.reason);
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    let code = |s: &str| s.split_whitespace().next().map(str::to_owned);
    if code(&before) != code(&now) {
        let _ = std::fs::create_dir_all(state_dir);
        let _ = std::fs::write(&path, &now);
        crate::logging::system_log("drnfs-check", 5, &format!("check {name}: now {now}"), &[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(drbd: &str, mount: bool, threads: &str, exports: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        // proc/ with its etab beside it, as in a capture (var/lib/nfs/etab).
        let p = &d.path().join("proc");
        std::fs::create_dir_all(p.join("fs/nfsd")).unwrap();
        std::fs::create_dir_all(p.join("self")).unwrap();
        std::fs::write(p.join("drbd"), drbd).unwrap();
        let mi = if mount {
            "36 25 147:0 / /srv/nfs rw,relatime shared:1 - ext4 /dev/drbd0 rw\n"
        } else {
            "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        };
        std::fs::write(p.join("self/mountinfo"), mi).unwrap();
        std::fs::write(p.join("fs/nfsd/threads"), threads).unwrap();
        std::fs::write(p.join("fs/nfsd/exports"), exports).unwrap();
        d
    }

    const PRIMARY: &str = "version: 8.4.11\n 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n";
    const EXPORTS: &str = "/srv/nfs/export\t10.50.0.0/24(rw,fsid=1)\n";

    fn config() -> Config {
        toml::from_str("[keepalived]\nhold_dir='/nonexistent'\n[[resource]]\nname='r0'\ndevice='/dev/drbd0'\nmount_point='/srv/nfs'\nexports=['/srv/nfs/export']\n").unwrap()
    }

    fn run(t: &tempfile::TempDir) -> Verdict {
        let c = config();
        check(&ProcRoot::new(t.path().join("proc")), Some(&c), Some(&c.resources[0]), Path::new("drbdsetup")).verdict
    }

    #[test]
    fn nfsd_threads_from_the_rpc_statistics_when_the_threads_file_cannot_be_read() {
        // /proc/fs/nfsd/threads is root-only; its absence stands in for that here (root
        // reads a 0000 file anyway). The lab's nfsd-stopped capture has `th 0` there.
        for (th, want) in [("th 8 0 0.000\n", Verdict::Serving), ("th 0 0 0.000\n", Verdict::NfsDown)] {
            let t = tree(PRIMARY, true, "8\n", EXPORTS);
            let p = t.path().join("proc");
            std::fs::remove_file(p.join("fs/nfsd/threads")).unwrap();
            std::fs::create_dir_all(p.join("net/rpc")).unwrap();
            std::fs::write(p.join("net/rpc/nfsd"), th).unwrap();
            assert_eq!(run(&t), want, "{th}");
        }
    }

    #[test]
    fn every_verdict() {
        assert_eq!(run(&tree(PRIMARY, true, "8\n", EXPORTS)), Verdict::Serving);
        assert_eq!(
            run(&tree(&PRIMARY.replace("ro:Primary/Secondary", "ro:Secondary/Primary"), false, "0\n", "")),
            Verdict::NotPrimary
        );
        assert_eq!(run(&tree(PRIMARY, false, "8\n", EXPORTS)), Verdict::NotMounted);
        assert_eq!(run(&tree(PRIMARY, true, "0\n", EXPORTS)), Verdict::NfsDown);
        assert_eq!(run(&tree(PRIMARY, true, "8\n", "")), Verdict::NfsDown);
        assert_eq!(
            run(&tree(&PRIMARY.replace("ds:UpToDate/UpToDate", "ds:Inconsistent/UpToDate"), true, "8\n", EXPORTS)),
            Verdict::Degraded
        );
        // A StandAlone Primary still serves; two Primaries do not count as serving.
        assert_eq!(
            run(&tree(
                &PRIMARY.replace("cs:Connected", "cs:StandAlone").replace("Primary/Secondary", "Primary/Unknown"),
                true,
                "8\n",
                EXPORTS
            )),
            Verdict::Serving
        );
        assert_eq!(
            run(&tree(&PRIMARY.replace("Primary/Secondary", "Primary/Primary"), true, "8\n", EXPORTS)),
            Verdict::TwoPrimaries
        );
        let no_drbd = tempfile::tempdir().unwrap();
        assert_eq!(run(&no_drbd), Verdict::Unreadable);
    }

    #[test]
    fn exportfs_table_decides_not_the_kernel_cache() {
        // Right after nfsd starts the kernel's cache is empty until a client comes: the
        // export is in etab, so the node serves.
        let t = tree(PRIMARY, true, "8\n", "");
        let etab = t.path().join("var/lib/nfs");
        std::fs::create_dir_all(&etab).unwrap();
        std::fs::write(etab.join("etab"), EXPORTS).unwrap();
        assert_eq!(run(&t), Verdict::Serving);
        // exportfs -au emptied etab: not exported, whatever the cache still holds.
        let t = tree(PRIMARY, true, "8\n", EXPORTS);
        std::fs::create_dir_all(t.path().join("var/lib/nfs")).unwrap();
        std::fs::write(t.path().join("var/lib/nfs/etab"), "").unwrap();
        assert_eq!(run(&t), Verdict::NfsDown);
    }

    #[test]
    fn hold_file_drains() {
        let t = tree(PRIMARY, true, "8\n", EXPORTS);
        let hold = tempfile::tempdir().unwrap();
        let mut c = config();
        c.keepalived.hold_dir = hold.path().to_path_buf();
        std::fs::write(hold.path().join("r0.hold"), "1\n").unwrap();
        let res = check(&ProcRoot::new(t.path().join("proc")), Some(&c), Some(&c.resources[0]), Path::new("drbdsetup"));
        assert_eq!(res.verdict, Verdict::Hold);
    }
}
