//! One line per DRBD volume, whichever source described it (/proc/drbd minors on 8.x,
//! events2 resources on 9), for overviews.

use drnfs_parsers::drbd_state::{DiskState, ProcCs, Role};

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
    pub target: bool,
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
            protocol: m.protocol,
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
            }),
            out_of_sync_kib: m.counters.as_ref().map(|c| c.oos),
        });
    }
    if !d.minors.is_empty() {
        return out;
    }
    for r in &d.resources {
        for d in &r.devices {
            let conn = r.connections.first();
            let pd = conn.and_then(|c| c.peer_devices.iter().find(|p| p.volume == d.volume));
            let (state, state_health) =
                match (conn.and_then(|c| c.state.as_ref()), pd.and_then(|p| p.replication.as_ref())) {
                    (Some(c), Some(r)) if health::connection(c) == Health::Ok => {
                        (r.to_string(), health::replication(r))
                    }
                    (Some(c), _) => (c.to_string(), health::connection(c)),
                    (None, _) => ("no peer".to_owned(), Health::Degraded),
                };
            out.push(VolumeLine {
                name: r.name.clone(),
                volume: Some(d.volume),
                minor: d.minor,
                role: r.role.clone(),
                peer_role: conn.and_then(|c| c.peer_role.clone()),
                peer: conn.map(|c| c.peer.clone()),
                state,
                state_health,
                disk: d.disk.clone(),
                peer_disk: pd.and_then(|p| p.peer_disk.clone()),
                protocol: None,
                sync: pd.and_then(|p| p.sync.as_ref()).map(|s| SyncLine {
                    percent: s.percent.unwrap_or(0.0),
                    eta_seconds: s.eta_seconds.map(|e| e as u64),
                    speed_kib_s: s.speed_kib_s.map(|v| v as u64),
                    avg_speed_kib_s: s.avg_speed_kib_s.map(|v| v as u64),
                    want_kib_s: s.want_kib_s.map(|v| v as u64),
                    remaining_kib: pd.and_then(|p| p.out_of_sync_kib),
                    total_kib: s.rs_total_sectors.map(|t| t / 2),
                    stalled: false,
                    target: pd.and_then(|p| p.replication.as_ref()).is_some_and(|r| r.to_string().ends_with('T')),
                }),
                out_of_sync_kib: pd.and_then(|p| p.out_of_sync_kib),
            });
        }
    }
    out
}
