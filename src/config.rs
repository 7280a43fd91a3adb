//! `/etc/drnfs.toml`: what drnfs needs to act on a resource — where it is mounted, which
//! NFS units serve it, its VIP, and the peer node. Every name and path is validated before
//! an action may use it: they end up in argv of commands run as root.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const DEFAULT_PATH: &str = "/etc/drnfs.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub peer: Option<Peer>,
    #[serde(default)]
    pub keepalived: Keepalived,
    #[serde(default)]
    pub paths: Paths,
    /// How to make sure the peer cannot write before a takeover (power it off).
    #[serde(default)]
    pub fence: Option<Fence>,
    #[serde(rename = "resource", default)]
    pub resources: Vec<Resource>,
}

/// A fence: a command that makes the peer unable to write (powers it off through its
/// BMC, the hypervisor or a PDU), run by `drnfs takeover` as its first step. Success is
/// its exit 0 and then the peer's silence on every path drnfs knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fence {
    /// argv (never a shell string), e.g. `["/usr/sbin/fence_ipmilan", "--ip", "10.0.0.12",
    /// "--username", "admin", "--password-script", "/etc/drnfs/bmc-pass", "--action", "off"]`.
    pub command: Vec<String>,
    /// Seconds the command may take before it is killed (and the takeover stops).
    #[serde(default = "default_fence_timeout")]
    pub timeout_s: u64,
    /// Seconds the peer must then stay silent on every path.
    #[serde(default = "default_fence_silence")]
    pub silent_for_s: u64,
}

fn default_fence_timeout() -> u64 {
    120
}
fn default_fence_silence() -> u64 {
    10
}

/// The other node, reached over OpenSSH (BatchMode, the user's ssh configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    /// Its node name as DRBD knows it (the `on NAME` section).
    pub name: String,
    /// The ssh destination (`nodeb`, `root@10.50.0.2`); default: `name`.
    #[serde(default)]
    pub ssh: Option<String>,
    /// The drnfs binary on the peer.
    #[serde(default = "default_drnfs")]
    pub drnfs: String,
    /// Other addresses of the peer (a management network, not its BMC): before a takeover
    /// drnfs tries TCP port 22 on each, besides ssh, DRBD's replication address and ARP for
    /// the VIP.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
}

fn default_drnfs() -> String {
    "drnfs".to_owned()
}

impl Peer {
    /// The ssh destination: `ssh` when set, else the node name.
    pub fn destination(&self) -> &str {
        self.ssh.as_deref().unwrap_or(&self.name)
    }

    /// The argv that runs `drnfs ARGS` on the peer: BatchMode (a missing key fails instead
    /// of prompting on the operator's terminal), a connect timeout, and keepalives that end
    /// a session whose peer vanished.
    pub fn drnfs_argv(&self, args: &[&str]) -> Vec<String> {
        // LogLevel=ERROR whatever the user's ssh_config says: a takeover reads ssh's errors
        // to tell a dead peer from a live one.
        let ssh = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"];
        let keepalive = ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "--"];
        ssh.iter()
            .chain(&keepalive)
            .copied()
            .chain([self.destination(), self.drnfs.as_str()])
            .chain(args.iter().copied())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keepalived {
    /// Directory of the hold files keepalived tracks (`track_file`): `<dir>/<resource>.hold`
    /// holds `1` to drain the VIP from this node, `0` otherwise.
    #[serde(default = "default_hold_dir")]
    pub hold_dir: PathBuf,
}

impl Default for Keepalived {
    fn default() -> Self {
        Self { hold_dir: default_hold_dir() }
    }
}

fn default_hold_dir() -> PathBuf {
    PathBuf::from("/run/drnfs")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// Append-only audit log (JSON Lines, mode 0600).
    #[serde(default = "default_audit")]
    pub audit_log: PathBuf,
    /// Journals of actions in progress (one per resource), for resuming after a crash.
    #[serde(default = "default_journal_dir")]
    pub journal_dir: PathBuf,
    /// Lock files (one per resource).
    #[serde(default = "default_lock_dir")]
    pub lock_dir: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Self { audit_log: default_audit(), journal_dir: default_journal_dir(), lock_dir: default_lock_dir() }
    }
}

fn default_audit() -> PathBuf {
    PathBuf::from("/var/log/drnfs/audit.jsonl")
}
fn default_journal_dir() -> PathBuf {
    PathBuf::from("/var/lib/drnfs/actions")
}
fn default_lock_dir() -> PathBuf {
    PathBuf::from("/run/drnfs/locks")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The DRBD resource name.
    pub name: String,
    /// `/dev/drbdN`.
    pub device: PathBuf,
    pub mount_point: PathBuf,
    #[serde(default = "default_fstype")]
    pub fstype: String,
    #[serde(default)]
    pub mount_options: Vec<String>,
    /// The systemd unit of the NFS server.
    #[serde(default = "default_nfs_service")]
    pub nfs_service: String,
    /// Units that keep files open in nfsd's state directory and must stop with it.
    #[serde(default = "default_nfs_helpers")]
    pub nfs_helpers: Vec<String>,
    /// Directory on the replicated volume (relative to the mount point) bind-mounted on
    /// `/var/lib/nfs` before the NFS server starts, if nfsd's state lives there.
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Export paths that must be in the kernel's export table when this node serves.
    #[serde(default)]
    pub exports: Vec<PathBuf>,
    /// The service addresses keepalived moves with this resource.
    #[serde(default)]
    pub vip: Vec<IpAddr>,
}

fn default_fstype() -> String {
    "ext4".to_owned()
}
fn default_nfs_service() -> String {
    "nfs-server.service".to_owned()
}
fn default_nfs_helpers() -> Vec<String> {
    ["nfsdcld.service", "rpc-statd.service", "rpc-statd-notify.service", "fsidd.service"].map(str::to_owned).to_vec()
}

pub const NFS_STATE_DIR: &str = "/var/lib/nfs";

impl Resource {
    /// A resource drnfs.toml does not describe (a dry run without the file): its name and
    /// nothing else — no mount point, exports or VIP to check.
    pub fn unconfigured(name: &str) -> Self {
        Resource {
            name: name.to_owned(),
            device: PathBuf::new(),
            mount_point: PathBuf::new(),
            fstype: default_fstype(),
            mount_options: Vec::new(),
            nfs_service: default_nfs_service(),
            nfs_helpers: Vec::new(),
            state_dir: None,
            exports: Vec::new(),
            vip: Vec::new(),
        }
    }

    /// The device minor of its `/dev/drbdN`.
    pub fn minor(&self) -> Option<u32> {
        self.device.to_string_lossy().strip_prefix("/dev/drbd")?.parse().ok()
    }

    /// Where the NFS state directory lives on the volume, when it does.
    pub fn state_source(&self) -> Option<PathBuf> {
        self.state_dir.as_ref().map(|d| self.mount_point.join(d))
    }

    pub fn hold_file(&self, k: &Keepalived) -> PathBuf {
        k.hold_dir.join(format!("{}.hold", self.name))
    }
}

impl Config {
    /// No peer, no resources, default paths: what a dry run works with when drnfs.toml is
    /// missing.
    pub fn empty() -> Self {
        Config {
            peer: None,
            keepalived: Keepalived::default(),
            paths: Paths::default(),
            fence: None,
            resources: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let c: Config = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let problems = c.problems();
        if !problems.is_empty() {
            anyhow::bail!("{}: {}", path.display(), problems.join("; "));
        }
        Ok(c)
    }

    pub fn resource(&self, name: &str) -> anyhow::Result<&Resource> {
        self.resources.iter().find(|r| r.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.resources.iter().map(|r| r.name.as_str()).collect();
            anyhow::anyhow!("resource {name:?} is not in the drnfs configuration (known: {})", known.join(", "))
        })
    }

    /// Everything wrong with the configuration, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.peer {
            if !valid_name(&p.name) {
                out.push(format!("peer name {:?} is not a plain node name", p.name));
            }
            let dest = p.destination();
            if dest.starts_with('-') || dest.is_empty() || dest.chars().any(|c| c.is_whitespace() || c.is_control()) {
                out.push(format!(
                    "peer ssh destination {dest:?} is not a plain host (it must not start with '-' or hold spaces)"
                ));
            }
            if !valid_path_or_name(&p.drnfs) {
                out.push(format!("peer drnfs {:?} is not a plain program path", p.drnfs));
            }
        }
        if let Some(f) = &self.fence {
            match f.command.first() {
                None => out.push("fence command is empty".to_owned()),
                Some(p) if !Path::new(p).is_absolute() || !valid_abs_path(Path::new(p)) => {
                    out.push(format!("fence command {p:?} must start with the program's absolute path"))
                }
                Some(_) => {}
            }
            if f.command.iter().any(|a| a.contains('\0')) {
                out.push("fence command holds a NUL".to_owned());
            }
            if f.timeout_s == 0 || f.timeout_s > 3600 {
                out.push(format!("fence timeout_s {} must be 1 to 3600", f.timeout_s));
            }
            if !(1..=600).contains(&f.silent_for_s) {
                out.push(format!("fence silent_for_s {} must be 1 to 600", f.silent_for_s));
            }
        }
        for (k, p) in [
            ("hold_dir", &self.keepalived.hold_dir),
            ("audit_log", &self.paths.audit_log),
            ("journal_dir", &self.paths.journal_dir),
            ("lock_dir", &self.paths.lock_dir),
        ] {
            if !valid_abs_path(p) {
                out.push(format!("{k} {} must be an absolute plain path", p.display()));
            }
        }
        if self.resources.is_empty() {
            out.push("no [[resource]] configured".to_owned());
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.resources {
            let at = format!("resource {:?}", r.name);
            if !valid_name(&r.name) {
                out.push(format!("{at}: the name must be letters, digits, '.', '_' or '-'"));
            }
            if !seen.insert(&r.name) {
                out.push(format!("{at} is configured twice"));
            }
            let dev = r.device.to_string_lossy();
            let minor =
                dev.strip_prefix("/dev/drbd").filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
            if minor.is_none() {
                out.push(format!("{at}: device {dev} is not /dev/drbdN"));
            }
            if !valid_abs_path(&r.mount_point) || r.mount_point == Path::new("/") {
                out.push(format!(
                    "{at}: mount_point {} must be an absolute plain path other than /",
                    r.mount_point.display()
                ));
            }
            if !valid_name(&r.fstype) {
                out.push(format!("{at}: fstype {:?} is not a plain name", r.fstype));
            }
            for o in &r.mount_options {
                if o.is_empty()
                    || o.starts_with('-')
                    || o.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',')
                {
                    out.push(format!("{at}: mount option {o:?} is not a single plain option"));
                }
            }
            for u in std::iter::once(&r.nfs_service).chain(&r.nfs_helpers) {
                if !valid_unit(u) {
                    out.push(format!("{at}: {u:?} is not a systemd unit name"));
                }
            }
            if let Some(d) = &r.state_dir {
                let ok = d.is_relative()
                    && d.components().all(|c| matches!(c, std::path::Component::Normal(_)))
                    && valid_path_chars(d);
                if !ok {
                    out.push(format!(
                        "{at}: state_dir {} must be a plain path relative to the mount point",
                        d.display()
                    ));
                }
            }
            for e in &r.exports {
                if !valid_abs_path(e) {
                    out.push(format!("{at}: export {} must be an absolute plain path", e.display()));
                }
            }
        }
        out
    }
}

/// Resource and node names: what DRBD itself accepts, without anything a command line
/// could misread.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn valid_unit(s: &str) -> bool {
    let Some((base, kind)) = s.rsplit_once('.') else { return false };
    matches!(kind, "service" | "target" | "socket" | "mount")
        && !base.is_empty()
        && !base.starts_with('-')
        && base.bytes().all(|b| b.is_ascii_alphanumeric() || b"@._-:".contains(&b))
}

fn valid_path_chars(p: &Path) -> bool {
    p.to_str().is_some_and(|s| s.chars().all(|c| !c.is_control() && !c.is_whitespace()))
}

fn valid_abs_path(p: &Path) -> bool {
    p.is_absolute()
        && valid_path_chars(p)
        && p.components().all(|c| matches!(c, std::path::Component::RootDir | std::path::Component::Normal(_)))
}

fn valid_path_or_name(s: &str) -> bool {
    let p = Path::new(s);
    if p.is_absolute() { valid_abs_path(p) } else { valid_name(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[peer]
name = "nodeb"

[[resource]]
name = "r0"
device = "/dev/drbd0"
mount_point = "/srv/nfs"
state_dir = "state"
exports = ["/srv/nfs/export"]
vip = ["10.50.0.100"]
"#;

    #[test]
    fn a_good_configuration_and_its_defaults() {
        let c: Config = toml::from_str(GOOD).unwrap();
        assert_eq!(c.problems(), Vec::<String>::new());
        let r = c.resource("r0").unwrap();
        assert_eq!(r.fstype, "ext4");
        assert_eq!(r.nfs_service, "nfs-server.service");
        assert_eq!(r.state_source(), Some(PathBuf::from("/srv/nfs/state")));
        assert_eq!(r.hold_file(&c.keepalived), PathBuf::from("/run/drnfs/r0.hold"));
        assert!(c.resource("r9").unwrap_err().to_string().contains("known: r0"));
    }

    #[test]
    fn hostile_names_and_paths_are_refused() {
        let bad = r#"
[peer]
name = "nodeb"
ssh = "-oProxyCommand=evil"

[[resource]]
name = "r0;rm"
device = "/dev/sda"
mount_point = "/srv/../etc"
mount_options = ["rw,exec"]
nfs_service = "nfs-server"
state_dir = "/abs"
exports = ["relative/path"]
"#;
        let c: Config = toml::from_str(bad).unwrap();
        let p = c.problems().join("\n");
        for needle in [
            "ssh destination",
            "the name must",
            "not /dev/drbdN",
            "mount_point",
            "mount option",
            "systemd unit",
            "state_dir",
            "export relative/path",
        ] {
            assert!(p.contains(needle), "{needle} not reported in:\n{p}");
        }
        assert!(
            toml::from_str::<Config>("[[resource]]\nname='r0'\ndevice='/dev/drbd0'\nmount_point='/x'\ntypo=1\n")
                .is_err()
        );
    }
}
