//! `/proc/<pid>/mountinfo`: one mount per line (see proc_pid_mountinfo(5)).
//!
//! ```text
//! 36 35 147:0 / /srv/nfs rw,relatime shared:1 - ext4 /dev/drbd0 rw,errors=remount-ro
//! (1)(2) (3)  (4) (5)    (6)         (7)      (8) (9)  (10)      (11)
//! ```
//! Fields 7 are zero or more optional tags ended by a lone `-`. Paths escape space, tab,
//! newline and backslash as three octal digits (`\040`).

use serde::{Deserialize, Serialize};

use crate::error::ErrorSink;
use crate::{LineError, Parsed};

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// `major:minor` of the device the filesystem lives on.
    pub device_number: String,
    /// The directory of the filesystem mounted here (`/` unless a bind mount of a subtree).
    pub root: String,
    pub mount_point: String,
    /// Per-mount options (`rw`, `ro`, `relatime`, ...).
    pub mount_options: Vec<String>,
    pub fstype: String,
    /// What was mounted: a device path for block filesystems, else a name (`nfsd`, `tmpfs`).
    pub source: String,
    /// Per-superblock options.
    pub super_options: Vec<String>,
}

impl Mount {
    /// Mounted read-only (the per-mount `ro` option).
    pub fn read_only(&self) -> bool {
        self.mount_options.iter().any(|o| o == "ro")
    }
}

/// Every well-formed line; the others are errors.
pub fn parse(input: &str) -> Parsed<Vec<Mount>> {
    let mut mounts = Vec::new();
    let mut errors = ErrorSink::default();
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(m) => mounts.push(m),
            Err(field) => errors.push(LineError::missing(i + 1, field, line)),
        }
    }
    errors.finish(mounts)
}

fn parse_line(line: &str) -> Result<Mount, &'static str> {
    let mut fields = line.split(' ');
    let _id = fields.next().filter(|f| f.parse::<u64>().is_ok()).ok_or("mount id")?;
    let _parent = fields.next().filter(|f| f.parse::<u64>().is_ok()).ok_or("parent id")?;
    let device_number = fields.next().filter(|f| f.contains(':')).ok_or("major:minor")?;
    let root = fields.next().ok_or("root")?;
    let mount_point = fields.next().ok_or("mount point")?;
    let mount_options = fields.next().ok_or("mount options")?;
    // Optional tags up to the separator.
    loop {
        match fields.next() {
            Some("-") => break,
            Some(_) => continue,
            None => return Err("the \" - \" separator"),
        }
    }
    let fstype = fields.next().ok_or("filesystem type")?;
    let source = fields.next().ok_or("mount source")?;
    let super_options = fields.next().unwrap_or("");
    Ok(Mount {
        device_number: device_number.to_owned(),
        root: crate::words::unescape_octal(root),
        mount_point: crate::words::unescape_octal(mount_point),
        mount_options: split_options(mount_options),
        fstype: crate::words::unescape_octal(fstype),
        source: crate::words::unescape_octal(source),
        super_options: split_options(super_options),
    })
}

fn split_options(s: &str) -> Vec<String> {
    s.split(',').filter(|o| !o.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The lab's nodeb while serving (trimmed).
    const SERVING: &str = "\
22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
45 22 147:0 / /srv/nfs rw,relatime shared:26 - ext4 /dev/drbd0 rw
46 22 147:0 /state /var/lib/nfs rw,relatime shared:26 - ext4 /dev/drbd0 rw
47 28 0:44 / /proc/fs/nfsd rw,relatime shared:27 - nfsd nfsd rw
";

    #[test]
    fn the_drbd_mounts_of_a_serving_node() {
        let p = parse(SERVING);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.value.len(), 4);
        let drbd: Vec<&Mount> = p.value.iter().filter(|m| m.source.starts_with("/dev/drbd")).collect();
        assert_eq!(drbd.len(), 2);
        assert_eq!(drbd[0].mount_point, "/srv/nfs");
        assert_eq!(drbd[1].root, "/state", "the bind mount of nfsd's state");
        assert_eq!(drbd[1].mount_point, "/var/lib/nfs");
        assert_eq!(drbd[0].fstype, "ext4");
        assert_eq!(drbd[0].device_number, "147:0");
        assert!(!drbd[0].read_only());
        assert_eq!(p.value[3].fstype, "nfsd");
    }

    #[test]
    fn no_optional_tags_read_only_and_escapes() {
        let p = parse("50 22 147:1 / /srv/my\\040share ro,noatime - xfs /dev/drbd1 ro,attr2\n");
        assert!(p.errors.is_empty());
        let m = &p.value[0];
        assert_eq!(m.mount_point, "/srv/my share");
        assert!(m.read_only());
        assert_eq!(m.super_options, vec!["ro", "attr2"]);
        // A backslash not followed by three octal digits stays.
        assert_eq!(crate::words::unescape_octal("a\\9b\\04"), "a\\9b\\04");
    }

    #[test]
    fn broken_lines_are_errors_and_the_rest_is_kept() {
        let p = parse("garbage\n45 22 147:0 / /srv/nfs rw shared:26\n45 22 147:0 / /srv/nfs rw - ext4 /dev/drbd0 rw\n");
        assert_eq!(p.value.len(), 1);
        assert_eq!(p.errors.len(), 2);
        assert_eq!(p.errors[0].line, 1);
        assert_eq!(p.errors[1].line, 2);
        assert!(p.errors[1].to_string().contains("separator"), "{}", p.errors[1]);
    }
}
