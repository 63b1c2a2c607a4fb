//! A reload under watch: the module's configuration file is replaced and `module reload` is run over
//! AMI (synchronous: the answer comes when the reload is done), while two probes keep asking, one
//! request at a time — one through Asterisk's message thread and the dialplan (the floor's echo), one
//! through the module (`provision.config`, reply only). A probe's round trip that spans the reload
//! shows how long the reload held it up.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::generate;
use super::process::Usage;
use super::stats::{Samples, ms};
use super::storm::{self, Mode};
use crate::sim::sip::{Identity, UserAgent};
use digium_phones_core::protocol::{self, Message, Request, method};

pub struct Reload {
    pub ami_port: u16,
    pub sip: SocketAddr,
    /// The instance's res_digium_phone.conf, as seen from here.
    pub conf: PathBuf,
    /// What to put there.
    pub with: PathBuf,
    pub pid: u32,
    pub ticks_per_second: u64,
    /// Probing before and after the reload.
    pub settle: Duration,
    /// Without probes, the memory figures are the module's alone: every MESSAGE grows Asterisk's
    /// own memory a little.
    pub probes: bool,
}

/// One probe request: when it was sent and how long its reply took (`None`: none came).
type Probe = (Instant, Option<Duration>);

pub fn run(r: &Reload) -> Result<String, String> {
    let mut ami = Ami::login(r.ami_port)?;
    let stop = Arc::new(AtomicBool::new(false));
    let modes: &[Mode] = if r.probes { &[Mode::Floor, Mode::Ours] } else { &[] };
    let probes: Vec<_> = modes
        .iter()
        .copied()
        .map(|mode| {
            let (stop, sip) = (stop.clone(), r.sip);
            std::thread::spawn(move || probe(mode, sip, &stop))
        })
        .collect();
    std::thread::sleep(r.settle);
    let before = Usage::of(&r.pid.to_string()).map_err(|e| format!("asterisk pid: {e}"))?;
    install(&r.conf, &r.with)?;
    let t0 = Instant::now();
    let answer = ami.action("Reload", &[("Module", "res_digium_phone.so")])?;
    let t1 = Instant::now();
    let cpu = Usage::of(&r.pid.to_string())
        .map_err(|e| e.to_string())?
        .cpu_since(&before, r.ticks_per_second);
    std::thread::sleep(r.settle);
    stop.store(true, Ordering::Relaxed);
    let results: Vec<Vec<Probe>> =
        probes.into_iter().map(|p| p.join().expect("probe thread panicked")).collect();
    let after = Usage::of(&r.pid.to_string()).map_err(|e| e.to_string())?;
    let response = answer
        .lines()
        .find_map(|l| l.strip_prefix("Message: "))
        .unwrap_or("(no message)")
        .to_string();
    let mut line = format!(
        "reload file={} reload_ms={} answer={:?} cpu_s={:.2} rss_before_kib={} rss_after_kib={}",
        r.with.display(),
        ms(t1 - t0),
        response,
        cpu.as_secs_f64(),
        before.rss_kib,
        after.rss_kib,
    );
    for (mode, samples) in modes.iter().zip(&results) {
        let quiet: Vec<Duration> = samples
            .iter()
            .filter(|(sent, rtt)| rtt.is_some_and(|d| *sent + d < t0) || *sent > t1)
            .filter_map(|(_, rtt)| *rtt)
            .collect();
        let during: Vec<Duration> = samples
            .iter()
            .filter(|(sent, rtt)| *sent <= t1 && rtt.is_none_or(|d| *sent + d >= t0))
            .map(|(_, rtt)| rtt.unwrap_or(Duration::MAX))
            .collect();
        let lost = samples.iter().filter(|(_, rtt)| rtt.is_none()).count();
        let quiet = Samples::new(quiet);
        let during = Samples::new(during);
        line.push_str(&format!(
            " {m}_probes={} {m}_quiet_p50_ms={} {m}_during_n={} {m}_during_max_ms={} {m}_lost={lost}",
            samples.len(),
            ms(quiet.percentile(50.0)),
            during.len(),
            if during.max() == Duration::MAX { "lost".into() } else { ms(during.max()) },
            m = mode.name(),
        ));
    }
    Ok(line)
}

/// Replaces the file so that Asterisk sees a change: new bytes, and a modification time moved on.
fn install(conf: &PathBuf, with: &PathBuf) -> Result<(), String> {
    let text = std::fs::read(with).map_err(|e| format!("{}: {e}", with.display()))?;
    let old = std::fs::metadata(conf).and_then(|m| m.modified()).unwrap_or(SystemTime::now());
    std::fs::write(conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;
    let f = std::fs::File::options().write(true).open(conf).map_err(|e| e.to_string())?;
    f.set_modified(old.max(SystemTime::now()) + Duration::from_secs(2)).map_err(|e| e.to_string())
}

/// Asks one request at a time until told to stop; phone 1's identity, a loopback address of its own.
fn probe(mode: Mode, sip: SocketAddr, stop: &AtomicBool) -> Vec<Probe> {
    let user = if mode == Mode::Floor { "echo" } else { "proxy" };
    let identity = Identity {
        server_uri: format!("sip:{user}@{sip}"),
        server: sip,
        user: generate::mac(1),
        user_agent: "Digium D70 2_9_11 (bench probe)".into(),
    };
    let local =
        SocketAddr::new(storm::phone_ip(if mode == Mode::Floor { 60_001 } else { 60_002 }), 0);
    let Ok(mut agent) = UserAgent::bind(identity, Some(local)) else { return Vec::new() };
    let mut samples = Vec::new();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let request = Request::new(format!("probe-{}-{n}", std::process::id()), method::CONFIG)
            .with_param("mac", generate::mac(1))
            .with_param("model", "D70")
            .with_param("profile", generate::profile(1))
            .with_param("pin", generate::pin(1));
        let body = request.to_xml();
        let sent = Instant::now();
        let deadline = sent + Duration::from_secs(10);
        let mut rtt = None;
        let ok = agent.send_message(&body, deadline).is_ok()
            && loop {
                match agent.next_body(deadline) {
                    Ok(Some(reply)) => {
                        let text = String::from_utf8_lossy(&reply);
                        let mine = match mode {
                            Mode::Floor => text == body,
                            _ => matches!(protocol::parse(&text),
                                Ok(Message::Response(r)) if r.id == request.id),
                        };
                        if mine {
                            break true;
                        }
                    }
                    _ => break false,
                }
            };
        if ok {
            rtt = Some(sent.elapsed());
        }
        samples.push((sent, rtt));
        std::thread::sleep(Duration::from_millis(2));
    }
    samples
}

/// A logged-in AMI connection (the sandbox's `sandbox` user).
struct Ami {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next: u32,
}

impl Ami {
    fn login(port: u16) -> Result<Self, String> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("AMI: {e}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        let mut ami = Self { reader: BufReader::new(stream), writer, next: 0 };
        let mut banner = String::new();
        ami.reader.read_line(&mut banner).map_err(|e| format!("AMI: {e}"))?;
        let login = ami.action("Login", &[("Username", "sandbox"), ("Secret", "sandbox")])?;
        if !login.contains("Success") {
            return Err(format!("AMI login refused: {login}"));
        }
        Ok(ami)
    }

    /// Sends an action and returns its response block (events in between are skipped).
    fn action(&mut self, action: &str, fields: &[(&str, &str)]) -> Result<String, String> {
        self.next += 1;
        let id = format!("bench-{}", self.next);
        let mut text = format!("Action: {action}\r\nActionID: {id}\r\n");
        for (k, v) in fields {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        self.writer.write_all(text.as_bytes()).map_err(|e| format!("AMI: {e}"))?;
        loop {
            let mut block = String::new();
            loop {
                let mut line = String::new();
                let n = self.reader.read_line(&mut line).map_err(|e| format!("AMI: {e}"))?;
                if n == 0 {
                    return Err("AMI closed the connection".into());
                }
                if line == "\r\n" {
                    break;
                }
                block.push_str(&line);
            }
            if block.contains(&format!("ActionID: {id}")) {
                return Ok(block);
            }
        }
    }
}
