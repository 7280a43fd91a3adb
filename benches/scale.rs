//! The scale harness behind the README's performance figures: what needs real sockets,
//! processes or a terminal, measured side by side with the tool a user would otherwise run
//! (`ss`, `cat`), on the same machine in the same run.
//!
//! Run it with `cargo bench --bench scale` (as root: it raises the open-file limit and binds
//! port 2049 on 127.0.0.1). Pick parts with
//! `DRNFS_BENCH=events2,sockets,tick,scrape,startup,check,snapshot,soak` (default: all); `DRNFS_BENCH_CONNECTIONS` changes the 10,000 connections.
//! `cargo bench --bench scale -- --input FILE` takes the events2 stream from FILE instead of
//! generating one, so that the same bytes can be fed to another tool.
//!
//! Every figure is the median of several runs; CPU time comes from `getrusage`/`wait4`.
#![allow(unsafe_code)] // setrlimit, openpty, wait4, and a counting allocator: test harness only

#[path = "support/events2_stream.rs"]
mod events2_stream;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use drnfs::model::{ChildStatus, Input, Model};
use drnfs::source::ProcRoot;
use drnfs::source::proc_files::FileSet;
use drnfs::tui::app::{App, Mode};
use drnfs::tui::theme::Theme;
use drnfs_parsers::events2::Events2State;
use drnfs_parsers::timestamp::Timestamp;

/// Counts live heap bytes, so the model's memory is a measured number.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}
#[global_allocator]
static ALLOC: Counting = Counting;

const NFS_PORT: u16 = 2049;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(args[2].parse().expect("connection count"));
        return;
    }
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing we use: only run
    // when asked to benchmark, so the test suite stays fast.
    if !args.iter().any(|a| a == "--bench") {
        println!("scale harness: run with `cargo bench --bench scale`");
        return;
    }
    let parts = std::env::var("DRNFS_BENCH")
        .unwrap_or_else(|_| "events2,sockets,tick,scrape,startup,check,snapshot,soak".into());
    let want = |p: &str| parts.split(',').any(|x| x.trim() == p);
    let connections: usize =
        std::env::var("DRNFS_BENCH_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    println!("machine: {}", machine());
    if want("events2") {
        let input = args.iter().position(|a| a == "--input").and_then(|i| args.get(i + 1)).map(PathBuf::from);
        events2(input.as_deref());
    }
    let mut load = None;
    if want("sockets") || want("tick") || want("scrape") {
        match Load::open(connections) {
            Ok(l) => load = Some(l),
            Err(e) => println!("sockets: cannot open {connections} connections: {e}"),
        }
    }
    if let Some(l) = &load {
        if want("sockets") {
            sockets(l);
        }
        if want("tick") {
            tick(l);
        }
        if want("scrape") {
            scrape(l);
        }
    }
    drop(load);
    if want("startup") {
        startup();
    }
    if want("check") {
        check();
    }
    if want("snapshot") {
        snapshot();
    }
    if want("soak") {
        soak();
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{} CPUs ({cpu}), kernel {}", std::thread::available_parallelism().map_or(0, |n| n.get()), kernel.trim())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

fn ms(d: f64) -> String {
    format!("{:.2} ms", d * 1e3)
}

/// CPU seconds (user + system) this thread has used.
fn thread_cpu() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// What a finished child cost.
struct ChildCost {
    wall: f64,
    cpu: f64,
    max_rss_kib: i64,
    stdout: Vec<u8>,
    status: i32,
}

/// Runs `cmd` to completion, reading its output, and returns wall time, CPU and peak RSS.
#[allow(clippy::zombie_processes, reason = "wait4 reaps it, which clippy cannot see")]
fn run_measured(cmd: &mut Command) -> ChildCost {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    // Peak RSS from the child's own VmHWM, polled while it runs: rusage's ru_maxrss
    // keeps the high-water mark of the (v)forked parent across exec, so it would report
    // this harness's memory, not drnfs's.
    let status_path = format!("/proc/{}/status", child.id());
    let hwm = std::thread::spawn(move || {
        let mut peak = 0_i64;
        while let Ok(text) = std::fs::read_to_string(&status_path) {
            let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<i64>().ok())
            else {
                break; // a zombie: its memory is gone
            };
            peak = peak.max(kib);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        peak
    });
    let mut stdout = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut stdout).unwrap();
    let (status, ru) = wait4(&child);
    ChildCost {
        wall: start.elapsed().as_secs_f64(),
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        max_rss_kib: hwm.join().unwrap_or(0),
        stdout,
        status,
    }
}

fn wait4(child: &Child) -> (i32, libc::rusage) {
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    (status, ru)
}

fn drnfs_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_drnfs"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

// ---------------------------------------------------------------------------------------
// events2: parse + merge throughput and the model's memory

fn events2(input: Option<&Path>) {
    let resources = 1000;
    let (text, out) = match input {
        Some(path) => {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("--input {}: {e}", path.display()));
            println!("events2: {} lines read from {}", text.lines().count(), path.display());
            (text, path.to_owned())
        }
        None => {
            let text = events2_stream::stream(resources, 100);
            let out = std::env::var("DRNFS_BENCH_EVENTS2_OUT")
                .map(PathBuf::from)
                .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/events2-1000x2x2.txt"));
            if let Some(dir) = out.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            std::fs::write(&out, &text).expect("write the stream");
            println!(
                "events2: {} lines ({} resources x {} peers x {} volumes), written to {} for side-by-side runs",
                text.lines().count(),
                resources,
                events2_stream::PEERS,
                events2_stream::VOLUMES,
                out.display()
            );
            (text, out)
        }
    };
    let stamped = events2_stream::with_timestamps(&text);
    let lines = text.lines().count();
    let mut parse_only = Vec::new();
    let mut merge = Vec::new();
    let mut merge_stamped = Vec::new();
    let mut changes = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut n = 0usize;
        for line in text.lines() {
            if drnfs_parsers::events2::parse_line(line).is_ok() {
                n += 1;
            }
        }
        assert_eq!(n, lines, "every line parses");
        parse_only.push(t.elapsed().as_secs_f64());
        for (input, sink) in [(&text, &mut merge), (&stamped, &mut merge_stamped)] {
            let t = Instant::now();
            let mut state = Events2State::new();
            for line in input.lines() {
                changes.clear();
                state.apply_line(line, &mut changes).expect("applies");
            }
            sink.push(t.elapsed().as_secs_f64());
            std::hint::black_box(&state);
        }
    }
    let rate = |v: &Vec<f64>| lines as f64 / median(v.clone());
    println!("events2: parse only        {:>10.0} lines/s", rate(&parse_only));
    println!("events2: parse + merge     {:>10.0} lines/s", rate(&merge));
    println!("events2: same, --timestamps {:>9.0} lines/s", rate(&merge_stamped));

    // Memory: the merged state of all 1000 resources, and the whole drnfs model fed the
    // same stream (with its bounded timeline and history).
    let before = LIVE.load(Ordering::Relaxed);
    let mut state = Events2State::new();
    for line in text.lines() {
        changes.clear();
        let _ = state.apply_line(line, &mut changes);
    }
    let state_bytes = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    drop(state);
    let before = LIVE.load(Ordering::Relaxed);
    let mut model = Model::new();
    let wall = Timestamp::parse_rfc3339("2026-11-25T14:00:00Z").unwrap();
    model.apply(Input::Events2Status { at: 0.0, status: ChildStatus::Running { source: "bench".into() } });
    for (i, line) in text.lines().enumerate() {
        model.apply(Input::Events2Line { at: (i / 4000) as f64, wall, line: line.to_owned() });
    }
    let model_bytes = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    drop(model);
    println!(
        "events2: memory: merged state {:.1} MB, whole model {:.1} MB (heap, live after the stream)",
        state_bytes as f64 / 1e6,
        model_bytes as f64 / 1e6
    );

    // The command a user runs on such a stream: every line applied, the findings, the JSON.
    let runs: Vec<ChildCost> = (0..5)
        .map(|_| {
            run_measured(Command::new(drnfs_bin()).args(["snapshot", "--json", "--config", "/nonexistent"]).args([
                "--proc-root".as_ref(),
                fixtures().join("connected-idle/nodea/proc").as_os_str(),
                "--events2-file".as_ref(),
                out.as_os_str(),
            ]))
        })
        .collect();
    assert!(runs.iter().all(|c| c.status == 0), "snapshot --events2-file failed");
    println!(
        "events2: `drnfs snapshot --json --events2-file` of it: {} wall, peak RSS {:.1} MiB (median of 5)",
        ms(median(runs.iter().map(|c| c.wall).collect())),
        median(runs.iter().map(|c| c.max_rss_kib as f64).collect()) / 1024.0
    );
}

// ---------------------------------------------------------------------------------------
// sockets: 10,000 connections to port 2049 on loopback

/// Client connections held open by this process, accepted by a child process (each side
/// has its own open-file limit).
struct Load {
    server: Child,
    _clients: Vec<TcpStream>,
    count: usize,
}

impl Load {
    fn open(count: usize) -> std::io::Result<Load> {
        raise_nofile(count as u64 + 1000)?;
        let mut server = Command::new(std::env::current_exe()?)
            .args(["serve", &count.to_string()])
            .stdout(Stdio::piped())
            .stdin(Stdio::piped())
            .spawn()?;
        let mut ready = String::new();
        let mut out = BufReader::new(server.stdout.take().unwrap());
        out.read_line(&mut ready)?;
        if !ready.starts_with("listening") {
            return Err(std::io::Error::other(format!("server did not start: {ready:?}")));
        }
        // 100 clients (127.0.1.1 …), each with count/100 connections, client i sending i KiB
        // in all: distinct addresses with known, different loads.
        let clients = 100usize;
        let mut streams = Vec::with_capacity(count);
        let payload = vec![0x5au8; 1024];
        for c in 0..count {
            let client = c % clients;
            let ip = Ipv4Addr::new(127, 0, 1, 1 + client as u8);
            let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
            sock.bind(&SocketAddr::new(IpAddr::V4(ip), 0).into())?;
            sock.connect(&SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), NFS_PORT).into())?;
            let mut s: TcpStream = sock.into();
            s.write_all(&payload[..(client + 1) * 1024 / clients])?;
            streams.push(s);
        }
        let mut accepted = String::new();
        out.read_line(&mut accepted)?;
        println!("sockets: {count} connections from {clients} client addresses; server says {}", accepted.trim());
        Ok(Load { server, _clients: streams, count })
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn raise_nofile(n: u64) -> std::io::Result<()> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    if lim.rlim_cur >= n {
        return Ok(());
    }
    let want = libc::rlimit { rlim_cur: n.max(lim.rlim_cur), rlim_max: n.max(lim.rlim_max) };
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &want) } != 0 {
        return Err(std::io::Error::other(format!(
            "open-file limit {} is below {n} and cannot be raised: {}",
            lim.rlim_cur,
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// The child: listens on 127.0.0.1:2049, accepts `count` connections and holds them.
fn serve(count: usize) {
    raise_nofile(count as u64 + 1000).expect("open-file limit");
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_reuse_address(true).unwrap();
    sock.bind(&SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), NFS_PORT).into()).expect("bind 127.0.0.1:2049");
    sock.listen(4096).unwrap();
    let listener: std::net::TcpListener = sock.into();
    println!("listening");
    std::io::stdout().flush().unwrap();
    let mut held = Vec::with_capacity(count);
    while held.len() < count {
        let (mut s, _) = listener.accept().expect("accept");
        // A small reply, so that the server side has bytes acked as well as received.
        let _ = s.write_all(b"ok");
        held.push(s);
    }
    println!("accepted {}", held.len());
    std::io::stdout().flush().unwrap();
    // Hold them until the parent kills us (or closes stdin).
    let mut buf = [0u8; 1];
    let _ = std::io::stdin().read(&mut buf);
}

/// One refresh the way the live view does it: dump over sock_diag, decode, group by
/// client, rank.
fn refresh(tracker: &mut drnfs::model::clients::ClientTracker, at: f64) -> usize {
    let t = Instant::now();
    let dump =
        drnfs::source::sock_diag::dump_port(NFS_PORT, drnfs::source::sock_diag::Keep::Sockets).expect("sock_diag dump");
    let dumped = t.elapsed();
    tracker.update(at, &dump.sockets, &[]);
    DUMP_US.store(dumped.as_micros() as usize, Ordering::Relaxed);
    dump.sockets.len()
}

/// How long the last refresh's dump and decode took (the rest is grouping and ranking).
static DUMP_US: AtomicUsize = AtomicUsize::new(0);

fn sockets(load: &Load) {
    std::thread::sleep(Duration::from_millis(300));
    let mut tracker = drnfs::model::clients::ClientTracker::new();
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut seen = 0;
    let mut dumps = Vec::new();
    for i in 0..15 {
        let (t, c) = (Instant::now(), thread_cpu());
        seen = refresh(&mut tracker, f64::from(i));
        wall.push(t.elapsed().as_secs_f64());
        cpu.push(thread_cpu() - c);
        dumps.push(DUMP_US.load(Ordering::Relaxed) as f64 / 1e6);
    }
    println!("sockets: of which the kernel's dump and its decoding: {}", ms(median(dumps)));
    let rows = tracker.rows.len();
    let top = tracker.rows.first().map(|r| (r.address, r.bytes_in)).unwrap();
    let mut ss_wall = Vec::new();
    let mut ss_cpu = Vec::new();
    let mut ss_lines = 0;
    for _ in 0..15 {
        let c = run_measured(Command::new("ss").args(["-tinH", "sport = :2049"]));
        ss_wall.push(c.wall);
        ss_cpu.push(c.cpu);
        // ss prints two lines per socket with -i (the socket, then its tcp_info).
        ss_lines = String::from_utf8_lossy(&c.stdout).lines().filter(|l| !l.starts_with(char::is_whitespace)).count();
    }
    let (w, c, sw, sc) = (median(wall), median(cpu), median(ss_wall), median(ss_cpu));
    println!(
        "sockets: drnfs refresh (dump+decode+group+rank, in process): {} wall, {} CPU; {seen} sockets -> {rows} clients, top {} with {} B in",
        ms(w),
        ms(c),
        top.0,
        top.1
    );
    println!(
        "sockets: ss -tinH 'sport = :2049':                       {} wall, {} CPU; {ss_lines} sockets",
        ms(sw),
        ms(sc)
    );
    println!("sockets: ratio ss/drnfs: {:.1}x wall, {:.1}x CPU", sw / w, sc / c);
    assert_eq!(seen, load.count, "drnfs saw every connection");

    // The drnfs process itself: two samples (the first ranking) with every connection.
    let c = run_measured(Command::new(drnfs_bin()).args([
        "top-clients",
        "--count",
        "1",
        "--interval",
        "0.2",
        "--json",
        "--config",
        "/nonexistent",
    ]));
    let text = String::from_utf8_lossy(&c.stdout);
    let clients = text
        .lines()
        .next()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v.get("clients").and_then(|c| c.as_array()).map(Vec::len));
    println!(
        "sockets: `drnfs top-clients --count 1 --interval 0.2`: peak RSS {:.1} MB, {} CPU (two dumps), {:?} clients ranked, exit {}",
        c.max_rss_kib as f64 / 1024.0,
        ms(c.cpu),
        clients,
        c.status
    );

    // The whole command a user runs instead of ss: `drnfs snapshot --json` (one sample of
    // every source and every connection, the findings, the JSON written to a pipe), against
    // `ss -tinH` and the kernel's dump alone (`ss -tnH`, no tcp_info: the floor); the same
    // run, alternating, median of 7.
    let snapshot_cmd = || {
        let mut c = Command::new(drnfs_bin());
        c.args(["snapshot", "--json", "--config", "/nonexistent"]);
        c
    };
    let (mut ours, mut with_info, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    let mut json_clients = None;
    for _ in 0..7 {
        let c = run_measured(&mut snapshot_cmd());
        let v: Option<serde_json::Value> = serde_json::from_slice(&c.stdout).ok();
        json_clients = v.as_ref().and_then(|v| v["clients"].as_array().map(Vec::len));
        ours.push(c.wall);
        with_info.push(run_measured(Command::new("ss").args(["-tinH", "sport = :2049"])).wall);
        floor.push(run_measured(Command::new("ss").args(["-tnH", "sport = :2049"])).wall);
    }
    let (o, i, f) = (median(ours), median(with_info), median(floor));
    println!(
        "snapshot-json: `drnfs snapshot --json` with {} connections: {} wall ({json_clients:?} clients); `ss -tinH`: {}; `ss -tnH` (floor): {}; ratio {:.2}x ss -tinH, {:.2}x ss -tnH",
        load.count,
        ms(o),
        ms(i),
        ms(f),
        o / i,
        o / f
    );
}

// ---------------------------------------------------------------------------------------
// tick: 100 resources, 10,000 connections, the proc files, one render at 160x48

fn tick(_load: &Load) {
    let capture = fixtures().join("client-load/nodea");
    let proc = ProcRoot::new(capture.join("proc"));
    let text = events2_stream::stream(100, 30);
    let (dump, changes): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| !l.starts_with("change"));
    let vips = vec!["10.50.0.100".parse().unwrap()];
    let mut app = App::new(Mode::Live { interval_ms: 1000 }, Theme { color: true, ascii: false }, vips.clone());
    let mut engine = drnfs::engine::Engine::new(vips);
    let wall = Timestamp::parse_rfc3339("2026-11-25T14:00:00Z").unwrap();
    engine.apply(Input::Events2Status { at: 0.0, status: ChildStatus::Running { source: "bench".into() } });
    for l in dump {
        engine.apply(Input::Events2Line { at: 0.0, wall, line: l.to_owned() });
    }
    let per_tick = 100 * events2_stream::PEERS as usize * events2_stream::VOLUMES as usize;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
    let mut times = Vec::new();
    let mut parts = [Vec::new(), Vec::new(), Vec::new()];
    let mut model_parts = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for (i, batch) in changes.chunks(per_tick).enumerate() {
        let at = i as f64 + 1.0;
        let t = Instant::now();
        // collect: the proc files, the socket dump, a second's worth of events2 changes
        let files = FileSet::read(&proc);
        let raw = drnfs::source::sock_diag::dump_port_raw(NFS_PORT);
        let t_collect = t.elapsed();
        engine.apply(Input::Files { at, wall, files: Box::new(files) });
        let t_files = t.elapsed();
        engine.apply(Input::Sockets { at, raw });
        let t_sockets = t.elapsed();
        for l in batch {
            engine.apply(Input::Events2Line { at, wall, line: (*l).to_owned() });
        }
        let t_events2 = t.elapsed();
        engine.refresh();
        let t_findings = t.elapsed();
        app.set_report(engine.report());
        let t_model = t.elapsed();
        terminal.draw(|f| drnfs::tui::views::render(f, &app)).unwrap();
        let total = t.elapsed();
        if i > 0 {
            times.push(total.as_secs_f64());
            parts[0].push(t_collect.as_secs_f64());
            parts[1].push((t_model - t_collect).as_secs_f64());
            parts[2].push((total - t_model).as_secs_f64());
            model_parts[0].push((t_files - t_collect).as_secs_f64());
            model_parts[1].push((t_sockets - t_files).as_secs_f64());
            model_parts[2].push((t_events2 - t_sockets).as_secs_f64());
            model_parts[3].push((t_findings - t_events2).as_secs_f64());
            model_parts[4].push((t_model - t_findings).as_secs_f64());
        }
    }
    let clients = engine.model().clients.rows.len();
    let [collect, model, render] = parts.map(median);
    println!(
        "tick: 100 resources ({per_tick} peer-device changes/tick), {clients} clients, render 160x48: median {} (collect {}, model+findings {}, render {})",
        ms(median(times)),
        ms(collect),
        ms(model),
        ms(render)
    );
    let [files, sockets, events2, findings, report] = model_parts.map(median);
    println!(
        "tick: model+findings: files {}, sockets (decode, clients) {}, events2 {}, findings {}, report {}",
        ms(files),
        ms(sockets),
        ms(events2),
        ms(findings),
        ms(report)
    );
}

// ---------------------------------------------------------------------------------------
// startup and idle CPU, in a pseudo-terminal

struct Pty {
    master: std::fs::File,
    child: Child,
}

fn spawn_in_pty(args: &[&str], cols: u16, rows: u16) -> Pty {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    let master = unsafe { std::fs::File::from_raw_fd(master) };
    let mut cmd = Command::new(drnfs_bin());
    cmd.args(args)
        .env("TERM", "xterm-256color")
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let child = unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            // A session of its own with the pty as its controlling terminal, as a shell gives.
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        })
        .spawn()
        .expect("spawn drnfs in a pty")
    };
    Pty { master, child }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seconds from exec until the screen contains `marker`.
fn time_to_frame(args: &[&str], marker: &[u8]) -> f64 {
    let start = Instant::now();
    let mut pty = spawn_in_pty(args, 160, 48);
    let fd = pty.master.as_raw_fd();
    let mut seen = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        let n = unsafe { libc::poll(&mut pfd, 1, 5000) };
        assert!(n > 0, "no frame within 5 s; got {:?}", String::from_utf8_lossy(&seen));
        let n = pty.master.read(&mut buf).expect("read pty");
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(marker.len()).any(|w| w == marker) {
            return start.elapsed().as_secs_f64();
        }
    }
}

fn startup() {
    let demo: Vec<f64> = (0..9).map(|_| time_to_frame(&["--demo"], b"Overview")).collect();
    let live: Vec<f64> = (0..9).map(|_| time_to_frame(&["--config", "/nonexistent"], b"Overview")).collect();
    println!("startup: exec to first frame: --demo {}, live {}", ms(median(demo)), ms(median(live)));

    // Idle CPU of the live view at the default 1 s interval, over 30 s after a 3 s warm-up.
    let pty = spawn_in_pty(&["--config", "/nonexistent"], 160, 48);
    let pid = pty.child.id();
    let mut master = pty.master.try_clone().unwrap();
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while matches!(master.read(&mut buf), Ok(n) if n > 0) {}
    });
    std::thread::sleep(Duration::from_secs(3));
    let cpu0 = proc_cpu(pid);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(30));
    let cpu = proc_cpu(pid) - cpu0;
    let secs = t0.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    println!(
        "idle: live view at 1 s interval: {:.2}% of a core over {secs:.0} s, RSS {:.1} MB",
        cpu / secs * 100.0,
        rss / 1024.0
    );
    drop(pty);
    let _ = drain.join();
}

/// utime + stime of a process, in seconds.
fn proc_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // fields after the command: state is 0, utime is 11, stime is 12
    (get(11) + get(12)) / ticks
}

// ---------------------------------------------------------------------------------------
// check and snapshot against a lab capture

fn capture_args(capture: &Path) -> Vec<String> {
    let mut args = vec!["--proc-root".to_owned(), capture.join("proc").display().to_string()];
    for (flag, file) in [
        ("--events2-file", "events2-now.txt"),
        ("--kernel-log-file", "dmesg.txt"),
        ("--drbd-config", "drbdadm-dump.txt"),
    ] {
        if capture.join(file).exists() {
            args.push(flag.to_owned());
            args.push(capture.join(file).display().to_string());
        }
    }
    args
}

fn check() {
    let capture = fixtures().join("connected-idle/nodea");
    let mut args = vec!["check".to_owned(), "--config".to_owned(), fixtures().join("drnfs.toml").display().to_string()];
    args.extend(capture_args(&capture));
    let runs: Vec<ChildCost> = (0..21).map(|_| run_measured(Command::new(drnfs_bin()).args(&args))).collect();
    let status = runs[0].status;
    println!(
        "check: `drnfs check` on the connected-idle capture: median {} wall, {} CPU (exit {})",
        ms(median(runs.iter().map(|c| c.wall).collect())),
        ms(median(runs.iter().map(|c| c.cpu).collect())),
        libc::WEXITSTATUS(status)
    );
}

fn snapshot() {
    let capture = fixtures().join("client-load/nodea");
    let mut args = vec!["snapshot".to_owned(), "--json".to_owned(), "--config".to_owned(), "/nonexistent".to_owned()];
    args.extend(capture_args(&capture));
    let drnfs: Vec<ChildCost> = (0..21).map(|_| run_measured(Command::new(drnfs_bin()).args(&args))).collect();
    let proc = capture.join("proc");
    let baseline: Vec<f64> = (0..21)
        .map(|_| {
            let cat = run_measured(Command::new("cat").arg(proc.join("drbd")).arg(proc.join("net/rpc/nfsd")));
            let ss = run_measured(Command::new("ss").args(["-tinH", "sport = :2049"]));
            cat.wall + ss.wall
        })
        .collect();
    let (d, b) = (median(drnfs.iter().map(|c| c.wall).collect()), median(baseline));
    println!(
        "snapshot: `drnfs snapshot --json` on the client-load capture: {} wall; `cat drbd nfsd` + `ss -tinH`: {}; ratio {:.2}x",
        ms(d),
        ms(b),
        d / b
    );
}

// ---------------------------------------------------------------------------------------
// soak: a day of a busy recording through one engine, memory at the start and the end

/// The same input `by` seconds later (its wall clock too), as the recording's next lap.
fn later(input: Input, by: f64) -> Input {
    let wall = |w: Timestamp| Timestamp::from_unix_micros(w.unix_micros() + (by * 1e6) as i64);
    match input {
        Input::Files { at, wall: w, files } => Input::Files { at: at + by, wall: wall(w), files },
        Input::Events2Line { at, wall: w, line } => Input::Events2Line { at: at + by, wall: wall(w), line },
        Input::Events2Status { at, status } => Input::Events2Status { at: at + by, status },
        Input::KernelLog { at, wall: w, line } => Input::KernelLog { at: at + by, wall: w.map(wall), line },
        Input::Sockets { at, raw } => Input::Sockets { at: at + by, raw },
        Input::ReplicationSockets { at, raw } => Input::ReplicationSockets { at: at + by, raw },
        Input::RpcActivity { at, activity } => Input::RpcActivity { at: at + by, activity },
        Input::DrbdConfig { at, text } => Input::DrbdConfig { at: at + by, text },
        other => other,
    }
}

fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("VmRSS:")).map(|v| v.trim().trim_end_matches(" kB").to_owned())
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The lab's incident recording (a failover, a split brain and its recovery, NFS clients
/// under load; 40 minutes, a sample a second) played lap after lap for 24 hours of its
/// time through one engine, refreshed at every sample as the live view is: the heap and
/// RSS after the first hour and at the end.
fn soak() {
    use drnfs::source::recording::{Player, Recording};
    let recording = Recording::open(&fixtures().join("demo/lab-incident.drnfs.gz")).expect("the demo recording");
    let lap = recording.duration().ceil() + 1.0;
    let day = 24.0 * 3600.0;
    // The recording itself stays loaded: only what the engine holds is counted.
    let base = LIVE.load(Ordering::Relaxed);
    let mut engine = drnfs::engine::Engine::new(recording.header.vips.clone());
    let (mut hour, mut samples) = (None, 0usize);
    let t = Instant::now();
    let mut k = 0.0;
    while k * lap < day {
        let mut player = Player::new(&recording.header.proc_root);
        for r in &recording.records {
            let input = later(player.input(r), k * lap);
            let sample = matches!(input, Input::Files { .. });
            engine.apply(input);
            if sample {
                engine.refresh();
                samples += 1;
            }
        }
        k += 1.0;
        if hour.is_none() && k * lap >= 3600.0 {
            hour = Some((k * lap, LIVE.load(Ordering::Relaxed).saturating_sub(base), rss_kib()));
        }
    }
    let (first_at, first_heap, first_rss) = hour.unwrap();
    let (heap, rss) = (LIVE.load(Ordering::Relaxed).saturating_sub(base), rss_kib());
    println!(
        "soak: {samples} samples ({:.1} h of the recording, {} laps) in {:.0} s; after {:.1} h: engine heap {:.1} MB, process RSS {:.1} MB; after {:.1} h: engine heap {:.1} MB, process RSS {:.1} MB",
        k * lap / 3600.0,
        k,
        t.elapsed().as_secs_f64(),
        first_at / 3600.0,
        first_heap as f64 / 1e6,
        first_rss as f64 / 1024.0,
        k * lap / 3600.0,
        heap as f64 / 1e6,
        rss as f64 / 1024.0
    );
    std::hint::black_box(&engine);
}

// ---------------------------------------------------------------------------------------
// one scrape of the exporter, beside node_exporter's drbd and nfsd collectors

/// `/proc/drbd` of DRBD 8.4 with `minors` connected minors (what node_exporter's drbd
/// collector and drnfs both read).
fn proc_drbd_with(minors: usize) -> String {
    let mut s = String::from("version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n");
    for m in 0..minors {
        s.push_str(&format!(
            "{m:3}: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n    ns:{} nr:0 dw:{} dr:{} al:{} bm:0 lo:0 pe:{} ua:0 ap:{} ep:1 wo:f oos:0\n",
            1000 + m * 7,
            900 + m * 5,
            300 + m,
            m % 9,
            m % 3,
            m % 4
        ));
    }
    s
}

/// An HTTP/1.0 GET of `/metrics` (the connection closes after the body): the bytes
/// read, or why not. Only a timer's client; neither exporter's parsing is involved.
fn get_metrics(port: u16) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n")?;
    let mut body = Vec::with_capacity(256 * 1024);
    s.read_to_end(&mut body)?;
    if !body.starts_with(b"HTTP/1.") || !body.windows(4).any(|w| w == b" 200") {
        return Err(std::io::Error::other(String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned()));
    }
    Ok(body)
}

fn process_cpu() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn scrape(load: &Load) {
    const RESOURCES: usize = 100;
    const ROUNDS: usize = 31;
    let dir = tempfile::tempdir().expect("temporary proc root");
    std::fs::create_dir_all(dir.path().join("net/rpc")).unwrap();
    std::fs::write(dir.path().join("drbd"), proc_drbd_with(RESOURCES)).unwrap();
    // nfsd's counters under the lab's client load. node_exporter 1.5 refuses the whole
    // file on kernel 6.12's `wdeleg_getattr` line (README); both read it without, so that
    // its collector does its full work.
    let nfsd = std::fs::read_to_string(fixtures().join("client-load/nodea/proc/net/rpc/nfsd")).unwrap();
    let nfsd: String = nfsd.lines().filter(|l| !l.starts_with("wdeleg_getattr")).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("net/rpc/nfsd"), nfsd).unwrap();

    let (ne_port, drnfs_port) = (19_100u16, 19_101u16);
    let node_exporter = Command::new("prometheus-node-exporter")
        .args([
            &format!("--path.procfs={}", dir.path().display()),
            "--collector.disable-defaults",
            "--collector.drbd",
            "--collector.nfsd",
            &format!("--web.listen-address=127.0.0.1:{ne_port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut node_exporter = match node_exporter {
        Ok(c) => Some(c),
        Err(e) => {
            println!("scrape: node_exporter not run ({e}; Debian's prometheus-node-exporter): drnfs alone");
            None
        }
    };

    // drnfs's exporter in this process: the live engine on the temporary proc root, with
    // the live socket table (the 10,000 connections), sampling every second.
    let opts = drnfs::source::live::LiveOptions {
        proc: ProcRoot::new(dir.path().to_path_buf()),
        interval: Duration::from_secs(1),
        nfs_port: NFS_PORT,
        sockets: true,
        events2: drnfs::source::live::Events2Source::None("scrape benchmark".into()),
        kernel_log: drnfs::source::live::KernelLogSource::None,
        drbd_config: drnfs::source::live::ConfigSource::None,
        peer: None,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener =
                drnfs::exporter::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), drnfs_port)).await.unwrap();
            let feed = drnfs::engine::session::Feed::Live(opts);
            let vips = vec!["10.50.0.100".parse().unwrap()];
            drnfs::exporter::serve(listener, feed, vips, 10, async move {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    // Both answer, drnfs with its clients counted (its second socket sample).
    let deadline = Instant::now() + Duration::from_secs(30);
    let ready =
        |port: u16, marker: &[u8]| get_metrics(port).is_ok_and(|b| b.windows(marker.len()).any(|w| w == marker));
    while Instant::now() < deadline && !ready(drnfs_port, b"drnfs_client_receive_bytes_per_second{client=\"127.0.1.") {
        std::thread::sleep(Duration::from_millis(200));
    }
    if node_exporter.is_some() {
        while Instant::now() < deadline && !ready(ne_port, b"node_drbd_connected{device=\"drbd99\"}") {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // drnfs samples on its own interval whether scraped or not: its cost without scrapes,
    // measured first over 5 s, is taken out of what the scrapes cost.
    let (p0, t0, w0) = (process_cpu(), thread_cpu(), Instant::now());
    std::thread::sleep(Duration::from_secs(5));
    let sampling = ((process_cpu() - p0) - (thread_cpu() - t0)) / w0.elapsed().as_secs_f64();

    let mut wall = [Vec::new(), Vec::new()];
    let mut size = [0usize, 0usize];
    let ne_pid = node_exporter.as_ref().map(Child::id);
    let ne_cpu0 = ne_pid.map(proc_cpu);
    let (p0, t0, w0) = (process_cpu(), thread_cpu(), Instant::now());
    for _ in 0..ROUNDS {
        for (i, port) in [drnfs_port, ne_port].into_iter().enumerate() {
            if i == 1 && node_exporter.is_none() {
                continue;
            }
            let t = Instant::now();
            match get_metrics(port) {
                Ok(b) => {
                    wall[i].push(t.elapsed().as_secs_f64());
                    size[i] = b.len();
                }
                Err(e) => println!("scrape: port {port}: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = w0.elapsed().as_secs_f64();
    let drnfs_cpu = ((process_cpu() - p0) - (thread_cpu() - t0) - sampling * elapsed).max(0.0) / ROUNDS as f64;
    let ne_cpu = ne_pid.zip(ne_cpu0).map(|(pid, c0)| (proc_cpu(pid) - c0) / ROUNDS as f64);
    let _ = stop_tx.send(());
    let _ = server.join();
    if let Some(c) = node_exporter.as_mut() {
        let _ = c.kill();
        let _ = c.wait();
    }
    let d = median(std::mem::take(&mut wall[0]));
    println!(
        "scrape: drnfs exporter ({RESOURCES} DRBD minors, {} connections from 100 clients, nfsd under load): median {} wall, {} CPU per scrape ({} KiB); sampling every 1 s costs {:.2}% of a core",
        load.count,
        ms(d),
        ms(drnfs_cpu),
        size[0] / 1024,
        sampling * 100.0
    );
    if let Some(ne_cpu) = ne_cpu {
        let n = median(std::mem::take(&mut wall[1]));
        println!(
            "scrape: node_exporter 1.5 drbd+nfsd collectors (same files): median {} wall, {} CPU per scrape ({} KiB); drnfs/node_exporter: {:.2}x the wall, {:.2}x the CPU",
            ms(n),
            ms(ne_cpu),
            size[1] / 1024,
            d / n,
            drnfs_cpu / ne_cpu
        );
    }
}
