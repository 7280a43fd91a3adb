//! Command line: options, subcommands and their dispatch.

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use crate::action::plan::ActionKind;
use crate::engine::session::Feed;
use crate::engine::{Engine, oneshot};
use crate::report;
use crate::source::SourceConfig;
use crate::source::input::Input;
use crate::source::live::{self, PeerSource};
use crate::source::recording::{self, Recording};
use crate::tui;

const EXAMPLES: &str = "\
Examples:
  drnfs                          live view of this node (run as root)
  drnfs --demo                   replay a recorded lab incident (no DRBD needed)
  drnfs snapshot --json          one JSON document for scripts
  drnfs record --out incident.drnfs.gz
                                 record every source to attach to a ticket
  drnfs --replay incident.drnfs.gz
  drnfs snapshot --proc-root /tmp/capture/proc --events2-file /tmp/capture/events2.txt
                                 read files copied off another server";

#[derive(Debug, Parser)]
#[command(
    name = "drnfs",
    version = env!("DRNFS_VERSION"),
    about = "Watch, diagnose and safely fail over an NFS server made highly available with DRBD and keepalived",
    long_about = "drnfs shows the DRBD replication, the kernel NFS server and the NFS clients of one node of an \
HA pair, explains what it sees, and names the clients that load nfsd. Without a subcommand it opens the \
interactive view.",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub sources: SourceArgs,

    #[command(flatten)]
    pub view: ViewArgs,

    #[command(flatten)]
    pub log: LogArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// drnfs's own log (never drawn on the live view's screen).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// More log detail: -v info, -vv debug, -vvv trace (DRNFS_LOG takes a full filter).
    /// The live view logs to journald (or ~/.local/state/drnfs/drnfs.log without one),
    /// other commands to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Write the log to FILE (appended) instead.
    #[arg(long, value_name = "FILE", global = true, env = "DRNFS_LOG_FILE")]
    pub log_file: Option<PathBuf>,
}

/// Where drnfs reads from. Every option has a live default.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Sources")]
pub struct SourceArgs {
    /// The drnfs configuration (resources, mount points, NFS units, VIP, peer).
    #[arg(long, value_name = "FILE", global = true, env = "DRNFS_CONFIG", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// Read DIR/drbd, DIR/net/rpc/nfsd, DIR/fs/nfsd/… instead of /proc/… (a captured tree,
    /// or files copied off a broken server). No drbdsetup, sockets or kernel log are read
    /// live then.
    #[arg(long, value_name = "DIR", global = true, env = "DRNFS_PROC_ROOT")]
    pub proc_root: Option<PathBuf>,

    /// Read `drbdsetup events2` lines (or `drbdsetup status --json`) from FILE instead of
    /// running drbdsetup.
    #[arg(long, value_name = "FILE", global = true, env = "DRNFS_EVENTS2_FILE")]
    pub events2_file: Option<PathBuf>,

    /// Read DRBD kernel-log lines (dmesg or journalctl -k output) from FILE instead of
    /// /dev/kmsg.
    #[arg(long, value_name = "FILE", global = true)]
    pub kernel_log_file: Option<PathBuf>,

    /// Read the DRBD configuration from FILE (`drbdadm dump all` output, or a .res file)
    /// instead of running `drbdadm dump all`.
    #[arg(long, value_name = "FILE", global = true)]
    pub drbd_config: Option<PathBuf>,

    /// The drbdadm program to run.
    #[arg(long, value_name = "PATH", global = true, default_value = "drbdadm", hide = true)]
    pub drbdadm: PathBuf,

    /// The drbdsetup program to run.
    #[arg(long, value_name = "PATH", global = true, default_value = "drbdsetup", hide = true)]
    pub drbdsetup: PathBuf,

    /// TCP port of the NFS server.
    #[arg(long, value_name = "PORT", global = true, default_value_t = 2049)]
    pub nfs_port: u16,

    /// The service address keepalived moves (repeatable). Default: the virtual_ipaddress
    /// entries of /etc/keepalived/keepalived.conf.
    #[arg(long = "vip", value_name = "ADDR", global = true)]
    pub vips: Vec<IpAddr>,
}

/// How the interactive view runs.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Live view and replay")]
pub struct ViewArgs {
    /// Seconds between samples of the proc files and sockets.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0, global = true)]
    pub interval: f64,

    /// Replay the recording bundled with drnfs: a real incident from the drnfs lab
    /// (resync, a client storm, split brain, recovery).
    #[arg(long, conflicts_with = "replay")]
    pub demo: bool,

    /// Replay a recording made with `drnfs record` (with an action: --dry-run against its
    /// state at --at seconds).
    #[arg(long, value_name = "FILE", global = true)]
    pub replay: Option<PathBuf>,

    /// The peer's recording of the same time (`drnfs record` on the other node): played
    /// beside --replay on the wall clock as the peer's state, in the view and for an
    /// action's --dry-run.
    #[arg(long, value_name = "FILE", global = true, requires = "replay")]
    pub peer_replay: Option<PathBuf>,

    /// Replay speed (0.25 to 30); `+` and `-` change it while playing.
    #[arg(long, value_name = "FACTOR")]
    pub speed: Option<f64>,

    /// Draw with ASCII only (the default when the locale is not UTF-8). NO_COLOR turns
    /// colours off.
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Show times in UTC instead of the local time zone (TZ, else /etc/localtime). JSON
    /// always carries RFC 3339 instants in UTC.
    #[arg(long, global = true)]
    pub utc: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every source once and print what this node looks like.
    ///
    /// Exits 0 when anything could be read (missing sources are reported, with why), and
    /// 2 when nothing could be read at all.
    #[command(after_help = "Examples:
  drnfs snapshot                          a summary of this node
  drnfs snapshot --json | jq .findings    findings for scripts
  drnfs snapshot --json --sample-seconds 5
                                          with ops/s and per-client bytes/s filled in
  drnfs snapshot --proc-root ./capture/proc --events2-file ./capture/events2.txt")]
    Snapshot(SnapshotArgs),

    /// Explain what is wrong, with evidence and the next step; exit 1 when anything is
    /// critical (for cron and monitoring).
    ///
    /// Exit codes: 0 nothing critical, 1 at least one critical finding, 2 nothing could be
    /// read.
    #[command(after_help = "Examples:
  drnfs doctor                            what is wrong, and what to do next
  drnfs doctor --sample-seconds 10        watch 10 s first (stalls, noisy clients)
  drnfs doctor --json                     for monitoring; exit 1 when critical
  drnfs doctor --replay incident.drnfs.gz --at 120
                                          the findings two minutes into a recording")]
    Doctor(DoctorArgs),

    /// Print the report as metrics (OpenMetrics text), or write them for node_exporter's
    /// textfile collector.
    ///
    /// DRBD roles and states as state sets, out-of-sync, resync progress, speed and ETA,
    /// replication traffic, split brain; nfsd calls, operations, bytes, threads and pool
    /// queueing; the busiest clients (the rest summed as client="other"); the write path;
    /// one series per active finding; drnfs_source_up for every source. With --textfile
    /// the file is written beside its final name and renamed, so a scrape never reads half.
    #[command(after_help = "Examples:
  drnfs metrics                            OpenMetrics text on stdout
  drnfs metrics --textfile /var/lib/prometheus/node-exporter --sample-seconds 5
                                           for a timer: node_exporter's textfile collector
  drnfs metrics --format prometheus --top-clients 20")]
    Metrics(MetricsArgs),

    /// Serve the metrics over HTTP for Prometheus (`/metrics`), from a live engine that
    /// samples every interval; a scrape renders the latest report and reads nothing.
    ///
    /// OpenMetrics when the scraper asks for it (Prometheus does), else the 0.0.4 text
    /// format. Runs until SIGTERM or Ctrl-C.
    #[command(after_help = "Examples:
  drnfs exporter                           on 0.0.0.0:9942, sampling every second
  drnfs exporter --listen 127.0.0.1:9942 --top-clients 20
  curl -s localhost:9942/metrics | grep drnfs_drbd_split_brain")]
    Exporter(ExporterArgs),

    /// Record every source over time into one file (attach it to a ticket; replay it with
    /// --replay). Stops on Ctrl-C, SIGTERM or after --duration.
    #[command(after_help = "Examples:
  drnfs record --out /tmp/incident.drnfs.gz --duration 600 --note \"ticket 4711\"
  drnfs --replay /tmp/incident.drnfs.gz   play it back (space pauses, . steps)")]
    Record(RecordArgs),

    /// Rank the NFS clients by the load they put on nfsd, every interval (for scripts).
    ///
    /// Each client address is one row (all its connections together): bytes/s in and out
    /// from the kernel's tcp_info, its share of all inbound bytes, its Recv-Q backlog, its
    /// NFSv4 name. The first ranking comes after two samples.
    #[command(after_help = "Examples:
  drnfs top-clients                       a ranking every second until Ctrl-C
  drnfs top-clients --interval 5 --count 3 --top 10
  drnfs top-clients --json --count 1 | jq '.clients[0]'
                                          the client loading nfsd most")]
    TopClients(TopClientsArgs),

    /// Make this node Primary and serve NFS (peer connected and Secondary).
    #[command(after_help = "Examples:
  drnfs promote r0 --dry-run              preflight and plan, nothing changed
  drnfs promote r0                        asks you to type the resource name")]
    Promote(ActionArgs),

    /// Stop serving NFS here and make this node Secondary.
    ///
    /// Refused when this node holds the only UpToDate copy (the peer is disconnected or
    /// not UpToDate), unless --force.
    #[command(after_help = "Examples:
  drnfs demote r0 --dry-run
  drnfs demote r0")]
    Demote(DemoteArgs),

    /// Planned failover: stop serving here, then promote and serve on the peer.
    #[command(after_help = "Examples:
  drnfs failover r0 --dry-run             would a failover be allowed now?
  drnfs failover r0                       stop here, promote and serve on the peer
  drnfs failover r0 --dry-run --replay incident.drnfs.gz --at 120
                                          would it have been allowed then?")]
    Failover(ActionArgs),

    /// The peer is gone: serve here without it.
    ///
    /// drnfs tries every path to the peer (ssh, DRBD's replication address, the management
    /// addresses of drnfs.toml, ARP for the VIP) and refuses if any answers. Silence is not
    /// death, so it also needs proof that the peer cannot write: a [fence] command in
    /// drnfs.toml (run first: the peer is powered off, then must stay silent), DRBD's own
    /// fencing (fencing resource-and-stonith, or its fence-peer handler having outdated or
    /// STONITHed the peer), or DRBD 9 quorum held here.
    #[command(after_help = "Examples:
  drnfs takeover r0 --dry-run              every path to the peer and the proof, nothing changed
  drnfs takeover r0                        fence (when configured), then serve here")]
    Takeover(TakeoverArgs),

    /// Guided split-brain recovery: the victim's changes since the split are discarded and
    /// it resyncs from the survivor.
    #[command(after_help = "Examples:
  drnfs recover-split-brain r0 --dry-run  both sides compared
  drnfs recover-split-brain r0 --victim nodeb")]
    RecoverSplitBrain(SplitBrainArgs),

    /// An action whose drnfs died (killed, lost SSH session): show it and continue or roll
    /// it back.
    #[command(after_help = "Examples:
  drnfs resume r0                         show the interrupted plan; continue it
  drnfs resume r0 --rollback              undo what it did instead")]
    Resume(ResumeArgs),

    /// keepalived vrrp_script: exit 0 only when this node serves NFS (read-only, fast).
    ///
    /// Exit codes: 0 serving, 1 not Primary, 2 not mounted, 3 nfsd down or exports missing,
    /// 4 DRBD degraded, 5 both nodes Primary, 6 hold set, 10 unreadable (DRBD not loaded, a
    /// source or the configuration that cannot be read).
    #[command(after_help = "Examples (keepalived.conf):
  vrrp_script chk_r0 {
      script \"/usr/bin/drnfs check --resource r0\"
      interval 2
      weight 50
  }")]
    Check(CheckArgs),

    /// keepalived vrrp_notify_fifo reader: log every VRRP transition and what it means;
    /// never touches storage.
    #[command(after_help = "Examples (keepalived.conf, global_defs):
  vrrp_notify_fifo /run/drnfs/vrrp.fifo
  vrrp_notify_fifo_script \"/usr/bin/drnfs notify\"")]
    Notify(NotifyArgs),

    /// Validate the drnfs configuration.
    #[command(subcommand)]
    Config(ConfigCommand),

    /// The peer's side of an action (run over ssh by drnfs itself).
    #[command(hide = true)]
    Agent,

    /// Tools for capturing fixtures and debugging drnfs itself.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    /// The DRBD resource, as configured in drnfs.toml.
    pub resource: String,

    /// Show the preflight checks and the plan; change nothing. Works on recorded state
    /// too (--proc-root/--events2-file, or --replay FILE --at SECONDS).
    #[arg(long)]
    pub dry_run: bool,

    /// The confirmation phrase, for non-interactive use (it is recorded as typed).
    #[arg(long, value_name = "PHRASE")]
    pub confirm: Option<String>,

    /// Seconds into the --replay recording to take the state from (dry runs).
    #[arg(long, value_name = "SECONDS", requires = "replay")]
    pub at: Option<f64>,

    /// The peer's state from a file (its `drnfs snapshot --json`) instead of over ssh
    /// (dry runs on captures).
    #[arg(long, value_name = "FILE")]
    pub peer_snapshot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoteArgs {
    #[command(flatten)]
    pub action: ActionArgs,

    /// Demote even when this node holds the only UpToDate copy.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct TakeoverArgs {
    #[command(flatten)]
    pub action: ActionArgs,

    /// Take over with no proof that the peer cannot write (no fence, no DRBD fencing, no
    /// quorum): if it still writes, the data splits. Asks for a phrase that says so, and
    /// the audit log records it.
    #[arg(long)]
    pub no_fencing_i_accept_split_brain: bool,

    /// Accept Consistent or Outdated local data (the peer's last writes may be lost).
    #[arg(long)]
    pub accept_stale_data: bool,

    /// `drbdadm primary --force` when DRBD refuses (no fencing answer). Only with proof
    /// that the peer cannot write, or --no-fencing-i-accept-split-brain.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SplitBrainArgs {
    #[command(flatten)]
    pub action: ActionArgs,

    /// The node whose changes since the split are discarded.
    #[arg(long, value_name = "NODE")]
    pub victim: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The resource whose interrupted action to show and continue (its journal is in
    /// journal_dir of drnfs.toml).
    pub resource: String,
    /// Undo the steps the interrupted action did, instead of continuing it.
    #[arg(long)]
    pub rollback: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The resource (default: the only one configured, or any DRBD minor without a
    /// configuration).
    #[arg(long)]
    pub resource: Option<String>,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The FIFO keepalived writes (keepalived passes it as the argument); default stdin.
    pub fifo: Option<PathBuf>,

    /// Where the last transition is kept for other tools.
    #[arg(long, default_value = "/run/drnfs/vrrp-state.json")]
    pub state_file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Parse and validate drnfs.toml; print the resources it configures.
    #[command(after_help = "Examples:\n  drnfs config check\n  drnfs --config ./drnfs.toml config check")]
    Check,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Print one JSON document (schema: docs/snapshot.schema.json) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Take two samples this many seconds apart, so rates (ops/s, bytes/s per client) are
    /// filled in.
    #[arg(long, value_name = "SECONDS", conflicts_with = "replay")]
    pub sample_seconds: Option<f64>,

    /// With --replay: the state this many seconds into the recording (default: its end).
    #[arg(long, value_name = "SECONDS", requires = "replay")]
    pub at: Option<f64>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the findings as a JSON array.
    #[arg(long)]
    pub json: bool,

    /// Watch for this many seconds first (rates, stalls and noisy clients need it).
    #[arg(long, value_name = "SECONDS", conflicts_with = "replay")]
    pub sample_seconds: Option<f64>,

    /// With --replay: the findings this many seconds into the recording (default: its end).
    #[arg(long, value_name = "SECONDS", requires = "replay")]
    pub at: Option<f64>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Write DIR/drnfs.prom (Prometheus text format, as the textfile collector reads it)
    /// instead of printing.
    #[arg(long, value_name = "DIR")]
    pub textfile: Option<std::path::PathBuf>,

    /// The text format on stdout.
    #[arg(long, value_enum, default_value = "openmetrics")]
    pub format: MetricsFormat,

    /// Clients with a series of their own (busiest first); the rest are summed.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top_clients: usize,

    /// Watch for this many seconds first (rates and client figures need two samples).
    #[arg(long, value_name = "SECONDS", conflicts_with = "replay")]
    pub sample_seconds: Option<f64>,

    /// With --replay: the state this many seconds into the recording (default: its end).
    #[arg(long, value_name = "SECONDS", requires = "replay")]
    pub at: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ExporterArgs {
    /// Address and port to serve on (port 0: any free one, printed on stderr).
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:9942")]
    pub listen: std::net::SocketAddr,

    /// Clients with a series of their own (busiest first); the rest are summed.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top_clients: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MetricsFormat {
    /// OpenMetrics 1.0 (state sets, units, `# EOF`).
    Openmetrics,
    /// Prometheus text format 0.0.4.
    Prometheus,
}

#[derive(Debug, Args)]
pub struct TopClientsArgs {
    /// Print this many rankings, then exit (default: until interrupted).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,

    /// Show at most this many clients per ranking.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// One JSON object per ranking, one per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The recording file; gzip-compressed when it ends in .gz.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,

    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,

    /// A note stored in the recording's header.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the man page (roff) generated from this command line definition.
    Man,
    /// Print shell completions for SHELL (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Dump TCP sockets with a local port over netlink sock_diag and print them; with
    /// --raw-out, also write the kernel's reply bytes (a fixture for the decoder).
    SockDiag {
        #[arg(long, default_value_t = 2049)]
        port: u16,
        #[arg(long, value_name = "FILE")]
        raw_out: Option<PathBuf>,
    },
}

/// The recording `drnfs --demo` plays, made in the drnfs lab with `drnfs record`.
#[cfg(drnfs_demo)]
pub const DEMO_RECORDING: Option<&[u8]> = Some(include_bytes!("../fixtures/demo/lab-incident.drnfs.gz"));
#[cfg(not(drnfs_demo))]
pub const DEMO_RECORDING: Option<&[u8]> = None;
/// The peer's (nodeb's) recording of the same incident, which the demo plays beside.
#[cfg(drnfs_demo_peer)]
pub const DEMO_PEER_RECORDING: Option<&[u8]> = Some(include_bytes!("../fixtures/demo/lab-incident-nodeb.drnfs.gz"));
#[cfg(not(drnfs_demo_peer))]
pub const DEMO_PEER_RECORDING: Option<&[u8]> = None;

impl SourceArgs {
    /// Reading this machine (no --proc-root).
    pub fn live(&self) -> bool {
        self.proc_root.is_none()
    }

    /// The one source configuration every mode of the engine starts from. The peer is
    /// asked only by a view of this machine whose drnfs.toml names one.
    pub fn config(&self) -> SourceConfig {
        let live = self.live();
        SourceConfig {
            proc_root: self.proc_root.clone().unwrap_or_else(|| PathBuf::from("/proc")),
            live,
            events2_file: self.events2_file.clone(),
            kernel_log_file: self.kernel_log_file.clone(),
            drbd_config: self.drbd_config.clone(),
            drbdadm: self.drbdadm.clone(),
            drbdsetup: self.drbdsetup.clone(),
            nfs_port: self.nfs_port,
            vips: self.vips.clone(),
            peer: live
                .then(|| crate::config::Config::load(&self.config).ok())
                .flatten()
                .and_then(|c| c.peer)
                .map(|p| PeerSource::new(&p)),
        }
    }
}

pub fn dispatch(mut cli: Cli) -> anyhow::Result<ExitCode> {
    let interval = Duration::from_secs_f64(cli.view.interval.clamp(0.1, 3600.0));
    let destination = crate::logging::destination(cli.log.log_file.as_deref(), cli.command.is_none());
    if let Err(e) = crate::logging::init(cli.log.verbose, &destination) {
        // Not fatal: the tool is worth more without its log than not at all.
        eprintln!("drnfs: {e}; continuing without a log");
    }
    tracing::info!(version = env!("DRNFS_VERSION"), log = %destination, "drnfs started");
    crate::clock::show_local_time(!cli.view.utc);
    match cli.command.take() {
        Some(Command::Snapshot(args)) => snapshot(&cli.sources, cli.view.replay.as_deref(), &args),
        Some(Command::Doctor(args)) => doctor(&cli.sources, cli.view.replay.as_deref(), &args),
        Some(Command::Metrics(args)) => metrics(&cli.sources, cli.view.replay.as_deref(), &args),
        Some(Command::Exporter(args)) => exporter(&cli.sources, &args, interval),
        Some(Command::Record(args)) => record(&cli.sources, &args, interval),
        Some(Command::TopClients(args)) => top_clients(&cli.sources, &args, interval),
        Some(Command::Promote(a)) => action(&cli, ActionKind::Promote, &a, Flags::default(), None),
        Some(Command::Demote(d)) => {
            let flags = Flags { force: d.force, ..Flags::default() };
            action(&cli, ActionKind::Demote, &d.action, flags, None)
        }
        Some(Command::Failover(a)) => action(&cli, ActionKind::Failover, &a, Flags::default(), None),
        Some(Command::Takeover(t)) => {
            let flags = Flags {
                force: t.force,
                accept_stale: t.accept_stale_data,
                no_fencing_accepted: t.no_fencing_i_accept_split_brain,
            };
            action(&cli, ActionKind::Takeover, &t.action, flags, None)
        }
        Some(Command::RecoverSplitBrain(s)) => {
            action(&cli, ActionKind::RecoverSplitBrain, &s.action, Flags::default(), s.victim.clone())
        }
        Some(Command::Resume(r)) => {
            let sources = cli.sources.config();
            let snap = move || oneshot::take(&sources, None);
            let ending =
                crate::action::resume(&cli.sources.config, &r.resource, r.rollback, snap, &mut std::io::stdout())?;
            Ok(ExitCode::from(ending.exit_code()))
        }
        Some(Command::Check(c)) => {
            // What cannot be judged is 10, unreadable: never a code that names a state of
            // the node (2 is "not mounted").
            let unreadable = |name: &str, why: String| {
                println!("{} {name}: {why}", crate::keepalived::check::Verdict::Unreadable.code());
                Ok(ExitCode::from(crate::keepalived::check::Verdict::Unreadable.code()))
            };
            let loaded = crate::config::Config::load(&cli.sources.config);
            let resource = match (&loaded, &c.resource) {
                (Ok(cfg), Some(name)) => match cfg.resource(name) {
                    Ok(r) => Some(r.clone()),
                    Err(e) => return unreadable(name, format!("{e:#}")),
                },
                (Ok(cfg), None) if cfg.resources.len() == 1 => Some(cfg.resources[0].clone()),
                (Err(e), Some(name)) => {
                    return unreadable(
                        name,
                        format!("--resource needs the drnfs configuration ({}): {e:#}", cli.sources.config.display()),
                    );
                }
                _ => None,
            };
            let config = loaded.ok();
            let res = crate::keepalived::check::check(
                &cli.sources.config().proc(),
                config.as_ref(),
                resource.as_ref(),
                &cli.sources.drbdsetup,
            );
            let name = resource.as_ref().map_or("drbd", |r| r.name.as_str());
            if cli.sources.live() {
                crate::keepalived::check::log_change(std::path::Path::new("/run/drnfs"), name, &res);
            }
            println!("{} {name}: {}", res.verdict.code(), res.reason);
            Ok(ExitCode::from(res.verdict.code()))
        }
        Some(Command::Notify(n)) => {
            let config = crate::config::Config::load(&cli.sources.config).ok();
            let sources = cli.sources.config();
            crate::keepalived::notify::run(n.fifo.as_deref(), &n.state_file, || {
                let r = config.as_ref().and_then(|c| c.resources.first());
                crate::keepalived::check::check(&sources.proc(), config.as_ref(), r, &sources.drbdsetup).verdict
                    == crate::keepalived::check::Verdict::Serving
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config(ConfigCommand::Check)) => {
            let c = crate::config::Config::load(&cli.sources.config)?;
            println!("{}: ok", cli.sources.config.display());
            if let Some(p) = &c.peer {
                println!("  peer {} (ssh {})", p.name, p.destination());
            }
            for r in &c.resources {
                println!(
                    "  resource {}: {} on {} ({}), NFS {} , exports [{}], VIP [{}]",
                    r.name,
                    r.device.display(),
                    r.mount_point.display(),
                    r.fstype,
                    r.nfs_service,
                    r.exports.iter().map(|e| e.display().to_string()).collect::<Vec<_>>().join(" "),
                    r.vip.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Agent) => {
            let config = crate::config::Config::load(&cli.sources.config)?;
            let sources = cli.sources.config();
            crate::action::agent::serve(&config, || oneshot::take(&sources, None))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Debug(DebugCommand::Man)) => {
            to_stdout(|out| man_page(out))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Debug(DebugCommand::Completions { shell })) => {
            to_stdout(|out| {
                completions(shell, out);
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Debug(DebugCommand::SockDiag { port, raw_out })) => {
            let dump = crate::source::sock_diag::dump_port(
                port,
                if raw_out.is_some() {
                    crate::source::sock_diag::Keep::Both
                } else {
                    crate::source::sock_diag::Keep::Sockets
                },
            )?;
            if let Some(path) = raw_out {
                std::fs::write(&path, &dump.raw)?;
            }
            to_stdout(|out| {
                for s in &dump.sockets {
                    let info = s.info.as_ref();
                    writeln!(
                        out,
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
                    )?;
                }
                Ok(())
            })?;
            for p in &dump.problems {
                eprintln!("drnfs: {p}");
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let theme = tui::theme(cli.view.ascii);
            let sources = cli.sources.config();
            if cli.view.demo || cli.view.replay.is_some() {
                let (recording, peer, name) = match &cli.view.replay {
                    Some(path) => {
                        let peer = cli.view.peer_replay.as_deref().map(Recording::open).transpose()?;
                        (Recording::open(path)?, peer, path.display().to_string())
                    }
                    None => {
                        let bytes = DEMO_RECORDING.ok_or_else(|| {
                            anyhow::anyhow!("this drnfs was built without the demo recording (fixtures/demo/)")
                        })?;
                        let peer = DEMO_PEER_RECORDING.map(Recording::from_bytes).transpose()?;
                        (Recording::from_bytes(bytes)?, peer, "demo".to_owned())
                    }
                };
                let speed = cli.view.speed.unwrap_or(if cli.view.demo { 4.0 } else { 1.0 }).clamp(0.25, 30.0);
                let vips = if sources.vips.is_empty() { recording.header.vips.clone() } else { sources.vips.clone() };
                // The demo opens on the pair serving NFS; a recording of one's own from its start.
                let feed = Feed::Replay {
                    recording: Box::new(recording),
                    peer: peer.map(Box::new),
                    speed,
                    open_serving: cli.view.demo,
                };
                return run_tui(tui::TuiOptions {
                    feed,
                    name,
                    theme,
                    vips,
                    config: cli.sources.config.clone(),
                    live: None,
                });
            }
            let (feed, live) = if sources.live {
                (Feed::Live(sources.live_options(interval)), Some(sources.clone()))
            } else {
                (Feed::Capture(sources.live_options(interval)), None)
            };
            let name = sources.proc_root.display().to_string();
            run_tui(tui::TuiOptions {
                feed,
                name,
                theme,
                vips: sources.vips(),
                config: cli.sources.config.clone(),
                live,
            })
        }
    }
}

fn run_tui(opts: tui::TuiOptions) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!("the interactive view needs a terminal; for scripts use `drnfs snapshot --json`");
    }
    tui::run(opts)?;
    Ok(ExitCode::SUCCESS)
}

/// The report a one-shot command prints: of a recording at a moment (`--replay FILE --at
/// SECONDS`), else of this host (or the capture the source flags name) now.
fn one_report(
    sources: &SourceArgs,
    replay: Option<&std::path::Path>,
    at: Option<f64>,
    sample_seconds: Option<f64>,
) -> anyhow::Result<crate::engine::Report> {
    let sources = sources.config();
    let Some(path) = replay else { return oneshot::take(&sources, sample_seconds) };
    let rec = Recording::open(path)?;
    let at = at.unwrap_or(f64::MAX);
    crate::engine::replay::report_at(&rec, at, &sources.vips).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: no sample {}",
            path.display(),
            if at == f64::MAX { "at all".to_owned() } else { format!("before {at} s") }
        )
    })
}

/// `drnfs snapshot`: one sample (or two, for rates) through the same engine the TUI uses.
fn snapshot(sources: &SourceArgs, replay: Option<&std::path::Path>, args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    let snapshot = one_report(sources, replay, args.at, args.sample_seconds)?;
    if to_stdout(
        |out| if args.json { report::json::write(out, &snapshot) } else { report::text::write(out, &snapshot) },
    )? == Written::PipeClosed
    {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(code) = nothing_readable(&snapshot) {
        return Ok(code);
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit 2 when not one source could be read, saying which and why (snapshot, doctor and
/// metrics print what they have first).
fn nothing_readable(report: &crate::engine::Report) -> Option<ExitCode> {
    report.nothing_readable().then(|| {
        eprintln!("drnfs: nothing could be read: {}", report.unavailable_reasons().join("; "));
        ExitCode::from(2)
    })
}

/// `drnfs doctor`: the findings; exit 1 when any is critical.
fn doctor(sources: &SourceArgs, replay: Option<&std::path::Path>, args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let snapshot = one_report(sources, replay, args.at, args.sample_seconds)?;
    to_stdout(|out| {
        if args.json {
            serde_json::to_writer_pretty(&mut *out, &snapshot.findings).map_err(std::io::Error::from)?;
            writeln!(out)
        } else {
            report::doctor::write(out, &snapshot)
        }
    })?;
    if let Some(code) = nothing_readable(&snapshot) {
        return Ok(code);
    }
    let critical = snapshot.findings.iter().any(|f| f.severity == crate::diagnose::Severity::Critical);
    Ok(if critical { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `drnfs metrics`: the report as metrics, on stdout or into the textfile collector's
/// directory (written to a temporary name there and renamed: a scrape reads the old file
/// or the new one, never half of one).
fn metrics(sources: &SourceArgs, replay: Option<&std::path::Path>, args: &MetricsArgs) -> anyhow::Result<ExitCode> {
    use report::metrics::{Format, Options};
    let snapshot = one_report(sources, replay, args.at, args.sample_seconds)?;
    let format = if args.textfile.is_some() || args.format == MetricsFormat::Prometheus {
        Format::Prometheus
    } else {
        Format::OpenMetrics
    };
    let text = report::metrics::render(&snapshot, &Options { format, top_clients: args.top_clients });
    match &args.textfile {
        None => {
            to_stdout(|out| out.write_all(text.as_bytes()))?;
        }
        Some(dir) => {
            let target = dir.join("drnfs.prom");
            let temporary = dir.join(format!(".drnfs.prom.{}", std::process::id()));
            let written = std::fs::write(&temporary, &text).and_then(|()| std::fs::rename(&temporary, &target));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&temporary);
                anyhow::bail!("cannot write {}: {e}", target.display());
            }
        }
    }
    if let Some(code) = nothing_readable(&snapshot) {
        return Ok(code);
    }
    Ok(ExitCode::SUCCESS)
}

/// `drnfs exporter`: the live engine behind an HTTP endpoint, until SIGTERM or Ctrl-C.
fn exporter(sources: &SourceArgs, args: &ExporterArgs, interval: Duration) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let sources = sources.config();
        let mut opts = sources.live_options(interval);
        // The peer exports its own metrics; asking it over ssh here would only add a wait.
        opts.peer = None;
        let feed = if sources.live { Feed::Live(opts) } else { Feed::Capture(opts) };
        let listener = crate::exporter::bind(args.listen).await?;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let shutdown = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        crate::exporter::serve(listener, feed, sources.vips(), args.top_clients, shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The man page: drnfs(1) with every subcommand's options folded in.
/// Shell completions generated from the same definition as `--help`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "drnfs", out);
}

/// The man page, drnfs(1), generated from the command-line definition.
pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // The package version, not the git revision: the page is committed and packaged, and
    // must not change with every commit.
    let mut cmd = <Cli as clap::CommandFactory>::command().version(env!("CARGO_PKG_VERSION"));
    // Propagates the global options into each subcommand, which is rendered on its own.
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone()).date("2026-11-25");
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    // Each subcommand, as a section of its own.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        writeln!(out, ".SH \"{}\"", format!("drnfs {}", sub.get_name()).to_uppercase())?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(format!("drnfs {}", sub.get_name())));
        let mut buf = Vec::new();
        sub_man.render_synopsis_section(&mut buf)?;
        sub_man.render_description_section(&mut buf)?;
        sub_man.render_options_section(&mut buf)?;
        // Nested sections become sub-sections.
        let text = String::from_utf8_lossy(&buf).replace(".SH ", ".SS ");
        out.write_all(text.as_bytes())?;
    }
    man.render_extra_section(out)?;
    man.render_version_section(out)?;
    writeln!(
        out,
        ".SH EXIT STATUS\n.TP\n0\nsuccess (snapshot: something could be read; doctor: nothing critical; actions: done, or the dry run would be allowed)\n.TP\n1\ndoctor: at least one critical finding\n.TP\n2\nnothing could be read, or a usage or configuration error\n.TP\n3\nactions: refused by preflight (or the dry run would be refused)\n.TP\n4\nactions: not confirmed\n.TP\n5\nactions: a step failed and everything done was rolled back\n.TP\n6\nactions: a step failed and the rollback failed too: look now\n.TP\n7\nactions: stopped safe: a step on the peer has an unknown outcome and the peer could not be shown Secondary; this node stays Secondary and unmounted (drnfs resume)\n.PP\n\\fBdrnfs check\\fR has its own codes, listed in its section above."
    )?;
    writeln!(
        out,
        ".SH ENVIRONMENT\n.TP\nDRNFS_CONFIG\nthe configuration file (as --config)\n.TP\nDRNFS_LOG\na log filter, e.g. drnfs=debug (overrides -v)\n.TP\nDRNFS_LOG_FILE\nthe log file (as --log-file)\n.TP\nNO_COLOR\nwhen set, no colours\n.TP\nLANG, LC_ALL\nwithout a UTF-8 locale the view draws with ASCII"
    )?;
    writeln!(
        out,
        ".SH FILES\n.TP\n/etc/drnfs.toml\nresources, mount points, NFS units, VIP and peer for actions\n.TP\n/var/log/drnfs/audit.jsonl\nthe audit log of every action (mode 0600)\n.TP\n/var/lib/drnfs/actions/\njournals of actions in progress\n.TP\n/run/drnfs/RESOURCE.hold\nthe keepalived hold file"
    )?;
    writeln!(out, ".SH SEE ALSO\ndrbdadm(8), drbdsetup(8), exportfs(8), nfsstat(8), keepalived.conf(5)")
}

/// The flags some actions take beyond [`ActionArgs`].
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    force: bool,
    accept_stale: bool,
    no_fencing_accepted: bool,
}

/// Runs an action (or its dry run) from the command line.
fn action(
    cli: &Cli,
    kind: ActionKind,
    a: &ActionArgs,
    flags: Flags,
    victim: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut ask = crate::action::Ask {
        kind,
        resource: a.resource.clone(),
        config_path: cli.sources.config.clone(),
        dry_run: a.dry_run,
        confirm: a.confirm.clone(),
        no_fencing_accepted: flags.no_fencing_accepted,
        accept_stale: flags.accept_stale,
        force: flags.force,
        victim,
        recorded: !cli.sources.live() || cli.view.replay.is_some(),
        peer_snapshot: match &a.peer_snapshot {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
                let report = serde_json::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: not a drnfs snapshot --json document: {e}", p.display()))?;
                Some((p.display().to_string(), report))
            }
            None => None,
        },
    };
    if !a.dry_run && (!cli.sources.live() || cli.view.replay.is_some() || a.peer_snapshot.is_some()) {
        anyhow::bail!("recorded state (--proc-root, --events2-file, --replay, --peer-snapshot) is for --dry-run only");
    }
    let sources = cli.sources.config();
    let recorded = match (&cli.view.replay, a.at) {
        (Some(path), at) => {
            let rec = Recording::open(path)?;
            let at = at.unwrap_or(f64::MAX);
            // The peer's recording, at the same wall-clock moment (a --peer-snapshot wins).
            if let (Some(peer_path), None) = (&cli.view.peer_replay, &ask.peer_snapshot) {
                let peer = crate::engine::replay::peer_report_at(&rec, Recording::open(peer_path)?, at)
                    .ok_or_else(|| anyhow::anyhow!("{}: no sample by then", peer_path.display()))?;
                let name = format!("{} (recording of {})", peer_path.display(), peer.name);
                if let Some(Ok(report)) = peer.answer {
                    ask.peer_snapshot = Some((name, *report));
                }
            }
            Some(
                crate::engine::replay::report_at(&rec, at, &sources.vips)
                    .ok_or_else(|| anyhow::anyhow!("{}: no sample before {at} s", path.display()))?,
            )
        }
        _ => None,
    };
    let snap = move || match &recorded {
        Some(r) => Ok(r.clone()),
        None => oneshot::take(&sources, None),
    };
    let ending = crate::action::run(&ask, snap, &mut std::io::stdout(), crate::action::prompt_tty)?;
    Ok(ExitCode::from(ending.exit_code()))
}

/// `drnfs top-clients`: sample, rank, print, every interval.
fn top_clients(sources: &SourceArgs, args: &TopClientsArgs, interval: Duration) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let sources = sources.config();
    let proc = sources.proc();
    let mut engine = Engine::new(sources.vips());
    let mut printed = 0u64;
    let mut next = Instant::now();
    loop {
        // Clients only: DRBD's replication sockets are not asked for.
        for i in live::sample_blocking(&proc, sources.live, sources.nfs_port, None, start) {
            engine.apply(i);
        }
        if engine.model().nfsd_rates.is_some()
            && let Some(report) = engine.report()
        {
            if to_stdout(|out| report::top_clients::write(out, &report, args.top, args.json))? == Written::PipeClosed {
                return Ok(ExitCode::SUCCESS);
            }
            printed += 1;
            if args.count.is_some_and(|c| printed >= c) {
                return Ok(ExitCode::SUCCESS);
            }
        }
        next += interval;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

/// `drnfs record`: the live collectors, written to a file until stopped.
fn record(sources: &SourceArgs, args: &RecordArgs, interval: Duration) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let file = std::fs::File::create(&args.out).map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
        let out: Box<dyn std::io::Write> = if args.out.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()))
        } else {
            Box::new(std::io::BufWriter::new(file))
        };
        let sources = sources.config();
        let mut opts = sources.live_options(interval);
        // A recording is one node's; the peer records itself.
        opts.peer = None;
        let hostname = std::fs::read_to_string(opts.proc.path("sys/kernel/hostname")).ok().map(|h| h.trim().to_owned());
        let header = recording::Header {
            format: recording::FORMAT.to_owned(),
            version: recording::VERSION,
            drnfs_version: env!("DRNFS_VERSION").to_owned(),
            hostname,
            started_at: crate::clock::now(),
            interval_ms: interval.as_millis() as u64,
            vips: sources.vips(),
            proc_root: opts.proc.root().display().to_string(),
            note: args.note.clone(),
        };
        let mut writer = recording::Writer::new(out, &header)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Input>(4096);
        live::spawn(opts, tx, Instant::now());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let deadline = args.duration.map(|d| tokio::time::Instant::now() + Duration::from_secs_f64(d.max(0.0)));
        eprintln!("drnfs: recording to {} (Ctrl-C to stop)", args.out.display());
        loop {
            tokio::select! {
                input = rx.recv() => match input {
                    Some(i) => writer.write(&i)?,
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
                _ = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => break,
            }
        }
        // Whatever was already collected goes in too.
        while let Ok(i) = rx.try_recv() {
            writer.write(&i)?;
        }
        let records = writer.records;
        writer.flush()?;
        drop(writer.into_inner());
        eprintln!("drnfs: wrote {records} records to {}", args.out.display());
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn actions_parse() {
        let c =
            Cli::try_parse_from(["drnfs", "failover", "r0", "--dry-run", "--replay", "x.gz", "--at", "12"]).unwrap();
        assert!(matches!(c.command, Some(Command::Failover(ActionArgs { dry_run: true, at: Some(12.0), .. }))));
        assert!(Cli::try_parse_from(["drnfs", "promote", "r0", "--at", "1"]).is_err(), "--at needs --replay");
        assert!(Cli::try_parse_from(["drnfs", "doctor", "--replay", "x.gz", "--at", "60"]).is_ok());
        assert!(Cli::try_parse_from(["drnfs", "snapshot", "--json", "--replay", "x.gz", "--at", "60"]).is_ok());
        assert!(Cli::try_parse_from(["drnfs", "doctor", "--at", "60"]).is_err(), "--at needs --replay");
        assert!(Cli::try_parse_from(["drnfs", "--demo", "--replay", "x"]).is_err());
    }
}

/// How an output to stdout ended.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    All,
    /// The reader went away (`drnfs snapshot --json | head`): not an error.
    PipeClosed,
}

/// Every output goes to stdout through one buffer, flushed once: Rust's stdout is
/// line-buffered, which made one write(2) per line — 142,667 of them for the JSON of
/// 9,000 clients, nine tenths of the command's time.
fn to_stdout(
    write: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
) -> std::io::Result<Written> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(Written::All),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Written::PipeClosed),
        Err(e) => Err(e),
    }
}
