//! Command line: options, subcommands and their dispatch.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::model::snapshot::SnapshotRequest;
use crate::report;
use crate::source::SourceConfig;

#[derive(Debug, Parser)]
#[command(
    name = "drnfs",
    version,
    about = "Watch, diagnose and safely fail over an NFS server made highly available with DRBD and keepalived",
    long_about = None,
    after_help = "Examples:\n  drnfs snapshot                 readable summary of this node\n  drnfs snapshot --json          the same as one JSON document for scripts\n  drnfs snapshot --proc-root /tmp/capture/proc --events2-file /tmp/capture/events2.txt\n                                 read files copied off another server"
)]
pub struct Cli {
    #[command(flatten)]
    pub sources: SourceArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where drnfs reads from. Every option has a live default.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree,
    /// or files copied off a broken server). Disables running drbdsetup.
    #[arg(long, value_name = "DIR", global = true, env = "DRNFS_PROC_ROOT")]
    pub proc_root: Option<PathBuf>,

    /// Read `drbdsetup events2` lines from FILE instead of running drbdsetup.
    #[arg(long, value_name = "FILE", global = true, env = "DRNFS_EVENTS2_FILE")]
    pub events2_file: Option<PathBuf>,

    /// The drbdsetup program to run for events2.
    #[arg(long, value_name = "PATH", global = true, default_value = "drbdsetup", hide = true)]
    pub drbdsetup: PathBuf,
}

impl SourceArgs {
    pub fn config(&self) -> SourceConfig {
        SourceConfig {
            proc_root: self.proc_root.clone().unwrap_or_else(|| PathBuf::from("/proc")),
            live: self.proc_root.is_none(),
            events2_file: self.events2_file.clone(),
            drbdsetup: self.drbdsetup.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every source once and print what this node looks like.
    ///
    /// Exits 0 when anything could be read (missing sources are reported, with why), and
    /// 2 when nothing could be read at all.
    Snapshot(SnapshotArgs),

    /// Tools for capturing fixtures and debugging drnfs itself.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Dump TCP sockets with a local port over netlink sock_diag and print them; with
    /// --raw-out, also write the kernel's reply bytes (a fixture for the decoder).
    SockDiag {
        #[arg(long, default_value_t = 2049)]
        port: u16,
        #[arg(long, value_name = "FILE")]
        raw_out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Print one JSON document (schema: docs/snapshot.schema.json) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let sources = cli.sources.config();
    match cli.command {
        Some(Command::Snapshot(args)) => {
            let snapshot = SnapshotRequest::new(&sources).take();
            let mut out = std::io::stdout().lock();
            if args.json {
                report::json::write(&mut out, &snapshot)?;
            } else {
                report::text::write(&mut out, &snapshot)?;
            }
            if snapshot.nothing_readable() {
                eprintln!("drnfs: nothing could be read: {}", snapshot.unavailable_reasons().join("; "));
                return Ok(ExitCode::from(2));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Debug(DebugCommand::SockDiag { port, raw_out })) => {
            let dump = crate::source::sock_diag::dump_port(port, raw_out.is_some())?;
            if let Some(path) = raw_out {
                std::fs::write(&path, &dump.raw)?;
            }
            for s in &dump.sockets {
                let info = s.info.as_ref();
                println!(
                    "{} {} -> {} recv_q={} send_q={} cookie={:#x} bytes_received={:?} bytes_acked={:?} bytes_sent={:?} rtt_us={:?}",
                    drnfs_parsers::sock_diag::tcp_state_name(s.state),
                    s.local,
                    s.remote,
                    s.recv_q,
                    s.send_q,
                    s.cookie,
                    info.and_then(|i| i.bytes_received),
                    info.and_then(|i| i.bytes_acked),
                    info.and_then(|i| i.bytes_sent),
                    info.and_then(|i| i.rtt_us),
                );
            }
            for p in &dump.problems {
                eprintln!("drnfs: {p}");
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            anyhow::bail!("the interactive view is not built yet; use `drnfs snapshot`")
        }
    }
}
