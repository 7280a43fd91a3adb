//! Real captures from public sources (`../shared/samples`, next to the repository, with
//! their provenance) must parse to the values they show. The samples are not copied into
//! this repository. They are always beside it where the tests run (CI has them): when the
//! folder is missing, every test here fails and says so, rather than passing unchecked.

use std::path::PathBuf;

use drnfs_parsers::drbd_state::{DiskState, ProcCs, ReplicationState, Role};
use drnfs_parsers::kernel_log::{KernelEvent, SplitBrainOutcome};
use drnfs_parsers::nfsd_stats::{NfsVersion, op_name};
use drnfs_parsers::{drbd_status_json, events2, kernel_log, nfsd_fs, nfsd_stats, proc_drbd};

fn samples() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples");
    assert!(
        dir.is_dir(),
        "{} does not exist: these tests need the shared samples beside the repository (../shared/samples)",
        dir.display()
    );
    dir
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(samples().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_proc_drbd_sample() {
    let dir = samples();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("drbd/proc-drbd")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let p = proc_drbd::parse(&text);
        if name.contains("drbd-overview") {
            // Not /proc/drbd at all: the line is reported, nothing is invented.
            assert_eq!((p.value.minors.len(), p.errors.len()), (0, 1), "{name}");
        } else {
            assert_eq!(p.errors, vec![], "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 17);
}

#[test]
fn proc_drbd_values() {
    let t = read("drbd/proc-drbd/trinity-issue651-8.4.6-StandAlone-blank-protocol.txt");
    let m = &proc_drbd::parse(&t).value.minors[0];
    assert_eq!((m.minor, &m.connection, m.protocol), (1, &ProcCs::StandAlone, None));
    assert_eq!((m.role.clone(), m.peer_role.clone()), (Some(Role::Primary), Some(Role::Unknown)));
    assert_eq!(m.peer_disk, Some(DiskState::Inconsistent));
    assert_eq!(m.counters.as_ref().unwrap().oos, 40_448_716);

    let t = read("drbd/proc-drbd/blog-8.3.11-srcversion-SyncSource-Mfinish-glued.txt");
    let p = proc_drbd::parse(&t).value;
    assert_eq!(p.version.as_ref().unwrap().release, "8.3.11");
    let s = p.minors[0].sync.as_ref().unwrap();
    assert_eq!((s.percent, s.remaining_kib, s.total_kib), (1.5, 5048 * 1024, 5116 * 1024));
    assert_eq!((s.eta_seconds, s.speed_kib_s, s.avg_speed_kib_s), (Some(3860), Some(1336), Some(1284)));

    let t = read("drbd/proc-drbd/cn-doc-8.4-SyncTarget-KiB-tabs-want-device-lines-only.txt");
    let s = proc_drbd::parse(&t).value.minors[0].sync.clone().unwrap();
    assert_eq!((s.percent, s.remaining_kib, s.total_kib, s.want_kib_s), (6.0, 777_216, 819_200, Some(8120)));

    let t = read("drbd/proc-drbd/cockpit-issue17042-8.4.11-two-minors-SyncSource-SyncTarget-MiB.txt");
    let p = proc_drbd::parse(&t).value;
    assert_eq!(p.minors.iter().map(|m| m.minor).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(p.minors[1].sync.as_ref().unwrap().eta_seconds, Some(3 * 3600 + 50 * 60 + 39));

    let t = read("drbd/proc-drbd/node_exporter-fixture-8.4.3-srcversion-PrimaryPrimary.txt");
    let c = proc_drbd::parse(&t).value.minors[0].counters.clone().unwrap();
    assert_eq!(
        (c.ns, c.nr, c.lo, c.pe, c.ua, c.ap, c.wo, c.oos),
        (17_324_442, 10_961_011, 12345, 12346, 12347, 12348, Some('d'), 12349)
    );

    for f in ["node_exporter-issue1814-drbd9.0.22-no-device-lines.txt", "miroir-issue195-drbd9.3.2-no-device-lines.txt"]
    {
        let p = proc_drbd::parse(&read(&format!("drbd/proc-drbd/{f}"))).value;
        assert!(p.device_state_needs_events2(), "{f}");
    }
    let t = read("drbd/proc-drbd/collectd-issue1514-8.4.6-GIT-hash-SecondaryPrimary.txt");
    let p = proc_drbd::parse(&t).value;
    assert!(p.build.as_deref().unwrap().starts_with("GIT-hash: 833d830e"));
    assert_eq!(p.minors[0].role, Some(Role::Secondary));
}

#[test]
fn events2_samples() {
    let t = read("drbd/events2/centreon-plugins-3node-events2-now-statistics.txt");
    let p = events2::parse_stream(&t);
    assert_eq!(p.errors, vec![]);
    let r = &p.value.0.resources["drbd1"];
    assert_eq!(
        r.connections.iter().map(|c| c.peer.as_str()).collect::<Vec<_>>(),
        vec!["central-2004", "poller-2004-1"]
    );
    assert_eq!(r.connections[0].peer_devices[0].received_kib, Some(765_868));
    assert_eq!(r.devices[0].quorum, Some(true));

    let t = read("drbd/events2/drbdtop-testdata-events2-timestamps-statistics.txt");
    let p = events2::parse_stream(&t);
    assert_eq!(p.errors, vec![]);
    let c = &p.value.0.resources["test0"].connections[0];
    assert_eq!((c.peer.as_str(), c.peer_node_id), ("peer", None));
    assert_eq!(c.peer_devices[0].replication, Some(ReplicationState::SyncSource));
    assert_eq!(c.peer_devices[0].out_of_sync_kib, Some(205_655_500));

    let t = read("drbd/events2/drbdtop-testdata-events2-linstor-pvc-2019.txt");
    let p = events2::parse_stream(&t);
    assert_eq!(p.errors, vec![]);
    assert!(p.value.0.initial_state_done);
    assert_eq!(p.value.0.last_timestamp.unwrap().to_rfc3339(), "2019-05-07T20:50:23.974032Z");

    // drbd-reactor's own test lines include deliberate garbage: those lines are errors,
    // the rest (including unknown keys) is applied.
    let t = read("drbd/events2/drbd-reactor-src-events-rs-unit-test-lines.txt");
    let p = events2::parse_stream(&t);
    let bad: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
    assert_eq!(bad, vec![11, 12, 13, 14]);
    let foo = &p.value.0.resources["foo"];
    assert_eq!(foo.extra.get("xxx").map(String::as_str), Some("bla"));
    assert_eq!(foo.devices[0].backing_dev.as_deref(), Some("none"));
    assert_eq!(foo.connections.iter().find(|c| c.peer_node_id == Some(3)).unwrap().paths[0].local, "ipv4:1.2.3.4:7020");
}

#[test]
fn status_json_samples() {
    let t = read("drbd/status/ha_cluster_exporter-fake_drbdsetup-status-json-2res.json");
    let rs = drbd_status_json::parse(&t).unwrap();
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].connections[0].peer, "SLE15-sp1-gm-drbd1145296-node1");
    assert_eq!(rs[0].connections[0].peer_devices[0].pending, Some(3));
    assert_eq!(rs[1].devices[0].quorum, Some(false));
    // The real capture in the issue is cut off by the excerpt: an error, not a panic.
    let t = read("drbd/status/ha_cluster_exporter-issue25-status-json-real-partial.json.txt");
    assert!(drbd_status_json::parse(&t).is_err());
    let t = read("drbd/status/ha_cluster_exporter-issue141-drbd-utils9-on-8.4-kernel-json-unsupported.txt");
    assert!(drbd_status_json::parse(&t).is_err());
}

#[test]
fn kernel_log_samples() {
    let t = read("drbd/kernel-log/drbd9-LINBIT-drbd-issue58-split-brain-helpers.txt");
    let lines = kernel_log::parse(&t);
    assert!(lines.iter().any(|l| l.event == KernelEvent::SplitBrain { outcome: SplitBrainOutcome::Unresolved }));
    let helpers: Vec<(String, Option<i32>)> = lines
        .iter()
        .filter_map(|l| match &l.event {
            KernelEvent::Helper { helper, exit_code } => Some((helper.clone(), *exit_code)),
            _ => None,
        })
        .collect();
    assert_eq!(
        helpers,
        vec![
            ("initial-split-brain".into(), None),
            ("initial-split-brain".into(), Some(0)),
            ("split-brain".into(), None),
            ("split-brain".into(), Some(0))
        ]
    );
    assert_eq!(lines[0].subject.resource.as_deref(), Some("vm-57da08a3-2938-4769-8959-3a11616d6ef9"));
    assert_eq!((lines[0].subject.volume, lines[0].subject.minor), (Some(0), Some(8)));

    let t = read("drbd/kernel-log/drbd83-ganeti-issue121-attach-connect.txt");
    let conn: Vec<String> = kernel_log::parse(&t)
        .iter()
        .filter_map(|l| match &l.event {
            KernelEvent::StateChange { transitions, .. } => {
                Some(format!("{}:{}", transitions[0].field, transitions[0].to))
            }
            _ => None,
        })
        .collect();
    assert_eq!(conn, vec!["disk:Inconsistent", "conn:Unconnected", "conn:WFConnection", "conn:WFReportParams"]);

    let t = read("drbd/kernel-log/drbd9-linstor-server-issue389-disconnect-StandAlone-detach.txt");
    let l = kernel_log::parse(&t);
    let standalone = l.iter().find(|l| l.message.contains("StandAlone")).unwrap();
    assert_eq!(standalone.time.wall_text.as_deref(), Some("Thu Feb 15 09:38:26 2024"));
    assert!(matches!(&standalone.event, KernelEvent::StateChange { reason: Some(r), .. } if r == "disconnected"));

    for f in std::fs::read_dir(samples().join("drbd/kernel-log")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        let drbd_lines = text.lines().filter(|l| l.contains("drbd")).count();
        assert_eq!(kernel_log::parse(&text).len(), drbd_lines);
    }
}

#[test]
fn nfsd_stats_samples() {
    let t = read("nfs/proc_net_rpc_nfsd.qnap-6.6.32.proc3-23.proc4ops76.txt");
    let p = nfsd_stats::parse(&t);
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.value.proc3.as_ref().unwrap().len(), 23);
    assert_eq!(p.value.ops(NfsVersion::V4).unwrap()[22], 21_685_317); // putfh
    assert_eq!(op_name(NfsVersion::V4, 22), "putfh");

    let t = read("nfs/proc_net_rpc_nfsd.node_exporter-fixture.wdeleg.txt");
    let p = nfsd_stats::parse(&t);
    assert_eq!((p.errors.len(), p.value.wdeleg_getattr), (0, Some(15)));
    assert_eq!(p.value.rpc.unwrap().bad_calls, 3);

    let t = read("nfs/proc_net_rpc_nfsd.procfs-test.proc4ops40-ra-pre5.4.txt");
    let p = nfsd_stats::parse(&t);
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.value.read_ahead.as_ref().unwrap()[0], 2048);
    assert_eq!(p.value.threads, Some(1024));
    assert_eq!(p.value.ops(NfsVersion::V3).unwrap()[7], 21_668_847); // write

    let t = read("nfs/proc_net_rpc_nfsd.procfs-test.proc4ops59.txt");
    let p = nfsd_stats::parse(&t);
    assert_eq!(p.errors, vec![]);
    assert_eq!(p.value.proc4ops.as_ref().unwrap().len(), 59);
    assert_eq!(p.value.net.unwrap().tcp_connections, 10_103_960);

    let t = read("nfs/proc_net_rpc_nfsd.procfs-ttar.proc4ops72.txt");
    assert_eq!(nfsd_stats::parse(&t).value.proc4ops.unwrap().len(), 72);

    let t = read("nfs/proc_net_rpc_nfsd.el7-3.10.0-1062.th-line-only.txt");
    assert_eq!(nfsd_stats::parse(&t).value.threads, Some(32));
}

#[test]
fn nfsd_fs_samples() {
    let t = read("nfs/pool_stats.el7-3.10.0-1062.txt");
    let p = nfsd_fs::pool_stats(&t);
    assert_eq!(p.errors, vec![]);
    assert_eq!((p.value[0].packets_arrived, p.value[0].threads_timedout), (9_919_427, Some(40_774)));
    let p = nfsd_fs::pool_stats(&read("nfs/pool_stats.qnap-6.6.32.txt"));
    assert_eq!(p.value[0].threads_woken, 41_213_992);

    let c = nfsd_fs::client_info(&read("nfs/clients_info.alpine-6.6.54-server.stale-port.txt"));
    assert_eq!(c.errors, vec![]);
    assert_eq!((c.value.address.unwrap().to_string(), c.value.port), ("192.168.93.218".into(), Some(752)));
    assert_eq!(c.value.callback_state.as_deref(), Some("UP"));

    let t = read("nfs/clients_info_states.el9-server.courtesy-deleg-no-superblock.txt");
    let (info, states): (Vec<&str>, Vec<&str>) = t.lines().partition(|l| !l.starts_with("- "));
    let c = nfsd_fs::client_info(&info.join("\n")).value;
    assert_eq!(
        (c.status.as_deref(), c.seconds_from_last_renew, c.admin_revoked_states),
        (Some("courtesy"), Some(2_807_740), Some(0))
    );
    let s = nfsd_fs::client_states(&states.join("\n")).value;
    assert_eq!((s[0].kind.as_deref(), s[0].superblock.as_deref()), (Some("deleg"), None));

    let s = nfsd_fs::client_states(&read("nfs/clients_states.fieldses-5.3dev-2019.states.txt"));
    assert_eq!(s.errors, vec![]);
    assert_eq!(s.value.len(), 4);
    assert_eq!(s.value[2].superblock.as_deref(), Some("fd:10:13650"));
    assert!(s.value[0].other["owner"].starts_with("open id:\u{0}\u{0}\u{0}&"));

    let c = nfsd_fs::client_info(&read("nfs/clients_info.fieldses-5.3dev-2019.info.txt")).value;
    assert_eq!((c.status.as_deref(), c.hostname_hint()), (None, Some("test2")));
    let c = nfsd_fs::client_info(&read("nfs/clients_info.el9-5.14-server.callback-down.txt")).value;
    assert_eq!(c.callback_state.as_deref(), Some("DOWN"));
    let c = nfsd_fs::client_info(&read("nfs/clients_info.uek7-5.15-doc.courtesy.txt")).value;
    assert_eq!((c.status.as_deref(), c.minor_version), (Some("courtesy"), Some(1)));
    // grep -RH output: strip the "path:" prefix to get the file back.
    let t = read("nfs/clients_info.sles-5.3.18-grep.txt");
    let file: String = t.lines().map(|l| l.split_once("/info:").map_or(l, |(_, r)| r)).collect::<Vec<_>>().join("\n");
    let c = nfsd_fs::client_info(&file);
    assert_eq!(c.errors, vec![]);
    assert_eq!(c.value.name.as_deref(), Some("Linux NFSv4.2 server1"));
    let t = read("nfs/clients_info.plus-ss.ubuntu-5.15-client.txt");
    let info = t.split("/info\n").nth(1).unwrap();
    assert_eq!(nfsd_fs::client_info(info).value.address.unwrap().to_string(), "192.168.83.181");

    let e = nfsd_fs::export_stats(&read("nfs/export_stats.patch-example-5.13.txt"));
    assert_eq!(e.errors, vec![]);
    assert_eq!((e.value[0].path.as_str(), e.value[0].stats["io_write"]), ("/test", 1));
    let v = nfsd_fs::versions(&read("nfs/versions.el9-and-ubuntu.txt"));
    assert_eq!(
        v.value.iter().map(|f| (f.version.as_str(), f.enabled)).collect::<Vec<_>>(),
        vec![("2", false), ("3", true), ("4", true), ("4.1", true), ("4.2", true)]
    );
}

/// Two sources of the same fact agree: on each node of each DRBD 9.2.18 lab state,
/// `drbdsetup status --json` and `drbdsetup events2 --now` (taken a moment apart) describe
/// the same devices and connections. On the idle Secondary nothing moves between the two
/// (the Primary keeps serving NFS writes), so there every counter must be equal too.
#[test]
fn drbd9_status_json_and_events2_agree() {
    let root = samples().join("drbd9-lab");
    let mut compared = 0;
    for state in ["connected-idle", "resync", "peer-down", "split-brain", "split-brain-resolved"] {
        for node in ["nodea", "nodeb"] {
            let dir = root.join(state).join(node);
            let json = std::fs::read_to_string(dir.join("drbdsetup-status.json")).unwrap();
            let Ok(from_json) = drbd_status_json::parse(&json) else {
                // peer-down/nodeb: no resource up, and drbdsetup said so instead of JSON.
                assert_eq!((state, node), ("peer-down", "nodeb"), "{json}");
                continue;
            };
            let idle = (state, node) == ("connected-idle", "nodeb");
            let text = std::fs::read_to_string(dir.join("events2-now.txt")).unwrap();
            let parsed = events2::parse_stream(&text);
            assert!(parsed.errors.is_empty(), "{state}/{node}: {:?}", parsed.errors);
            let from_events2 = parsed.value.0.resources;
            assert_eq!(from_json.len(), from_events2.len(), "{state}/{node}");
            for j in &from_json {
                let e = &from_events2[&j.name];
                let at = format!("{state}/{node} {}", j.name);
                assert_eq!((&j.role, &j.write_ordering), (&e.role, &e.write_ordering), "{at}");
                assert_eq!(j.devices.len(), e.devices.len(), "{at}");
                for (jd, ed) in j.devices.iter().zip(&e.devices) {
                    assert_eq!(
                        (jd.volume, jd.minor, &jd.disk, jd.client, jd.quorum, jd.size_kib),
                        (ed.volume, ed.minor, &ed.disk, ed.client, ed.quorum, ed.size_kib),
                        "{at}"
                    );
                    if idle {
                        assert_eq!(
                            (
                                jd.read_kib,
                                jd.written_kib,
                                jd.al_writes,
                                jd.bm_writes,
                                jd.upper_pending,
                                jd.lower_pending
                            ),
                            (
                                ed.read_kib,
                                ed.written_kib,
                                ed.al_writes,
                                ed.bm_writes,
                                ed.upper_pending,
                                ed.lower_pending
                            ),
                            "{at}"
                        );
                        assert!(jd.written_kib.is_some_and(|w| w > 0), "{at}: the counters were read");
                    }
                }
                assert_eq!(j.connections.len(), e.connections.len(), "{at}");
                for (jc, ec) in j.connections.iter().zip(&e.connections) {
                    assert_eq!(
                        (&jc.peer, jc.peer_node_id, &jc.state, &jc.peer_role),
                        (&ec.peer, ec.peer_node_id, &ec.state, &ec.peer_role),
                        "{at}"
                    );
                    if idle {
                        assert_eq!(
                            (jc.congested, jc.ap_in_flight_sectors, jc.rs_in_flight_sectors),
                            (ec.congested, ec.ap_in_flight_sectors, ec.rs_in_flight_sectors),
                            "{at}"
                        );
                    }
                    for (jp, ep) in jc.peer_devices.iter().zip(&ec.peer_devices) {
                        assert_eq!((jp.volume, &jp.peer_disk), (ep.volume, &ep.peer_disk), "{at}");
                    }
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 9, "every state and node but peer-down/nodeb");
}
