//! One line per DRBD volume and peer, whichever source described it (/proc/drbd minors on
//! 8.x, events2 resources on 9, where a volume has one line per peer), for overviews.

use drnfs_parsers::drbd_state::{DiskState, ProcCs, ReplicationState, Role};

use super::health::{self, Health};
use super::snapshot::Drbd;

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeLine {
    /// Resource name (or `minorN` when only /proc/drbd is known).
    pub name: String,
    pub volume: Option<u32>,
    pub minor: Option<u32>,
    pub role: Option<Role>,
    pub peer_role: Option<Role>,
    /// The peer's connection name, when known (`peer` on 8.4).
    pub peer: Option<String>,
    /// What an operator calls the state: `cs:` on 8.x, connection or replication on 9.
    pub state: String,
    pub state_health: Health,
    pub disk: Option<DiskState>,
    pub peer_disk: Option<DiskState>,
    pub protocol: Option<char>,
    pub sync: Option<SyncLine>,
    pub out_of_sync_kib: Option<u64>,
    /// The volume replicates to more than one peer (DRBD 9): this line is one of them.
    pub several_peers: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncLine {
    pub percent: f64,
    pub eta_seconds: Option<u64>,
    pub speed_kib_s: Option<u64>,
    pub avg_speed_kib_s: Option<u64>,
    pub want_kib_s: Option<u64>,
    pub remaining_kib: Option<u64>,
    pub total_kib: Option<u64>,
    pub stalled: bool,
    /// This node receives the resync (its data is the one being brought up to date).
    pub target: bool,
    /// An online verify, not a resync: blocks are compared, none are sent, and the data
    /// on both sides stays as it was (differences found are only marked out of sync).
    pub verify: bool,
}

pub fn volumes(d: &Drbd) -> Vec<VolumeLine> {
    let mut out = Vec::new();
    for m in &d.minors {
        let res = d.resources.iter().find(|r| r.devices.iter().any(|d| d.minor == Some(m.minor)));
        out.push(VolumeLine {
            name: res.map_or_else(|| format!("minor{}", m.minor), |r| r.name.clone()),
            volume: res.and_then(|r| r.devices.iter().find(|d| d.minor == Some(m.minor)).map(|d| d.volume)),
            minor: Some(m.minor),
            role: m.role.clone(),
            peer_role: m.peer_role.clone(),
            peer: res.and_then(|r| r.connections.first()).map(|c| c.peer.clone()),
            state: m.connection.to_string(),
            state_health: health::proc_cs(&m.connection),
            disk: m.disk.clone(),
            peer_disk: m.peer_disk.clone(),
            protocol: m.protocol.or_else(|| res.and_then(|r| configured_protocol(d, &r.name))),
            sync: m.sync.as_ref().map(|p| SyncLine {
                percent: p.percent,
                eta_seconds: p.eta_seconds,
                speed_kib_s: p.speed_kib_s,
                avg_speed_kib_s: p.avg_speed_kib_s,
                want_kib_s: p.want_kib_s,
                remaining_kib: Some(p.remaining_kib),
                total_kib: Some(p.total_kib),
                stalled: p.stalled,
                target: matches!(m.connection, ProcCs::SyncTarget | ProcCs::PausedSyncT | ProcCs::VerifyT),
                verify: matches!(m.connection, ProcCs::VerifyS | ProcCs::VerifyT),
            }),
            out_of_sync_kib: m.counters.as_ref().map(|c| c.oos),
            several_peers: false,
        });
    }
    if !d.minors.is_empty() {
        return out;
    }
    for r in &d.resources {
        let protocol = configured_protocol(d, &r.name);
        for dev in &r.devices {
            // DRBD 9 replicates to each peer on its own: one line per peer, so that one
            // peer down beside another connected is seen (a volume with no connection at
            // all still gets its line).
            let conns: Vec<Option<&drnfs_parsers::events2::Connection>> =
                if r.connections.is_empty() { vec![None] } else { r.connections.iter().map(Some).collect() };
            for conn in conns {
                let pd = conn.and_then(|c| c.peer_devices.iter().find(|p| p.volume == dev.volume));
                let (state, state_health) =
                    match (conn.and_then(|c| c.state.as_ref()), pd.and_then(|p| p.replication.as_ref())) {
                        (Some(c), Some(r)) if health::connection(c) == Health::Ok => {
                            (r.to_string(), health::replication(r))
                        }
                        (Some(c), _) => (c.to_string(), health::connection(c)),
                        (None, _) => ("no peer".to_owned(), Health::Degraded),
                    };
                let out_of_sync_kib = pd.and_then(|p| p.out_of_sync_kib);
                out.push(VolumeLine {
                    name: r.name.clone(),
                    volume: Some(dev.volume),
                    minor: dev.minor,
                    role: r.role.clone(),
                    peer_role: conn.and_then(|c| c.peer_role.clone()),
                    peer: conn.map(|c| c.peer.clone()),
                    state,
                    state_health,
                    disk: dev.disk.clone(),
                    peer_disk: pd.and_then(|p| p.peer_disk.clone()),
                    protocol,
                    sync: pd.and_then(|p| p.sync.as_ref()).map(|s| {
                        let percent = s.percent.unwrap_or(0.0);
                        let replication = pd.and_then(|p| p.replication.as_ref());
                        let verify = replication.is_some_and(ReplicationState::is_verify);
                        let remaining_kib = pd.and_then(|p| p.sync_left_kib(percent));
                        let rs_total_kib = s.rs_total_sectors.map(|t| t / 2);
                        // A verify's total is its own; a resync's follows from what is left.
                        let total_kib = if verify {
                            rs_total_kib
                        } else {
                            rs_total_kib.or_else(|| total_from_done(percent, out_of_sync_kib))
                        };
                        SyncLine {
                            percent,
                            eta_seconds: s.eta_seconds.map(|e| e as u64),
                            speed_kib_s: s.speed_kib_s.map(|v| v as u64),
                            avg_speed_kib_s: s.avg_speed_kib_s.map(|v| v as u64),
                            want_kib_s: s.want_kib_s.map(|v| v as u64),
                            remaining_kib,
                            total_kib,
                            stalled: false,
                            target: replication.is_some_and(|r| r.to_string().ends_with('T')),
                            verify,
                        }
                    }),
                    out_of_sync_kib,
                    several_peers: r.connections.len() > 1,
                });
            }
        }
    }
    out
}

/// The protocol letter of `resource` in the DRBD configuration (events2 does not carry it).
fn configured_protocol(d: &Drbd, resource: &str) -> Option<char> {
    d.config.iter().find(|c| c.name == resource)?.protocol.as_deref()?.trim().chars().next()
}

/// The size of a running resync when the source gives only its progress (DRBD 9's events2
/// prints `done:` and the out-of-sync amount, not `rs-total`): what is left is the part not
/// done. Unknown near 100%, where the division says nothing.
pub(crate) fn total_from_done(percent: f64, remaining_kib: Option<u64>) -> Option<u64> {
    let left = 1.0 - percent / 100.0;
    let remaining = remaining_kib? as f64;
    (left >= 0.01).then(|| (remaining / left).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resync_total_follows_from_its_progress() {
        // The DRBD 9 lab's resync: events2 said done:35.74 with 38,884 KiB out of sync;
        // `drbdsetup status --json` a moment later said rs-total 121,016 sectors (60,508 KiB).
        assert_eq!(total_from_done(35.74, Some(38_884)), Some(60_510));
        assert_eq!(total_from_done(0.0, Some(1000)), Some(1000));
        assert_eq!(total_from_done(99.995, Some(3)), None);
        assert_eq!(total_from_done(50.0, None), None);
    }

    fn drbd9(events2: &str, config: &str) -> Drbd {
        let parsed = drnfs_parsers::events2::parse_stream(events2);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let top = drnfs_parsers::drbd_config::parse(config).unwrap();
        Drbd {
            resources: parsed.value.0.resources.into_values().collect(),
            config: drnfs_parsers::drbd_config::resources(&top),
            ..Drbd::default()
        }
    }

    #[test]
    fn each_peer_of_a_drbd9_volume_has_its_line_with_the_configured_protocol() {
        let d = drbd9(
            "exists resource name:r0 role:Primary suspended:no
exists connection name:r0 peer-node-id:1 conn-name:nodeb connection:Connected role:Secondary
exists connection name:r0 peer-node-id:2 conn-name:nodec connection:Connecting role:Unknown
exists device name:r0 volume:0 minor:0 disk:UpToDate
exists peer-device name:r0 peer-node-id:1 conn-name:nodeb volume:0 replication:SyncSource peer-disk:Inconsistent done:25.00 out-of-sync:3000 eta:30 dbdt1:1.00
exists peer-device name:r0 peer-node-id:2 conn-name:nodec volume:0 replication:Off peer-disk:DUnknown out-of-sync:4000
exists -
",
            "resource r0 { protocol B; on nodea { device /dev/drbd0 minor 0; disk /dev/vdb; address 10.0.0.1:7789; } }",
        );
        let lines = volumes(&d);
        assert_eq!(lines.len(), 2, "{lines:#?}");
        let (b, c) = (&lines[0], &lines[1]);
        assert_eq!((b.peer.as_deref(), b.state.as_str()), (Some("nodeb"), "SyncSource"));
        assert_eq!((c.peer.as_deref(), c.state.as_str()), (Some("nodec"), "Connecting"));
        assert_ne!(c.state_health, Health::Ok, "a peer down is not healthy");
        assert!(b.several_peers && c.several_peers);
        assert_eq!((b.protocol, c.protocol), (Some('B'), Some('B')));
        let sync = b.sync.as_ref().expect("nodeb resyncs");
        assert_eq!((sync.remaining_kib, sync.total_kib), (Some(3000), Some(4000)));
        assert!(c.sync.is_none());
        assert_eq!(c.out_of_sync_kib, Some(4000));
    }

    #[test]
    fn a_drbd9_volume_without_a_connection_still_has_its_line() {
        let d = drbd9(
            "exists resource name:r0 role:Primary suspended:no
exists device name:r0 volume:0 minor:0 disk:UpToDate
exists -
",
            "resource r0 { on nodea { device /dev/drbd0 minor 0; disk /dev/vdb; address 10.0.0.1:7789; } }",
        );
        let lines = volumes(&d);
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].state.as_str(), lines[0].peer.as_ref(), lines[0].protocol), ("no peer", None, None));
        assert!(!lines[0].several_peers);
    }
}
