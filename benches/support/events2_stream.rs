//! A synthetic `drbdsetup events2 --statistics` stream of the size the performance issue
//! names: `resources` resources × 2 peers × 2 volumes, the startup dump (`exists` lines and
//! `exists -`), then one `change peer-device` line per peer-device per second of a resync.
//! Field names and order follow DRBD 9.2's events2 output as captured in the research notes.

use std::fmt::Write as _;

pub const PEERS: u32 = 2;
pub const VOLUMES: u32 = 2;

/// The stream as one text, without the `--timestamps` prefix (so that parsers which do not
/// take one, such as drbd-reactor's, read the very same lines).
pub fn stream(resources: u32, seconds: u32) -> String {
    let mut out = String::with_capacity((resources * 16 + resources * PEERS * VOLUMES * seconds) as usize * 200);
    for r in 0..resources {
        let name = format!("res{r:04}");
        let _ = writeln!(
            out,
            "exists resource name:{name} role:Primary suspended:no force-io-failures:no may_promote:no promotion_score:10102 write-ordering:flush"
        );
        for v in 0..VOLUMES {
            let minor = r * VOLUMES + v;
            let _ = writeln!(
                out,
                "exists device name:{name} volume:{v} minor:{minor} backing_dev:/dev/vg/{name}_{v} disk:UpToDate client:no open:yes quorum:yes size:1048576 read:12 written:4096 al-writes:3 bm-writes:1 upper-pending:0 lower-pending:0 al-suspended:no blocked:no"
            );
        }
        for p in 1..=PEERS {
            let peer = format!("node{p}");
            let _ = writeln!(
                out,
                "exists connection name:{name} peer-node-id:{p} conn-name:{peer} connection:Connected role:Secondary congested:no ap-in-flight:0 rs-in-flight:0"
            );
            let _ = writeln!(
                out,
                "exists path name:{name} peer-node-id:{p} conn-name:{peer} local:ipv4:10.0.0.1:{port} peer:ipv4:10.0.0.{h}:{port} established:yes",
                port = 7000 + r,
                h = p + 1
            );
            for v in 0..VOLUMES {
                let _ = writeln!(
                    out,
                    "exists peer-device name:{name} peer-node-id:{p} conn-name:{peer} volume:{v} replication:SyncSource peer-disk:Inconsistent peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:1048576 pending:0 unacked:0 dbdt1:0.00 eta:0"
                );
            }
        }
    }
    out.push_str("exists -\n");
    for s in 1..=seconds {
        for r in 0..resources {
            for p in 1..=PEERS {
                for v in 0..VOLUMES {
                    let done = f64::from(s) * 100.0 / f64::from(seconds + 1);
                    let sent = u64::from(s) * 10240;
                    let oos = 1_048_576u64.saturating_sub(sent);
                    let _ = writeln!(
                        out,
                        "change peer-device name:res{r:04} peer-node-id:{p} conn-name:node{p} volume:{v} received:0 sent:{sent} out-of-sync:{oos} pending:0 unacked:1 done:{done:.2} dbdt1:10.24 eta:{}",
                        seconds - s
                    );
                }
            }
        }
    }
    out
}

/// The same stream with the `--timestamps` prefix drnfs runs drbdsetup with.
pub fn with_timestamps(stream: &str) -> String {
    let mut out = String::with_capacity(stream.len() + stream.lines().count() * 33);
    for (i, line) in stream.lines().enumerate() {
        let _ =
            writeln!(out, "2026-11-25T14:{:02}:{:02}.{:06}+00:00 {line}", (i / 60_000) % 60, (i / 1000) % 60, i % 1000);
    }
    out
}
