//! [`Report`]: what drnfs knows about this node at one moment — the sample it read, the
//! rates and history it derived, the clients ranked, the findings and the timeline, and the
//! peer as its own drnfs described itself. Every output renders it: the live view, `drnfs
//! snapshot --json` (its field names are an interface: `docs/snapshot.schema.json` is
//! generated from these types), doctor, top-clients, the actions' preflight, and the peer
//! reading this node over ssh. It deserializes too: the peer's report is read typed, once.

use drnfs_parsers::timestamp::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnose::Finding;
use crate::model::clients::ClientRow;
use crate::model::snapshot::{Drbd, Host, Nfsd, SCHEMA_VERSION, Warning};
use crate::model::write_path::WritePath;
use crate::model::{History, MinorRates, Model, NfsdRates, TimelineEvent};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Report {
    pub schema_version: u32,
    pub drnfs_version: String,
    /// When drnfs read the sources (wall clock of the machine running drnfs).
    pub taken_at: Timestamp,
    /// Seconds since this drnfs started reading (or since the recording began): the clock
    /// ages are measured on.
    pub at: f64,
    pub host: Host,
    pub drbd: Drbd,
    pub nfsd: Nfsd,
    /// Per-second rates of the nfsd counters over the last 5 s (`interval_seconds` says
    /// over how long exactly), when two samples were taken (`--sample-seconds`, or any
    /// view of the live model).
    pub rates: Option<NfsdRates>,
    /// The same rates averaged over the last minute, or as much of it as was sampled.
    pub rates_minute: Option<NfsdRates>,
    /// Per-minor replication and disk traffic from the /proc/drbd counters (DRBD 8).
    pub minor_rates: Vec<MinorRates>,
    /// Where writes wait, hop by hop: nfsd threads, each DRBD device, its backing disk,
    /// the peer, the host (after two samples).
    pub write_path: Option<WritePath>,
    /// NFS clients by address, busiest first (sock_diag on the NFS port).
    pub clients: Vec<ClientRow>,
    /// All clients together.
    pub client_totals: ClientTotals,
    /// Why the client sockets could not be read, if they could not.
    pub clients_error: Option<String>,
    /// Why per-client operations (rpc-status) are not available, if they are not.
    pub client_ops_error: Option<String>,
    /// What drnfs makes of it all, most severe first.
    pub findings: Vec<Finding>,
    /// Recent state changes, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// Recent values of the quantities the views draw as sparklines.
    pub history: History,
    /// The peer as its own drnfs described itself (the live view asks it over ssh).
    pub peer: Option<PeerReport>,
    /// Lines or files that could not be used; everything else still is.
    pub warnings: Vec<Warning>,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            drnfs_version: String::new(),
            taken_at: Timestamp::from_unix_micros(0),
            at: 0.0,
            host: Host::default(),
            drbd: Drbd::default(),
            nfsd: Nfsd::default(),
            rates: None,
            rates_minute: None,
            minor_rates: Vec::new(),
            write_path: None,
            clients: Vec::new(),
            client_totals: ClientTotals::default(),
            clients_error: None,
            client_ops_error: None,
            findings: Vec::new(),
            timeline: Vec::new(),
            history: History::default(),
            peer: None,
            warnings: Vec::new(),
        }
    }
}

/// Inbound and outbound traffic and calls of all clients in the last interval, and the
/// rpc-status samples behind the busy shares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClientTotals {
    pub in_bytes_per_s: Option<f64>,
    pub out_bytes_per_s: Option<f64>,
    pub calls_per_s: Option<f64>,
    /// rpc-status samples over the share window (0: none).
    pub rpc_samples: u32,
    /// RPCs seen in flight over those samples.
    pub rpc_busy: u32,
}

/// The peer node, as its own drnfs described itself.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PeerReport {
    /// Its name from drnfs.toml.
    pub name: String,
    /// When it answered, or (no answer yet) when it was first asked: seconds on this
    /// report's clock ([`Report::at`]).
    pub at: f64,
    /// Its report, or why it could not be had; `None` while the first answer is pending,
    /// which is not the same as "no peer".
    pub answer: Option<Result<Box<Report>, String>>,
}

impl Report {
    /// The report of `model` as it is, with `findings` and the peer.
    pub fn build(model: &Model, findings: Vec<Finding>, peer: Option<PeerReport>) -> Option<Report> {
        let snap = model.snapshot.as_ref()?;
        let mut drbd = snap.drbd.clone();
        drbd.split_brain = model.split_brain.clone();
        match &model.drbd_config {
            Some(Ok(resources)) => drbd.config = resources.clone(),
            Some(Err(e)) => drbd.config_error = Some(e.clone()),
            None => {}
        }
        let c = &model.clients;
        let mut warnings = snap.warnings.clone();
        warnings.extend(model.input_warnings.iter().cloned());
        if model.input_warnings_dropped > 0 {
            warnings.push(crate::model::snapshot::Warning {
                source: "inputs".to_owned(),
                line: None,
                message: format!(
                    "and {} more warnings about unreadable input lines after these {}",
                    model.input_warnings_dropped,
                    crate::model::INPUT_WARNINGS_KEPT
                ),
            });
        }
        Some(Report {
            schema_version: SCHEMA_VERSION,
            drnfs_version: env!("DRNFS_VERSION").to_owned(),
            taken_at: snap.taken_at,
            at: model.at.unwrap_or(0.0),
            host: snap.host.clone(),
            drbd,
            nfsd: snap.nfsd.clone(),
            rates: model.nfsd_rates.clone(),
            rates_minute: model.nfsd_rates_minute.clone(),
            minor_rates: model.minor_rates.clone(),
            write_path: model.write_path.clone(),
            clients: c.rows.clone(),
            client_totals: ClientTotals {
                in_bytes_per_s: c.total_in_per_s,
                out_bytes_per_s: c.total_out_per_s,
                calls_per_s: c.total_calls_per_s,
                rpc_samples: c.activity_samples,
                rpc_busy: c.activity_busy,
            },
            // Never read is not "no clients": a capture without a socket dump says so.
            clients_error: c.error.clone().or_else(|| {
                (!c.sampled()).then(|| {
                    "client sockets not read (they are read live, or from a recording that has them)".to_owned()
                })
            }),
            client_ops_error: c.activity_error.clone(),
            findings,
            timeline: model.timeline.iter().cloned().collect(),
            history: model.history.clone(),
            peer,
            warnings,
        })
    }

    /// True when no source at all could be read.
    pub fn nothing_readable(&self) -> bool {
        !self.drbd.available && !self.nfsd.available
    }

    pub fn unavailable_reasons(&self) -> Vec<String> {
        [&self.drbd.reason, &self.nfsd.reason].into_iter().flatten().cloned().collect()
    }

    /// The JSON Schema of the report document, generated from these types.
    pub fn schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
    }
}
