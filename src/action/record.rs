//! Where actions leave traces: the per-resource lock, the journal of an action in progress
//! (so a crashed or killed drnfs can be resumed or rolled back), and the audit log
//! (append-only JSON Lines, mode 0600, plus journald or syslog).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::plan::Plan;

/// The resource's lock, held for the life of this value. The file names its holder
/// while held and is emptied on release, so a dry run can say who holds it without taking
/// it.
#[derive(Debug)]
pub struct Lock {
    file: File,
    pub path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

impl Lock {
    /// Takes the lock without waiting; says who holds it when it cannot.
    ///
    /// The directory is drnfs's own (created 0700) and the file is never followed through
    /// a symlink and must belong to this user: in a directory others can write, someone
    /// could swap the file under a held lock, or hold it forever.
    pub fn try_take(dir: &Path, resource: &str, run_id: &str) -> Result<Lock, String> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("drnfs-{resource}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let me = rustix::process::geteuid().as_raw();
        for (what, p) in [("directory", dir), ("lock file", path.as_path())] {
            let owner = std::fs::symlink_metadata(p).map_err(|e| format!("{}: {e}", p.display()))?.uid();
            if owner != me {
                return Err(format!(
                    "the lock {what} {} belongs to uid {owner}, not to this user (uid {me}): not trusted",
                    p.display()
                ));
            }
        }
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = writeln!(file, "pid {} run {run_id}", std::process::id());
                Ok(Lock { file, path })
            }
            Err(_) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                Err(format!("another drnfs action holds {} ({})", path.display(), holder.trim()))
            }
        }
    }

    /// Who holds the lock, without taking it: the holder the file names, while that
    /// process lives (a dry run must not block a real action, even for a moment).
    pub fn holder(dir: &Path, resource: &str) -> Option<String> {
        let path = dir.join(format!("drnfs-{resource}.lock"));
        let text = std::fs::read_to_string(&path).ok()?;
        let pid: u32 = text.split_whitespace().nth(1)?.parse().ok()?;
        let alive = pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists();
        alive.then(|| format!("another drnfs action holds {} ({})", path.display(), text.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
    /// It ran on the peer and the session died before its answer: it may or may not have
    /// happened. Undone as if done, after the peer's state was read again.
    Unknown,
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    RollingBack,
    Done,
    Failed,
    RolledBack,
}

/// The journal of one action, rewritten (and synced) before and after every step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub run_id: String,
    pub pid: u32,
    pub operator: String,
    pub started_at: String,
    pub plan: Plan,
    pub steps: Vec<StepState>,
    pub state: RunState,
    pub note: Option<String>,
}

impl Journal {
    pub fn path(dir: &Path, resource: &str) -> PathBuf {
        dir.join(format!("{resource}.json"))
    }

    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let path = Self::path(dir, &self.plan.resource);
        let tmp = path.with_extension("json.tmp");
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// An unfinished action on `resource`, left by a drnfs that died or stopped for a
    /// human to look. A journal that exists but cannot be read is an error, not "none":
    /// it may be an interrupted action this drnfs cannot understand.
    pub fn unfinished(dir: &Path, resource: &str) -> Result<Option<Journal>, String> {
        let path = Self::path(dir, resource);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let j: Journal = serde_json::from_str(&text).map_err(|e| {
            format!("{} cannot be read ({e}): look at it, then move it away to continue", path.display())
        })?;
        Ok(matches!(j.state, RunState::Running | RunState::RollingBack | RunState::Failed).then_some(j))
    }

    pub fn finish(dir: &Path, resource: &str) {
        let path = Self::path(dir, resource);
        let done = dir.join(format!("{resource}.last.json"));
        let _ = std::fs::rename(path, done);
    }
}

/// Who runs drnfs: the login uid the kernel keeps for the session (audit's loginuid: it
/// survives sudo and su, and no environment variable can change it), else the uid the
/// process runs as, with the user name from /etc/passwd.
pub fn operator() -> String {
    operator_from(
        std::fs::read_to_string("/proc/self/loginuid").ok().as_deref(),
        std::fs::read_to_string("/proc/self/status").ok().as_deref(),
        std::fs::read_to_string("/etc/passwd").ok().as_deref(),
    )
}

fn operator_from(loginuid: Option<&str>, status: Option<&str>, passwd: Option<&str>) -> String {
    let name = |uid: u32| {
        passwd.and_then(|p| user_name(p, uid)).map_or_else(|| format!("uid {uid}"), |n| format!("{n} (uid {uid})"))
    };
    // 4294967295: no login session (a daemon, a container without audit).
    if let Some(uid) = loginuid.and_then(|s| s.trim().parse::<u32>().ok()).filter(|u| *u != u32::MAX) {
        return name(uid);
    }
    let uid = status
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:")))
        .and_then(|l| l.split_whitespace().next()?.parse::<u32>().ok());
    match uid {
        Some(uid) => format!("{} (no login session)", name(uid)),
        None => "unknown".to_owned(),
    }
}

fn user_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next();
        (f.next()?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

/// Appends a record to the audit file (created 0600) and sends its summary to the system
/// log. A record that cannot be written is an error: an action must not run unaudited.
pub fn audit(path: &Path, record: &serde_json::Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = OpenOptions::new().append(true).create(true).mode(0o600).open(path)?;
    let mut line = serde_json::to_string(record)?;
    line.push('\n');
    f.write_all(line.as_bytes())?;
    f.sync_data()?;
    system_log(record);
    Ok(())
}

/// journald's native protocol when there is a journal, else syslog; silent when neither.
fn system_log(record: &serde_json::Value) {
    let field =
        |k: &str| record.get(k).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default();
    let message = format!(
        "{} {} {}: {}",
        field("action"),
        field("resource"),
        field("event"),
        record.get("message").and_then(|m| m.as_str()).unwrap_or("")
    );
    let priority = match field("event").as_str() {
        "failed" | "rolled_back" | "refused" => 3,
        "step" if record.get("ok").and_then(serde_json::Value::as_bool) == Some(false) => 3,
        _ => 5,
    };
    crate::logging::system_log(
        "drnfs",
        priority,
        &message,
        &[
            ("DRNFS_RUN_ID", &field("run_id")),
            ("DRNFS_ACTION", &field("action")),
            ("DRNFS_RESOURCE", &field("resource")),
            ("DRNFS_EVENT", &field("event")),
            ("DRNFS_OPERATOR", &field("operator")),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let a = Lock::try_take(dir.path(), "r0", "run-a").unwrap();
        let b = Lock::try_take(dir.path(), "r0", "run-b").unwrap_err();
        assert!(b.contains("run run-a"), "{b}");
        drop(a);
        assert!(Lock::try_take(dir.path(), "r0", "run-c").is_ok());
    }

    #[test]
    fn a_dry_run_sees_the_holder_without_taking_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Lock::holder(dir.path(), "r0"), None);
        // Another process (pid 1 lives everywhere) wrote itself into the file.
        std::fs::write(dir.path().join("drnfs-r0.lock"), "pid 1 run other\n").unwrap();
        assert!(Lock::holder(dir.path(), "r0").is_some_and(|h| h.contains("run other")));
        // Released: the file is emptied.
        std::fs::write(dir.path().join("drnfs-r0.lock"), "").unwrap();
        let l = Lock::try_take(dir.path(), "r0", "mine").unwrap();
        drop(l);
        assert_eq!(std::fs::read_to_string(dir.path().join("drnfs-r0.lock")).unwrap(), "");
    }

    #[test]
    fn the_operator_is_the_login_uid_not_an_environment_variable() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";
        // alice logged in, then sudo: the process runs as root, the session is alice's.
        assert_eq!(operator_from(Some("1000\n"), Some("Uid:\t0\t0\t0\t0\n"), Some(passwd)), "alice (uid 1000)");
        assert_eq!(
            operator_from(Some("4294967295"), Some("Uid:\t0\t0\t0\t0\n"), Some(passwd)),
            "root (uid 0) (no login session)"
        );
        assert_eq!(operator_from(Some("1001"), None, Some(passwd)), "uid 1001");
        assert_eq!(operator_from(None, None, None), "unknown");
    }

    #[test]
    fn audit_file_is_private_and_appended() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log/audit.jsonl");
        audit(&p, &serde_json::json!({"event": "start"})).unwrap();
        audit(&p, &serde_json::json!({"event": "done"})).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 2);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
