//! `drbdsetup status --json` (DRBD 9, drbd-utils 9.4+), converted into the same
//! [`Resource`] tree the events2 model builds, so the rest of drnfs reads one shape.
//!
//! The JSON is printed by hand in drbd-utils: keys come and go between versions, so every
//! field is optional here and unknown ones are ignored. `peer_devices` is nested under each
//! connection; `resync-suspended` is a string; `estimated-seconds-to-finish` is 987654321
//! when DRBD has no estimate yet.

use serde::Deserialize;

use crate::drbd_state::{ConnectionState, DiskState, ReplicationState, Role};
use crate::error::ErrorKind;
use crate::events2::{Connection, Device, Path, PeerDevice, Resource, ResyncStats, mib_to_kib};

/// drbd-utils prints this ETA when no progress has been measured yet.
pub const ETA_UNKNOWN: f64 = 987_654_321.0;

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonResource {
    name: Option<String>,
    role: Option<String>,
    suspended: Option<bool>,
    #[serde(rename = "suspended-user")]
    suspended_user: Option<bool>,
    #[serde(rename = "suspended-no-data")]
    suspended_no_data: Option<bool>,
    #[serde(rename = "suspended-fencing")]
    suspended_fencing: Option<bool>,
    #[serde(rename = "suspended-quorum")]
    suspended_quorum: Option<bool>,
    #[serde(rename = "force-io-failures")]
    force_io_failures: Option<bool>,
    #[serde(rename = "write-ordering")]
    write_ordering: Option<String>,
    devices: Vec<JsonDevice>,
    connections: Vec<JsonConnection>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonDevice {
    volume: Option<u32>,
    minor: Option<u32>,
    #[serde(rename = "disk-state")]
    disk_state: Option<String>,
    client: Option<bool>,
    open: Option<bool>,
    quorum: Option<bool>,
    size: Option<u64>,
    read: Option<u64>,
    written: Option<u64>,
    #[serde(rename = "al-writes")]
    al_writes: Option<u64>,
    #[serde(rename = "bm-writes")]
    bm_writes: Option<u64>,
    #[serde(rename = "upper-pending")]
    upper_pending: Option<u64>,
    #[serde(rename = "lower-pending")]
    lower_pending: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonConnection {
    #[serde(rename = "peer-node-id")]
    peer_node_id: Option<u32>,
    name: Option<String>,
    #[serde(rename = "connection-state")]
    connection_state: Option<String>,
    congested: Option<bool>,
    #[serde(rename = "peer-role")]
    peer_role: Option<String>,
    tls: Option<bool>,
    #[serde(rename = "ap-in-flight")]
    ap_in_flight: Option<u64>,
    #[serde(rename = "rs-in-flight")]
    rs_in_flight: Option<u64>,
    paths: Vec<JsonPath>,
    peer_devices: Vec<JsonPeerDevice>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonPath {
    this_host: Option<JsonHost>,
    remote_host: Option<JsonHost>,
    established: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonHost {
    address: Option<String>,
    port: Option<u16>,
    family: Option<String>,
}

impl JsonHost {
    /// The events2 spelling: `ipv4:10.0.0.1:7789`.
    fn events2_form(&self) -> String {
        format!(
            "{}:{}:{}",
            self.family.as_deref().unwrap_or("ipv4"),
            self.address.as_deref().unwrap_or("?"),
            self.port.unwrap_or(0)
        )
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonPeerDevice {
    volume: Option<u32>,
    #[serde(rename = "replication-state")]
    replication_state: Option<String>,
    #[serde(rename = "peer-disk-state")]
    peer_disk_state: Option<String>,
    #[serde(rename = "peer-client")]
    peer_client: Option<bool>,
    #[serde(rename = "resync-suspended")]
    resync_suspended: Option<String>,
    received: Option<u64>,
    sent: Option<u64>,
    #[serde(rename = "out-of-sync")]
    out_of_sync: Option<u64>,
    pending: Option<u64>,
    unacked: Option<u64>,
    #[serde(rename = "percent-resync-done")]
    percent_resync_done: Option<f64>,
    #[serde(rename = "estimated-seconds-to-finish")]
    eta: Option<f64>,
    #[serde(rename = "db/dt [MiB/s]")]
    dbdt: Option<f64>,
    #[serde(rename = "db0/dt0 [MiB/s]")]
    dbdt0: Option<f64>,
    #[serde(rename = "db1/dt1 [MiB/s]")]
    dbdt1: Option<f64>,
    want: Option<f64>,
    #[serde(rename = "rs-total")]
    rs_total: Option<u64>,
    #[serde(rename = "rs-dt-start-ms")]
    rs_dt_start_ms: Option<u64>,
    #[serde(rename = "rs-paused-ms")]
    rs_paused_ms: Option<u64>,
    #[serde(rename = "rs-dt0-ms")]
    rs_dt0_ms: Option<u64>,
    #[serde(rename = "rs-db0-sectors")]
    rs_db0_sectors: Option<u64>,
    #[serde(rename = "rs-dt1-ms")]
    rs_dt1_ms: Option<u64>,
    #[serde(rename = "rs-db1-sectors")]
    rs_db1_sectors: Option<u64>,
    #[serde(rename = "rs-failed")]
    rs_failed: Option<u64>,
    #[serde(rename = "rs-same-csum")]
    rs_same_csum: Option<u64>,
    #[serde(rename = "ov-start-sector")]
    ov_start_sector: Option<u64>,
    #[serde(rename = "ov-stop-sector")]
    ov_stop_sector: Option<u64>,
    #[serde(rename = "ov-position")]
    ov_position: Option<u64>,
    #[serde(rename = "ov-left")]
    ov_left: Option<u64>,
    #[serde(rename = "ov-skipped")]
    ov_skipped: Option<u64>,
}

/// Parses the JSON array `drbdsetup status --json` prints.
pub fn parse(input: &str) -> Result<Vec<Resource>, ErrorKind> {
    let raw: Vec<JsonResource> = serde_json::from_str(input)
        .map_err(|e| ErrorKind::Invalid { message: format!("not drbdsetup status JSON: {e}") })?;
    Ok(raw.into_iter().enumerate().map(|(i, r)| convert(i, r)).collect())
}

fn convert(index: usize, r: JsonResource) -> Resource {
    let reasons: Vec<&str> = [
        (r.suspended_user, "user"),
        (r.suspended_no_data, "no-data"),
        (r.suspended_fencing, "fencing"),
        (r.suspended_quorum, "quorum"),
    ]
    .iter()
    .filter(|(on, _)| *on == Some(true))
    .map(|(_, n)| *n)
    .collect();
    let suspended = match (r.suspended, reasons.is_empty()) {
        (_, false) => Some(reasons.join(",")),
        (Some(true), true) => Some("yes".to_owned()),
        (Some(false), true) => Some("no".to_owned()),
        (None, true) => None,
    };
    Resource {
        name: r.name.unwrap_or_else(|| format!("resource-{index}")),
        role: r.role.as_deref().map(Role::parse),
        suspended,
        write_ordering: r.write_ordering,
        may_promote: None,
        promotion_score: None,
        force_io_failures: r.force_io_failures,
        devices: r
            .devices
            .into_iter()
            .map(|d| Device {
                volume: d.volume.unwrap_or(0),
                minor: d.minor,
                disk: d.disk_state.as_deref().map(DiskState::parse),
                client: d.client,
                open: d.open,
                quorum: d.quorum,
                size_kib: d.size,
                read_kib: d.read,
                written_kib: d.written,
                al_writes: d.al_writes,
                bm_writes: d.bm_writes,
                upper_pending: d.upper_pending,
                lower_pending: d.lower_pending,
                ..Device::default()
            })
            .collect(),
        connections: r
            .connections
            .into_iter()
            .map(|c| Connection {
                peer: c.name.unwrap_or_else(|| format!("node-{}", c.peer_node_id.unwrap_or(0))),
                peer_node_id: c.peer_node_id,
                state: c.connection_state.as_deref().map(ConnectionState::parse),
                peer_role: c.peer_role.as_deref().map(Role::parse),
                congested: c.congested,
                ap_in_flight_sectors: c.ap_in_flight,
                rs_in_flight_sectors: c.rs_in_flight,
                tls: c.tls,
                paths: c
                    .paths
                    .into_iter()
                    .map(|p| Path {
                        local: p.this_host.map(|h| h.events2_form()).unwrap_or_default(),
                        peer: p.remote_host.map(|h| h.events2_form()).unwrap_or_default(),
                        established: p.established,
                    })
                    .collect(),
                peer_devices: c.peer_devices.into_iter().map(convert_peer_device).collect(),
                ..Connection::default()
            })
            .collect(),
        helpers: Vec::new(),
        extra: Default::default(),
    }
}

fn convert_peer_device(p: JsonPeerDevice) -> PeerDevice {
    let replication = p.replication_state.as_deref().map(ReplicationState::parse);
    let resyncing = replication.as_ref().is_some_and(|r| r.is_resync_phase() || r.is_syncing());
    let sync = resyncing.then(|| ResyncStats {
        percent: p.percent_resync_done,
        eta_seconds: p.eta.filter(|e| *e != ETA_UNKNOWN && e.is_finite()),
        speed_kib_s: p.dbdt1.map(mib_to_kib),
        avg_speed_kib_s: p.dbdt.map(mib_to_kib),
        dbdt0_kib_s: p.dbdt0.map(mib_to_kib),
        want_kib_s: p.want.map(mib_to_kib),
        rs_total_sectors: p.rs_total,
        rs_dt_start_ms: p.rs_dt_start_ms,
        rs_paused_ms: p.rs_paused_ms,
        rs_dt0_ms: p.rs_dt0_ms,
        rs_db0_sectors: p.rs_db0_sectors,
        rs_dt1_ms: p.rs_dt1_ms,
        rs_db1_sectors: p.rs_db1_sectors,
        rs_failed: p.rs_failed,
        rs_same_csum: p.rs_same_csum,
        ov_start_sector: p.ov_start_sector,
        ov_stop_sector: p.ov_stop_sector,
        ov_position: p.ov_position,
        ov_left: p.ov_left,
        ov_skipped: p.ov_skipped,
    });
    PeerDevice {
        volume: p.volume.unwrap_or(0),
        replication,
        peer_disk: p.peer_disk_state.as_deref().map(DiskState::parse),
        peer_client: p.peer_client,
        resync_suspended: p.resync_suspended,
        received_kib: p.received,
        sent_kib: p.sent,
        out_of_sync_kib: p.out_of_sync,
        pending: p.pending,
        unacked: p.unacked,
        sync,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncing_peer_device_with_spaced_keys() {
        let json = r#"[ { "name": "r0", "node-id": 1, "role": "Primary", "suspended": false, "suspended-quorum": true,
          "write-ordering": "flush", "devices": [ { "volume": 0, "minor": 0, "disk-state": "UpToDate", "client": false, "quorum": false, "size": 1024 } ],
          "connections": [ { "peer-node-id": 2, "name": "b", "connection-state": "Connected", "congested": false, "peer-role": "Secondary",
            "paths": [ { "this_host": { "address": "10.0.0.1", "port": 7789, "family": "ipv4" }, "remote_host": { "address": "10.0.0.2", "port": 7789, "family": "ipv4" }, "established": true } ],
            "peer_devices": [ { "volume": 0, "replication-state": "SyncSource", "peer-disk-state": "Inconsistent", "resync-suspended": "no",
              "out-of-sync": 400, "has-sync-details": true, "percent-resync-done": 3.35, "estimated-seconds-to-finish": 213, "db1/dt1 [MiB/s]": 93.05, "db/dt [MiB/s]": 86.88, "rs-total": 41940408 } ] } ] } ]"#;
        let rs = parse(json).unwrap();
        let r = &rs[0];
        assert_eq!(r.suspended.as_deref(), Some("quorum"));
        assert_eq!(r.devices[0].quorum, Some(false));
        let c = &r.connections[0];
        assert_eq!(c.paths[0].local, "ipv4:10.0.0.1:7789");
        let s = c.peer_devices[0].sync.as_ref().unwrap();
        assert_eq!(
            (s.percent, s.eta_seconds, s.speed_kib_s, s.rs_total_sectors),
            (Some(3.35), Some(213.0), Some(93.05 * 1024.0), Some(41_940_408))
        );
    }

    #[test]
    fn unknown_eta_and_not_json() {
        let json = r#"[{"name":"r0","connections":[{"name":"b","peer_devices":[{"volume":0,"replication-state":"SyncTarget","estimated-seconds-to-finish":987654321}]}]}]"#;
        let rs = parse(json).unwrap();
        assert_eq!(rs[0].connections[0].peer_devices[0].sync.as_ref().unwrap().eta_seconds, None);
        assert!(matches!(parse("status: unrecognized option '--json'"), Err(ErrorKind::Invalid { .. })));
    }

    /// Resync details are kept from the handshake through a pause to a running verify,
    /// and not once the peers are in sync.
    #[test]
    fn resync_details_while_any_resync_or_verify_is_under_way() {
        let with = |state: &str| {
            let json = format!(
                r#"[{{"name":"r0","connections":[{{"name":"b","peer_devices":[{{"volume":0,"replication-state":"{state}","percent-resync-done":40.0}}]}}]}}]"#
            );
            parse(&json).unwrap()[0].connections[0].peer_devices[0].sync.as_ref().and_then(|s| s.percent)
        };
        for state in ["WFBitMapT", "PausedSyncS", "SyncTarget", "VerifyS"] {
            assert_eq!(with(state), Some(40.0), "{state}");
        }
        assert_eq!(with("Established"), None);
    }

    /// A resource with two volumes: each device and each peer device keeps its own
    /// volume number, so a finding about volume 1 is not told of volume 0's disk.
    #[test]
    fn two_volumes_keep_their_numbers() {
        let json = r#"[{"name":"r0","devices":[
              {"volume":0,"minor":10,"disk-state":"UpToDate","open":true},
              {"volume":1,"minor":11,"disk-state":"Inconsistent","open":false}],
            "connections":[{"name":"b","tls":true,"peer_devices":[
              {"volume":0,"replication-state":"Established","peer-disk-state":"UpToDate","out-of-sync":0},
              {"volume":1,"replication-state":"SyncTarget","peer-disk-state":"UpToDate","out-of-sync":2048}]}]}]"#;
        let r = &parse(json).unwrap()[0];
        let devices: Vec<_> = r.devices.iter().map(|d| (d.volume, d.minor, d.disk.clone(), d.open)).collect();
        assert_eq!(
            devices,
            [
                (0, Some(10), Some(DiskState::UpToDate), Some(true)),
                (1, Some(11), Some(DiskState::Inconsistent), Some(false))
            ]
        );
        let c = &r.connections[0];
        assert_eq!(c.tls, Some(true));
        let peers: Vec<_> = c.peer_devices.iter().map(|p| (p.volume, p.out_of_sync_kib)).collect();
        assert_eq!(peers, [(0, Some(0)), (1, Some(2048))]);
        assert!(c.peer_devices[0].sync.is_none() && c.peer_devices[1].sync.is_some());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }
    }
}
