//! Reading files under a proc root (`/proc`, or a captured copy of it), with errors that
//! say what a missing file means on an NFS/DRBD server.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Why a source could not be read, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceError {
    #[error("{path} does not exist{}", hint_suffix(hint))]
    Missing { path: String, hint: Option<String> },
    #[error("permission denied reading {path} (drnfs needs root for it)")]
    PermissionDenied { path: String },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{program} failed: {message}")]
    Command { program: String, message: String },
}

fn hint_suffix(h: &Option<String>) -> String {
    h.as_ref().map(|h| format!(": {h}")).unwrap_or_default()
}

/// Files under one proc root.
#[derive(Debug, Clone)]
pub struct ProcRoot {
    root: PathBuf,
}

impl ProcRoot {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Reads `rel` (e.g. `net/rpc/nfsd`). `hint` says what a missing file means.
    pub fn read(&self, rel: &str, hint: Option<&str>) -> Result<String, SourceError> {
        self.read_bounded(rel, hint).map(|b| b.text)
    }

    /// Reads `rel` within [`super::bounded`]'s limits, saying what was cut.
    pub fn read_bounded(&self, rel: &str, hint: Option<&str>) -> Result<super::bounded::Bounded, SourceError> {
        let path = self.path(rel);
        super::bounded::read(&path, super::bounded::MAX_FILE, super::bounded::MAX_LINE)
            .map_err(|e| classify(&path, &e, hint))
    }

    /// Names of the entries of directory `rel`, sorted.
    pub fn list(&self, rel: &str, hint: Option<&str>) -> Result<Vec<String>, SourceError> {
        let path = self.path(rel);
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .map_err(|e| classify(&path, &e, hint))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort_by(|a, b| natural_key(a).cmp(&natural_key(b)));
        Ok(names)
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// exportfs's table of what is exported (`/var/lib/nfs/etab`): outside /proc, so a
    /// captured tree keeps it beside its `proc/` as `var/lib/nfs/etab`.
    pub fn etab_path(&self) -> PathBuf {
        if self.root == Path::new("/proc") {
            PathBuf::from(ETAB)
        } else {
            self.root.parent().unwrap_or(Path::new(".")).join(ETAB.trim_start_matches('/'))
        }
    }

    /// Reads exportfs's table (see [`ProcRoot::etab_path`]).
    pub fn read_etab(&self) -> Result<String, SourceError> {
        self.read_etab_bounded().map(|b| b.text)
    }

    /// [`ProcRoot::read_etab`] with what was cut from it.
    pub fn read_etab_bounded(&self) -> Result<super::bounded::Bounded, SourceError> {
        let path = self.etab_path();
        super::bounded::read(&path, super::bounded::MAX_FILE, super::bounded::MAX_LINE)
            .map_err(|e| classify(&path, &e, Some("nfs-utils keeps it in its state directory")))
    }
}

/// Where exportfs keeps the table of exports it gave the kernel (nfs-utils' state directory).
pub const ETAB: &str = "/var/lib/nfs/etab";

/// Sorts `2` before `10` (nfsd client directories are numbers).
fn natural_key(s: &str) -> (u64, &str) {
    (s.parse().unwrap_or(u64::MAX), s)
}

fn classify(path: &Path, e: &io::Error, hint: Option<&str>) -> SourceError {
    let path = path.display().to_string();
    match e.kind() {
        io::ErrorKind::NotFound => SourceError::Missing { path, hint: hint.map(str::to_owned) },
        io::ErrorKind::PermissionDenied => SourceError::PermissionDenied { path },
        _ => SourceError::Io { path, message: e.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_present_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("fs/nfsd/clients/10")).unwrap();
        std::fs::create_dir_all(dir.path().join("fs/nfsd/clients/9")).unwrap();
        std::fs::write(dir.path().join("drbd"), "version: 8.4.11\n").unwrap();
        let root = ProcRoot::new(dir.path().to_path_buf());
        assert_eq!(root.read("drbd", None).unwrap(), "version: 8.4.11\n");
        let err = root.read("net/rpc/nfsd", Some("the nfsd module is not loaded")).unwrap_err();
        assert!(err.to_string().ends_with("net/rpc/nfsd does not exist: the nfsd module is not loaded"), "{err}");
        assert_eq!(root.list("fs/nfsd/clients", None).unwrap(), vec!["9", "10"]);
    }

    #[test]
    fn unreadable_file_is_permission_denied_for_non_root() {
        // root reads anything; the classification itself is what matters here.
        let e = io::Error::from(io::ErrorKind::PermissionDenied);
        let err = classify(Path::new("/proc/fs/nfsd/clients/3/info"), &e, None);
        assert_eq!(err, SourceError::PermissionDenied { path: "/proc/fs/nfsd/clients/3/info".into() });
    }
}
