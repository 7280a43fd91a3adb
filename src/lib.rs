//! drnfs: watch, diagnose and safely fail over an NFS server made highly available with
//! DRBD and keepalived.
//!
//! Data flows one way: [`source`] (files under a proc root, `drbdsetup` children, netlink)
//! → the pure parsers of `drnfs-parsers` → [`model`] (one snapshot type, with history) →
//! [`report`] (JSON and text) and the terminal UI.

pub mod action;
pub mod cli;
pub mod clock;
pub mod config;
pub mod diagnose;
pub mod engine;
pub mod exporter;
pub mod format;
pub mod keepalived;
pub mod logging;
pub mod model;
pub mod peer;
pub mod process;
pub mod report;
pub mod source;
pub mod tui;

use std::process::ExitCode;

use clap::Parser;

/// Entry point of the `drnfs` binary.
pub fn run() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drnfs: {e:#}");
            ExitCode::from(2)
        }
    }
}
