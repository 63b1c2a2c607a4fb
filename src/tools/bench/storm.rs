//! A boot storm: N simulated phones, one thread and one UDP socket each (on its own loopback address,
//! so every phone has a distinct address and source port), released together.
//!
//! - `ours`: `provision.config` as a SIP MESSAGE to `proxy`, the reply MESSAGE, then the HTTP fetch of
//!   the configuration it names (MD5 and size checked), as docs/protocol.md describes.
//! - `floor`: the same request body as a MESSAGE to `echo`, which the bench dialplan sends straight
//!   back with `MessageSend`: Asterisk's own message path, nothing else.
//! - `phoneprov`: `GET /phoneprov/<mac>.cfg` from res_phoneprov.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::generate;
use super::process::Usage;
use super::stats::{Samples, ms};
use crate::sim::http;
use crate::sim::sip::{Identity, SipError, UserAgent};
use digium_phones_core::protocol::{self, Message, Request, Response, method};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Ours,
    Floor,
    Phoneprov,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Floor => "floor",
            Self::Phoneprov => "phoneprov",
        }
    }
}

/// What to run against whom.
#[derive(Debug, Clone)]
pub struct Storm {
    pub mode: Mode,
    pub phones: usize,
    /// Phone numbers are `first..first + phones` (1-based, as generated).
    pub first: usize,
    /// Keeps request ids of successive rounds apart (the server caches replies by id).
    pub round: usize,
    pub sip: SocketAddr,
    pub http_port: u16,
    pub timeout: Duration,
    /// Asterisk's pid, for CPU and memory; `None` measures nothing.
    pub pid: Option<u32>,
    pub ticks_per_second: u64,
    /// `ours` fetches when the reply's `after_ms` says, as a phone should (false: at once).
    pub paced: bool,
}

/// The loopback address of phone `i`: 127.0.x.y with y in 1..=250, never 127.0.0.1.
pub fn phone_ip(i: usize) -> IpAddr {
    let n = i.saturating_sub(1);
    IpAddr::V4(Ipv4Addr::new(127, 0, (1 + n / 250) as u8, (1 + n % 250) as u8))
}

const USER_AGENT: &str = "Digium D70 2_9_11 (bench)";

/// How one phone fared.
struct Outcome {
    /// MESSAGE → reply MESSAGE (ours, floor), or the HTTP fetch (phoneprov).
    rtt: Option<Duration>,
    /// From the phone's start to its end, failed or not.
    total: Duration,
    finished: Instant,
    error: Option<String>,
}

/// The result of one storm.
pub struct Report {
    pub storm: Storm,
    pub ok: usize,
    pub errors: BTreeMap<String, usize>,
    pub wall: Duration,
    pub rtt: Samples,
    pub total: Samples,
    pub before: Option<Usage>,
    pub after: Option<Usage>,
    /// This process's own CPU time during the storm.
    pub own_cpu: Duration,
    /// Connections the kernel dropped because an accept queue was full during the storm (every
    /// listening socket of the namespace: in the benchmark, Asterisk's HTTP server's).
    pub listen_overflows: Option<u64>,
}

impl Report {
    pub fn failures(&self) -> usize {
        self.storm.phones - self.ok
    }

    /// Completed phones per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// One line of `key=value` pairs, read by contrib/bench.sh.
    pub fn line(&self) -> String {
        let s = &self.storm;
        let cpu = match (self.before, self.after) {
            (Some(b), Some(a)) => {
                format!("{:.2}", a.cpu_since(&b, s.ticks_per_second).as_secs_f64())
            }
            _ => "-".into(),
        };
        let rss = |u: Option<Usage>| u.map_or("-".into(), |u| u.rss_kib.to_string());
        format!(
            "storm mode={} phones={} round={} ok={} failures={} wall_ms={} rate={:.1} rtt_p50_ms={} \
             rtt_p99_ms={} rtt_max_ms={} total_p50_ms={} total_p99_ms={} cpu_s={cpu} \
             rss_before_kib={} rss_after_kib={} loadgen_cpu_s={:.2} listen_overflows={}",
            s.mode.name(),
            s.phones,
            s.round,
            self.ok,
            self.failures(),
            ms(self.wall),
            self.rate(),
            ms(self.rtt.percentile(50.0)),
            ms(self.rtt.percentile(99.0)),
            ms(self.rtt.max()),
            ms(self.total.percentile(50.0)),
            ms(self.total.percentile(99.0)),
            rss(self.before),
            rss(self.after),
            self.own_cpu.as_secs_f64(),
            self.listen_overflows.map_or("-".into(), |n| n.to_string()),
        )
    }
}

/// Runs the storm: every phone binds its socket, then all start together.
pub fn run(storm: &Storm) -> Report {
    let barrier = Arc::new(Barrier::new(storm.phones + 1));
    let threads: Vec<_> = (0..storm.phones)
        .map(|k| {
            let (storm, barrier) = (storm.clone(), barrier.clone());
            std::thread::Builder::new()
                .name(format!("phone-{k}"))
                .stack_size(256 << 10)
                .spawn(move || phone(&storm, storm.first + k, &barrier))
                .expect("spawn a phone thread")
        })
        .collect();
    let pid = storm.pid.map(|p| p.to_string());
    let sample = || pid.as_deref().and_then(|p| Usage::of(p).ok());
    let own_before = Usage::of("self").ok();
    let before = sample();
    let overflows_before = super::process::listen_overflows();
    // Taken before the wait: this thread arrives last and releases the phones, and a fast phone
    // may finish before this thread runs again.
    let start = Instant::now();
    barrier.wait();
    let outcomes: Vec<Outcome> =
        threads.into_iter().map(|t| t.join().expect("a phone thread panicked")).collect();
    let after = sample();
    let listen_overflows = super::process::listen_overflows()
        .zip(overflows_before)
        .map(|(after, before)| after.saturating_sub(before));
    let own_cpu = match (own_before, Usage::of("self").ok()) {
        (Some(b), Some(a)) => a.cpu_since(&b, storm.ticks_per_second),
        _ => Duration::ZERO,
    };
    let wall = outcomes.iter().map(|o| o.finished.saturating_duration_since(start)).max();
    let mut errors = BTreeMap::new();
    for error in outcomes.iter().filter_map(|o| o.error.as_ref()) {
        *errors.entry(error.clone()).or_insert(0) += 1;
    }
    Report {
        storm: storm.clone(),
        ok: outcomes.iter().filter(|o| o.error.is_none()).count(),
        errors,
        wall: wall.unwrap_or_default(),
        rtt: Samples::new(outcomes.iter().filter_map(|o| o.rtt).collect()),
        total: Samples::new(
            outcomes.iter().filter(|o| o.error.is_none()).map(|o| o.total).collect(),
        ),
        before,
        after,
        own_cpu,
        listen_overflows,
    }
}

/// One phone: prepare, wait for the others, run, and say how it went.
fn phone(storm: &Storm, i: usize, barrier: &Barrier) -> Outcome {
    let prepared = match storm.mode {
        Mode::Ours | Mode::Floor => bind(storm, i).map(Some),
        Mode::Phoneprov => Ok(None),
    };
    barrier.wait();
    let start = Instant::now();
    let deadline = start + storm.timeout;
    let mut rtt = None;
    let result = match prepared {
        Err(e) => Err(format!("bind: {e}")),
        Ok(agent) => match (storm.mode, agent) {
            (Mode::Ours, Some(mut agent)) => ours(storm, i, &mut agent, start, deadline, &mut rtt),
            (Mode::Floor, Some(mut agent)) => floor(storm, i, &mut agent, deadline, &mut rtt),
            _ => phoneprov(storm, i, start, deadline, &mut rtt),
        },
    };
    let finished = Instant::now();
    Outcome { rtt, total: finished - start, finished, error: result.err() }
}

fn bind(storm: &Storm, i: usize) -> std::io::Result<UserAgent> {
    let user = match storm.mode {
        Mode::Floor => "echo",
        _ => "proxy",
    };
    let identity = Identity {
        server_uri: format!("sip:{user}@{}", storm.sip),
        server: storm.sip,
        user: generate::mac(i),
        user_agent: USER_AGENT.into(),
    };
    UserAgent::bind(identity, Some(SocketAddr::new(phone_ip(i), 0)))
}

/// The provision.config request phone `i` sends (the floor sends the same bytes).
fn config_request(storm: &Storm, i: usize) -> Request {
    Request::new(format!("b{}-{i}", storm.round), method::CONFIG)
        .with_param("mac", generate::mac(i))
        .with_param("model", "D70")
        .with_param("profile", generate::profile(i))
        .with_param("pin", generate::pin(i))
}

fn sip_error(error: SipError) -> String {
    match error {
        SipError::NoAnswer(_) => "sip: no final response to the MESSAGE".into(),
        SipError::Rejected { code, reason } => format!("sip: MESSAGE answered {code} {reason}"),
        SipError::Io(e) => format!("sip: {e}"),
    }
}

/// Sends `body` and waits for the reply MESSAGE that `accept` recognises; returns it and sets the
/// round trip.
fn exchange<T>(
    agent: &mut UserAgent,
    body: &str,
    deadline: Instant,
    rtt: &mut Option<Duration>,
    accept: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    let sent = Instant::now();
    agent.send_message(body, deadline).map_err(sip_error)?;
    loop {
        let Some(reply) = agent.next_body(deadline).map_err(sip_error)? else {
            return Err("no reply MESSAGE before the deadline".into());
        };
        let text = String::from_utf8_lossy(&reply);
        if let Some(found) = accept(&text) {
            *rtt = Some(sent.elapsed());
            return Ok(found);
        }
    }
}

fn ours(
    storm: &Storm,
    i: usize,
    agent: &mut UserAgent,
    _start: Instant,
    deadline: Instant,
    rtt: &mut Option<Duration>,
) -> Result<(), String> {
    let request = config_request(storm, i);
    let response =
        exchange(agent, &request.to_xml(), deadline, rtt, |text| match protocol::parse(text) {
            Ok(Message::Response(response)) if response.id == request.id => Some(response),
            _ => None,
        })?;
    let Response { result, .. } = response;
    let result = result.map_err(|e| format!("refused: {} {}", e.code, e.message))?;
    let config = result.iter().find(|e| e.name == "config").ok_or("the reply has no <config>")?;
    let (url, md5) = match (config.get("url"), config.get("md5")) {
        (Some(url), Some(md5)) => (url, md5),
        _ => return Err("the reply's <config> lacks url or md5".into()),
    };
    if storm.paced {
        crate::sim::wait_as_told(config);
    }
    let body = http::get(url, USER_AGENT, Some(phone_ip(i)), deadline)
        .map_err(|e| format!("http: {}", without_url(&e.to_string(), url)))?;
    if format!("{:x}", md5::compute(&body)) != md5 {
        return Err("the configuration does not have the announced MD5".into());
    }
    Ok(())
}

fn floor(
    storm: &Storm,
    i: usize,
    agent: &mut UserAgent,
    deadline: Instant,
    rtt: &mut Option<Duration>,
) -> Result<(), String> {
    let body = config_request(storm, i).to_xml();
    exchange(agent, &body, deadline, rtt, |text| (text == body).then_some(()))
}

fn phoneprov(
    storm: &Storm,
    i: usize,
    start: Instant,
    deadline: Instant,
    rtt: &mut Option<Duration>,
) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{}/phoneprov/{}.cfg", storm.http_port, generate::mac(i));
    let body = http::get(&url, USER_AGENT, Some(phone_ip(i)), deadline)
        .map_err(|e| format!("http: {}", without_url(&e.to_string(), &url)))?;
    *rtt = Some(start.elapsed());
    let secret = generate::secret(generate::extens(i).0);
    if !String::from_utf8_lossy(&body).contains(&secret) {
        return Err("the configuration is not this phone's".into());
    }
    Ok(())
}

/// Error texts without the per-phone URL, so equal failures are counted together.
fn without_url(text: &str, url: &str) -> String {
    text.replace(url, "<url>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_get_distinct_loopback_addresses() {
        assert_eq!(phone_ip(1), IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1)));
        assert_eq!(phone_ip(250), IpAddr::V4(Ipv4Addr::new(127, 0, 1, 250)));
        assert_eq!(phone_ip(251), IpAddr::V4(Ipv4Addr::new(127, 0, 2, 1)));
        assert!(phone_ip(1000).is_loopback());
    }
}
