//! `drnfs notify`: reads keepalived's notify FIFO (`vrrp_notify_fifo`), in order, and logs
//! every VRRP transition with what it means for NFS. It never touches storage: a VRRP blip,
//! a keepalived restart or a stale BACKUP must not take the filesystem down.

use std::io::BufRead;
use std::path::Path;

use serde::Serialize;

/// One line of the FIFO: `INSTANCE "NFS" MASTER 150` (or `GROUP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: String,
    pub name: String,
    pub state: String,
    pub priority: Option<u32>,
}

pub fn parse(line: &str) -> Option<Event> {
    let line = line.trim();
    let (kind, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    let (name, rest) = if let Some(q) = rest.strip_prefix('"') {
        let (n, r) = q.split_once('"')?;
        (n.to_owned(), r)
    } else {
        let (n, r) = rest.split_once(' ').unwrap_or((rest, ""));
        (n.to_owned(), r)
    };
    let mut words = rest.split_whitespace();
    let state = words.next()?.to_owned();
    let priority = words.next().and_then(|p| p.parse().ok());
    Some(Event { kind: kind.to_owned(), name, state, priority })
}

/// What a transition means, given whether this node serves NFS now (`drnfs check`).
pub fn meaning(e: &Event, serving: bool) -> (u8, String) {
    match (e.state.as_str(), serving) {
        ("MASTER", true) => (6, "the VIP is here and this node serves NFS".to_owned()),
        ("MASTER", false) => (2, "the VIP is here but this node does not serve NFS: clients reach nothing (peer down? run drnfs takeover after fencing it)".to_owned()),
        ("BACKUP" | "FAULT", true) => (2, "this node serves NFS but lost the VIP: VRRP partition or a second server — check for split brain".to_owned()),
        ("BACKUP" | "FAULT", false) => (6, "standby, as expected".to_owned()),
        ("STOP" | "DELETED", _) => (5, "keepalived stopped this instance; storage left as it is".to_owned()),
        _ => (6, format!("state {}", e.state)),
    }
}

/// Reads events until the FIFO (or stdin) closes; `serving` reports `drnfs check`.
pub fn run(source: Option<&Path>, state_file: &Path, mut serving: impl FnMut() -> bool) -> anyhow::Result<()> {
    let reader: Box<dyn BufRead> = match source {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    for line in reader.lines() {
        let line = line?;
        let Some(e) = parse(&line) else {
            log(4, &format!("unreadable notify line: {line:?}"));
            continue;
        };
        let (priority, what) = meaning(&e, serving());
        let msg = format!(
            "{} {} {}{}: {what}",
            e.kind,
            e.name,
            e.state,
            e.priority.map(|p| format!(" (priority {p})")).unwrap_or_default()
        );
        log(priority, &msg);
        println!("{msg}");
        let record = serde_json::json!({ "at": crate::clock::now().to_rfc3339(), "event": e, "meaning": what });
        if let Some(dir) = state_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(state_file, serde_json::to_string_pretty(&record)? + "\n");
    }
    Ok(())
}

fn log(priority: u8, msg: &str) {
    crate::logging::system_log("drnfs-notify", priority, msg, &[]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_lines() {
        assert_eq!(
            parse("INSTANCE \"NFS\" MASTER 150"),
            Some(Event { kind: "INSTANCE".into(), name: "NFS".into(), state: "MASTER".into(), priority: Some(150) })
        );
        assert_eq!(parse("GROUP G1 BACKUP").unwrap().state, "BACKUP");
        assert_eq!(parse("garbage"), None);
        let e = parse("INSTANCE \"NFS\" MASTER 150").unwrap();
        assert_eq!(meaning(&e, false).0, 2);
        let f = parse("INSTANCE \"NFS\" FAULT 0").unwrap();
        assert!(meaning(&f, true).1.contains("split brain"));
    }

    #[test]
    fn reads_a_stream_and_keeps_the_last_state() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("fifo");
        std::fs::write(&input, "INSTANCE \"NFS\" BACKUP 100\nINSTANCE \"NFS\" MASTER 150\n").unwrap();
        let state = dir.path().join("state.json");
        run(Some(&input), &state, || true).unwrap();
        let last = std::fs::read_to_string(&state).unwrap();
        assert!(last.contains("MASTER") && last.contains("serves NFS"), "{last}");
    }
}
