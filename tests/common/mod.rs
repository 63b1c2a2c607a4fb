//! The end-to-end harness: real Asterisk 22 instances in the sandbox chroot (contrib/sandbox.sh), each
//! with its own directories and ports, loading the module this build produced.
//!
//! Without the sandbox the tests are skipped with a message, except under CI (`CI=true`), where a
//! missing sandbox is a failure.
#![allow(dead_code)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/e2e").join(name)
}

fn sandbox_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("RDP_SANDBOX").unwrap_or_else(|_| "/var/lib/res-digium-phone".into()),
    )
}

/// The chroot, or `None` (after saying why) when the tests cannot run here.
pub fn chroot() -> Option<PathBuf> {
    let root = sandbox_dir().join("sid");
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

/// The module of this build profile: target/<profile>/libres_digium_phone.so.
///
/// `cargo test` builds the library as an rlib only, so the `.so` comes from `cargo build --lib` (which
/// contrib/sandbox.sh runs first); a `.so` older than the sources would test old code, so it is refused.
pub fn built_module() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
    let so = profile_dir.join("libres_digium_phone.so");
    let flag = if profile == "release" { " --release" } else { "" };
    let built = std::fs::metadata(&so).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!("{} does not exist: run `cargo build{flag} --lib` first", so.display())
    });
    let newest = newest_source(&repo());
    assert!(
        built >= newest,
        "{} is older than the sources: run `cargo build{flag} --lib` first",
        so.display()
    );
    so
}

fn newest_source(repo: &Path) -> std::time::SystemTime {
    fn walk(dir: &Path, newest: &mut std::time::SystemTime) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if let Ok(t) = entry.metadata().and_then(|m| m.modified()) {
                *newest = (*newest).max(t);
            }
        }
    }
    let mut newest = std::time::UNIX_EPOCH;
    for top in ["src", "include"] {
        walk(&repo.join(top), &mut newest);
    }
    for file in ["build.rs", "Cargo.toml"] {
        if let Ok(t) = std::fs::metadata(repo.join(file)).and_then(|m| m.modified()) {
            newest = newest.max(t);
        }
    }
    newest
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("free UDP port").port()
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("free TCP port").port()
}

/// A running Asterisk; stopped on drop.
pub struct Asterisk {
    pub name: String,
    pub pid: u32,
    pub sip_port: u16,
    pub http_port: u16,
    root: PathBuf,
}

impl Asterisk {
    /// Starts instance `name` with `conf` as res_digium_phone.conf (its sibling files are copied too).
    pub fn start(root: &Path, name: &str, conf: &Path) -> Self {
        let sip_port = free_udp_port();
        let http_port = free_tcp_port();
        let out = Command::new(repo().join("contrib/sandbox.sh"))
            .args(["start", name, "--conf"])
            .arg(conf)
            .args([
                "--sip-port",
                &sip_port.to_string(),
                "--http-port",
                &http_port.to_string(),
                "--module",
            ])
            .arg(built_module())
            .env("RDP_SANDBOX", sandbox_dir())
            .output()
            .expect("run contrib/sandbox.sh");
        assert!(
            out.status.success(),
            "instance {name} did not start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let pid =
            String::from_utf8_lossy(&out.stdout).trim().parse().expect("pid printed by start");
        Self { name: name.to_string(), pid, sip_port, http_port, root: root.to_path_buf() }
    }

    /// The instance directory as seen inside the chroot.
    pub fn dir(&self) -> String {
        format!("/srv/rdp/{}", self.name)
    }

    /// The same directory from the host.
    pub fn host_dir(&self) -> PathBuf {
        self.root.join(format!("srv/rdp/{}", self.name))
    }

    /// Runs a CLI command through `asterisk -rx` and returns its output.
    pub fn cli(&self, command: &str) -> String {
        let out = Command::new("chroot")
            .arg(&self.root)
            .args(["asterisk", "-C", &format!("{}/etc/asterisk.conf", self.dir()), "-rx", command])
            .output()
            .expect("run asterisk -rx");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn is_alive(&self) -> bool {
        Path::new(&format!("/proc/{}", self.pid)).exists()
            && std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
                .is_ok_and(|s| !s.contains(") Z "))
    }

    /// Whether the module's file is mapped into Asterisk.
    pub fn module_mapped(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/maps", self.pid))
            .expect("read /proc/PID/maps")
            .contains("res_digium_phone.so")
    }

    /// Asterisk's full log (every level).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.host_dir().join("log/full.log")).unwrap_or_default()
    }

    /// Replaces res_digium_phone.conf; the mtime moves forward so Asterisk sees a change.
    pub fn write_config(&self, text: &str) {
        let path = self.host_dir().join("etc/res_digium_phone.conf");
        let old = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        std::fs::write(&path, text).expect("write config");
        if let Some(old) = old {
            let f = std::fs::File::options().write(true).open(&path).expect("open config");
            f.set_modified(old + Duration::from_secs(2)).expect("set mtime");
        }
    }

    /// Replaces the module file the instance loads (a new inode, as an install would).
    pub fn install_module(&self, bytes: &[u8]) {
        let dir = self.host_dir().join("modules");
        let tmp = dir.join(".res_digium_phone.so.new");
        std::fs::write(&tmp, bytes).expect("write module");
        std::fs::rename(&tmp, dir.join("res_digium_phone.so")).expect("install module");
    }

    /// Polls the log until `needle` appears (bounded, so a missing line fails instead of hanging).
    pub fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Asterisk {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("contrib/sandbox.sh"))
            .args(["stop", &self.name])
            .env("RDP_SANDBOX", sandbox_dir())
            .output();
    }
}

/// Starts an instance, or returns `None` when the sandbox is unavailable (see [`chroot`]).
pub fn start(name: &str, conf: &Path) -> Option<Asterisk> {
    let root = chroot()?;
    Some(Asterisk::start(&root, name, conf))
}
