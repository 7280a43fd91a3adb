//! A pair of nodes made of files, for the action tests: `nodea` and `nodeb` each have a
//! proc tree drnfs reads (`/proc/drbd`, mountinfo, nfsd threads and exports, hostname),
//! a drnfs.toml, an audit log, and stand-ins for the commands actions run (`drbdadm`,
//! `mount`, `umount`, `systemctl`) that change the proc trees the way the real commands
//! change a node — both nodes' `/proc/drbd` show each other's role while connected. An
//! `ssh` stand-in reaches the peer by running the real drnfs binary as its agent against
//! the peer's files, so the action talks to its peer exactly as it does over OpenSSH.
//!
//! Faults are files under `cluster/`: `NODE.unreachable` (ssh times out, as to a powered
//! off or partitioned node), `NODE.no-drnfs` (ssh works, drnfs is missing: exit 127),
//! `NODE.drop-after-primary` (after `drbdadm primary` there, the agent session dies and
//! the node becomes unreachable), `NODE.secondary-fails` (DRBD refuses to demote it),
//! `NODE.umount-hangs` (umount of /var/lib/nfs hangs with a child holding its output),
//! `NODE.audit-breaks` (systemctl there turns the audit log into a directory).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

pub struct Pair {
    pub dir: tempfile::TempDir,
}

const RENDER: &str = r#"#!/bin/sh
# Regenerates both nodes' proc trees from cluster/cs and each node's state file.
R=$(cd "$(dirname "$0")" && pwd)
get() { grep "^$2=" "$R/$1/state" | tail -n 1 | cut -d= -f2-; }
cs=$(cat "$R/cluster/cs")
for me in nodea nodeb; do
	if [ $me = nodea ]; then peer=nodeb; else peer=nodea; fi
	P=$R/$me/proc
	mkdir -p "$P/self" "$P/fs/nfsd" "$P/net/rpc" "$P/sys/kernel"
	if [ "$cs" = Connected ]; then prole=$(get $peer role); pdisk=$(get $peer disk); else prole=Unknown; pdisk=DUnknown; fi
	printf 'version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n 0: cs:%s ro:%s/%s ds:%s/%s C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n' \
		"$cs" "$(get $me role)" "$prole" "$(get $me disk)" "$pdisk" >"$P/drbd.new" && mv "$P/drbd.new" "$P/drbd"
	: >"$P/self/mountinfo.new"
	[ "$(get $me mnt_/srv/nfs)" = 1 ] && echo "64 27 147:0 / /srv/nfs rw,relatime shared:63 - ext4 /dev/drbd0 rw" >>"$P/self/mountinfo.new"
	[ "$(get $me mnt_/var/lib/nfs)" = 1 ] && echo "68 27 147:0 /state /var/lib/nfs rw,relatime shared:63 - ext4 /dev/drbd0 rw" >>"$P/self/mountinfo.new"
	mv "$P/self/mountinfo.new" "$P/self/mountinfo"
	th=$(get $me threads)
	echo "$th" >"$P/fs/nfsd/threads"
	printf '# Version 1.1\n# Path Client(Flags) # IPs\n' >"$P/fs/nfsd/exports"
	[ "$th" -gt 0 ] && printf '/srv/nfs/export\t10.50.0.0/24(rw,no_root_squash,sync,wdelay,no_subtree_check,fsid=1,sec=1)\n' >>"$P/fs/nfsd/exports"
	printf 'rc 0 0 0\nfh 0 0 0 0 0\nio 0 0\nth %s 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000\nnet 0 0 0 0\nrpc 0 0 0 0 0\n' "$th" >"$P/net/rpc/nfsd"
	echo $me >"$P/sys/kernel/hostname"
done
"#;

/// A stand-in's body: `set KEY VALUE` updates the node's state, then everything renders.
fn stand_in(name: &str, body: &str) -> String {
    format!(
        "#!/bin/sh\nR=__ROOT__\nME=__NODE__\necho \"{name} $*\" >>\"$R/$ME/commands\"\n\
         set_() {{ grep -v \"^$1=\" \"$R/$ME/state\" >\"$R/$ME/state.new\"; echo \"$1=$2\" >>\"$R/$ME/state.new\"; mv \"$R/$ME/state.new\" \"$R/$ME/state\"; }}\n\
         {body}\n\"$R/render\"\nexit 0\n"
    )
}

fn drbdadm() -> String {
    stand_in(
        "drbdadm",
        r#"case "$1" in
primary)
	set_ role Primary
	if [ -e "$R/cluster/$ME.drop-after-primary" ]; then
		rm -f "$R/cluster/$ME.drop-after-primary"
		touch "$R/cluster/$ME.unreachable"
		"$R/render"
		# The agent that ran this dies with its session, before it can answer.
		kill -9 $PPID
		exit 0
	fi ;;
secondary)
	if [ -e "$R/cluster/$ME.secondary-fails" ]; then
		echo "0: State change failed: (-12) Device is held open by someone" >&2
		exit 11
	fi
	set_ role Secondary ;;
disconnect) echo StandAlone >"$R/cluster/cs" ;;
connect) echo Connected >"$R/cluster/cs" ;;
esac"#,
    )
}

fn mount() -> String {
    stand_in("mount", "for a; do p=$a; done\nset_ \"mnt_$p\" 1")
}

fn umount() -> String {
    stand_in(
        "umount",
        r#"if [ "$1" = /var/lib/nfs ] && [ -e "$R/cluster/$ME.umount-hangs" ]; then
	# Hangs, with a child that keeps the output open: only a deadline ends this.
	sleep 300 &
	echo $! >"$R/cluster/$ME.umount-child"
	sleep 300
fi
set_ "mnt_$1" 0"#,
    )
}

fn systemctl() -> String {
    stand_in(
        "systemctl",
        r#"if [ -e "$R/cluster/$ME.audit-breaks" ]; then rm -f "$R/$ME/audit.jsonl"; mkdir -p "$R/$ME/audit.jsonl"; fi
case "$1" in start) set_ threads 8 ;; stop) set_ threads 0 ;; esac"#,
    )
}

/// `ssh [options] -- DEST drnfs ARGS…`: the peer's drnfs, run as this machine's binary
/// against the peer's files, unless a fault file says otherwise.
fn ssh(drnfs: &Path) -> String {
    format!(
        r#"#!/bin/sh
R=__ROOT__
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
shift
dest=$1; shift; shift
if [ -e "$R/cluster/$dest.unreachable" ]; then
	sleep 0.2
	echo "ssh: connect to host $dest port 22: Connection timed out" >&2
	exit 255
fi
if [ -e "$R/cluster/$dest.no-drnfs" ]; then
	echo "bash: line 1: drnfs: command not found" >&2
	exit 127
fi
PATH="$R/$dest/bin:$PATH" exec {} --proc-root "$R/$dest/proc" --config "$R/$dest/drnfs.toml" --kernel-log-file "$R/$dest/kernel.log" "$@"
"#,
        drnfs.display()
    )
}

fn fence() -> String {
    // Powers the named node off: from then on nothing answers for it.
    r#"#!/bin/sh
R=__ROOT__
echo "fence $*" >>"$R/cluster/fence.log"
[ -e "$R/cluster/fence-fails" ] && { echo "fence: BMC did not answer" >&2; exit 1; }
[ -e "$R/cluster/fence-lies" ] || touch "$R/cluster/$1.unreachable"
echo "powered off $1"
"#
    .to_owned()
}

impl Pair {
    /// nodea Primary and serving, nodeb Secondary, Connected, both UpToDate.
    pub fn serving() -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let drnfs = Path::new(env!("CARGO_BIN_EXE_drnfs"));
        std::fs::create_dir_all(d.join("cluster")).unwrap();
        std::fs::write(d.join("cluster/cs"), "Connected\n").unwrap();
        let root = d.display().to_string();
        let exe = |path: PathBuf, text: String| {
            std::fs::write(&path, text.replace("__ROOT__", &root)).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        exe(d.join("render"), RENDER.to_owned());
        exe(d.join("fence"), fence());
        for (node, peer, state) in [
            ("nodea", "nodeb", "role=Primary\ndisk=UpToDate\nmnt_/srv/nfs=1\nmnt_/var/lib/nfs=1\nthreads=8\n"),
            ("nodeb", "nodea", "role=Secondary\ndisk=UpToDate\nmnt_/srv/nfs=0\nmnt_/var/lib/nfs=0\nthreads=0\n"),
        ] {
            let n = d.join(node);
            std::fs::create_dir_all(n.join("bin")).unwrap();
            std::fs::write(n.join("state"), state).unwrap();
            std::fs::write(n.join("kernel.log"), "").unwrap();
            for (name, text) in [
                ("drbdadm", drbdadm()),
                ("mount", mount()),
                ("umount", umount()),
                ("systemctl", systemctl()),
                ("ssh", ssh(drnfs)),
            ] {
                exe(n.join("bin").join(name), text.replace("__NODE__", node));
            }
            let config = format!(
                "[peer]\nname = '{peer}'\n[keepalived]\nhold_dir = '{n}/hold'\n\
                 [paths]\naudit_log = '{n}/audit.jsonl'\njournal_dir = '{n}/journal'\nlock_dir = '{n}/lock'\n\
                 [[resource]]\nname = 'r0'\ndevice = '/dev/drbd0'\nmount_point = '/srv/nfs'\nstate_dir = 'state'\n\
                 exports = ['/srv/nfs/export']\nnfs_helpers = []\n",
                n = n.display()
            );
            std::fs::write(n.join("drnfs.toml"), config).unwrap();
        }
        let p = Pair { dir };
        p.render();
        p
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn render(&self) {
        let ok = std::process::Command::new(self.path("render")).status().unwrap().success();
        assert!(ok, "render failed");
    }

    /// Creates (or removes) a fault file under `cluster/`.
    pub fn fault(&self, name: &str, on: bool) {
        let p = self.path(&format!("cluster/{name}"));
        if on {
            std::fs::write(p, "").unwrap();
        } else {
            let _ = std::fs::remove_file(p);
        }
    }

    pub fn set_connection(&self, cs: &str) {
        std::fs::write(self.path("cluster/cs"), format!("{cs}\n")).unwrap();
        self.render();
    }

    /// Appends to a node's drnfs.toml (a `[fence]` section, say).
    pub fn add_config(&self, node: &str, text: &str) {
        let p = self.path(&format!("{node}/drnfs.toml"));
        let mut c = std::fs::read_to_string(&p).unwrap();
        c.push_str(text);
        std::fs::write(p, c.replace("__ROOT__", &self.dir.path().display().to_string())).unwrap();
    }

    /// A node's report as its drnfs reads it (`drnfs snapshot --json`).
    pub fn snapshot(&self, node: &str) -> anyhow::Result<drnfs::engine::Report> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .arg("--proc-root")
            .arg(self.path(&format!("{node}/proc")))
            .arg("--config")
            .arg(self.path(&format!("{node}/drnfs.toml")))
            .arg("--kernel-log-file")
            .arg(self.path(&format!("{node}/kernel.log")))
            .args(["snapshot", "--json"])
            .output()?;
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// A node's DRBD role from its own /proc/drbd.
    pub fn role(&self, node: &str) -> String {
        let text = std::fs::read_to_string(self.path(&format!("{node}/proc/drbd"))).unwrap();
        text.split("ro:").nth(1).and_then(|r| r.split('/').next()).unwrap_or("?").to_owned()
    }

    /// The nodes that are Primary now.
    pub fn primaries(&self) -> Vec<&'static str> {
        ["nodea", "nodeb"].into_iter().filter(|n| self.role(n) == "Primary").collect()
    }

    pub fn mounted(&self, node: &str, path: &str) -> bool {
        std::fs::read_to_string(self.path(&format!("{node}/proc/self/mountinfo")))
            .unwrap()
            .contains(&format!(" {path} "))
    }

    pub fn threads(&self, node: &str) -> u64 {
        std::fs::read_to_string(self.path(&format!("{node}/proc/fs/nfsd/threads"))).unwrap().trim().parse().unwrap()
    }

    pub fn commands(&self, node: &str) -> Vec<String> {
        std::fs::read_to_string(self.path(&format!("{node}/commands")))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn audit(&self, node: &str) -> Vec<Value> {
        std::fs::read_to_string(self.path(&format!("{node}/audit.jsonl")))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn events(&self, node: &str) -> Vec<String> {
        self.audit(node).iter().map(|r| r["event"].as_str().unwrap_or("").to_owned()).collect()
    }
}
