//! One replicated volume as this node sees it towards one peer: what every DRBD rule
//! reads. DRBD 8.x prints it per minor in `/proc/drbd` (`cs:` folds the connection and
//! replication states); DRBD 9 has no per-minor lines there and tells it per peer device
//! in events2. Both become [`Link`]s here, so each rule is written once and the two
//! versions raise the same findings for the same situation.

use drnfs_parsers::drbd_state::{ConnectionState, DiskState, ProcCs, ReplicationState, Role};

use super::replication::resource_of_minor;
use super::show;
use crate::model::Model;

#[derive(Debug, Clone)]
pub(super) struct Link {
    /// The resource (`r0`, `r0/1` for a second volume), or `minorN` when no name is known.
    pub subject: String,
    /// Other keys the model files evidence under (`minorN` on 8.x).
    pub keys: Vec<String>,
    pub minor: Option<u32>,
    /// The peer's name: DRBD 9's `conn-name`, on 8.x the configuration's other host.
    pub peer: Option<String>,
    /// How many peers this resource has (DRBD 9 can have several; 8.x one).
    pub peers: usize,
    /// How many of them are replicating now.
    pub peers_replicating: usize,
    /// `None` when this volume has no connection at all (DRBD 9 after `del-peer`).
    pub connection: Option<ConnectionState>,
    pub replication: Option<ReplicationState>,
    /// 8.x `cs:` as printed, for the evidence.
    pub proc_cs: Option<ProcCs>,
    pub role: Option<Role>,
    pub peer_role: Option<Role>,
    pub disk: Option<DiskState>,
    pub peer_disk: Option<DiskState>,
    /// The peer is diskless on purpose (DRBD 9 `peer-client:yes`: a client or tiebreaker).
    pub peer_client: bool,
    /// This node is diskless on purpose (DRBD 9 `client:yes`).
    pub client: bool,
    pub protocol: Option<char>,
    pub out_of_sync_kib: Option<u64>,
    pub sync: Option<Progress>,
    /// The state as DRBD prints it, for evidence.
    pub state_text: String,
    /// Local facts (the disk) are reported on the first link of each volume only.
    pub first_of_volume: bool,
    /// DRBD 9: quorum lost on this volume (`quorum:no`).
    pub quorum_lost: bool,
    /// DRBD 9: the resource's I/O is suspended, and why (`user`, `no-data`, `quorum`…).
    pub suspended: Option<String>,
    /// DRBD 9: whether DRBD would let this node be promoted now.
    pub may_promote: Option<bool>,
}

#[derive(Debug, Clone)]
pub(super) struct Progress {
    pub percent: f64,
    pub remaining_kib: Option<u64>,
    pub eta_seconds: Option<f64>,
    pub speed_kib_s: Option<f64>,
    pub want_kib_s: Option<f64>,
    /// The kernel itself calls it stalled (8.x prints `stalled`).
    pub stalled: bool,
}

impl Link {
    pub fn is_replicating(&self) -> bool {
        self.connection == Some(ConnectionState::Connected)
            && self.replication.as_ref().is_some_and(|r| *r != ReplicationState::Off)
    }

    /// A resync or verify is under way or about to start (bitmap exchange, paused).
    pub fn is_syncing(&self) -> bool {
        self.replication.as_ref().is_some_and(|r| r.is_resync_phase() || r.is_syncing())
    }

    /// An online verify: blocks are compared, nothing is copied.
    pub fn is_verify(&self) -> bool {
        self.replication.as_ref().is_some_and(ReplicationState::is_verify)
    }

    pub fn is_sync_target(&self) -> bool {
        matches!(self.replication, Some(ReplicationState::SyncTarget | ReplicationState::PausedSyncT))
    }

    /// The peer's name for a sentence.
    pub fn peer_name(&self) -> String {
        self.peer.clone().unwrap_or_else(|| "the peer".to_owned())
    }
}

/// Every link of this node: from `/proc/drbd` when it lists minors (DRBD 8.x), else from
/// events2 (DRBD 9).
pub(super) fn links(model: &Model) -> Vec<Link> {
    let Some(snap) = &model.snapshot else { return Vec::new() };
    if !snap.drbd.minors.is_empty() {
        return snap
            .drbd
            .minors
            .iter()
            .map(|m| {
                let name = resource_of_minor(model, m.minor);
                let subject = name.clone().unwrap_or_else(|| format!("minor{}", m.minor));
                let split = m.connection.split();
                let replicating = m.connection.is_connected();
                Link {
                    keys: vec![subject.clone(), format!("minor{}", m.minor)],
                    peer: name.as_deref().and_then(|n| super::config::peer_of(model, n)),
                    subject,
                    minor: Some(m.minor),
                    peers: 1,
                    peers_replicating: usize::from(replicating),
                    connection: split.as_ref().map(|s| s.0.clone()),
                    replication: split.map(|s| s.1),
                    proc_cs: Some(m.connection.clone()),
                    role: m.role.clone(),
                    peer_role: m.peer_role.clone(),
                    disk: m.disk.clone(),
                    peer_disk: m.peer_disk.clone(),
                    peer_client: false,
                    client: false,
                    protocol: m.protocol,
                    out_of_sync_kib: m.counters.as_ref().map(|c| c.oos),
                    sync: m.sync.as_ref().map(|s| Progress {
                        percent: s.percent,
                        remaining_kib: Some(s.remaining_kib),
                        eta_seconds: s.eta_seconds.map(|e| e as f64),
                        speed_kib_s: s.speed_kib_s.map(|v| v as f64),
                        want_kib_s: s.want_kib_s.map(|v| v as f64),
                        stalled: s.stalled,
                    }),
                    state_text: format!(
                        "cs:{} ro:{}/{} ds:{}/{}",
                        m.connection,
                        show(&m.role),
                        show(&m.peer_role),
                        show(&m.disk),
                        show(&m.peer_disk)
                    ),
                    first_of_volume: true,
                    quorum_lost: false,
                    suspended: m.io_flags.as_ref().filter(|f| f.io_suspended).map(|_| "yes".to_owned()),
                    may_promote: None,
                }
            })
            .collect();
    }
    let mut out = Vec::new();
    for r in &snap.drbd.resources {
        let several_volumes = r.devices.len() > 1;
        let replicating = r
            .connections
            .iter()
            .filter(|c| {
                c.state == Some(ConnectionState::Connected)
                    && c.peer_devices
                        .iter()
                        .any(|p| p.replication.as_ref().is_some_and(|x| *x != ReplicationState::Off))
            })
            .count();
        for d in &r.devices {
            let subject = if several_volumes { format!("{}/{}", r.name, d.volume) } else { r.name.clone() };
            let base = Link {
                keys: std::iter::once(r.name.clone()).chain(d.minor.map(|m| format!("minor{m}"))).collect(),
                subject: subject.clone(),
                minor: d.minor,
                peer: None,
                peers: r.connections.len(),
                peers_replicating: replicating,
                connection: None,
                replication: None,
                proc_cs: None,
                role: r.role.clone(),
                peer_role: None,
                disk: d.disk.clone(),
                peer_disk: None,
                peer_client: false,
                client: d.client == Some(true),
                protocol: None,
                out_of_sync_kib: None,
                sync: None,
                state_text: format!("role:{} disk:{}", show(&r.role), show(&d.disk)),
                first_of_volume: true,
                quorum_lost: d.quorum == Some(false),
                suspended: r.suspended.clone().filter(|s| s != "no"),
                may_promote: r.may_promote,
            };
            if r.connections.is_empty() {
                out.push(base);
                continue;
            }
            for (i, c) in r.connections.iter().enumerate() {
                let pd = c.peer_devices.iter().find(|p| p.volume == d.volume);
                let mut l = base.clone();
                l.first_of_volume = i == 0;
                l.peer = Some(c.peer.clone());
                l.connection = c.state.clone();
                l.replication = pd.and_then(|p| p.replication.clone());
                l.peer_role = c.peer_role.clone();
                l.peer_disk = pd.and_then(|p| p.peer_disk.clone());
                l.peer_client = pd.and_then(|p| p.peer_client) == Some(true);
                l.out_of_sync_kib = pd.and_then(|p| p.out_of_sync_kib);
                l.sync = pd.and_then(|p| {
                    let s = p.sync.as_ref()?;
                    let percent = s.percent?;
                    Some(Progress {
                        percent,
                        remaining_kib: p.sync_left_kib(percent),
                        eta_seconds: s.eta_seconds,
                        speed_kib_s: s.speed_kib_s,
                        want_kib_s: s.want_kib_s,
                        stalled: false,
                    })
                });
                l.state_text = format!(
                    "{}: connection:{} replication:{} role:{}/{} disk:{}/{}",
                    c.peer,
                    show(&c.state),
                    show(&l.replication),
                    show(&r.role),
                    show(&c.peer_role),
                    show(&d.disk),
                    show(&l.peer_disk)
                );
                out.push(l);
            }
        }
    }
    out
}
