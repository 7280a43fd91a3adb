//! Helpers shared by the integration tests (each test file is its own crate).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The flags that make drnfs read a lab capture (`fixtures/<scenario>/<node>`) instead
/// of this machine: its /proc tree, events2 dump, kernel log and DRBD configuration.
#[allow(dead_code)]
pub fn capture_sources(dir: &Path) -> Vec<OsString> {
    [
        ("--proc-root", "proc"),
        ("--events2-file", "events2-now.txt"),
        ("--kernel-log-file", "dmesg.txt"),
        ("--drbd-config", "drbdadm-dump.txt"),
    ]
    .into_iter()
    .flat_map(|(flag, file)| [OsString::from(flag), dir.join(file).into_os_string()])
    .collect()
}

/// Every `<scenario>/<node>` capture directory under `root` that holds `holding` (a file
/// or directory name), sorted; finding none fails the test that asked.
#[allow(dead_code)]
pub fn capture_dirs(root: &Path, holding: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for scenario in std::fs::read_dir(root).unwrap_or_else(|e| panic!("{}: {e}", root.display())).flatten() {
        let Ok(nodes) = std::fs::read_dir(scenario.path()) else { continue };
        for node in nodes.flatten() {
            if node.path().join(holding).exists() {
                out.push(node.path());
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no lab captures with {holding} in {} (run tests/lab/run --capture)", root.display());
    out
}

pub mod pair;

/// Reads everything sent to `listener`'s connections, each read's byte count sent on the
/// returned channel (a test listener that sinks what its clients write).
#[allow(dead_code)]
pub fn drain(listener: std::net::TcpListener) -> std::sync::mpsc::Receiver<usize> {
    use std::io::Read as _;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || tx.send(n).is_err() {
                        break;
                    }
                }
            });
        }
    });
    rx
}

/// Waits until `rx` has reported `bytes` read in all (10 s at most for each read).
#[allow(dead_code)]
pub fn received(rx: &std::sync::mpsc::Receiver<usize>, bytes: u64) {
    let mut got = 0u64;
    while got < bytes {
        got += rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the listener received everything") as u64;
    }
}

/// A number in a lab capture's proc tree (`<capture>/proc/<file>`): the first group of
/// `pattern`, thousands separators dropped.
#[allow(dead_code)]
pub fn proc_number(capture: &Path, file: &str, pattern: &str) -> f64 {
    let text = std::fs::read_to_string(capture.join("proc").join(file)).unwrap();
    let re = regex::Regex::new(pattern).unwrap();
    re.captures(&text).unwrap_or_else(|| panic!("{pattern} not in {file}"))[1].replace(',', "").parse().unwrap()
}

/// The current view of `app` drawn at `w`×`h` into a `TestBackend`, one text line per row
/// (trailing blanks trimmed).
#[allow(dead_code)]
pub fn screen_text(app: &drnfs::tui::app::App, w: u16, h: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| drnfs::tui::views::render(f, app)).unwrap();
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_owned()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where a figure lost its unit or its digits to the edge of a column or a panel: an
/// ellipsis right after a digit or a unit (`116 B…`, `60.2…`), or a number followed by
/// the first letters of a unit and then a border or a space (`22.9 m│`, `60.22 Ki `).
#[allow(dead_code)]
pub fn cut_figures(screen: &str) -> Vec<String> {
    let ellipsis_after_figure = regex::Regex::new(r"(\d|\d (B|KiB|MiB|GiB|ms|s)|/s|%)[…~]").unwrap();
    let partial_unit = regex::Regex::new(r"\d(\.\d+)? (m|K|Ki|M|Mi|G|Gi|KiB/|MiB/|GiB/|B/)([│ ]|$)").unwrap();
    // A figure wrapped away from its unit: `read 0   │` then `│B/s`.
    let ends_with_number = regex::Regex::new(r"\d\s*[│|]\s*$").unwrap();
    let starts_with_unit = regex::Regex::new(r"^\s*[│|](B|KiB|MiB|GiB|ms|s)?(/s)?([\s│|]|$)").unwrap();
    let lines: Vec<&str> = screen.lines().collect();
    let mut out: Vec<String> = lines
        .iter()
        .filter(|l| ellipsis_after_figure.is_match(l) || partial_unit.is_match(l))
        .map(|l| (*l).to_owned())
        .collect();
    for pair in lines.windows(2) {
        if ends_with_number.is_match(pair[0])
            && starts_with_unit.captures(pair[1]).is_some_and(|c| c.get(1).is_some() || c.get(2).is_some())
        {
            out.push(format!("{} / {}", pair[0], pair[1]));
        }
    }
    out
}
