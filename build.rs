//! Puts the git revision into `drnfs --version` when built from a checkout.
fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let rev = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let full = match rev {
        Some(r) => format!("{version} (git {r})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=DRNFS_VERSION={full}");
    // The demo recording is made by the lab (tests/lab/run --capture). A checkout without it
    // still builds; --demo then says so.
    println!("cargo:rustc-check-cfg=cfg(drnfs_demo)");
    println!("cargo:rerun-if-changed=fixtures/demo/lab-incident.drnfs.gz");
    if std::path::Path::new("fixtures/demo/lab-incident.drnfs.gz").exists() {
        println!("cargo:rustc-cfg=drnfs_demo");
    }
    // The peer's recording of the same incident: the demo plays it beside as the peer.
    println!("cargo:rustc-check-cfg=cfg(drnfs_demo_peer)");
    println!("cargo:rerun-if-changed=fixtures/demo/lab-incident-nodeb.drnfs.gz");
    if std::path::Path::new("fixtures/demo/lab-incident-nodeb.drnfs.gz").exists() {
        println!("cargo:rustc-cfg=drnfs_demo_peer");
    }
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
