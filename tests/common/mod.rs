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
