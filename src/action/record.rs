//! Where actions leave traces: the per-resource lock, the journal of an action in progress
//! (so a crashed or killed drnfs can be resumed or rolled back), and the audit log
//! (append-only JSON Lines, mode 0600, plus journald or syslog).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::plan::Plan;

/// The resource's lock, held for the life of this value.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

impl Lock {
    /// Takes the lock without waiting; says who holds it when it cannot.
    pub fn try_take(dir: &Path, resource: &str, run_id: &str) -> Result<Lock, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("drnfs-{resource}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = writeln!(file, "pid {} run {run_id}", std::process::id());
                Ok(Lock { _file: file, path })
            }
            Err(_) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                Err(format!("another drnfs action holds {} ({})", path.display(), holder.trim()))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
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

    /// An unfinished action on `resource`, left by a drnfs that died.
    pub fn unfinished(dir: &Path, resource: &str) -> Option<Journal> {
        let text = std::fs::read_to_string(Self::path(dir, resource)).ok()?;
        let j: Journal = serde_json::from_str(&text).ok()?;
        matches!(j.state, RunState::Running | RunState::RollingBack).then_some(j)
    }

    pub fn finish(dir: &Path, resource: &str) {
        let path = Self::path(dir, resource);
        let done = dir.join(format!("{resource}.last.json"));
        let _ = std::fs::rename(path, done);
    }
}

/// Who runs drnfs: the sudo user, else the login user, else `$USER`.
pub fn operator() -> String {
    if let Ok(u) = std::env::var("SUDO_USER") {
        return u;
    }
    let login = std::fs::read_to_string("/proc/self/loginuid")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|u| *u != u32::MAX);
    if let Some(uid) = login {
        if let Some(name) = user_name(uid) {
            return name;
        }
        return format!("uid {uid}");
    }
    std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
}

fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
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
