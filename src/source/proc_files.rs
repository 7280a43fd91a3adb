//! One sample of every proc file drnfs reads, as raw text: [`FileSet`]. Live it is read
//! from a proc root; in a recording it is stored as is; either way the same parsing turns
//! it into a snapshot. A file that could not be read is kept with its error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ProcRoot, SourceError};

/// Files read from the proc root on every sample (relative to it).
pub const FILES: &[&str] = &[
    "drbd",
    "net/rpc/nfsd",
    "fs/nfsd/threads",
    "fs/nfsd/pool_stats",
    "fs/nfsd/versions",
    "fs/nfsd/exports",
    "fs/nfsd/export_stats",
    "fs/nfsd/nfsv4leasetime",
    "fs/nfsd/nfsv4gracetime",
    "fs/nfsd/v4_end_grace",
    "sys/kernel/hostname",
    "sys/kernel/osrelease",
    "self/mountinfo",
    "net/fib_trie",
    "diskstats",
    "stat",
    "meminfo",
    "loadavg",
];

/// This host's addresses over rtnetlink, as `ip -o address` text: kept under this name
/// beside the files (read live only; captures and older recordings have fib_trie).
pub const ADDRESSES: &str = "rtnetlink:addresses";

/// Directories whose listing matters (the nfsd filesystem, its clients).
pub const NFSD_DIR: &str = "fs/nfsd";
pub const CLIENTS_DIR: &str = "fs/nfsd/clients";

/// Raw contents of the proc files of one sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSet {
    /// Where the files were read from, for messages (`/proc`, a capture directory).
    pub root: String,
    pub files: BTreeMap<String, Result<String, SourceError>>,
    pub dirs: BTreeMap<String, Result<Vec<String>, SourceError>>,
    /// What was cut from a file larger, or with lines longer, than any real one
    /// ([`super::bounded`]), by file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cuts: BTreeMap<String, Vec<String>>,
}

impl FileSet {
    /// Reads every file drnfs uses from `proc`.
    pub fn read(proc: &ProcRoot) -> Self {
        let mut set = FileSet { root: proc.root().display().to_string(), ..Default::default() };
        for rel in FILES {
            let read = set.bounded(proc, rel);
            set.files.insert((*rel).to_owned(), read);
        }
        set.dirs.insert(NFSD_DIR.to_owned(), proc.list(NFSD_DIR, None));
        let clients = proc.list(CLIENTS_DIR, None);
        if let Ok(ids) = &clients {
            for id in ids {
                for leaf in ["info", "states"] {
                    let rel = format!("{CLIENTS_DIR}/{id}/{leaf}");
                    let content = set.bounded(proc, &rel);
                    set.files.insert(rel, content);
                }
            }
        }
        set.dirs.insert(CLIENTS_DIR.to_owned(), clients);
        // Kept under its absolute path: it does not live under the proc root.
        let etab = proc.read_etab_bounded().map(|b| {
            if !b.cuts.is_empty() {
                set.cuts.insert(super::proc_root::ETAB.to_owned(), b.cuts);
            }
            b.text
        });
        set.files.insert(super::proc_root::ETAB.to_owned(), etab);
        if let Some(Ok(stat)) = set.files.get_mut("stat") {
            *stat = cpu_lines(stat);
        }
        if proc.root() == std::path::Path::new("/proc") {
            set.read_dm_names();
            set.files.insert(ADDRESSES.to_owned(), super::rtnetlink::addresses());
        }
        set
    }

    /// Device-mapper names (`/sys/block/dm-3/dm/name`), kept under their absolute paths:
    /// a DRBD backing device is often an LVM volume, named by its mapper name.
    fn read_dm_names(&mut self) {
        let Ok(entries) = std::fs::read_dir("/sys/block") else { return };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("dm-"))
            .collect();
        names.sort();
        // Bounded: a host with thousands of mapper devices costs a few reads, not thousands.
        for dm in names.into_iter().take(256) {
            let path = format!("/sys/block/{dm}/dm/name");
            if let Ok(name) = std::fs::read_to_string(&path) {
                self.files.insert(path, Ok(name.chars().take(256).collect()));
            }
        }
    }

    fn bounded(&mut self, proc: &ProcRoot, rel: &str) -> Result<String, SourceError> {
        proc.read_bounded(rel, None).map(|b| {
            if !b.cuts.is_empty() {
                self.cuts.insert(rel.to_owned(), b.cuts);
            }
            b.text
        })
    }

    /// The text of `rel`; a file not in the set is reported missing.
    pub fn get(&self, rel: &str) -> Result<&str, SourceError> {
        match self.files.get(rel) {
            Some(Ok(t)) => Ok(t),
            Some(Err(e)) => Err(e.clone()),
            None => Err(SourceError::Missing { path: self.path(rel), hint: None }),
        }
    }

    pub fn list(&self, rel: &str) -> Result<Vec<String>, SourceError> {
        match self.dirs.get(rel) {
            Some(r) => r.clone(),
            None => Err(SourceError::Missing { path: self.path(rel), hint: None }),
        }
    }

    /// `rel` spelled under the root, for messages.
    pub fn path(&self, rel: &str) -> String {
        if rel.starts_with('/') || rel == ADDRESSES {
            return rel.to_owned();
        }
        format!("{}/{rel}", self.root.trim_end_matches('/'))
    }

    /// The files that differ from `previous` (changed, added, or now failing) and the
    /// names of those that went away: what a recording stores per sample.
    pub fn delta_from(&self, previous: &FileSet) -> (BTreeMap<String, Result<String, SourceError>>, Vec<String>) {
        let changed = self
            .files
            .iter()
            .filter(|(k, v)| previous.files.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let removed = previous.files.keys().filter(|k| !self.files.contains_key(*k)).cloned().collect();
        (changed, removed)
    }

    /// Applies a recorded delta on top of this set.
    pub fn apply_delta(&mut self, changed: BTreeMap<String, Result<String, SourceError>>, removed: &[String]) {
        for k in removed {
            self.files.remove(k);
        }
        self.files.extend(changed);
    }
}

/// The lines of `/proc/stat` drnfs reads (`cpu `, `cpuN`, `procs_blocked`): the rest is
/// interrupt counts, kilobytes of them on a large host, that would change in every
/// recorded sample.
fn cpu_lines(stat: &str) -> String {
    let mut out = String::with_capacity(1024);
    for line in stat.lines().filter(|l| l.starts_with("cpu") || l.starts_with("procs_blocked")) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tree_and_round_trips_deltas() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("fs/nfsd/clients/4")).unwrap();
        std::fs::write(p.join("fs/nfsd/threads"), "8\n").unwrap();
        std::fs::write(p.join("fs/nfsd/clients/4/info"), "clientid: 0x1\n").unwrap();
        let a = FileSet::read(&ProcRoot::new(p.to_path_buf()));
        assert_eq!(a.get("fs/nfsd/threads").unwrap(), "8\n");
        assert!(matches!(a.get("drbd"), Err(SourceError::Missing { .. })));
        assert_eq!(a.list(CLIENTS_DIR).unwrap(), vec!["4"]);
        assert!(a.get("fs/nfsd/clients/4/states").is_err());

        std::fs::write(p.join("fs/nfsd/threads"), "0\n").unwrap();
        std::fs::remove_dir_all(p.join("fs/nfsd/clients/4")).unwrap();
        let b = FileSet::read(&ProcRoot::new(p.to_path_buf()));
        let (changed, removed) = b.delta_from(&a);
        assert_eq!(changed.keys().collect::<Vec<_>>(), vec!["fs/nfsd/threads"]);
        assert_eq!(removed, vec!["fs/nfsd/clients/4/info", "fs/nfsd/clients/4/states"]);
        let mut replayed = a.clone();
        replayed.apply_delta(changed, &removed);
        assert_eq!(replayed.files, b.files);
    }
}
