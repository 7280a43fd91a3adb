//! Where drnfs's own log goes. Never the terminal the live view draws on: the view owns
//! the screen, so there the log goes to journald (or a file); the one-shot commands log
//! to stderr. `-v` raises the level (warn → info → debug → trace); `DRNFS_LOG` takes a
//! full filter (`drnfs=debug,drnfs::source=trace`).
//!
//! journald is spoken natively (a datagram of `FIELD=value` lines to its socket), with
//! syslog's `/dev/log` as the fallback, so no library is needed for either.

use std::io::Write;
use std::path::{Path, PathBuf};

use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// One message to journald (structured fields) or, without a journal, to syslog.
/// `priority` is syslog's: 3 error, 4 warning, 5 notice, 6 info, 7 debug.
pub fn system_log(identifier: &str, priority: u8, message: &str, fields: &[(&str, &str)]) {
    let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() else { return };
    // A stalled journal must not stall the caller (an action between two steps): the
    // record is dropped instead, and the audit file still has it.
    let _ = sock.set_nonblocking(true);
    let clean = |s: &str| s.replace('\n', " ");
    let mut datagram = format!("MESSAGE={}\nPRIORITY={priority}\nSYSLOG_IDENTIFIER={identifier}\n", clean(message));
    for (k, v) in fields {
        datagram.push_str(&format!("{k}={}\n", clean(v)));
    }
    if sock.send_to(datagram.as_bytes(), JOURNAL_SOCKET).is_ok() {
        return;
    }
    // user facility (1) × 8 + priority
    let _ = sock.send_to(format!("<{}>{identifier}: {}", 8 + priority, clean(message)).as_bytes(), "/dev/log");
}

/// Whether a journal is listening here.
pub fn journal_available() -> bool {
    Path::new(JOURNAL_SOCKET).exists()
}

/// Where the log goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    Stderr,
    Journal,
    File(PathBuf),
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Stderr => f.write_str("stderr"),
            Destination::Journal => f.write_str("journald (journalctl -t drnfs)"),
            Destination::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Chooses the destination: `--log-file` wins; the live view uses the journal, or a file
/// in the user's state directory when there is no journal; other commands use stderr.
pub fn destination(log_file: Option<&Path>, owns_terminal: bool) -> Destination {
    if let Some(f) = log_file {
        return Destination::File(f.to_path_buf());
    }
    if !owns_terminal {
        return Destination::Stderr;
    }
    if journal_available() {
        return Destination::Journal;
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    Destination::File(state.join("drnfs/drnfs.log"))
}

/// The filter for `verbose` (-v count), unless `DRNFS_LOG` is set.
pub fn filter(verbose: u8) -> EnvFilter {
    if let Ok(spec) = std::env::var("DRNFS_LOG")
        && let Ok(f) = EnvFilter::try_new(&spec)
    {
        return f;
    }
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    EnvFilter::new(format!("warn,drnfs={level},drnfs_parsers={level}"))
}

/// Installs the subscriber. A log file that cannot be opened is reported and logging
/// falls back to the journal or to nothing; drnfs itself keeps running.
pub fn init(verbose: u8, destination: &Destination) -> Result<(), String> {
    let builder = tracing_subscriber::fmt().with_env_filter(filter(verbose)).with_target(true);
    let result = match destination {
        // Colour only for a terminal: a pipe or a file gets plain text, not escape codes.
        Destination::Stderr => {
            use std::io::IsTerminal;
            builder.with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr).try_init()
        }
        Destination::Journal => builder.with_ansi(false).without_time().with_writer(JournalWriter).try_init(),
        Destination::File(path) => {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).try_init()
        }
    };
    result.map_err(|e| format!("cannot set up logging: {e}"))
}

/// A `MakeWriter` that turns each formatted event into one journal message with the
/// event's level as its priority (the fmt layer writes each event with one `write`).
#[derive(Clone, Copy)]
struct JournalWriter;

struct JournalMessage {
    priority: u8,
    buf: Vec<u8>,
}

impl Write for JournalMessage {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for JournalMessage {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let text = text.trim_end();
        if !text.is_empty() {
            system_log("drnfs", self.priority, text, &[]);
        }
    }
}

impl<'a> MakeWriter<'a> for JournalWriter {
    type Writer = JournalMessage;
    fn make_writer(&'a self) -> Self::Writer {
        JournalMessage { priority: 6, buf: Vec::new() }
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        let priority = match *meta.level() {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            Level::DEBUG | Level::TRACE => 7,
        };
        JournalMessage { priority, buf: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_never_the_live_views_terminal() {
        assert_eq!(destination(None, false), Destination::Stderr);
        assert_ne!(destination(None, true), Destination::Stderr);
        let f = PathBuf::from("/tmp/x.log");
        assert_eq!(destination(Some(&f), true), Destination::File(f.clone()));
        assert_eq!(destination(Some(&f), false), Destination::File(f));
    }

    #[test]
    fn verbosity_raises_the_level() {
        // SAFETY of the test: DRNFS_LOG is not set in the test environment.
        if std::env::var_os("DRNFS_LOG").is_some() {
            return;
        }
        assert!(filter(0).to_string().contains("drnfs=warn"));
        assert!(filter(1).to_string().contains("drnfs=info"));
        assert!(filter(2).to_string().contains("drnfs=debug"));
        assert!(filter(5).to_string().contains("drnfs=trace"));
    }

    #[test]
    fn file_destination_receives_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/drnfs.log");
        // A scoped subscriber, so this test does not install a global one.
        let file = {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap()
        };
        let sub = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new("drnfs=info"))
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .finish();
        tracing::subscriber::with_default(sub, || {
            tracing::info!(target: "drnfs::test", "events2 child started");
            tracing::debug!(target: "drnfs::test", "not at this level");
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("events2 child started"), "{text}");
        assert!(!text.contains("not at this level"), "{text}");
    }
}
