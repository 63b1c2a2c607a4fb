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
        let sip_port = free_udp_port();
        let http_port = free_tcp_port();
        let ami_port = free_tcp_port();
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

    /// One AMI action (as `Key: Value` pairs) after logging in; returns the response block.
    pub fn ami(&self, action: &[(&str, &str)]) -> String {
        use std::io::{BufRead, BufReader, Write};
        let stream =
            std::net::TcpStream::connect(("127.0.0.1", self.ami_port)).expect("connect AMI");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut banner = String::new();
        reader.read_line(&mut banner).unwrap();
        let read_block = |reader: &mut BufReader<std::net::TcpStream>| {
            let mut block = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    return block;
                }
                block.push_str(&line);
            }
        };
        write!(writer, "Action: Login\r\nUsername: sandbox\r\nSecret: sandbox\r\n\r\n").unwrap();
        let login = read_block(&mut reader);
        assert!(login.contains("Success"), "AMI login failed: {login}");
        let mut text = String::new();
        for (k, v) in action {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("ActionID: t1\r\n\r\n");
        writer.write_all(text.as_bytes()).unwrap();
        // Skip events until the response to our action.
        loop {
            let block = read_block(&mut reader);
            if block.contains("ActionID: t1") || block.is_empty() {
                let _ = writer.write_all(b"Action: Logoff\r\n\r\n");
                return block;
            }
        }
    }

    /// A plain HTTP GET to the instance's HTTP server: (status, body).
    pub fn http_get(&self, path: &str, user_agent: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s =
            std::net::TcpStream::connect(("127.0.0.1", self.http_port)).expect("connect HTTP");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: {user_agent}\r\nConnection: close\r\n\r\n",
            self.http_port
        )
        .unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let status = raw.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    /// The server URL phones are given.
    pub fn proxy_url(&self) -> String {
        format!("sip:proxy@127.0.0.1:{}", self.sip_port)
    }
}

/// A finished simulator run.
pub struct PhoneRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the phone simulator against `ast` with extra arguments.
pub fn phone(ast: &Asterisk, args: &[&str]) -> PhoneRun {
    let out = Command::new(env!("CARGO_BIN_EXE_digium-phones"))
        .args(["phone", "--server", &ast.proxy_url(), "--timeout", "10"])
        .args(args)
        .output()
        .expect("run digium-phones phone");
    PhoneRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Subscribes to `exten`'s presence as user `from_user` with a Digium User-Agent and returns the body
/// of the first NOTIFY that contains `needle` (answering every NOTIFY with 200 OK), if one comes.
pub fn subscribe_presence(
    ast: &Asterisk,
    from_user: &str,
    exten: &str,
    needle: &str,
) -> Option<String> {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let local = sock.local_addr().unwrap();
    let request = format!(
        "SUBSCRIBE sip:{exten}@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bKsub{lp};rport\r\n\
         From: <sip:{from_user}@127.0.0.1>;tag=sub{lp}\r\n\
         To: <sip:{exten}@127.0.0.1:{port}>\r\n\
         Call-ID: sub-{lp}@127.0.0.1\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\n\
         Contact: <sip:{from_user}@{local}>\r\nEvent: presence\r\nAccept: application/pidf+xml\r\n\
         Expires: 120\r\nUser-Agent: Digium D70 2_9_11_0\r\nContent-Length: 0\r\n\r\n",
        port = ast.sip_port,
        lp = local.port(),
    );
    sock.send_to(request.as_bytes(), ("127.0.0.1", ast.sip_port)).expect("send");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = vec![0u8; 65536];
    while Instant::now() < deadline {
        let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("NOTIFY ") {
            continue;
        }
        let _ = sock.send_to(sip_ok(&text).as_bytes(), from);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        if body.contains(needle) {
            return Some(body.to_string());
        }
    }
    None
}

/// A bare SIP user agent for requests the simulator would never send: one MESSAGE with `body` to
/// `sip:proxy@`, then the body of the server's reply MESSAGE (answered with 200 OK), if one comes.
pub fn raw_message(ast: &Asterisk, from_user: &str, body: &str) -> Option<String> {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let local = sock.local_addr().unwrap();
    let branch = format!("z9hG4bK{}", std::process::id() ^ u32::from(local.port()));
    let call_id = format!("raw-{}-{}@127.0.0.1", std::process::id(), local.port());
    let request = format!(
        "MESSAGE sip:proxy@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
         From: <sip:{from_user}@{local}>;tag=raw{lp}\r\n\
         To: <sip:proxy@127.0.0.1:{port}>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n\
         User-Agent: Digium D70 test\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: {len}\r\n\r\n{body}",
        port = ast.sip_port,
        lp = local.port(),
        len = body.len(),
    );
    sock.send_to(request.as_bytes(), ("127.0.0.1", ast.sip_port)).expect("send");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = vec![0u8; 65536];
    while Instant::now() < deadline {
        let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("MESSAGE ") {
            continue; // a response to our request (202 Accepted)
        }
        let _ = sock.send_to(sip_ok(&text).as_bytes(), from);
        return Some(text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string());
    }
    None
}

/// Two network namespaces joined by a veth pair: a server side and a client side, with addresses
/// that exist only inside them. Removed on drop.
pub struct NetnsPair {
    pub server: String,
    pub client: String,
    pub server_ip: String,
    pub client_ip: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl NetnsPair {
    pub fn new(tag: &str) -> Self {
        let id = std::process::id() % 250;
        let (server, client) = (format!("rdp-{tag}-s{id}"), format!("rdp-{tag}-c{id}"));
        let (vs, vc) = (format!("rdp{id}{tag}s"), format!("rdp{id}{tag}c"));
        let (vs, vc) =
            (vs.chars().take(15).collect::<String>(), vc.chars().take(15).collect::<String>());
        for ns in [&server, &client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&["link", "add", &vs, "type", "veth", "peer", "name", &vc]);
        ip(&["link", "set", &vs, "netns", &server]);
        ip(&["link", "set", &vc, "netns", &client]);
        let (server_ip, client_ip) = (format!("10.231.{id}.1"), format!("10.231.{id}.2"));
        for (ns, dev, addr) in [(&server, &vs, &server_ip), (&client, &vc, &client_ip)] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up", "multicast", "on"]);
            ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
        }
        Self { server, client, server_ip, client_ip }
    }

    /// A command to run inside the client namespace.
    pub fn in_client(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.client, program]);
        c
    }
}

impl Drop for NetnsPair {
    fn drop(&mut self) {
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// The `200 OK` a user agent answers an in-coming SIP request with (a To tag added when missing).
pub fn sip_ok(request: &str) -> String {
    let head = request.split_once("\r\n\r\n").map_or(request, |(h, _)| h);
    let header = |name: &str| {
        head.lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap_or_default()
            .to_string()
    };
    let to = header("to");
    let to = if to.contains(";tag=") { to } else { format!("{to};tag=ua") };
    format!(
        "SIP/2.0 200 OK\r\n{}\r\n{}\r\n{to}\r\n{}\r\n{}\r\nContent-Length: 0\r\n\r\n",
        header("via"),
        header("from"),
        header("call-id"),
        header("cseq")
    )
}
