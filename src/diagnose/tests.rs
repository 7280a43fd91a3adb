//! Every finding rule against small, hand-built states: the states that must raise it,
//! and the near misses that must not. A scene starts as a healthy, serving Primary (which
//! must raise nothing at all) and changes one fact at a time, the way the pair goes wrong.
//! The lab captures where each rule was seen on real kernels are replayed by
//! tests/lab_findings.rs.

use std::collections::BTreeMap;
use std::net::IpAddr;

use drnfs_parsers::timestamp::Timestamp;

use super::{Finding, Severity, evaluate};
use crate::model::Model;
use crate::source::SourceError;
use crate::source::input::Input;
use crate::source::proc_files::FileSet;

const VERSION: &str = "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 637677C4EAFCF5D1D5446B0\n";
const HEALTHY: &str = " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:100 nr:0 dw:100 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";
const MOUNTED: &str = "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n64 22 147:0 / /srv/nfs rw,relatime shared:63 - ext4 /dev/drbd0 rw\n";
const NOT_MOUNTED: &str = "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n";
const EXPORTS: &str = "# Version 1.1\n# Path Client(Flags) # IPs\n/\t10.50.0.0/24(ro,insecure,no_root_squash,sync,no_subtree_check,v4root,fsid=0,sec=1)\n/srv/nfs/export\t10.50.0.0/24(rw,no_root_squash,sync,wdelay,no_subtree_check,fsid=1,sec=1)\n";
const VIP: &str = "10.50.0.100";
const ADDRESSES_WITH_VIP: &str = "Local:\n  +-- 10.50.0.0/24 2 0 2\n     |-- 10.50.0.2\n        /32 host LOCAL\n     |-- 10.50.0.100\n        /32 host LOCAL\n";
const ADDRESSES: &str = "Local:\n  +-- 10.50.0.0/24 2 0 2\n     |-- 10.50.0.2\n        /32 host LOCAL\n";
/// `drbdadm dump all` of a protocol C pair with fencing.
const CONFIG: &str = "resource r0 {\n    on nodea {\n        device /dev/drbd0 minor 0;\n        disk /dev/vdb;\n        meta-disk internal;\n        address ipv4 10.50.0.1:7789;\n    }\n    on nodeb {\n        device /dev/drbd0 minor 0;\n        disk /dev/vdb;\n        meta-disk internal;\n        address ipv4 10.50.0.2:7789;\n    }\n    net {\n        protocol C;\n    }\n    disk {\n        fencing resource-only;\n    }\n}\n";

/// One node's state: the proc files as text, and the kernel log and configuration drnfs
/// would read with them.
#[derive(Clone)]
struct Scene {
    files: BTreeMap<&'static str, String>,
    kernel: Vec<String>,
    config: Option<String>,
    /// DRBD 9: the events2 lines (`exists …`) describing the resource.
    events2: Option<Vec<String>>,
}

impl Scene {
    /// nodeb, Primary, connected to an UpToDate Secondary, filesystem mounted, nfsd serving
    /// two exports with fsid=, the VIP here, no grace period.
    fn serving() -> Self {
        let files = [
            ("drbd", format!("{VERSION}{HEALTHY}")),
            ("net/rpc/nfsd", nfsd_counters(0, 0)),
            ("fs/nfsd/threads", "8\n".to_owned()),
            ("fs/nfsd/pool_stats", pool_stats(100, 100)),
            ("fs/nfsd/versions", "+3 +4 +4.1 +4.2\n".to_owned()),
            ("fs/nfsd/exports", EXPORTS.to_owned()),
            ("fs/nfsd/nfsv4gracetime", "90\n".to_owned()),
            ("fs/nfsd/nfsv4leasetime", "90\n".to_owned()),
            ("fs/nfsd/v4_end_grace", "Y\n".to_owned()),
            ("sys/kernel/hostname", "nodeb\n".to_owned()),
            ("sys/kernel/osrelease", "6.12.117+deb13-amd64\n".to_owned()),
            ("self/mountinfo", MOUNTED.to_owned()),
            ("net/fib_trie", ADDRESSES_WITH_VIP.to_owned()),
        ];
        Self { files: files.into_iter().collect(), kernel: Vec::new(), config: Some(CONFIG.to_owned()), events2: None }
    }

    /// The same node on DRBD 9: /proc/drbd has no per-minor lines, events2 tells it all.
    /// `lines` are events2 objects without the `exists` prefix.
    fn drbd9(mut self, lines: &[&str]) -> Self {
        self.files.insert(
            "drbd",
            "version: 9.2.18 (api:2/proto:118-124)\nGIT-hash: a7afc67e5873f3fedce8d944c89edf87ffb7c116\nTransports (api:21): tcp (9.2.18)\n"
                .to_owned(),
        );
        let mut all: Vec<String> = lines.iter().map(|l| format!("exists {l}")).collect();
        all.push("exists -".to_owned());
        self.events2 = Some(all);
        self
    }

    fn set(mut self, file: &'static str, text: impl Into<String>) -> Self {
        self.files.insert(file, text.into());
        self
    }

    /// `file` cannot be read (missing, as in a capture made without it).
    fn without(mut self, file: &'static str) -> Self {
        self.files.remove(file);
        self
    }

    /// The minor's two /proc/drbd lines (state line first), after the version header.
    fn drbd(self, minor_lines: &str) -> Self {
        self.set("drbd", format!("{VERSION}{minor_lines}"))
    }

    /// A Secondary that neither mounts nor serves (what a healthy peer looks like).
    fn standby(self) -> Self {
        self.drbd(" 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n    ns:0 nr:100 dw:100 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n")
            .set("self/mountinfo", NOT_MOUNTED)
            .set("fs/nfsd/threads", "0\n")
            .set("net/fib_trie", ADDRESSES)
    }

    fn kernel(mut self, lines: &[&str]) -> Self {
        self.kernel.extend(lines.iter().map(|l| (*l).to_owned()));
        self
    }

    fn config(mut self, dump: &str) -> Self {
        self.config = Some(dump.to_owned());
        self
    }

    fn file_set(&self) -> Box<FileSet> {
        let mut set = FileSet { root: "/proc".into(), ..Default::default() };
        for rel in crate::source::proc_files::FILES {
            let read = match self.files.get(rel) {
                Some(text) => Ok(text.clone()),
                None => Err(SourceError::Missing { path: format!("/proc/{rel}"), hint: None }),
            };
            set.files.insert((*rel).to_owned(), read);
        }
        // rtnetlink's addresses only where a scene has them (a capture has none).
        if let Some(text) = self.files.get(crate::source::proc_files::ADDRESSES) {
            set.files.insert(crate::source::proc_files::ADDRESSES.to_owned(), Ok(text.clone()));
        }
        let listing = self.files.keys().filter_map(|k| k.strip_prefix("fs/nfsd/")).map(str::to_owned).collect();
        set.dirs.insert("fs/nfsd".into(), Ok(listing));
        set.dirs.insert("fs/nfsd/clients".into(), Ok(Vec::new()));
        Box::new(set)
    }

    /// The model after the kernel log, the configuration and one sample of the files.
    fn model(&self) -> Model {
        let mut m = Model::new();
        self.feed(&mut m, 0.0);
        m
    }

    fn feed(&self, m: &mut Model, at: f64) {
        let wall = Timestamp::from_unix_micros(1_764_000_000_000_000 + (at * 1e6) as i64);
        if at == 0.0 {
            if let Some(text) = &self.config {
                m.apply(Input::DrbdConfig { at, text: Ok(text.clone()) });
            }
            for line in &self.kernel {
                m.apply(Input::KernelLog { at, wall: None, line: line.clone() });
            }
            if let Some(lines) = &self.events2 {
                let status = crate::source::input::ChildStatus::Running { source: "test".into() };
                m.apply(Input::Events2Status { at, status });
                for line in lines {
                    m.apply(Input::Events2Line { at, wall, line: line.clone() });
                }
            }
        }
        m.apply(Input::Files { at, wall, files: self.file_set() });
    }

    fn findings(&self) -> Vec<Finding> {
        evaluate(&self.model(), &[VIP.parse::<IpAddr>().unwrap()])
    }
}

/// Samples `first` at 0 s and each of `then` one second apart (rates need two samples).
fn over_time(first: &Scene, then: &[Scene]) -> Vec<Finding> {
    let mut m = first.model();
    for (i, s) in then.iter().enumerate() {
        s.feed(&mut m, (i + 1) as f64);
    }
    evaluate(&m, &[VIP.parse::<IpAddr>().unwrap()])
}

fn nfsd_counters(bad_calls: u64, stale: u64) -> String {
    format!(
        "rc 0 0 57\nfh {stale} 0 0 0 0\nio 0 15\nth 8 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000\nnet 57 0 57 2\nrpc {} {bad_calls} {bad_calls} 0 0\nproc3 22 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\nproc4 2 0 57\n",
        57 + bad_calls
    )
}

fn pool_stats(enqueued: u64, woken: u64) -> String {
    format!(
        "# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n0 {enqueued} {enqueued} {woken} 0\n"
    )
}

/// The rules raised, as `rule (severity)`, sorted.
fn rules(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| format!("{} ({:?})", f.id.split(':').next().unwrap_or(""), f.severity).to_lowercase())
        .collect();
    out.sort();
    out
}

fn raised<'a>(findings: &'a [Finding], rule: &str) -> Option<&'a Finding> {
    findings.iter().find(|f| f.id.split(':').next() == Some(rule))
}

fn only(rule_and_severity: &[&str], findings: &[Finding]) {
    let mut want: Vec<String> = rule_and_severity.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(rules(findings), want, "{findings:#?}");
}

#[test]
fn a_healthy_serving_primary_and_its_standby_raise_nothing() {
    only(&[], &Scene::serving().findings());
    only(&[], &Scene::serving().standby().findings());
}

// --- replication -------------------------------------------------------------------------

const STANDALONE: &str = " 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----\n    ns:100 nr:0 dw:200 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:100\n";

#[test]
fn standalone_after_a_split_brain_is_a_split_brain() {
    let f = Scene::serving()
        .drbd(STANDALONE)
        .kernel(&[
            "[  413.6] drbd r0: conn( WFConnection -> WFReportParams ) ",
            "[  413.7] drbd r0/0 drbd0: Split-Brain detected but unresolved, dropping connection!",
            "[  413.7] drbd r0: conn( WFReportParams -> Disconnecting ) ",
            "[  413.8] drbd r0: conn( Disconnecting -> StandAlone ) ",
        ])
        .findings();
    only(&["drbd.split-brain (critical)"], &f);
    let sb = raised(&f, "drbd.split-brain").unwrap();
    assert!(sb.summary.contains("nodeb") && sb.summary.contains("nodea"), "{}", sb.summary);
    assert!(sb.evidence.iter().any(|e| e.contains("Split-Brain detected")), "{:?}", sb.evidence);
}

#[test]
fn standalone_after_an_administrator_disconnected_is_not_a_split_brain() {
    // From Connected (drbdadm disconnect on a replicating node).
    let connected = Scene::serving()
        .drbd(STANDALONE)
        .kernel(&[
            "[  368.4] drbd r0: conn( Connected -> Disconnecting ) ",
            "[  368.5] drbd r0: conn( Disconnecting -> StandAlone ) ",
        ])
        .findings();
    only(&["drbd.disconnected (warning)"], &connected);
    // From WFConnection: the peer disconnected first (its side went Connected -> TearDown
    // here), then the administrator disconnected this side too — the lab's
    // admin-disconnect capture on nodeb.
    let waiting = Scene::serving()
        .drbd(STANDALONE)
        .kernel(&[
            "[  368.472688] drbd r0: peer( Primary -> Unknown ) conn( Connected -> TearDown ) pdsk( UpToDate -> DUnknown ) ",
            "[  368.503457] drbd r0: conn( TearDown -> Unconnected ) ",
            "[  368.503877] drbd r0: conn( Unconnected -> WFConnection ) ",
            "[  369.858439] drbd r0: conn( WFConnection -> Disconnecting ) ",
            "[  369.862330] drbd r0: conn( Disconnecting -> StandAlone ) ",
        ])
        .findings();
    only(&["drbd.disconnected (warning)"], &waiting);
}

#[test]
fn standalone_after_a_refused_handshake_names_the_reason() {
    let f = Scene::serving()
        .drbd(STANDALONE)
        .kernel(&[
            "[ 1767.09] drbd r0: incompatible protocol settings",
            "[ 1767.10] drbd r0: conn( WFConnection -> Disconnecting ) ",
            "[ 1767.11] drbd r0: conn( Disconnecting -> StandAlone ) ",
        ])
        .findings();
    only(&["drbd.standalone (critical)"], &f);
    let s = raised(&f, "drbd.standalone").unwrap();
    assert!(s.evidence.iter().any(|e| e.contains("incompatible protocol settings")), "{:?}", s.evidence);
    // The same after a failed authentication.
    let auth = Scene::serving()
        .drbd(STANDALONE)
        .kernel(&[
            "[ 17.0] drbd r0: Authentication of peer failed",
            "[ 17.1] drbd r0: conn( WFConnection -> Disconnecting ) ",
        ])
        .findings();
    only(&["drbd.standalone (critical)"], &auth);
}

#[test]
fn standalone_with_no_history_says_what_it_does_not_know() {
    let f = Scene::serving().drbd(STANDALONE).findings();
    only(&["drbd.standalone (critical)"], &f);
    assert!(raised(&f, "drbd.standalone").unwrap().summary.contains("not trying to reconnect"));
}

#[test]
fn a_peer_that_went_away_is_unreachable_not_standalone() {
    for (cs, why) in [
        ("WFConnection", "waiting for it to connect"),
        ("Unconnected", "about to wait for it"),
        ("NetworkFailure", "the replication link failed"),
        ("BrokenPipe", "the connection broke"),
        ("Timeout", "it stopped answering"),
        ("ProtocolError", "it sent something DRBD could not understand"),
        ("TearDown", "the connection is being closed"),
    ] {
        let f = Scene::serving()
            .drbd(&format!(" 0: cs:{cs} ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"))
            .findings();
        only(&["drbd.peer-unreachable (warning)"], &f);
        let summary = &raised(&f, "drbd.peer-unreachable").unwrap().summary;
        assert!(summary.contains(&format!("({cs}: {why}")), "{summary}");
    }
}

/// DRBD 9: an administrator's disconnect while the peer was already gone (Connecting)
/// is said as such; the same StandAlone after a handshake that dropped (split brain,
/// refused settings) is not taken for one.
#[test]
fn drbd9_standalone_after_connecting_is_an_administrators_disconnect() {
    let standalone = |from: &str| {
        Scene::serving()
            .drbd9(&[
                R9,
                D9,
                &C9.replace("connection:Connected role:Secondary", "connection:StandAlone role:Unknown"),
                &P9.replace("replication:Established peer-disk:UpToDate", "replication:Off peer-disk:DUnknown"),
            ])
            .kernel(&[&format!("[ 9.0] drbd r0 nodea: conn( {from} -> Disconnecting ) ")])
            .findings()
    };
    only(&["drbd.disconnected (warning)"], &standalone("Connecting"));
    only(&["drbd.standalone (critical)"], &standalone("WFReportParams"));
}

const SYNC_SOURCE: &str = " 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----\n    ns:100 nr:0 dw:100 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:65536\n\t[=====>..............] sync'ed: 30.0% (64/92)M\n\tfinish: 0:00:16 speed: 4,096 (4,096) K/sec\n";

#[test]
fn a_resync_is_reported_with_its_progress_and_who_must_not_be_promoted() {
    let source = Scene::serving().drbd(SYNC_SOURCE).findings();
    only(&["drbd.resync (info)"], &source);
    let r = raised(&source, "drbd.resync").unwrap();
    assert!(r.summary.contains("resync to peer 30.0% done"), "{}", r.summary);
    assert_eq!(r.suggestion, None);
    // The receiving side: Inconsistent while syncing is expected, not a disk finding.
    let target = Scene::serving()
        .standby()
        .drbd(" 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n    ns:0 nr:100 dw:100 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:65536\n\t[=====>..............] sync'ed: 30.0% (64/92)M\n\tfinish: 0:00:16 speed: 4,096 (4,096) K/sec\n")
        .findings();
    only(&["drbd.resync (info)"], &target);
    assert!(raised(&target, "drbd.resync").unwrap().suggestion.as_deref().unwrap().contains("do not promote"));
}

#[test]
fn a_resync_without_progress_for_a_minute_is_stalled_and_a_moving_one_is_not() {
    let still: Vec<Scene> = (0..65).map(|_| Scene::serving().drbd(SYNC_SOURCE)).collect();
    let f = over_time(&still[0], &still[1..]);
    assert!(raised(&f, "drbd.resync-stalled").is_some(), "{:?}", rules(&f));
    // A minute is 60 samples: stalled at the 60th, not before.
    assert!(raised(&over_time(&still[0], &still[1..60]), "drbd.resync-stalled").is_some());
    assert!(raised(&over_time(&still[0], &still[1..59]), "drbd.resync-stalled").is_none());
    let moving: Vec<Scene> = (0..65)
        .map(|i| {
            let line = SYNC_SOURCE.replace("30.0%", &format!("{:.1}%", 30.0 + f64::from(i) * 0.5));
            Scene::serving().drbd(&line)
        })
        .collect();
    let f = over_time(&moving[0], &moving[1..]);
    assert!(raised(&f, "drbd.resync-stalled").is_none(), "{:?}", rules(&f));
    assert!(raised(&f, "drbd.resync").is_some());
}

#[test]
fn fence_peer_results_say_whether_a_takeover_is_safe() {
    let down = " 0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/Outdated C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n";
    let fenced = Scene::serving()
        .drbd(down)
        .kernel(&["[ 50.0] drbd r0: helper command: /sbin/drbdadm fence-peer r0 exit code 4 (0x400)"])
        .findings();
    only(&["drbd.peer-fenced (info)", "drbd.peer-unreachable (warning)"], &fenced);
    let failed = Scene::serving()
        .drbd(down)
        .kernel(&["[ 50.0] drbd r0: helper command: /sbin/drbdadm fence-peer r0 exit code 6 (0x600)"])
        .findings();
    only(&["drbd.fence-peer-failed (critical)", "drbd.peer-unreachable (warning)"], &failed);
    // Connected again: an old fence result is history, not a finding.
    let again = Scene::serving()
        .kernel(&["[ 50.0] drbd r0: helper command: /sbin/drbdadm fence-peer r0 exit code 6 (0x600)"])
        .findings();
    only(&[], &again);
}

// --- disks ---------------------------------------------------------------------------------

#[test]
fn disk_states_that_need_an_operator() {
    let lost = Scene::serving()
        .drbd(" 0: cs:Connected ro:Primary/Secondary ds:Diskless/UpToDate C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n")
        .findings();
    only(&["drbd.disk-lost (critical)"], &lost);
    let outdated = Scene::serving()
        .standby()
        .drbd(" 0: cs:StandAlone ro:Secondary/Unknown ds:Outdated/DUnknown   r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n")
        .kernel(&["[ 9.0] drbd r0: conn( Connected -> Disconnecting ) "])
        .findings();
    only(&["drbd.disconnected (warning)", "drbd.disk-outdated (warning)"], &outdated);
    let inconsistent = Scene::serving()
        .standby()
        .drbd(" 0: cs:StandAlone ro:Secondary/Unknown ds:Inconsistent/DUnknown   r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:131072\n")
        .kernel(&["[ 9.0] drbd r0: conn( Connected -> Disconnecting ) "])
        .findings();
    only(&["drbd.disconnected (warning)", "drbd.disk-inconsistent (warning)"], &inconsistent);
}

#[test]
fn out_of_sync_blocks_matter_only_under_a_connected_uptodate_pair() {
    let verify = Scene::serving().drbd(&HEALTHY.replace("oos:0", "oos:64")).findings();
    only(&["drbd.out-of-sync (info)"], &verify);
    assert!(raised(&verify, "drbd.out-of-sync").unwrap().summary.contains("64 KiB"));
    // Disconnected, every write marks blocks for the later resync: expected, not a finding.
    let apart = Scene::serving()
        .drbd(" 0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n    ns:0 nr:0 dw:64 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:64\n")
        .findings();
    only(&["drbd.peer-unreachable (warning)"], &apart);
}

#[test]
fn protocol_a_or_b_in_use_is_a_warning_and_c_is_not() {
    for p in ['A', 'B'] {
        let f = Scene::serving().drbd(&HEALTHY.replace(" C r", &format!(" {p} r"))).findings();
        only(&["drbd.protocol (warning)"], &f);
    }
}

// --- roles -------------------------------------------------------------------------------

#[test]
fn two_primaries_is_critical() {
    let f = Scene::serving().drbd(&HEALTHY.replace("Primary/Secondary", "Primary/Primary")).findings();
    only(&["drbd.two-primaries (critical)"], &f);
}

#[test]
fn a_mount_nfsd_or_the_vip_on_a_secondary() {
    let mounted = Scene::serving().standby().set("self/mountinfo", MOUNTED).findings();
    only(&["role.mounted-without-primary (critical)"], &mounted);
    assert!(raised(&mounted, "role.mounted-without-primary").unwrap().evidence[0].contains("/dev/drbd0 on /srv/nfs"));
    let nfsd = Scene::serving().standby().set("fs/nfsd/threads", "8\n").findings();
    only(&["role.nfsd-on-secondary (warning)"], &nfsd);
    let vip = Scene::serving().standby().set("net/fib_trie", ADDRESSES_WITH_VIP).findings();
    only(&["role.vip-on-secondary (critical)"], &vip);
}

#[test]
fn a_primary_that_does_not_serve_or_lacks_the_vip() {
    let stopped = Scene::serving().set("fs/nfsd/threads", "0\n").findings();
    only(&["role.primary-not-serving (critical)"], &stopped);
    let no_vip = Scene::serving().set("net/fib_trie", ADDRESSES).findings();
    only(&["role.primary-without-vip (warning)"], &no_vip);
    // Primary, nfsd stopped and not mounted (the middle of a failover): no VIP finding.
    let between = Scene::serving()
        .set("fs/nfsd/threads", "0\n")
        .set("self/mountinfo", NOT_MOUNTED)
        .set("net/fib_trie", ADDRESSES)
        .findings();
    only(&[], &between);
}

/// Live, the addresses come from rtnetlink, IPv6 included: an IPv6 VIP is found where it
/// is and missed where it is not, and rtnetlink's answer wins over fib_trie's.
#[test]
fn an_ipv6_vip_over_rtnetlink() {
    use crate::source::proc_files::ADDRESSES as RTNL;
    let vip6: IpAddr = "fd00:50::100".parse().unwrap();
    let here = "1: lo inet 127.0.0.1/8 scope host\n2: br0 inet 10.50.0.2/24 scope global\n2: br0 inet6 fd00:50::100/64 scope global\n";
    let away = "1: lo inet 127.0.0.1/8 scope host\n2: br0 inet 10.50.0.2/24 scope global\n2: br0 inet6 fd00:50::2/64 scope global\n";
    let primary = |addrs: &str| {
        evaluate(&Scene::serving().set(RTNL, addrs).set("net/fib_trie", ADDRESSES_WITH_VIP).model(), &[vip6])
    };
    only(&[], &primary(here));
    only(&["role.primary-without-vip (warning)"], &primary(away));
    let secondary = evaluate(&Scene::serving().standby().set(RTNL, here).model(), &[vip6]);
    only(&["role.vip-on-secondary (critical)"], &secondary);
    let m = Scene::serving().set(RTNL, here).model();
    let host = &m.snapshot.as_ref().unwrap().host;
    assert_eq!(host.addresses_from.as_deref(), Some("rtnetlink"));
    assert_eq!(host.addresses, ["10.50.0.2".parse::<IpAddr>().unwrap(), vip6], "loopback left out");
}

// --- nfsd --------------------------------------------------------------------------------

#[test]
fn exports_that_break_clients() {
    let none = Scene::serving().set("fs/nfsd/exports", "# Version 1.1\n# Path Client(Flags) # IPs\n/\t10.50.0.0/24(ro,insecure,no_root_squash,sync,no_subtree_check,v4root,fsid=0,sec=1)\n").findings();
    only(&["nfsd.no-exports (critical)"], &none);
    // Without exportfs's table (this scene has no etab), the kernel's list is the evidence.
    assert_eq!(
        raised(&none, "nfsd.no-exports").unwrap().evidence,
        ["/proc/fs/nfsd/exports is empty (and /var/lib/nfs/etab unreadable)"]
    );
    let no_fsid = Scene::serving().set("fs/nfsd/exports", EXPORTS.replace(",fsid=1", "")).findings();
    only(&["nfsd.export-without-fsid (warning)"], &no_fsid);
    assert_eq!(raised(&no_fsid, "nfsd.export-without-fsid").unwrap().subject, "/srv/nfs/export");
    let uuid = Scene::serving().set("fs/nfsd/exports", EXPORTS.replace(",fsid=1", ",uuid=1:2:3:4")).findings();
    only(&[], &uuid);
    // Neither exportfs's table nor the kernel's list could be read: not known, so not
    // "nothing is exported".
    let unread = Scene::serving().without("fs/nfsd/exports").findings();
    only(&[], &unread);
    // nfsd stopped on the standby: no exports is expected there.
    let standby = Scene::serving().standby().set("fs/nfsd/exports", "# Version 1.1\n").findings();
    only(&[], &standby);
}

#[test]
fn the_grace_period_is_reported_while_it_lasts() {
    let grace = Scene::serving().set("fs/nfsd/v4_end_grace", "N\n").findings();
    only(&["nfsd.grace (info)"], &grace);
    // nfsd just started (0 threads, then 8) on a kernel without v4_end_grace.
    let mut before = Scene::serving().set("fs/nfsd/threads", "0\n");
    before.files.remove("fs/nfsd/v4_end_grace");
    let mut after = Scene::serving();
    after.files.remove("fs/nfsd/v4_end_grace");
    let f = over_time(&before, &[after]);
    only(&["nfsd.grace (info)"], &f);
    assert!(raised(&f, "nfsd.grace").unwrap().summary.contains("about 90 s left"));
    // The estimate ends when the grace time has passed (here 2 s: started at 1 s, now 3 s),
    // and says nothing once nfsd stopped again.
    let short = |s: Scene| s.set("fs/nfsd/nfsv4gracetime", "2\n");
    let mut running = short(Scene::serving());
    running.files.remove("fs/nfsd/v4_end_grace");
    let started = over_time(&short(before.clone()), &[running.clone(), running.clone()]);
    assert!(raised(&started, "nfsd.grace").is_some(), "1 s of 2 gone");
    let over = over_time(&short(before.clone()), &[running.clone(), running.clone(), running.clone()]);
    assert!(raised(&over, "nfsd.grace").is_none(), "2 s of 2 gone: over");
    let stopped = over_time(&short(before.clone()), &[running, short(before.clone())]);
    assert!(raised(&stopped, "nfsd.grace").is_none(), "nfsd stopped");
    // v4_end_grace says N but no thread runs: no grace period to wait for.
    let idle = Scene::serving().set("fs/nfsd/v4_end_grace", "N\n").set("fs/nfsd/threads", "0\n").findings();
    assert!(raised(&idle, "nfsd.grace").is_none());
}

#[test]
fn rejected_calls_and_stale_handles_are_rates_not_totals() {
    let f = over_time(
        &Scene::serving().set("net/rpc/nfsd", nfsd_counters(10, 5)),
        &[Scene::serving().set("net/rpc/nfsd", nfsd_counters(14, 9))],
    );
    only(&["nfsd.bad-calls (warning)", "nfsd.stale-handles (warning)"], &f);
    assert!(raised(&f, "nfsd.bad-calls").unwrap().summary.contains("4.0/s"));
    // Old totals that no longer grow: nothing now.
    let old = Scene::serving().set("net/rpc/nfsd", nfsd_counters(14, 9));
    only(&[], &over_time(&old, std::slice::from_ref(&old)));
}

#[test]
fn requests_waiting_for_threads_over_ten_samples() {
    let samples: Vec<Scene> =
        (0..12).map(|i| Scene::serving().set("fs/nfsd/pool_stats", pool_stats(100 + 10 * i, 100 + 5 * i))).collect();
    let f = over_time(&samples[0], &samples[1..]);
    only(&["nfsd.threads-saturated (warning)"], &f);
    let keeping_up: Vec<Scene> =
        (0..12).map(|i| Scene::serving().set("fs/nfsd/pool_stats", pool_stats(100 + 10 * i, 100 + 10 * i))).collect();
    only(&[], &over_time(&keeping_up[0], &keeping_up[1..]));
}

// --- configuration ---------------------------------------------------------------------

#[test]
fn risky_configuration_not_yet_applied() {
    let protocol_a = Scene::serving().config(&CONFIG.replace("protocol C;", "protocol A;")).findings();
    only(&["config.protocol (warning)"], &protocol_a);
    // Applied already: the running state says it (drbd.protocol), not twice.
    let applied = Scene::serving()
        .config(&CONFIG.replace("protocol C;", "protocol A;"))
        .drbd(&HEALTHY.replace(" C r", " A r"))
        .findings();
    only(&["drbd.protocol (warning)"], &applied);
    let two = Scene::serving()
        .config(&CONFIG.replace("protocol C;", "protocol C;\n        allow-two-primaries yes;"))
        .findings();
    only(&["config.two-primaries (critical)"], &two);
    let gfs2 = Scene::serving()
        .config(&CONFIG.replace("protocol C;", "protocol C;\n        allow-two-primaries yes;"))
        .set("self/mountinfo", MOUNTED.replace("ext4", "gfs2"))
        .findings();
    only(&[], &gfs2);
    let unprotected = Scene::serving().config(&CONFIG.replace("        fencing resource-only;\n", "")).findings();
    only(&["config.no-split-brain-protection (info)"], &unprotected);
    // DRBD 9 promotes on mount by itself unless auto-promote is off: then the same
    // configuration is a warning.
    let bare = CONFIG.replace("        fencing resource-only;\n", "");
    let on9 = |config: &str| {
        Scene::serving()
            .config(config)
            .drbd9(&[R9, D9, C9, P9])
            .findings()
            .into_iter()
            .find(|f| f.id.starts_with("config.no-split-brain-protection"))
            .map(|f| f.severity)
    };
    assert_eq!(on9(&bare), Some(Severity::Warning));
    let manual = bare.replace("resource r0 {\n", "resource r0 {\n    options {\n        auto-promote no;\n    }\n");
    assert_eq!(on9(&manual), Some(Severity::Info));
}

#[test]
fn findings_are_ordered_most_severe_first() {
    let f = Scene::serving()
        .drbd(STANDALONE)
        .set("fs/nfsd/v4_end_grace", "N\n")
        .set("fs/nfsd/exports", EXPORTS.replace(",fsid=1", ""))
        .findings();
    let severities: Vec<Severity> = f.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(severities, sorted);
    assert_eq!(severities.first(), Some(&Severity::Critical));
    assert_eq!(severities.last(), Some(&Severity::Info));
}

// --- DRBD 9 (events2 only) -----------------------------------------------------------

const R9: &str = "resource name:r0 role:Primary suspended:no force-io-failures:no write-ordering:flush may_promote:no promotion_score:10101";
const D9: &str = "device name:r0 volume:0 minor:0 backing_dev:/dev/vdb disk:UpToDate client:no quorum:yes size:204756";
const C9: &str = "connection name:r0 peer-node-id:1 conn-name:nodea connection:Connected role:Secondary congested:no";
const P9: &str = "peer-device name:r0 peer-node-id:1 conn-name:nodea volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no out-of-sync:0";

#[test]
fn drbd9_healthy_raises_nothing_and_its_failures_raise_the_84_rules() {
    only(&[], &Scene::serving().drbd9(&[R9, D9, C9, P9]).findings());
    // The peer gone: the same rule as 8.4's WFConnection, in DRBD 9's words.
    let gone = Scene::serving()
        .drbd9(&[
            R9,
            D9,
            &C9.replace("connection:Connected role:Secondary", "connection:Connecting role:Unknown"),
            &P9.replace("replication:Established peer-disk:UpToDate", "replication:Off peer-disk:DUnknown")
                .replace("out-of-sync:0", "out-of-sync:8328"),
        ])
        .findings();
    only(&["drbd.peer-unreachable (warning)"], &gone);
    let f = raised(&gone, "drbd.peer-unreachable").unwrap();
    assert_eq!(f.subject, "r0");
    assert!(f.summary.contains("Connecting: waiting for it to connect"), "{}", f.summary);
    assert!(f.evidence.iter().any(|e| e.contains("written here since")), "{:?}", f.evidence);
    // Out of sync under a connected, UpToDate pair.
    let oos = Scene::serving().drbd9(&[R9, D9, C9, &P9.replace("out-of-sync:0", "out-of-sync:64")]).findings();
    only(&["drbd.out-of-sync (info)"], &oos);
    // Outdated while StandAlone after an administrator's disconnect.
    let standalone = Scene::serving()
        .standby()
        .drbd9(&[
            &R9.replace("role:Primary", "role:Secondary"),
            &D9.replace("disk:UpToDate", "disk:Outdated"),
            &C9.replace("connection:Connected role:Secondary", "connection:StandAlone role:Unknown"),
            &P9.replace("replication:Established peer-disk:UpToDate", "replication:Off peer-disk:DUnknown"),
        ])
        .kernel(&["[ 9.0] drbd r0 nodea: conn( Connected -> Disconnecting ) "])
        .findings();
    only(&["drbd.disconnected (warning)", "drbd.disk-outdated (warning)"], &standalone);
}

#[test]
fn drbd9_resync_is_read_from_the_peer_device() {
    let target = Scene::serving()
        .standby()
        .drbd9(&[
            &R9.replace("role:Primary", "role:Secondary"),
            &D9.replace("disk:UpToDate", "disk:Inconsistent"),
            &C9.replace("role:Secondary", "role:Primary"),
            &P9.replace("replication:Established", "replication:SyncTarget")
                .replace("out-of-sync:0", "out-of-sync:48108 done:20.49 dbdt1:2.37 eta:20"),
        ])
        .findings();
    only(&["drbd.resync (info)"], &target);
    let f = raised(&target, "drbd.resync").unwrap();
    assert!(f.summary.starts_with("r0: receiving resync 20.5% done, 46.98 MiB left, ETA 0:00:20"), "{}", f.summary);
}

/// An online verify copies nothing: it is not a resync, it does not make the receiving
/// side's data stale (no "do not promote"), and the blocks it found are named with the step
/// that resyncs them. The lab's own verify (kernel 8.4.11, `fixtures/stream`) looks like this.
#[test]
fn an_online_verify_is_not_called_a_resync() {
    let verify_target = Scene::serving()
        .standby()
        .drbd(" 0: cs:VerifyT ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n    ns:0 nr:0 dw:0 dr:20480 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:8\n\t[===>................] verified: 15.7% (111656/132404)K\n\tfinish: 0:00:56 speed: 1,936 (1,900) want: 4,096 K/sec\n")
        .findings();
    only(&["drbd.verify (info)"], &verify_target);
    let f = raised(&verify_target, "drbd.verify").unwrap();
    assert!(
        f.summary.starts_with("r0: online verify with nodea 15.7% done, 109.04 MiB left, ETA 0:00:56"),
        "{}",
        f.summary
    );
    assert!(!f.summary.contains("resync"), "{}", f.summary);
    let next = f.suggestion.as_deref().unwrap();
    assert!(next.contains("disconnect") && !next.contains("promote"), "{next}");
    assert!(f.evidence.iter().any(|e| e == "8 KiB found different so far (marked out of sync)"), "{:?}", f.evidence);
    // Nothing found yet: nothing to do afterwards either.
    let clean = Scene::serving()
        .drbd(" 0: cs:VerifyS ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:0 nr:0 dw:0 dr:20480 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n\t[===>................] verified: 15.7% (111656/132404)K\n\tfinish: 0:00:56 speed: 1,936 (1,900) want: 4,096 K/sec\n")
        .findings();
    only(&["drbd.verify (info)"], &clean);
    assert_eq!(raised(&clean, "drbd.verify").unwrap().suggestion, None);
    // DRBD 9: out-of-sync is what verify found, not what is left: the rest comes from the
    // verify's total (rs-total, sectors).
    let drbd9 = Scene::serving()
        .drbd9(&[
            R9,
            D9,
            C9,
            &P9.replace("replication:Established", "replication:VerifyS")
                .replace("out-of-sync:0", "out-of-sync:4 done:25.00 rs-total:2097152 eta:30"),
        ])
        .findings();
    only(&["drbd.verify (info)"], &drbd9);
    let s = &raised(&drbd9, "drbd.verify").unwrap().summary;
    assert!(s.contains("25.0% done, 768 MiB left, ETA 0:00:30"), "{s}");
}

#[test]
fn drbd9_one_of_two_peers_gone_is_not_alone() {
    let c2 = "connection name:r0 peer-node-id:2 conn-name:nodec connection:Connecting role:Unknown congested:no";
    let p2 = "peer-device name:r0 peer-node-id:2 conn-name:nodec volume:0 replication:Off peer-disk:DUnknown peer-client:no resync-suspended:no out-of-sync:0";
    let f = Scene::serving().drbd9(&[R9, D9, C9, P9, c2, p2]).findings();
    only(&["drbd.peer-unreachable (warning)"], &f);
    let s = &raised(&f, "drbd.peer-unreachable").unwrap().summary;
    assert!(s.contains("peer nodec not connected") && s.contains("1 of 2 peers still replicate"), "{s}");
    // A diskless tiebreaker is diskless on purpose: not a lost disk, on either side.
    let tiebreaker = "peer-device name:r0 peer-node-id:2 conn-name:nodec volume:0 replication:Established peer-disk:Diskless peer-client:yes resync-suspended:no out-of-sync:0";
    let c2up = c2.replace("connection:Connecting role:Unknown", "connection:Connected role:Secondary");
    only(&[], &Scene::serving().drbd9(&[R9, D9, C9, P9, &c2up, tiebreaker]).findings());
    // The same peer without its disk by accident (peer-client:no) is a lost disk.
    let detached = tiebreaker.replace("peer-client:yes", "peer-client:no");
    only(&["drbd.peer-disk-lost (warning)"], &Scene::serving().drbd9(&[R9, D9, C9, P9, &c2up, &detached]).findings());
    let client = Scene::serving()
        .standby()
        .drbd9(&[
            &R9.replace("role:Primary", "role:Secondary"),
            &D9.replace("disk:UpToDate client:no", "disk:Diskless client:yes"),
            &C9.replace("role:Secondary", "role:Primary"),
            P9,
        ])
        .findings();
    only(&[], &client);
}

#[test]
fn drbd9_quorum_suspended_io_and_a_refused_promotion() {
    let lost = Scene::serving()
        .drbd9(&[
            &R9.replace("suspended:no", "suspended:quorum"),
            &D9.replace("quorum:yes", "quorum:no"),
            &C9.replace("connection:Connected role:Secondary", "connection:Connecting role:Unknown"),
            &P9.replace("replication:Established peer-disk:UpToDate", "replication:Off peer-disk:DUnknown"),
        ])
        .findings();
    only(&["drbd.io-suspended (critical)", "drbd.peer-unreachable (warning)", "drbd.quorum-lost (critical)"], &lost);
    assert!(raised(&lost, "drbd.io-suspended").unwrap().suggestion.as_deref().unwrap().contains("quorum"));
    // No node Primary, and DRBD would not promote this UpToDate one.
    let stuck =
        Scene::serving().standby().drbd9(&[&R9.replace("role:Primary", "role:Secondary"), D9, C9, P9]).findings();
    only(&["drbd.may-not-promote (warning)"], &stuck);
    // may_promote:no while the peer is Primary is DRBD 9's normal answer: nothing.
    let normal = Scene::serving()
        .standby()
        .drbd9(&[&R9.replace("role:Primary", "role:Secondary"), D9, &C9.replace("role:Secondary", "role:Primary"), P9])
        .findings();
    only(&[], &normal);
}

#[test]
fn a_configured_resource_that_is_down_is_said_and_an_unread_events2_is_not_down() {
    // 8.4: the module loaded, no minor lines (drbdadm down).
    let down84 = Scene::serving().standby().drbd("");
    only(&["drbd.down (warning)"], &down84.findings());
    // DRBD 9: events2 read and empty.
    let down9 = Scene::serving().standby().drbd9(&[]);
    only(&["drbd.down (warning)"], &down9.findings());
    // DRBD 9 with events2 unread, or its first dump unfinished: unknown, not down.
    let mut unread = down9.clone();
    unread.events2 = None;
    only(&[], &unread.findings());
    let mut unfinished = down9.clone();
    unfinished.events2 = Some(Vec::new());
    only(&[], &unfinished.findings());
}

/// "Since" survives re-evaluation, and the engine's timeline is told exactly which
/// findings appeared and which went away.
#[test]
fn finding_memory_stamps_since_and_says_what_was_raised_and_cleared() {
    let f = |rule: &str| Finding::new(rule, "r0", Severity::Warning, rule.to_owned());
    let (t0, t1, t2) = (Timestamp::from_unix_micros(1), Timestamp::from_unix_micros(2), Timestamp::from_unix_micros(3));
    let mut memory = super::FindingMemory::default();
    let mut first = vec![f("drbd.resync"), f("drbd.out-of-sync")];
    assert_eq!(
        memory.stamp(&mut first, t0),
        (vec!["drbd.resync:r0".to_owned(), "drbd.out-of-sync:r0".to_owned()], vec![])
    );
    let mut second = vec![f("drbd.resync"), f("drbd.standalone")];
    assert_eq!(
        memory.stamp(&mut second, t1),
        (vec!["drbd.standalone:r0".to_owned()], vec!["drbd.out-of-sync:r0".to_owned()])
    );
    assert_eq!(second[0].since, Some(t0), "still the first sighting");
    assert_eq!(second[1].since, Some(t1));
    let mut third = vec![f("drbd.out-of-sync")];
    let (raised, cleared) = memory.stamp(&mut third, t2);
    assert_eq!(raised, ["drbd.out-of-sync:r0"]);
    assert_eq!(third[0].since, Some(t2), "gone and back: a new sighting");
    assert_eq!(cleared.len(), 2);
}

/// A client row as the tracker builds it, with the figures the client rules read.
fn client_row(
    address: &str,
    window_bytes_in: u64,
    share: f64,
    window_calls: f64,
    calls_share: f64,
) -> crate::model::clients::ClientRow {
    crate::model::clients::ClientRow {
        address: address.parse().unwrap(),
        hostname: None,
        nfs4_name: None,
        nfs4: Vec::new(),
        connections: Vec::new(),
        bytes_in: window_bytes_in,
        bytes_out: 0,
        recv_q: 0,
        send_q: 0,
        in_bytes_per_s: None,
        out_bytes_per_s: None,
        share_in: Some(share),
        share_in_window: Some(share),
        window_bytes_in,
        calls_per_s: None,
        calls_share: Some(calls_share),
        window_calls,
        busy_share: None,
        top_ops: Vec::new(),
    }
}

/// The client rules with their thresholds and near misses: a share is named only above
/// half of enough traffic (2 MiB, 600 calls, 0.1 threads busy over 20 samples), a queue
/// from 1 MiB waiting, and never with one client alone.
#[test]
fn client_rules_and_their_near_misses() {
    let rules = |rows: Vec<crate::model::clients::ClientRow>, samples: u32, busy: u32| {
        let mut m = Scene::serving().model();
        m.clients.rows = rows;
        m.clients.activity_samples = samples;
        m.clients.activity_busy = busy;
        let mut ids: Vec<String> =
            evaluate(&m, &[]).into_iter().map(|f| f.id).filter(|id| id.starts_with("client.")).collect();
        ids.sort();
        ids
    };
    let mib = 1u64 << 20;
    let pair = |a_bytes: u64, b_bytes: u64, a_calls: f64, b_calls: f64| {
        let total = (a_bytes + b_bytes) as f64;
        let calls = a_calls + b_calls;
        vec![
            client_row("10.0.0.21", a_bytes, a_bytes as f64 / total, a_calls, a_calls / calls),
            client_row("10.0.0.22", b_bytes, b_bytes as f64 / total, b_calls, b_calls / calls),
        ]
    };
    // Bytes: 3 of 4 MiB is noisy; the same share of 1 MiB in all is not (too little).
    assert_eq!(rules(pair(3 * mib, mib, 100.0, 100.0), 0, 0), ["client.noisy:10.0.0.21"]);
    assert!(rules(pair(768 << 10, 256 << 10, 100.0, 100.0), 0, 0).is_empty());
    assert!(rules(pair(2 * mib, 2 * mib + 1, 100.0, 100.0), 0, 0) == ["client.noisy:10.0.0.22"]);
    // One client alone is not "noisy" however much it sends.
    assert!(rules(vec![client_row("10.0.0.21", 50 * mib, 1.0, 5000.0, 1.0)], 0, 0).is_empty());
    // Calls: 500 of 700 is named; 350 of 500 in all is too few calls.
    assert_eq!(rules(pair(10, 10, 500.0, 200.0), 0, 0), ["client.calls:10.0.0.21"]);
    assert!(rules(pair(10, 10, 350.0, 150.0), 0, 0).is_empty());
    // Busy threads: a 60% share of 20 samples with 4 busy (0.2 a sample) is named; with
    // 19 samples, or 1 busy in 20 (0.05), it is not.
    let busy = |samples: u32, busy: u32| {
        let mut rows = pair(10, 10, 1.0, 1.0);
        rows[0].busy_share = Some(0.6);
        rows[1].busy_share = Some(0.4);
        rules(rows, samples, busy)
    };
    assert_eq!(busy(20, 4), ["client.busy:10.0.0.21"]);
    let mut alone = pair(10, 10, 1.0, 1.0);
    alone.truncate(1);
    alone[0].busy_share = Some(1.0);
    assert!(rules(alone, 20, 20).is_empty(), "one client alone is not singled out");
    assert!(busy(19, 4).is_empty());
    assert!(busy(20, 1).is_empty());
    // Queued: 1 MiB waiting in Recv-Q is a warning; a byte less is not.
    let queued = |recv_q: u64| {
        let mut rows = pair(10, 10, 1.0, 1.0);
        rows[1].recv_q = recv_q;
        rules(rows, 0, 0)
    };
    assert_eq!(queued(mib), ["client.queued:10.0.0.22"]);
    assert!(queued(mib - 1).is_empty());
}

/// Outdated data about to be resynced (the bitmap exchange that starts a resync) is the
/// resync's business, not a finding of its own; the same disk with no resync coming is.
#[test]
fn outdated_data_with_a_resync_starting_is_not_reported_as_outdated() {
    let line = |cs: &str| {
        format!(
            " 0: cs:{cs} ro:Secondary/Primary ds:Outdated/UpToDate C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:1024\n"
        )
    };
    let ids = |cs: &str| -> Vec<String> {
        Scene::serving().standby().drbd(&line(cs)).findings().into_iter().map(|f| f.id).collect()
    };
    assert!(!ids("WFBitMapT").iter().any(|i| i.starts_with("drbd.disk-outdated")), "{:?}", ids("WFBitMapT"));
    assert!(ids("WFConnection").iter().any(|i| i.starts_with("drbd.disk-outdated")), "{:?}", ids("WFConnection"));
}

/// "Configured here but not up" reads this node's own part of the configuration: its
/// own minor (the peer's may differ), not a resource of other hosts, and an unconfigured
/// minor is not up.
#[test]
fn configured_but_down_reads_this_nodes_part_of_the_configuration() {
    let config = CONFIG
        .replace("on nodeb {\n        device /dev/drbd0 minor 0;", "on nodeb {\n        device /dev/drbd1 minor 1;")
        + "resource r1 {\n    on nodec {\n        device /dev/drbd5 minor 5;\n        disk /dev/vdc;\n        meta-disk internal;\n        address ipv4 10.50.0.3:7790;\n    }\n    on noded {\n        device /dev/drbd5 minor 5;\n        disk /dev/vdc;\n        meta-disk internal;\n        address ipv4 10.50.0.4:7790;\n    }\n}\n";
    let minor1 = HEALTHY.replace(" 0: cs:", " 1: cs:");
    let down = |drbd: &str| -> Vec<String> {
        Scene::serving()
            .config(&config)
            .drbd(drbd)
            .findings()
            .into_iter()
            .map(|f| f.id)
            .filter(|i| i.starts_with("drbd.down"))
            .collect()
    };
    assert!(down(&minor1).is_empty(), "nodeb's minor 1 is up; r1 is not nodeb's");
    assert_eq!(down(HEALTHY), ["drbd.down:r0"], "minor 0 is nodea's, not nodeb's");
    assert_eq!(down(" 1: cs:Unconfigured\n"), ["drbd.down:r0"]);
    // DRBD 9 (events2 tells what is up): r0 is up, and r1 is not this node's to bring up.
    let on9: Vec<String> = Scene::serving()
        .config(&config)
        .drbd9(&[R9, D9, C9, P9])
        .findings()
        .into_iter()
        .map(|f| f.id)
        .filter(|i| i.starts_with("drbd.down"))
        .collect();
    assert!(on9.is_empty(), "{on9:?}");
}

/// DRBD 9 with two volumes names each (`r0/1`); with two peers, one connected but not
/// yet replicating (handshake, replication Off) does not count as a second copy.
#[test]
fn drbd9_volumes_are_named_and_only_replicating_peers_count() {
    let v1_device = D9.replace("volume:0 minor:0", "volume:1 minor:1").replace("disk:UpToDate", "disk:Inconsistent");
    let v1_peer = P9.replace("volume:0", "volume:1");
    let two = Scene::serving().drbd9(&[R9, D9, &v1_device, C9, P9, &v1_peer]).findings();
    let f = raised(&two, "drbd.disk-inconsistent").expect("volume 1 is Inconsistent");
    assert_eq!(f.subject, "r0/1");
    let second_peer = |replication: &str| {
        let c2 = "connection name:r0 peer-node-id:2 conn-name:nodec connection:Connecting role:Unknown congested:no";
        let p2 = "peer-device name:r0 peer-node-id:2 conn-name:nodec volume:0 replication:Off peer-disk:DUnknown peer-client:no resync-suspended:no out-of-sync:0";
        let p1 = P9.replace("replication:Established", &format!("replication:{replication}"));
        let f = Scene::serving().drbd9(&[R9, D9, C9, &p1, c2, p2]).findings();
        raised(&f, "drbd.peer-unreachable").map(|f| f.summary.clone()).unwrap_or_default()
    };
    assert!(second_peer("Established").contains("1 of 2 peers still replicate"), "{}", second_peer("Established"));
    assert!(second_peer("Off").contains("writes are not replicated"), "{}", second_peer("Off"));
}

/// A resync running at its configured rate says the rate, not the disks, sets the pace;
/// one well below it, or with no rate configured, does not.
#[test]
fn a_resync_at_its_configured_rate_says_so() {
    let at_rate = |want: &str| {
        let line =
            SYNC_SOURCE.replace("speed: 4,096 (4,096) K/sec", &format!("speed: 4,096 (4,096) want: {want} K/sec"));
        let f = Scene::serving().drbd(&line).findings();
        raised(&f, "drbd.resync").unwrap().evidence.iter().any(|e| e.contains("at the configured rate"))
    };
    assert!(at_rate("4,096"));
    assert!(at_rate("4,500"), "4,096 is over 90% of 4,500");
    assert!(!at_rate("8,192"));
    assert!(!at_rate("0"));
}

/// On 8.x the resource of a minor comes from this node's own entry in the
/// configuration (another resource's hosts may use the same minor number).
#[test]
fn a_minor_is_named_by_this_nodes_entry_in_the_configuration() {
    let other_first = "resource r1 {\n    on nodec {\n        device /dev/drbd1 minor 1;\n        disk /dev/vdc;\n        meta-disk internal;\n        address ipv4 10.50.0.3:7790;\n    }\n    on noded {\n        device /dev/drbd1 minor 1;\n        disk /dev/vdc;\n        meta-disk internal;\n        address ipv4 10.50.0.4:7790;\n    }\n}\n".to_owned()
        + &CONFIG.replace("on nodeb {\n        device /dev/drbd0 minor 0;", "on nodeb {\n        device /dev/drbd1 minor 1;");
    let f = Scene::serving()
        .config(&other_first)
        .drbd(" 1: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n")
        .findings();
    assert_eq!(raised(&f, "drbd.peer-unreachable").map(|f| f.subject.as_str()), Some("r0"), "{:?}", rules(&f));
    // Nothing written since the peer went: no "to resync" evidence.
    assert!(!raised(&f, "drbd.peer-unreachable").unwrap().evidence.iter().any(|e| e.contains("written here since")));
}

/// DRBD 8.4 with drbd-utils 9's events2 beside /proc/drbd: each minor takes the name
/// events2 gives its device, not another resource's.
#[test]
fn each_minor_is_named_by_its_own_device_in_events2() {
    let mut scene = Scene::serving().drbd(&format!(
        "{HEALTHY} 1: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"
    ));
    scene.events2 = Some(
        [
            "exists resource name:r0 role:Primary suspended:no",
            "exists device name:r0 volume:0 minor:0 disk:UpToDate",
            "exists resource name:r1 role:Primary suspended:no",
            "exists device name:r1 volume:0 minor:1 disk:UpToDate",
            "exists -",
        ]
        .map(str::to_owned)
        .to_vec(),
    );
    let f = scene.findings();
    assert_eq!(raised(&f, "drbd.peer-unreachable").map(|f| f.subject.as_str()), Some("r1"), "{:?}", rules(&f));
}

// --- write path ----------------------------------------------------------------------------

/// How a second of writing looks on each hop: DRBD's device and its backing disk vdb.
#[derive(Clone, Copy)]
struct Writing {
    /// ms per write at drbd0 (what the filesystem waits) and at vdb.
    drbd_ms: u64,
    disk_ms: u64,
    /// vdb's busy share, percent.
    disk_busy: u64,
    /// /proc/drbd's `pe`: requests the peer has not answered.
    pe: u64,
}

const CALM: Writing = Writing { drbd_ms: 2, disk_ms: 1, disk_busy: 20, pe: 0 };

/// The serving Primary after `seconds` of 100 writes a second, each second as `w(s)`.
fn writing(seconds: usize, protocol: char, w: impl Fn(usize) -> Writing) -> Vec<Scene> {
    let (mut drbd, mut disk) = ([0u64; 4], [0u64; 4]); // writes, sectors, write ms, io ms
    (0..=seconds)
        .map(|s| {
            let now = w(s);
            if s > 0 {
                drbd = [drbd[0] + 100, drbd[1] + 800, drbd[2] + 100 * now.drbd_ms, drbd[3] + 500];
                disk = [disk[0] + 100, disk[1] + 800, disk[2] + 100 * now.disk_ms, disk[3] + 10 * now.disk_busy];
            }
            let line = |name: &str, major: u32, c: [u64; 4]| {
                format!(" {major} 0 {name} 1 0 8 1 {} 0 {} {} 0 {} {} 0 0 0 0 0 0\n", c[0], c[1], c[2], c[3], c[2])
            };
            Scene::serving()
                .drbd(&format!(
                    " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate {protocol} r-----\n    ns:{} nr:0 dw:{} dr:0 al:7 bm:0 lo:0 pe:{} ua:0 ap:{} ep:1 wo:f oos:0\n",
                    100 + drbd[1] / 2,
                    100 + drbd[1] / 2,
                    now.pe,
                    now.pe
                ))
                .set("diskstats", format!("{}{}", line("vdb", 254, disk), line("drbd0", 147, drbd)))
                .set("stat", format!("cpu  {} 0 50 800 {} 0 10 0 0 0\nprocs_blocked 0\n", 100 + s * 30, 40 + s * 20))
                .set("meminfo", "MemTotal: 2014128 kB\nDirty: 81236 kB\nWriteback: 4096 kB\n")
        })
        .collect()
}

fn write_path_findings(scenes: &[Scene]) -> (Vec<Finding>, Model) {
    let mut m = scenes[0].model();
    for (i, s) in scenes[1..].iter().enumerate() {
        s.feed(&mut m, (i + 1) as f64);
    }
    (evaluate(&m, &[VIP.parse::<IpAddr>().unwrap()]), m)
}

#[test]
fn a_calm_write_path_blames_no_hop_and_shows_each_one() {
    let (f, m) = write_path_findings(&writing(6, 'C', |_| CALM));
    only(&[], &f);
    let w = m.write_path.as_ref().unwrap();
    let d = &w.devices[0];
    assert_eq!((d.resource.as_deref(), d.protocol.as_deref()), (Some("r0"), Some("C")));
    assert_eq!(d.backing.as_ref().and_then(|b| b.name.as_deref()), Some("vdb"), "the configured disk /dev/vdb");
    let dev = d.device.as_ref().unwrap();
    assert_eq!((dev.writes_per_second, dev.write_await_ms, dev.write_kib_per_second), (100.0, Some(2.0), 400.0));
    assert_eq!(d.queues.sent_kib_per_s, Some(400.0), "ns grows with what was written");
    let cpu = w.host.cpu.unwrap();
    // Each second: 30 ticks user, 20 iowait, none idle.
    assert_eq!((cpu.iowait_percent, cpu.busy_percent), (40.0, 60.0), "{cpu:?}");
    assert_eq!((w.host.dirty_kib, w.host.procs_blocked), (Some(81236), Some(0)));
    assert_eq!(crate::diagnose::write_path::verdict(w, &f), "no hop is slow: drbd0 2.0 ms per write (vdb 1.0 ms)");
    // A disk that could not be resolved leaves the device's own figure, not a blank.
    let mut unresolved = w.clone();
    unresolved.devices[0].backing = None;
    assert_eq!(crate::diagnose::write_path::verdict(&unresolved, &f), "no hop is slow: drbd0 2.0 ms per write");
}

#[test]
fn a_saturated_local_disk_is_named_with_its_figures() {
    let slow = Writing { drbd_ms: 47, disk_ms: 45, disk_busy: 95, pe: 0 };
    let (f, m) = write_path_findings(&writing(6, 'C', |_| slow));
    only(&["write-path.local-disk (warning)"], &f);
    let found = raised(&f, "write-path.local-disk").unwrap();
    assert_eq!(found.subject, "r0");
    assert_eq!(found.summary, "writes wait on the local disk vdb: 95% busy, 45 ms per write");
    assert!(found.evidence.iter().any(|e| e.contains("drbd0: 47.0 ms per write")), "{found:#?}");
    assert_eq!(crate::diagnose::write_path::verdict(m.write_path.as_ref().unwrap(), &f), found.summary);
    // Slow while idle between bursts (a throttled or remote disk) is still the disk when
    // it is most of what DRBD waits for.
    let slow_idle = Writing { disk_busy: 40, ..slow };
    only(&["write-path.local-disk (warning)"], &write_path_findings(&writing(6, 'C', |_| slow_idle)).0);
    // Near misses: busy but fast (an SSD at full use); not slow enough; one slow second.
    let busy_fast = Writing { disk_ms: 3, drbd_ms: 4, ..slow };
    only(&[], &write_path_findings(&writing(6, 'C', |_| busy_fast)).0);
    let not_slow = Writing { disk_ms: 19, drbd_ms: 20, ..slow };
    only(&[], &write_path_findings(&writing(6, 'C', |_| not_slow)).0);
    only(&[], &write_path_findings(&writing(6, 'C', |s| if s == 6 { slow } else { CALM })).0);
    // The mean of the last five seconds decides: three slow seconds of five raise it
    // (27 ms), two do not (18.6 ms).
    only(
        &["write-path.local-disk (warning)"],
        &write_path_findings(&writing(6, 'C', |s| if s >= 4 { slow } else { CALM })).0,
    );
    only(&[], &write_path_findings(&writing(6, 'C', |s| if s >= 5 { slow } else { CALM })).0);
    // One long interval is as good as several short ones (doctor --sample-seconds 5).
    let slow_seconds = writing(5, 'C', |_| slow);
    let mut m = slow_seconds[0].model();
    slow_seconds[5].feed(&mut m, 5.0);
    let f = evaluate(&m, &[VIP.parse::<IpAddr>().unwrap()]);
    assert!(raised(&f, "write-path.local-disk").is_some(), "{:?}", rules(&f));
    let mut m = slow_seconds[0].model();
    slow_seconds[2].feed(&mut m, 2.0);
    let f = evaluate(&m, &[VIP.parse::<IpAddr>().unwrap()]);
    assert!(raised(&f, "write-path.local-disk").is_none(), "two seconds are not sustained: {:?}", rules(&f));
}

#[test]
fn replication_is_blamed_only_when_the_protocol_waits_for_the_peer() {
    let waits = Writing { drbd_ms: 38, disk_ms: 2, disk_busy: 30, pe: 12 };
    let (f, _) = write_path_findings(&writing(6, 'C', |_| waits));
    only(&["write-path.replication (warning)"], &f);
    let found = raised(&f, "write-path.replication").unwrap();
    assert_eq!(
        found.summary,
        "writes wait on replication to nodea: 38 ms per write at drbd0 against 2.0 ms on the local disk vdb; \
         protocol C makes every write wait for the peer's disk"
    );
    assert!(found.evidence[0].starts_with("12.0 requests pending at the peer"), "{found:#?}");
    assert_eq!(
        found.evidence[1],
        "DRBD queues now: 12 application, 0 at the local disk, 12 at the peer, 0 unacknowledged; 400 KiB/s sent"
    );
    assert_eq!(
        found.evidence[2],
        "vdb: 100 w/s, 400 KiB/s written, 2.0 ms per write, 0.2 queued, 30% busy (iostat -x)"
    );
    assert_eq!(found.evidence.len(), 3, "no link measured, none named: {found:#?}");
    // The replication link of this resource is evidence; another resource's is not.
    let (_, mut m) = write_path_findings(&writing(6, 'C', |_| waits));
    let link = |resource: &str| crate::model::write_path::LinkHop {
        resource: resource.to_owned(),
        peer: "nodea".to_owned(),
        peer_address: "10.99.0.1:7789".to_owned(),
        ..Default::default()
    };
    m.write_path.as_mut().unwrap().links = vec![link("r7"), link("r0")];
    let f = evaluate(&m, &[VIP.parse::<IpAddr>().unwrap()]);
    let found = raised(&f, "write-path.replication").unwrap();
    let links: Vec<&String> = found.evidence.iter().filter(|e| e.starts_with("link to ")).collect();
    assert_eq!(links, ["link to nodea: r0: no connection to 10.99.0.1:7789"], "{found:#?}");
    // Nothing pending at the instant of a sample does not clear it (writes come in bursts);
    // the count is evidence when there is one.
    let idle_instant = write_path_findings(&writing(6, 'C', |_| Writing { pe: 0, ..waits })).0;
    let found = raised(&idle_instant, "write-path.replication").unwrap();
    assert!(found.evidence[0].starts_with("0.0 requests pending"), "{found:#?}");
    // Protocol A does not wait for the peer; a slow local disk that is most of the wait is
    // the disk's doing; a device not slow enough is no verdict.
    let protocol_a = write_path_findings(&writing(6, 'A', |_| waits)).0;
    assert!(raised(&protocol_a, "write-path.replication").is_none(), "{:?}", rules(&protocol_a));
    only(
        &["write-path.local-disk (warning)"],
        &write_path_findings(&writing(6, 'C', |_| Writing { disk_ms: 25, ..waits })).0,
    );
    only(&[], &write_path_findings(&writing(6, 'C', |_| Writing { disk_ms: 19, ..waits })).0);
    only(&[], &write_path_findings(&writing(6, 'C', |_| Writing { drbd_ms: 19, disk_ms: 1, ..waits })).0);
    only(
        &["write-path.replication (warning)"],
        &write_path_findings(&writing(6, 'C', |_| Writing { disk_ms: 17, ..waits })).0,
    );
    // A local disk slow in itself (30 ms) but well under half of what the device waits
    // (100 ms), and not busy, is not the hop: replication is.
    only(
        &["write-path.replication (warning)"],
        &write_path_findings(&writing(6, 'C', |_| Writing { drbd_ms: 100, disk_ms: 30, ..waits })).0,
    );
}

#[test]
fn a_source_that_was_not_read_is_not_an_idle_disk() {
    // The same node without /proc/diskstats (a capture from before drnfs read it).
    let scenes: Vec<Scene> = writing(6, 'C', |_| Writing { drbd_ms: 38, disk_ms: 2, disk_busy: 30, pe: 12 })
        .into_iter()
        .map(|mut s| {
            s.files.remove("diskstats");
            s
        })
        .collect();
    let (f, m) = write_path_findings(&scenes);
    only(&[], &f);
    let w = m.write_path.as_ref().unwrap();
    assert_eq!(w.devices[0].device, None);
    assert!(w.not_measured.iter().any(|n| n.starts_with("/proc/diskstats: ")), "{:?}", w.not_measured);
    assert_eq!(crate::diagnose::write_path::verdict(w, &f), "not measured: /proc/diskstats could not be read");
}

#[test]
fn backing_devices_by_kernel_and_mapper_names() {
    use crate::model::write_path::kernel_name;
    let io = crate::model::snapshot::HostIo {
        disks: Some(
            drnfs_parsers::diskstats::parse(" 254 16 vdb 1 0 8 1 1 0 8 1 0 1 1\n 253 3 dm-3 1 0 8 1 1 0 8 1 0 1 1\n")
                .value,
        ),
        dm_names: [("dm-3".to_owned(), "vg--0-my--data".to_owned())].into(),
        ..Default::default()
    };
    assert_eq!(kernel_name(&io, "/dev/vdb").as_deref(), Some("vdb"));
    assert_eq!(kernel_name(&io, "/dev/mapper/vg--0-my--data").as_deref(), Some("dm-3"));
    assert_eq!(kernel_name(&io, "/dev/vg-0/my-data").as_deref(), Some("dm-3"), "LVM doubles hyphens");
    assert_eq!(kernel_name(&io, "/dev/vg-0/other").as_deref(), None);
    assert_eq!(kernel_name(&io, "/dev/vdc").as_deref(), None);
    assert_eq!(kernel_name(&io, "vdb").as_deref(), None, "not a device path");
}

/// The Overview at 80×24 draws each hop's figure and puts the verdict in the panel title.
#[test]
fn the_overview_shows_the_write_path_at_80x24() {
    let sized = |scenes: &[Scene], w: u16, h: u16| {
        let (findings, m) = write_path_findings(scenes);
        let report = crate::engine::Report::build(&m, findings, None).unwrap();
        let mut app = crate::tui::app::App::new(
            crate::tui::app::Mode::Live { interval_ms: 1000 },
            crate::tui::theme::Theme::plain(),
            vec![VIP.parse().unwrap()],
        );
        app.set_report(Some(report));
        crate::tui::views::screen_text(&app, w, h)
    };
    let screen = |scenes: &[Scene]| sized(scenes, 80, 24);
    let calm = screen(&writing(6, 'C', |_| CALM));
    assert!(calm.contains("Write path: no hop is slow"), "{calm}");
    assert!(calm.contains("nfsd 8 thr 0.0/s wait -> drbd0 100 w/s 2.0 ms -> vdb 1.0 ms 20% | 0 at nodea"), "{calm}");
    let slow = screen(&writing(6, 'C', |_| Writing { drbd_ms: 47, disk_ms: 45, disk_busy: 95, pe: 0 }));
    assert!(slow.contains("Write path: writes wait on the local disk vdb: 95% busy, 45 ms per write -"), "{slow}");
    assert!(slow.contains("WARN writes wait on the local disk vdb"), "the finding is listed too:\n{slow}");
    // Under the chain, two minutes of ms per write for the device and its disk, at 80x24
    // as on a tall screen (six samples here, one column each, newest at the right).
    let tall = sized(&writing(6, 'C', |_| CALM), 160, 48);
    for screen in [&calm, &tall] {
        assert!(screen.contains("+ ms per write, last 2 min (max per column) -"), "{screen}");
        let row = screen.lines().find(|l| l.starts_with("|drbd0 ")).unwrap_or_else(|| panic!("{screen}"));
        // The newest sample at each sparkline's right end.
        assert!(row.contains(" ###### vdb       ") && row.ends_with(" ###### |"), "{row}");
    }
    // Shorter than that, the findings keep their rows and the history goes.
    let short = sized(&writing(6, 'C', |_| CALM), 80, 20);
    assert!(short.contains("Write path: no hop is slow") && !short.contains("last 2 min"), "{short}");
    assert!(short.contains("nothing to report"), "{short}");
}
