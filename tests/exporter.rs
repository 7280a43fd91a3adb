//! `drnfs exporter` on loopback, scraped by a real Prometheus (Debian's `prometheus`),
//! whose HTTP API is then asked for what it stored: the values must be the kernel's, as
//! the lab capture being served has them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Kills the child when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the exporter on a capture, on a free loopback port; returns it and its address.
fn exporter(capture: &str) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drnfs"))
        .args(["exporter", "--listen", "127.0.0.1:0", "--interval", "0.5"])
        .args(common::capture_sources(&fixtures().join(capture)))
        .args(["--config", "/nonexistent"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("drnfs: serving metrics on http://") {
                let _ = tx.send(rest.trim_end_matches("/metrics").to_owned());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(10)).expect("the exporter says where it listens");
    (Killed(child), addr)
}

/// `curl` with a deadline: (status line and headers, body).
fn get(url: &str, accept: Option<&str>) -> (String, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-i", "--max-time", "5"]);
    if let Some(a) = accept {
        cmd.args(["-H", &format!("Accept: {a}")]);
    }
    let out = cmd.arg(url).output().expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    (head.to_owned(), body.to_owned())
}

fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn the_exporter_answers_in_the_format_asked() {
    let (_exporter, addr) = exporter("client-load/nodea");
    let url = format!("http://{addr}/metrics");
    let (head, body) = wait_for("a first report", Duration::from_secs(10), || {
        let (head, body) = get(&url, Some("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"));
        head.starts_with("HTTP/1.1 200").then_some((head, body))
    });
    assert!(head.to_lowercase().contains("content-type: application/openmetrics-text; version=1.0.0"), "{head}");
    assert!(body.ends_with("# EOF\n") && body.contains("# TYPE drnfs_drbd_role stateset"), "{body}");
    let (head, body) = get(&url, None);
    assert!(head.to_lowercase().contains("content-type: text/plain; version=0.0.4"), "{head}");
    assert!(!body.contains("# EOF") && body.contains("# TYPE drnfs_nfsd_rpc_calls_total counter"), "{body}");
    let (head, _) = get(&format!("http://{addr}/other"), None);
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

/// A real Prometheus scrapes the exporter every second; its API then returns the values
/// of the served capture's /proc files, the DRBD role as a state set, and `up` 1.
#[test]
fn prometheus_scrapes_the_exporter_and_stores_the_kernels_values() {
    if Command::new("prometheus").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("DRNFS_REQUIRE_PROMTOOL").is_none(),
            "prometheus is required here (tests/run installs it)"
        );
        eprintln!("prometheus is not installed: not checked");
        return;
    }
    let capture = "client-load/nodea";
    let (_exporter, addr) = exporter(capture);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: drnfs\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
    )
    .unwrap();
    // A free port for Prometheus' own API.
    let api = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let prometheus = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address={api}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _prometheus = Killed(prometheus);
    let query = |q: &str| -> Option<f64> {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "5", "--get", "--data-urlencode"])
            .arg(format!("query={q}"))
            .arg(format!("http://{api}/api/v1/query"))
            .output()
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        let result = v["data"]["result"].as_array()?;
        (result.len() == 1).then(|| result[0]["value"][1].as_str()?.parse().ok()).flatten()
    };
    let up = wait_for("Prometheus scraping drnfs", Duration::from_secs(60), || query(r#"up{job="drnfs"}"#));
    assert_eq!(up, 1.0);
    let calls = common::proc_number(&fixtures().join(capture), "net/rpc/nfsd", r"(?m)^rpc (\d+)");
    assert_eq!(query("drnfs_nfsd_rpc_calls_total"), Some(calls));
    let written = common::proc_number(&fixtures().join(capture), "net/rpc/nfsd", r"(?m)^io \d+ (\d+)");
    assert_eq!(query("drnfs_nfsd_written_bytes_total"), Some(written));
    let ns = common::proc_number(&fixtures().join(capture), "drbd", r"ns:(\d+)") * 1024.0;
    assert_eq!(query(r#"drnfs_drbd_sent_bytes_total{resource="r0"}"#), Some(ns));
    // The state set arrives as one series per state; the one that is 1 is /proc/drbd's.
    assert_eq!(query(r#"drnfs_drbd_role{resource="r0",drnfs_drbd_role="Primary"}"#), Some(1.0));
    assert_eq!(query(r#"drnfs_drbd_role{resource="r0",drnfs_drbd_role="Secondary"}"#), Some(0.0));
    assert_eq!(query(r#"drnfs_source_up{source="nfsd"}"#), Some(1.0));
}

/// The shipped alert rules, with promtool's own rule tests (`examples/prometheus/`).
#[test]
fn the_alert_rules_pass_their_promtool_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prometheus");
    let Ok(out) = Command::new("promtool").args(["test", "rules", "alerts.test.yml"]).current_dir(&dir).output() else {
        assert!(
            std::env::var_os("DRNFS_REQUIRE_PROMTOOL").is_none(),
            "promtool is required here (tests/run installs it)"
        );
        eprintln!("promtool is not installed: not checked");
        return;
    };
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
