//! Asterisk instances in the sandbox (contrib/sandbox.sh start), each with its own directories and
//! ports, loading the module this build produced. Stopped on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::ports::free_port;
use super::{built_module, chroot, instance_prefix, repo, sandbox_dir};

/// A running Asterisk; stopped on drop.
pub struct Asterisk {
    pub name: String,
    pub pid: u32,
    pub sip_port: u16,
    pub http_port: u16,
    pub ami_port: u16,
    root: PathBuf,
}

impl Asterisk {
    /// Starts instance `name` with `conf` as res_digium_phone.conf (its sibling files are copied too).
    pub fn start(root: &Path, name: &str, conf: &Path) -> Self {
        Self::start_with(root, name, conf, &[])
    }

    /// As [`Asterisk::start`], with more `contrib/sandbox.sh start` options (`--bind`, `--netns`).
    pub fn start_with(root: &Path, name: &str, conf: &Path, options: &[&str]) -> Self {
        let name = &format!("{}{name}", instance_prefix());
        let sip_port = free_port();
        let http_port = free_port();
        let ami_port = free_port();
        let out = Command::new(repo().join("contrib/sandbox.sh"))
            .args(["start", name, "--conf"])
            .arg(conf)
            .args([
                "--sip-port",
                &sip_port.to_string(),
                "--http-port",
                &http_port.to_string(),
                "--ami-port",
                &ami_port.to_string(),
                "--module",
            ])
            .arg(built_module())
            .args(options)
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
        Self {
            name: name.to_string(),
            pid,
            sip_port,
            http_port,
            ami_port,
            root: root.to_path_buf(),
        }
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

    /// Asterisk's security log (res_security_log's channel).
    pub fn security_log(&self) -> String {
        std::fs::read_to_string(self.host_dir().join("log/security.log")).unwrap_or_default()
    }

    /// Polls the security log until a line holds every one of `needles`; returns that line.
    pub fn wait_for_security_event(&self, needles: &[&str]) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let log = self.security_log();
            if let Some(line) = log.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
                return Some(line.to_string());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
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

impl Asterisk {
    /// Stops and starts Asterisk, keeping the instance's files and astdb.
    pub fn restart(&mut self) {
        let out = Command::new(repo().join("contrib/sandbox.sh"))
            .args(["restart", &self.name])
            .env("RDP_SANDBOX", sandbox_dir())
            .output()
            .expect("run contrib/sandbox.sh restart");
        assert!(out.status.success(), "restart failed: {}", String::from_utf8_lossy(&out.stderr));
        self.pid =
            String::from_utf8_lossy(&out.stdout).trim().parse().expect("pid printed by restart");
    }

    /// Replaces a file in the instance's etc directory.
    pub fn write_etc(&self, name: &str, text: &str) {
        std::fs::write(self.host_dir().join("etc").join(name), text).expect("write etc file");
    }

    /// The server URL phones are given.
    pub fn proxy_url(&self) -> String {
        format!("sip:proxy@127.0.0.1:{}", self.sip_port)
    }
}
