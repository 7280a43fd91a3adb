//! Split-brain recovery shows what it will throw away before anyone types a phrase: both
//! sides side by side — the blocks each changed while apart (from the UUID handshake the
//! kernel logged), data out of sync, when each became Primary since the split, whether
//! each served clients, and the files each changed where its filesystem is mounted — with
//! a recommendation of the victim.

use std::time::Duration;

use serde::Serialize;

use super::Session;
use super::files::ModifiedFiles;
use super::state::NodeState;

/// One node of the pair as a split-brain victim would be judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub name: String,
    pub role: Option<String>,
    /// 4 KiB blocks it changed while apart (its own log, else what the other side saw).
    pub blocks_changed: Option<u64>,
    pub out_of_sync_kib: Option<u64>,
    pub apart_since: Option<String>,
    pub promoted_at: Vec<String>,
    pub nfsd_threads: u64,
    pub nfsd_write_bytes: Option<u64>,
    pub vip_here: bool,
    pub mounted: bool,
    /// Files changed since the split where it is mounted, or why they are not listed.
    pub modified: Result<ModifiedFiles, String>,
}

impl Default for Side {
    fn default() -> Self {
        Side {
            name: String::new(),
            role: None,
            blocks_changed: None,
            out_of_sync_kib: None,
            apart_since: None,
            promoted_at: Vec::new(),
            nfsd_threads: 0,
            nfsd_write_bytes: None,
            vip_here: false,
            mounted: false,
            modified: Err("not looked at".to_owned()),
        }
    }
}

impl Side {
    /// It served clients: nfsd runs, the VIP is here, or the filesystem is mounted.
    pub fn serving(&self) -> bool {
        self.nfsd_threads > 0 || self.vip_here
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub here: Side,
    pub peer: Option<Side>,
    /// The node whose changes to discard, and why; `None` when the evidence does not
    /// decide it.
    pub recommended_victim: Option<(String, String)>,
}

/// Most files listed per side.
const FILES_SHOWN: usize = 20;

fn side(n: &NodeState, other: Option<&NodeState>, vip: &[std::net::IpAddr], mp: &str) -> Side {
    let split = n.split.clone().unwrap_or_default();
    Side {
        name: n.name.clone(),
        role: n.role.clone(),
        blocks_changed: split.blocks_changed_here.or_else(|| other.and_then(|o| o.split.as_ref()?.blocks_changed_peer)),
        out_of_sync_kib: n.out_of_sync_kib,
        apart_since: split.apart_since,
        promoted_at: split.promoted_here_at,
        nfsd_threads: n.nfsd_threads,
        nfsd_write_bytes: n.nfsd_write_bytes,
        vip_here: vip.iter().any(|v| n.addresses.contains(v)),
        mounted: !mp.is_empty() && n.mounted(mp),
        ..Side::default()
    }
}

/// The victim the evidence points to: the side that does not serve when the other does;
/// else the side that changed fewer blocks.
pub fn recommend(here: &Side, peer: &Side) -> Option<(String, String)> {
    match (here.serving(), peer.serving()) {
        (true, false) => {
            return Some((
                peer.name.clone(),
                format!("{} serves clients (nfsd, VIP) and {} does not", here.name, peer.name),
            ));
        }
        (false, true) => {
            return Some((
                here.name.clone(),
                format!("{} serves clients (nfsd, VIP) and {} does not", peer.name, here.name),
            ));
        }
        _ => {}
    }
    match (here.blocks_changed, peer.blocks_changed) {
        (Some(a), Some(b)) if a < b => {
            Some((here.name.clone(), format!("{} changed fewer blocks ({a} against {b})", here.name)))
        }
        (Some(a), Some(b)) if b < a => {
            Some((peer.name.clone(), format!("{} changed fewer blocks ({b} against {a})", peer.name)))
        }
        _ => None,
    }
}

fn since_time(s: &Side) -> Option<std::time::SystemTime> {
    let t = drnfs_parsers::timestamp::Timestamp::parse_rfc3339(s.apart_since.as_deref()?)?;
    Some(std::time::UNIX_EPOCH + Duration::from_micros(t.unix_micros().max(0) as u64))
}

impl Comparison {
    /// Both sides from their snapshots; the files changed are listed where a side is
    /// mounted (here directly, on the peer through its agent), never on recorded state.
    pub(super) fn new(s: &mut Session<'_>, local: &NodeState, peer: Option<&NodeState>, recorded: bool) -> Self {
        let r = s.resource.clone();
        let mp = r.mount_point.display().to_string();
        let mut here = side(local, peer, &r.vip, &mp);
        let mut there = peer.map(|p| side(p, Some(local), &r.vip, &mp));
        let since = since_time(&here).or_else(|| there.as_ref().and_then(since_time));
        here.modified = match (recorded, here.mounted, since) {
            (true, _, _) => Err("recorded state: not listed".to_owned()),
            (_, false, _) => Err(format!("{mp} is not mounted here: nothing to list (mount it read-only to look)")),
            (_, _, None) => Err("the moment of the split is unknown".to_owned()),
            (_, true, Some(t)) => {
                Ok(super::files::modified_since(&r.mount_point, t, FILES_SHOWN, Duration::from_secs(20)))
            }
        };
        if let Some(t) = there.as_mut() {
            t.modified = match (
                recorded,
                t.mounted,
                t.apart_since.clone().or_else(|| here.apart_since.clone()),
                s.peer.as_mut(),
            ) {
                (true, _, _, _) => Err("recorded state: not listed".to_owned()),
                (_, false, _, _) => Err(format!("{mp} is not mounted there: nothing to list")),
                (_, _, None, _) => Err("the moment of the split is unknown".to_owned()),
                (_, _, _, None) => Err("no session to the peer".to_owned()),
                (_, true, Some(since), Some(p)) => {
                    let req =
                        super::exec::Request::ModifiedSince { resource: r.name.clone(), since, limit: FILES_SHOWN };
                    match p.request(&req) {
                        Ok(resp) => resp.files.ok_or_else(|| resp.error.unwrap_or_else(|| "no answer".to_owned())),
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
        }
        let recommended_victim = there.as_ref().and_then(|t| recommend(&here, t));
        Comparison { here, peer: there, recommended_victim }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Both sides as a table, the recommendation, and — with a victim named — what it
    /// loses.
    pub fn render(&self, victim: Option<&str>) -> String {
        let mut out = String::from("Both sides since the split:\n");
        let sides: Vec<&Side> = std::iter::once(&self.here).chain(self.peer.as_ref()).collect();
        let opt = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        let row = |label: &str, f: &dyn Fn(&Side) -> String| {
            let cells: Vec<String> = sides.iter().map(|s| format!("{:<34}", f(s))).collect();
            format!("  {label:<28}{}\n", cells.join(""))
        };
        out.push_str(&row("", &|s| s.name.clone()));
        out.push_str(&row("role now", &|s| s.role.clone().unwrap_or_else(|| "?".into())));
        out.push_str(&row("blocks changed while apart", &|s| {
            s.blocks_changed.map_or_else(|| "?".to_owned(), |b| format!("{b} ({} KiB)", b * 4))
        }));
        out.push_str(&row("out of sync (KiB)", &|s| opt(s.out_of_sync_kib)));
        out.push_str(&row("apart since", &|s| s.apart_since.clone().unwrap_or_else(|| "?".into())));
        out.push_str(&row("became Primary while apart", &|s| {
            if s.promoted_at.is_empty() { "not seen".to_owned() } else { s.promoted_at.join(", ") }
        }));
        out.push_str(&row("serves clients", &|s| {
            format!(
                "nfsd {} thr, VIP {}{}",
                s.nfsd_threads,
                if s.vip_here { "here" } else { "not here" },
                if s.mounted { ", mounted" } else { "" }
            )
        }));
        out.push_str(&row("files changed since the split", &|s| match &s.modified {
            Ok(m) => format!("{}{}", m.count, if m.complete { "" } else { " or more" }),
            Err(e) => format!("- ({})", e.chars().take(30).collect::<String>()),
        }));
        if self.peer.is_none() {
            out.push_str("  (the peer could not be asked: its side is unknown)\n");
        }
        match &self.recommended_victim {
            Some((v, why)) => out.push_str(&format!("\nRecommended victim: {v} ({why}).\n")),
            None => out.push_str("\nNo recommendation: the evidence does not tell which side's changes matter less.\n"),
        }
        if let Some(v) = victim
            && let Some(s) = sides.iter().find(|s| s.name == v)
        {
            out.push_str(&format!(
                "\n{v} LOSES every change it made since the split: {} blocks ({}), ",
                opt(s.blocks_changed),
                s.blocks_changed.map_or_else(|| "size unknown".to_owned(), |b| format!("{} KiB", b * 4))
            ));
            match &s.modified {
                Ok(m) if m.count == 0 => out.push_str("no file modified since the split was found.\n"),
                Ok(m) => {
                    out.push_str(&format!("{} file(s) modified since the split, among them:\n", m.count));
                    for (p, t) in &m.files {
                        out.push_str(&format!("    {t}  {p}\n"));
                    }
                }
                Err(e) => out.push_str(&format!("its files cannot be listed ({e}).\n")),
            }
            if s.serving() {
                out.push_str(&format!(
                    "  {v} SERVES CLIENTS now: what they wrote there since the split is lost too.\n"
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, blocks: Option<u64>, threads: u64, vip: bool) -> Side {
        Side { name: name.into(), blocks_changed: blocks, nfsd_threads: threads, vip_here: vip, ..Default::default() }
    }

    #[test]
    fn the_side_that_serves_is_kept() {
        // nodea serves (nfsd, VIP); nodeb wrote more while apart but serves nobody.
        assert_eq!(recommend(&s("nodea", Some(10), 8, true), &s("nodeb", Some(14), 0, false)).unwrap().0, "nodeb");
        assert_eq!(recommend(&s("nodea", Some(1), 0, false), &s("nodeb", Some(14), 8, true)).unwrap().0, "nodea");
    }

    #[test]
    fn otherwise_fewer_changes_lose() {
        assert_eq!(recommend(&s("nodea", Some(10), 0, false), &s("nodeb", Some(14), 0, false)).unwrap().0, "nodea");
        assert_eq!(recommend(&s("nodea", Some(10), 8, true), &s("nodeb", Some(4), 8, true)).unwrap().0, "nodeb");
        assert_eq!(recommend(&s("nodea", Some(5), 0, false), &s("nodeb", Some(5), 0, false)), None);
        assert_eq!(recommend(&s("nodea", None, 0, false), &s("nodeb", Some(5), 0, false)), None);
    }

    #[test]
    fn the_victims_losses_are_shown() {
        let mut a = s("nodea", Some(10), 8, true);
        a.modified = Ok(ModifiedFiles {
            files: vec![("/srv/nfs/export/nodea-side".into(), "2026-11-25T21:30:00Z".into())],
            count: 1,
            complete: true,
        });
        let b = s("nodeb", Some(14), 0, false);
        let c =
            Comparison { here: a, recommended_victim: recommend(&s("nodea", Some(10), 8, true), &b), peer: Some(b) };
        let text = c.render(Some("nodea"));
        assert!(text.contains("Recommended victim: nodeb"), "{text}");
        assert!(text.contains("nodea LOSES every change it made since the split: 10 blocks (40 KiB)"), "{text}");
        assert!(text.contains("/srv/nfs/export/nodea-side"), "{text}");
        assert!(text.contains("nodea SERVES CLIENTS now"), "{text}");
        let text = c.render(Some("nodeb"));
        assert!(text.contains("nodeb LOSES every change it made since the split: 14 blocks (56 KiB)"), "{text}");
        assert!(text.contains("cannot be listed (not looked at)"), "{text}");
    }
}
