//! The man page and shell completions shipped in the package are generated from the CLI
//! definition; the committed copies must match what the code generates now. After a CLI
//! change: `DRNFS_UPDATE_DOCS=1 cargo test --test man_and_completions`, then review the diff.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use drnfs::cli::{Cli, completions, man_page};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

fn check(rel: &str, generated: &[u8]) {
    let path = docs().join(rel);
    if std::env::var_os("DRNFS_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == generated,
        "{} is out of date with the CLI; regenerate with DRNFS_UPDATE_DOCS=1 cargo test --test man_and_completions",
        path.display()
    );
}

#[test]
fn man_page_matches_the_cli() {
    let mut out = Vec::new();
    man_page(&mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    // Every public subcommand has its section, the hidden ones none.
    for sub in Cli::command().get_subcommands() {
        let heading = format!(".SH \"DRNFS {}\"", sub.get_name().to_uppercase());
        assert_eq!(text.contains(&heading), !sub.is_hide_set(), "{heading}");
    }
    for section in [".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH SEE ALSO"] {
        assert!(text.contains(section), "{section}");
    }
    check("man/drnfs.1", &out);
}

#[test]
fn completions_match_the_cli() {
    for (shell, file) in [
        (clap_complete::Shell::Bash, "completions/drnfs.bash"),
        (clap_complete::Shell::Zsh, "completions/_drnfs"),
        (clap_complete::Shell::Fish, "completions/drnfs.fish"),
    ] {
        let mut out = Vec::new();
        completions(shell, &mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("failover") && text.contains("top-clients"), "{file}");
        check(file, &out);
    }
}
