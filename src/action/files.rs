//! What a node has on its filesystem that an action is about to touch: the files changed
//! since a split brain (what a split-brain victim loses), and the processes that use a
//! directory (a promote must not mount over them). Bounded: a walk stops at a file count
//! and a time budget and says so.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

pub use crate::peer::ModifiedFiles;

/// Files under `root` (one filesystem, symlinks not followed) modified after `since`.
/// The walk runs on its own thread: a directory read that blocks (a filesystem whose
/// device suspended I/O) is abandoned at the budget, and the result says it is partial.
pub fn modified_since(root: &Path, since: SystemTime, limit: usize, budget: Duration) -> ModifiedFiles {
    let (tx, rx) = std::sync::mpsc::channel();
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(walk(&root, since, limit, budget));
    });
    rx.recv_timeout(budget + Duration::from_secs(1)).unwrap_or_default()
}

fn walk(root: &Path, since: SystemTime, limit: usize, budget: Duration) -> ModifiedFiles {
    let started = Instant::now();
    let mut out = ModifiedFiles { complete: true, ..Default::default() };
    let Ok(top) = std::fs::symlink_metadata(root) else {
        out.complete = false;
        return out;
    };
    let dev = top.dev();
    let mut found: Vec<(SystemTime, String)> = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut visited = 0u64;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            visited += 1;
            if visited > 1_000_000 || started.elapsed() > budget {
                out.complete = false;
                stack.clear();
                break;
            }
            let Ok(m) = e.metadata() else { continue };
            if m.dev() != dev {
                continue; // another filesystem mounted below
            }
            if m.is_dir() {
                stack.push(e.path());
            } else if let Ok(t) = m.modified()
                && t > since
            {
                out.count += 1;
                found.push((t, e.path().display().to_string()));
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    out.files = found
        .into_iter()
        .take(limit)
        .map(|(t, p)| {
            let micros = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64);
            (p, drnfs_parsers::timestamp::Timestamp::from_unix_micros(micros).to_rfc3339())
        })
        .collect();
    out
}

/// Processes whose working directory, root or an open file lies under `dir` (read from
/// `proc`): mounting a filesystem on `dir` would hide what they write.
pub fn users_of(dir: &Path, proc: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(proc) else { return out };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else { continue };
        let under = |p: &Path| std::fs::read_link(p).is_ok_and(|target| target.starts_with(dir));
        let base = e.path();
        let mut how = Vec::new();
        if under(&base.join("cwd")) {
            how.push("working directory");
        }
        if under(&base.join("root")) {
            how.push("root directory");
        }
        if let Ok(fds) = std::fs::read_dir(base.join("fd"))
            && fds.flatten().take(4096).any(|fd| under(&fd.path()))
        {
            how.push("open file");
        }
        if !how.is_empty() {
            let cmd = std::fs::read(base.join("cmdline"))
                .map(|b| {
                    String::from_utf8_lossy(&b).split('\0').filter(|a| !a.is_empty()).collect::<Vec<_>>().join(" ")
                })
                .unwrap_or_default();
            out.push(format!("pid {pid} ({}): {}", how.join(", "), if cmd.is_empty() { "?" } else { &cmd }));
        }
        if out.len() >= 20 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_changed_since_a_moment_newest_first() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::write(d.path().join("old"), "x").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options().write(true).open(d.path().join("old")).unwrap().set_modified(old).unwrap();
        let since = SystemTime::now() - Duration::from_secs(60);
        std::fs::write(d.path().join("a/b/new1"), "x").unwrap();
        std::fs::write(d.path().join("a/new2"), "x").unwrap();
        let m = modified_since(d.path(), since, 10, Duration::from_secs(10));
        assert!(m.complete);
        assert_eq!(m.count, 2);
        let names: Vec<&str> = m.files.iter().map(|(p, _)| p.rsplit('/').next().unwrap()).collect();
        assert!(names.contains(&"new1") && names.contains(&"new2") && !names.contains(&"old"), "{names:?}");
        let limited = modified_since(d.path(), since, 1, Duration::from_secs(10));
        assert_eq!((limited.count, limited.files.len()), (2, 1));
        assert!(!modified_since(&d.path().join("absent"), since, 10, Duration::from_secs(1)).complete);
    }

    #[test]
    fn a_process_in_the_directory_is_named() {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep").arg("30").current_dir(d.path()).spawn().unwrap();
        let me = format!("pid {} ", child.id());
        let mut users = Vec::new();
        // Read until the child shows with its command line (a loaded machine may still be
        // between its spawn and its exec), for at most two seconds.
        for _ in 0..100 {
            users = users_of(d.path(), Path::new("/proc"));
            if users.iter().any(|u| u.starts_with(&me) && u.contains("sleep 30")) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            users.iter().any(|u| u.starts_with(&me) && u.contains("working directory") && u.contains("sleep 30")),
            "{users:?}"
        );
        let other = tempfile::tempdir().unwrap();
        assert!(users_of(other.path(), Path::new("/proc")).is_empty());
    }
}
