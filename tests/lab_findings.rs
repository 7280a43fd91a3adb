//! Every finding rule against real states from the lab: for each rule, a captured
//! scenario where it must be raised and one where it must not.
//!
//! Each node recorded the whole lab run with `drnfs record`
//! (`fixtures/demo/lab-incident*.drnfs.gz`); every capture holds the moment it was taken
//! (`drnfs-snapshot.json`'s `taken_at`). The test replays the node's recording up to that
//! moment through the model — with its history, so rates, stalls and split-brain memory
//! are what they were live — and evaluates the findings there with the current code.
//!
//! Rules no lab scenario can reach are listed in `NOT_IN_THE_LAB` with the reason; their
//! unit tests are in `src/diagnose/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use drnfs::engine::Engine;
use drnfs::engine::replay::Replay;
use drnfs::source::recording::Recording;
use drnfs_parsers::timestamp::Timestamp;

mod common;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// (rule, where it must be raised, where it must not) as `scenario/node`.
const RULES: &[(&str, &str, &str)] = &[
    ("drbd.split-brain", "split-brain/nodea", "connected-idle/nodea"),
    ("drbd.disconnected", "admin-disconnect/nodea", "connected-idle/nodea"),
    ("drbd.peer-unreachable", "peer-down/nodea", "admin-disconnect/nodea"),
    ("drbd.down", "peer-down/nodeb", "connected-idle/nodeb"),
    ("drbd.resync", "resync/nodea", "connected-idle/nodea"),
    ("drbd.disk-lost", "peer-diskless/nodeb", "connected-idle/nodeb"),
    ("drbd.peer-disk-lost", "peer-diskless/nodea", "connected-idle/nodea"),
    ("drbd.disk-outdated", "outdated/nodea", "connected-idle/nodea"),
    ("drbd.out-of-sync", "out-of-sync/nodeb", "connected-idle/nodeb"),
    ("drbd.two-primaries", "two-primaries/nodeb", "connected-idle/nodea"),
    ("config.protocol", "risky-config/nodeb", "connected-idle/nodeb"),
    ("config.two-primaries", "risky-config/nodeb", "connected-idle/nodeb"),
    ("config.no-split-brain-protection", "connected-idle/nodea", "risky-config/nodeb"),
    ("role.primary-not-serving", "nfsd-stopped/nodea", "connected-idle/nodea"),
    ("role.nfsd-on-secondary", "nfsd-on-secondary/nodea", "connected-idle/nodeb"),
    ("role.vip-on-secondary", "vip-on-secondary/nodea", "connected-idle/nodeb"),
    ("role.primary-without-vip", "vip-on-secondary/nodeb", "connected-idle/nodea"),
    ("nfsd.threads-saturated", "client-load/nodea", "connected-idle/nodea"),
    ("nfsd.bad-calls", "bad-calls/nodeb", "connected-idle/nodea"),
    ("nfsd.stale-handles", "bad-calls/nodeb", "connected-idle/nodea"),
    ("nfsd.no-exports", "no-exports/nodeb", "connected-idle/nodea"),
    ("nfsd.export-without-fsid", "export-without-fsid/nodeb", "connected-idle/nodea"),
    ("client.noisy", "client-load/nodea", "connected-idle/nodea"),
    ("client.calls", "client-load/nodea", "connected-idle/nodea"),
    ("client.busy", "client-load/nodea", "connected-idle/nodea"),
    ("client.queued", "storage-frozen/nodeb", "client-load/nodea"),
    ("nfsd.grace", "nfsd-grace/nodeb", "connected-idle/nodea"),
    ("drbd.standalone", "config-mismatch/nodea", "admin-disconnect/nodea"),
    ("drbd.protocol", "protocol-a/nodea", "connected-idle/nodea"),
    ("drbd.disk-inconsistent", "inconsistent/nodea", "resync/nodeb"),
    ("drbd.resync-stalled", "resync-stalled/nodea", "resync/nodea"),
];

/// Rules seen in a lab state no capture was taken in: (rule, node, the recording's chapter,
/// seconds after the chapter opens). The rule is checked there, and `must_not_with` the
/// rule that would be a wrong reading of the same state.
const AT_A_CHAPTER: &[(&str, &str, &str, f64, &str)] = &[
    // The lab's online verify (findings.sh, out-of-sync): nodeb runs `drbdadm verify`, so
    // nodea is VerifyT. A verify copies nothing: not a resync.
    ("drbd.verify", "nodea", "online verify", 10.0, "drbd.resync"),
    ("drbd.verify", "nodeb", "online verify", 10.0, "drbd.resync"),
];

/// Rules the lab cannot put a real pair into, and why.
const NOT_IN_THE_LAB: &[(&str, &str)] = &[
    ("role.mounted-without-primary", "DRBD 8.4 refuses to demote a mounted device; DRBD 9 secondary --force can"),
    ("drbd.peer-fenced", "the lab's DRBD configuration has no fencing, so no fence-peer handler ever runs"),
    ("drbd.fence-peer-failed", "the lab's DRBD configuration has no fencing, so no fence-peer handler ever runs"),
    ("drbd.quorum-lost", "DRBD 9 only (the lab's kernel ships 8.4, which has no quorum)"),
    ("drbd.io-suspended", "DRBD 9's suspended: field; the lab's 8.4 never suspends without fencing or quorum"),
    ("drbd.may-not-promote", "DRBD 9's may_promote: field; 8.4 has none"),
    (
        "source.nothing-readable",
        "the lab's nodes always have DRBD or nfsd loaded; tested on this machine, which has neither",
    ),
];

/// The findings drnfs raises at the moment each capture of `node` was taken.
fn findings_at(node: &str, captures: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let file = if node == "nodea" { "lab-incident.drnfs.gz" } else { "lab-incident-nodeb.drnfs.gz" };
    let path = fixtures().join("demo").join(file);
    let rec =
        Recording::open(&path).unwrap_or_else(|e| panic!("{}: {e} (run tests/lab/run --capture)", path.display()));
    assert!(rec.problems.is_empty(), "{}: {:?}", path.display(), rec.problems);
    let start = rec.header.started_at.unix_micros();
    let mut moments: Vec<(f64, &str)> = captures
        .iter()
        .map(|c| {
            let snap = fixtures().join(c).join(node).join("drnfs-snapshot.json");
            let text = std::fs::read_to_string(&snap).unwrap_or_else(|e| panic!("{}: {e}", snap.display()));
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let taken = Timestamp::parse_rfc3339(v["taken_at"].as_str().unwrap()).unwrap();
            ((taken.unix_micros() - start) as f64 / 1e6, *c)
        })
        .collect();
    moments.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Through the engine's replay mode, as `drnfs --replay` plays it.
    let mut engine = Engine::new(rec.header.vips.clone());
    let mut replay = Replay::new(&rec);
    let mut out = BTreeMap::new();
    for (at, capture) in moments {
        assert!(at > 0.0 && at <= rec.duration() + 2.0, "{capture}: taken at {at:.0} s, outside the recording");
        replay.until(&mut engine, at);
        engine.refresh();
        // Finding ids are `rule:subject`; the table names rules.
        let ids = engine
            .findings()
            .iter()
            .map(|f| f.id.split_once(':').map_or(f.id.clone(), |(rule, _)| rule.to_owned()))
            .collect();
        out.insert(capture.to_owned(), ids);
    }
    out
}

#[test]
fn every_rule_raised_where_it_must_be_and_nowhere_it_must_not() {
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, yes, no) in RULES {
        for place in [yes, no] {
            let (scenario, node) = place.split_once('/').unwrap();
            wanted.entry(node).or_default().insert(scenario);
        }
    }
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (node, scenarios) in &wanted {
        let list: Vec<&str> = scenarios.iter().copied().collect();
        for (scenario, ids) in findings_at(node, &list) {
            seen.insert(format!("{scenario}/{node}"), ids);
        }
    }
    let mut failures = Vec::new();
    for (rule, yes, no) in RULES {
        if !seen[*yes].contains(*rule) {
            failures.push(format!("{rule} not raised in {yes} (raised: {:?})", seen[*yes]));
        }
        if seen[*no].contains(*rule) {
            failures.push(format!("{rule} raised in {no}, where it must not be"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_covered_here_or_explained() {
    let source: String = ["replication", "disks", "roles", "nfsd", "clients", "config", "sources"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/diagnose/{f}.rs"))).unwrap()
        })
        .collect();
    let re = regex::Regex::new(r#""((?:drbd|config|role|nfsd|client|source)\.[a-z-]+)""#).unwrap();
    let ids: BTreeSet<&str> = re.captures_iter(&source).map(|c| c.get(1).unwrap().as_str()).collect();
    for id in &ids {
        let covered = RULES.iter().any(|(r, _, _)| r == id)
            || AT_A_CHAPTER.iter().any(|(r, ..)| r == id)
            || NOT_IN_THE_LAB.iter().any(|(r, _)| r == id);
        assert!(covered, "rule {id} has no lab scenario here and no reason in NOT_IN_THE_LAB");
    }
}

#[test]
fn rules_raised_at_a_chapter_of_the_recording() {
    for (rule, node, chapter, after, wrong) in AT_A_CHAPTER {
        let file = if *node == "nodea" { "lab-incident.drnfs.gz" } else { "lab-incident-nodeb.drnfs.gz" };
        let rec = Recording::open(&fixtures().join("demo").join(file)).unwrap();
        let found = drnfs::engine::chapters::chapters(&rec);
        let at = found
            .iter()
            .find(|c| c.title.contains(chapter))
            .unwrap_or_else(|| panic!("{node}: no chapter {chapter:?} in {found:?}"))
            .at
            + after;
        let mut engine = Engine::new(rec.header.vips.clone());
        Replay::new(&rec).until(&mut engine, at);
        engine.refresh();
        let rules: Vec<&str> = engine.findings().iter().map(|f| f.id.split(':').next().unwrap()).collect();
        assert!(rules.contains(rule), "{node} {chapter} +{after} s: {rule} not raised ({rules:?})");
        assert!(!rules.contains(wrong), "{node} {chapter} +{after} s: {wrong} raised beside {rule} ({rules:?})");
    }
}

/// `drnfs doctor` on the capture `scenario/node`: its exit code and what it printed.
fn doctor_on(capture: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .arg("doctor")
        .args(common::capture_sources(&fixtures().join(capture)))
        .args(["--config", "/nonexistent"])
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn doctor_on_the_split_brain_names_both_sides_and_the_guided_recovery() {
    let (code, text) = doctor_on("split-brain/nodea");
    assert_eq!(code, Some(1), "a split brain is critical: {text}");
    assert!(text.contains("split brain between nodea"), "{text}");
    assert!(text.contains("and nodeb"), "both sides named: {text}");
    assert!(text.contains("drnfs recover-split-brain r0"), "the guided recovery: {text}");
}

#[test]
fn doctor_on_a_refused_handshake_says_the_settings_differ() {
    // nodea's r0.res changed to protocol A and applied there alone: StandAlone, and the
    // kernel log says why. Not an administrator's disconnect, not a split brain.
    let (code, text) = doctor_on("config-mismatch/nodea");
    assert_eq!(code, Some(1), "StandAlone is critical: {text}");
    assert!(text.contains("refused each other's connection"), "{text}");
    assert!(text.contains("incompatible protocol settings"), "the kernel's reason: {text}");
    assert!(text.contains("drbdadm dump r0"), "how to compare the nodes: {text}");
    assert!(!text.contains("split brain between"), "{text}");
    assert!(!text.contains("disconnected by an administrator"), "{text}");
}

/// `doctor --replay FILE --at SECONDS` judges the recording at that moment, not this host:
/// the demo recording's nodea is Primary/Primary when the lab captured its two-primaries
/// state, and was not at 60 s.
#[test]
fn doctor_judges_a_recording_at_the_moment_asked() {
    let rec = fixtures().join("demo").join("lab-incident.drnfs.gz");
    let at = |seconds: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .args(["doctor", "--json", "--replay"])
            .arg(&rec)
            .args(["--at", seconds])
            .output()
            .unwrap();
        let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("--at {seconds}: no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
        let ids: BTreeSet<String> = findings.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
        (out.status.code(), ids)
    };
    let (code, early) = at("60");
    assert_eq!(code, Some(0), "{early:?}");
    assert!(!early.contains("drbd.two-primaries:r0"), "{early:?}");
    // The moment the lab captured its two-primaries state on nodea, in the recording's time.
    let snap = fixtures().join("two-primaries/nodea/drnfs-snapshot.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let taken = Timestamp::parse_rfc3339(v["taken_at"].as_str().unwrap()).unwrap();
    let started = Recording::open(&rec).unwrap().header.started_at;
    let two_primaries = (taken.unix_micros() - started.unix_micros()) as f64 / 1e6;
    let (code, late) = at(&format!("{two_primaries:.0}"));
    assert_eq!(code, Some(1), "critical findings exit 1: {late:?}");
    assert!(late.contains("drbd.two-primaries:r0"), "{late:?}");
    // Before the first sample there is nothing to judge: said, not an empty verdict.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(["doctor", "--replay"])
        .arg(&rec)
        .args(["--at", "0"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sample before 0 s"));
}

/// With nothing readable (an empty proc root: no DRBD, no nfsd) doctor does not say
/// "nothing to report" nor print an empty list: both forms say what could not be read and
/// why, and exit 2.
#[test]
fn doctor_says_what_it_could_not_read() {
    let empty = tempfile::tempdir().unwrap();
    for json in [false, true] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
            .arg("doctor")
            .arg("--proc-root")
            .arg(empty.path())
            .args(json.then_some("--json"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(!text.contains("nothing to report"), "{text}");
        let drbd = format!("{}/drbd does not exist", empty.path().display());
        let nfsd = format!("{}/net/rpc/nfsd does not exist", empty.path().display());
        assert!(text.contains(&drbd) && text.contains(&nfsd), "{text}");
        if json {
            let findings: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(findings[0]["id"], "source.nothing-readable:host", "{text}");
            assert_eq!(findings[0]["severity"], "critical", "{text}");
        } else {
            assert!(text.contains("CRITICAL  nothing could be read"), "{text}");
        }
    }
}

/// Output for scripts is plain: the log on a pipe has no colour codes, and an idle node's
/// totals are 0.0, not -0.0 (an empty float sum). Run live on this host, which serves no
/// NFS clients.
#[test]
fn output_for_scripts_is_plain() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(["top-clients", "--json", "--count", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !Path::new("/proc/net/rpc/nfsd").exists() {
        assert!(stderr.contains("WARN") && stderr.contains("nfsd"), "the missing source is logged: {stderr}");
    }
    assert!(!stderr.contains('\u{1b}'), "escape codes on a pipe: {stderr:?}");
    assert!(!stdout.contains("-0.0"), "{stdout}");
    let second: serde_json::Value = serde_json::from_str(stdout.lines().nth(1).expect("two rankings")).unwrap();
    assert_eq!(second["total_calls_per_s"].as_f64().map(f64::is_sign_negative), Some(false), "{stdout}");
}

/// The text snapshot carries the findings, as doctor words them (a ticket gets one paste).
#[test]
fn the_text_snapshot_carries_the_findings() {
    let run = |capture: &str, with_config: bool| {
        let sources = common::capture_sources(&fixtures().join(capture));
        // Without the DRBD configuration its rules (fencing, quorum) have nothing to judge.
        let sources = if with_config { sources } else { sources[..6].to_vec() };
        let out =
            std::process::Command::new(env!("CARGO_BIN_EXE_drnfs")).arg("snapshot").args(sources).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let split = run("split-brain/nodea", true);
    assert!(split.contains("Findings (2):\nCRITICAL  r0: split brain between nodea"), "{split}");
    assert!(split.contains("next: guided recovery: drnfs recover-split-brain r0"), "{split}");
    assert!(split.contains("INFO      r0: neither fencing nor quorum"), "{split}");
    let idle = run("connected-idle/nodeb", false);
    assert!(idle.contains("\nFindings: none\n"), "{idle}");
}

/// What one finding claims about its resource, where two claims can contradict.
fn claims(f: &drnfs::diagnose::Finding) -> Vec<&'static str> {
    let rule = f.id.split_once(':').map_or(f.id.as_str(), |(r, _)| r);
    let text = format!("{} {}", f.summary, f.suggestion.as_deref().unwrap_or(""));
    let mut out = Vec::new();
    if text.contains("the data here is the only current copy") || text.contains("resync to peer") {
        out.push("local data current");
    }
    if matches!(rule, "drbd.disk-inconsistent" | "drbd.disk-outdated") || text.contains("receiving resync") {
        out.push("local data not current");
    }
    if rule == "drbd.split-brain" {
        out.push("split brain seen");
    }
    if text.contains("no split-brain message seen") {
        out.push("no split brain seen");
    }
    if rule == "role.primary-not-serving" {
        out.push("this node Primary");
    }
    if rule == "role.nfsd-on-secondary" {
        out.push("this node Secondary");
    }
    if rule == "drbd.two-primaries" {
        out.push("a Primary here");
    }
    if rule == "role.mounted-without-primary" {
        out.push("no Primary here");
    }
    out
}

const CONTRADICTIONS: &[(&str, &str)] = &[
    ("local data current", "local data not current"),
    ("split brain seen", "no split brain seen"),
    ("this node Primary", "this node Secondary"),
    ("a Primary here", "no Primary here"),
];

/// No two findings on one resource contradict each other, at any moment of either node's
/// lab recording (every state the lab made, played through the engine as `--replay`
/// does, a moment every 5 s), so every suggestion holds in the state it is shown in.
#[test]
fn no_two_findings_on_one_resource_contradict_each_other() {
    let mut checked = 0;
    let mut failures = BTreeSet::new();
    for file in ["lab-incident.drnfs.gz", "lab-incident-nodeb.drnfs.gz"] {
        let rec = Recording::open(&fixtures().join("demo").join(file)).unwrap();
        let mut engine = Engine::new(rec.header.vips.clone());
        let mut replay = Replay::new(&rec);
        let mut at = 0.0;
        while at <= rec.duration() {
            replay.until(&mut engine, at);
            engine.refresh();
            let mut by_subject: BTreeMap<&str, Vec<(&'static str, &str)>> = BTreeMap::new();
            for f in engine.findings() {
                for c in claims(f) {
                    by_subject.entry(f.subject.as_str()).or_default().push((c, f.id.as_str()));
                }
            }
            for (subject, said) in &by_subject {
                for (a, b) in CONTRADICTIONS {
                    let one = said.iter().find(|(c, _)| c == a);
                    let other = said.iter().find(|(c, _)| c == b);
                    if let (Some((_, x)), Some((_, y))) = (one, other) {
                        failures.insert(format!("{file} at {at:.0} s, {subject}: {x} says {a}, {y} says {b}"));
                    }
                }
            }
            checked += 1;
            at += 5.0;
        }
    }
    assert!(checked > 200, "only {checked} moments checked");
    assert!(failures.is_empty(), "{}", failures.iter().cloned().collect::<Vec<_>>().join("\n"));
}
