//! The end-to-end harness: real Asterisk instances in the sandbox chroot (contrib/sandbox.sh), each
//! with its own directories and ports, loading the module this build produced.
//!
//! Without the sandbox the tests are skipped with a message, except under CI (`CI=true`), where a
//! missing sandbox is a failure.

mod ami;
mod asterisk;
mod http;
mod line_ua;
mod netns;
mod phone;
mod ports;
mod sip;
mod ua;

use std::path::{Path, PathBuf};

pub use asterisk::{Asterisk, start};
pub use line_ua::LineUa;
pub use netns::NetnsPair;
pub use phone::{PhoneRun, phone};
pub use ports::free_port;
pub use sip::{Watcher, raw_message, sip_ok, subscribe_presence};
pub use ua::Ua;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/e2e").join(name)
}

pub(crate) fn sandbox_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("RDP_SANDBOX").unwrap_or_else(|_| "/var/lib/res-digium-phone".into()),
    )
}

/// The chroot, or `None` (after saying why) when the tests cannot run here.
pub fn chroot() -> Option<PathBuf> {
    let root = asterisk_root();
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    let why = if !root.join(".rdp-stamp").is_file() {
        format!("no sandbox at {} (run contrib/sandbox.sh setup)", root.display())
    } else if !is_root {
        "the sandbox needs root".to_string()
    } else {
        return Some(root);
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("end-to-end tests cannot run under CI: {why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// The chroot of the Asterisk under test: the one place it is chosen is contrib/sandbox.sh, which
/// follows `RDP_ASTERISK` (the major; 22, Debian sid's package, when unset) and `RDP_SANDBOX`.
fn asterisk_root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let out = std::process::Command::new(repo().join("contrib/sandbox.sh"))
            .arg("root")
            .env("RDP_SANDBOX", sandbox_dir())
            .output()
            .expect("run contrib/sandbox.sh root");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
    .clone()
}

/// Instance names start with `RDP_INSTANCE_PREFIX`, so several checkouts can share one sandbox.
pub(crate) fn instance_prefix() -> String {
    std::env::var("RDP_INSTANCE_PREFIX").unwrap_or_default()
}

/// The module of this build profile: target/<profile>/libres_digium_phone.so.
///
/// `cargo test` does not build the cdylib, so the `.so` comes from `cargo build --lib` (which
/// contrib/sandbox.sh runs first); a `.so` older than the sources would test old code, so it is refused.
pub fn built_module() -> PathBuf {
    built("libres_digium_phone.so", "--lib")
}

/// The `digium-phones` program of this build profile (check, dump, render and the phone simulator).
pub fn digium_phones() -> String {
    built("digium-phones", "--workspace --bins").display().to_string()
}

/// `target/<profile>/<file>`, refused when a file it was built from (as cargo's dep-info next to it
/// lists them) is newer: it would test old code.
fn built(file: &str, build: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
    let path = profile_dir.join(file);
    let flag = if profile == "release" { " --release" } else { "" };
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!("{} does not exist: run `cargo build{flag} {build}` first", path.display())
    });
    let dep_info = path.with_extension("d");
    let sources = std::fs::read_to_string(&dep_info)
        .unwrap_or_else(|e| panic!("{}: {e}", dep_info.display()));
    let newer =
        sources.split_once(": ").map_or("", |(_, files)| files).split_whitespace().find(|f| {
            std::fs::metadata(f).and_then(|m| m.modified()).is_ok_and(|changed| changed > built)
        });
    if let Some(source) = newer {
        panic!("{} is older than {source}: run `cargo build{flag} {build}` first", path.display());
    }
    path
}
