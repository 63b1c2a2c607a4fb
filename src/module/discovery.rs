//! The mDNS responder: advertises `_digiumproxy._udp` so factory-fresh phones find this server.
//!
//! It runs on one module-owned thread with its own socket (port 5353 shared with any local
//! avahi-daemon), answers queries about our records, announces on start and says goodbye on stop.
//! A reload that changes the advertisement restarts it. A bind failure is logged and never stops the
//! module from loading.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::ffi::{log, thread};
use digium_phones_core::discovery::{self, Advert, dns};
use digium_phones_core::model::Model;

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 251);
const PORT: u16 = 5353;

/// What `digium_phones show discovery` reports.
#[derive(Debug, Clone)]
pub(crate) enum State {
    Advertising(Advert),
    NotAdvertised(String),
    Failed(Advert, String),
}

struct Running {
    advert: Advert,
    stop: Arc<AtomicBool>,
    // Dropping the thread handle joins it (after `stop` is set).
    _thread: thread::Thread,
}

pub(crate) struct Responder {
    running: Option<Running>,
    state: Arc<Mutex<State>>,
}

impl Responder {
    pub fn new() -> Self {
        Self {
            running: None,
            state: Arc::new(Mutex::new(State::NotAdvertised("not started".into()))),
        }
    }

    /// Brings the advertisement in line with `model`: starts, restarts or stops the responder.
    pub fn apply(&mut self, model: &Model) {
        let wanted = discovery::plan(model, &host_label());
        if let (Some(r), Ok(a)) = (&self.running, &wanted) {
            if &r.advert == a {
                return;
            }
        }
        self.stop();
        match wanted {
            Err(why) => {
                *self.state.lock().unwrap_or_else(|p| p.into_inner()) =
                    State::NotAdvertised(why.to_string())
            }
            Ok(advert) => self.start(advert),
        }
    }

    fn start(&mut self, advert: Advert) {
        let stop = Arc::new(AtomicBool::new(false));
        let (s, a, st) = (stop.clone(), advert.clone(), self.state.clone());
        match thread::spawn("dpma-mdns", move || serve(&a, &s, &st)) {
            Ok(t) => self.running = Some(Running { advert, stop, _thread: t }),
            Err(e) => {
                log::warning(&format!("mDNS responder not started: {e}"));
                *self.state.lock().unwrap_or_else(|p| p.into_inner()) =
                    State::Failed(advert, e.to_string());
            }
        }
    }

    fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop.store(true, Ordering::Relaxed);
            // `r` drops here: the thread sends its goodbye and is joined.
        }
    }

    /// The view of what it is doing that the CLI reads.
    pub fn shown(&self) -> Arc<Mutex<State>> {
        self.state.clone()
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop();
    }
}

/// This machine's host name, as the label of our A record (`<label>.local`).
fn host_label() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim().split('.').next().unwrap_or("asterisk");
    format!("{}-digium-phones", if name.is_empty() { "asterisk" } else { name })
}

fn socket(address: Ipv4Addr) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.set_reuse_port(true)?;
    s.bind(&SockAddr::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, PORT)))?;
    // Only on the interface that carries the advertised address.
    s.join_multicast_v4(&GROUP, &address)?;
    s.set_multicast_if_v4(&address)?;
    s.set_multicast_ttl_v4(255)?;
    s.set_multicast_loop_v4(true)?;
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(Duration::from_millis(200)))?;
    Ok(s)
}

fn serve(advert: &Advert, stop: &AtomicBool, state: &Mutex<State>) {
    let set = |s: State| *state.lock().unwrap_or_else(|p| p.into_inner()) = s;
    let sock = match socket(advert.address) {
        Ok(s) => s,
        Err(e) => {
            log::warning(&format!(
                "mDNS: cannot listen on {} (port {PORT}): {e}; phones will not discover this server",
                advert.address
            ));
            set(State::Failed(advert.clone(), e.to_string()));
            return;
        }
    };
    let group = SocketAddr::V4(SocketAddrV4::new(GROUP, PORT));
    log::notice(&format!(
        "mDNS: advertising \"{}\" as {} on {}",
        advert.instance,
        advert.sip_url(),
        advert.address
    ));
    set(State::Advertising(advert.clone()));
    // RFC 6762 §8.3: announce twice, one second apart.
    let announcement = advert.announcement();
    let _ = sock.send_to(&announcement, group);
    let mut second_announcement = Some(Instant::now() + Duration::from_secs(1));
    let mut buf = [0u8; 9000];
    while !stop.load(Ordering::Relaxed) {
        if second_announcement.is_some_and(|at| Instant::now() >= at) {
            let _ = sock.send_to(&announcement, group);
            second_announcement = None;
        }
        let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
        let Ok(query) = dns::parse(&buf[..n]) else { continue };
        if query.is_response() {
            continue;
        }
        // A one-shot querier (source port not 5353) is a plain resolver: RFC 6762 §6.7 answers it
        // directly, in its own terms; a QU question gets the mDNS answer by unicast.
        let (reply, to) = if from.port() != PORT {
            (advert.legacy_answers(&query), from)
        } else if query.questions.iter().any(|q| q.unicast_response) {
            (advert.answers(&query), from)
        } else {
            (advert.answers(&query), group)
        };
        if let Some(reply) = reply {
            let _ = sock.send_to(&reply, to);
        }
    }
    let _ = sock.send_to(&advert.goodbye(), group);
    log::notice(&format!("mDNS: \"{}\" withdrawn", advert.instance));
}

/// What the responder is doing, for `show discovery`; `None` while the module is not loaded.
pub(crate) fn state() -> Option<State> {
    let state = super::state::get()?;
    let advertising = state.discovery.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Some(advertising)
}
