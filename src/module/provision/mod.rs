//! Provisioning: phones' MESSAGE requests answered by module workers, documents served over HTTP,
//! sessions, and reconfiguration.
//!
//! Threads: Asterisk's message thread only copies a message and queues it ([`queue`]); workers
//! (module-owned pthreads) parse, decide with `core::provision`, and reply with `ast_msg_send`, which
//! blocks. HTTP requests are answered on Asterisk's HTTP session threads from the same shared state.

mod apps;
pub(crate) use apps::cli::commands as app_commands;
pub(crate) use apps::live::Live as LiveApps;
mod inbound;
mod security;
mod web;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::ffi::message::{self, Inbound};
use crate::ffi::{cli, http, log, thread};
use digium_phones_core::model::Model;
use digium_phones_core::protocol::{self, Event};
use digium_phones_core::provision::files::Md5Cache;
use digium_phones_core::provision::httpauth::NonceStore;
use digium_phones_core::provision::lockout::Lockouts;
use digium_phones_core::provision::pacing::FetchPacer;
use digium_phones_core::provision::{Recent, SessionTable, TokenStore};
use digium_phones_core::queue::Queue;

use super::{settings, state};
use digium_phones_core::settings::HttpServer;

/// The AMI bridge for custom phone apps (apps/bridge.rs).
pub(crate) use apps::bridge::{Service as AppBridge, show_command as app_bridge_command};

/// Work for the module's threads.
pub(crate) enum Job {
    Inbound(Inbound),
    /// A server → phone MESSAGE (events).
    Send {
        to: String,
        from: String,
        body: String,
    },
    /// A CLI command (no C API does what it does).
    Cli(String),
    /// Work an Asterisk callback may not do itself (applications' live updates run AMI actions).
    Run(Box<dyn FnOnce(&Shared) + Send>),
}

/// What workers and HTTP callbacks share.
pub(crate) struct Shared {
    pub queue: Queue<Job>,
    pub tokens: Mutex<TokenStore>,
    pub sessions: Mutex<SessionTable>,
    /// Replies by (source address, request id): a phone that did not get an answer asks again.
    pub replies: Mutex<Recent<(String, String), String>>,
    /// (Call-ID, CSeq) of messages already taken: one that arrives by both ways is answered once.
    pub seen: Mutex<Recent<(String, String), ()>>,
    pub http: RwLock<Option<HttpServer>>,
    /// Failed secrets per address and per (account, address), and probing per address.
    pub lockouts: Mutex<Lockouts>,
    /// The Digest nonces handed out by HTTP challenges.
    pub nonces: Mutex<NonceStore>,
    /// Phones that fetched `<mac>.cfg`: profile → primary line, for check-sync on reconfigure.
    pub stock: Mutex<HashMap<String, String>>,
    /// MD5s of the files configurations name, by path and modification time.
    pub md5s: Mutex<Md5Cache>,
    /// Endpoint passwords from pjsip.conf, read on load and reload (not on every phone request).
    pub endpoint_passwords: RwLock<HashMap<String, String>>,
    /// One-touch recordings running: channel name → MixMonitor id (record.start/stop).
    pub recordings: Mutex<HashMap<String, String>>,
    /// When phones fetch the documents replies name (a storm must not overflow the HTTP backlog).
    pub pacer: Mutex<FetchPacer>,
    started: Instant,
    event_ids: std::sync::atomic::AtomicU64,
}

impl Shared {
    pub fn new() -> Self {
        let shared = Self {
            queue: Queue::new(QUEUE_CAPACITY),
            tokens: Mutex::new(TokenStore::default()),
            sessions: Mutex::new(SessionTable::default()),
            replies: Mutex::new(Recent::new(REPLY_TTL, 16_384)),
            seen: Mutex::new(Recent::new(REPLY_TTL, 16_384)),
            http: RwLock::new(None),
            lockouts: Mutex::new(Lockouts::default()),
            nonces: Mutex::default(),
            stock: Mutex::default(),
            md5s: Mutex::default(),
            endpoint_passwords: RwLock::default(),
            recordings: Mutex::default(),
            pacer: Mutex::default(),
            started: Instant::now(),
            event_ids: Default::default(),
        };
        refresh_settings(&shared);
        shared
    }

    /// Seconds on a monotonic clock.
    pub fn now(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Milliseconds on the same clock.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub fn next_event_id(&self) -> String {
        format!("s{}", self.event_ids.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// Takes what the configuration sets for provisioning (on load and on every reload): the lockout
/// policies. Counters and lockouts so far stay.
pub(crate) fn apply_config(shared: &Shared, model: &Model) {
    shared.lockouts.lock().unwrap_or_else(|p| p.into_inner()).set_limits(&model.general.limits);
}

/// 128 bits from the kernel, for tokens and nonces; `None` (logged) if they cannot be read, so
/// nothing predictable is ever handed out.
pub(super) fn random16() -> Option<[u8; 16]> {
    use std::io::Read;
    let mut buf = [0u8; 16];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)) {
        Ok(()) => Some(buf),
        Err(e) => {
            log::error(&format!("cannot read /dev/urandom: {e}"));
            None
        }
    }
}

/// Retransmitted requests within this window get the same reply (SIP's Timer F).
const REPLY_TTL: u64 = 32;
const QUEUE_CAPACITY: usize = 8192;

/// The provisioning tables of the loaded module.
pub(crate) fn shared() -> Option<Arc<Shared>> {
    state::get().map(|s| s.provisioning.clone())
}

/// The running service; dropping it stops taking messages, drains the workers and joins them.
pub(crate) struct Service {
    // Drop order: stop the inputs first, then the workers.
    _messages: message::Registration,
    _route: http::Route,
    workers: Vec<thread::Thread>,
    shared: Arc<Shared>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error(transparent)]
    Messages(#[from] message::RegisterError),
    #[error(transparent)]
    Http(#[from] http::LinkError),
    #[error("cannot start a worker thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl Service {
    /// Starts `workers` threads over `shared`, then takes phones' HTTP requests and messages.
    pub fn start(shared: Arc<Shared>, workers: usize) -> Result<Self, StartError> {
        let mut threads = Vec::new();
        for i in 0..workers.max(1) {
            let s = shared.clone();
            match thread::spawn(&format!("dpma-worker-{i}"), move || worker(&s)) {
                Ok(t) => threads.push(t),
                Err(e) => {
                    shared.queue.close();
                    return Err(e.into());
                }
            }
        }
        let route = http::Route::link(c"digium_phones", c"Digium phone provisioning", web::handle)
            .inspect_err(|_| shared.queue.close())?;
        let messages =
            message::Registration::register(enqueue, true).inspect_err(|_| shared.queue.close())?;
        Ok(Self { _messages: messages, _route: route, workers: threads, shared })
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Inputs are unregistered by the field drops that follow; closing first makes every late job a
        // refusal instead of work for threads about to go.
        self.shared.queue.close();
        // Joined here, explicitly, before the registrations go (fields drop after this body).
        self.workers.clear();
    }
}

/// Re-reads what the module takes from other files (on load and reload): http.conf, whose port may
/// have changed, and the endpoints' passwords in pjsip.conf.
pub(crate) fn refresh_settings(shared: &Shared) {
    *shared.endpoint_passwords.write().unwrap_or_else(|p| p.into_inner()) =
        settings::endpoint_passwords();
    let server = settings::http_server();
    if server.is_none() {
        log::warning(
            "Asterisk's HTTP server is disabled (http.conf): phones can be answered but cannot fetch their configuration",
        );
    }
    *shared.http.write().unwrap_or_else(|p| p.into_inner()) = server;
}

/// Runs on Asterisk's message thread: copy in, queue, return.
fn enqueue(msg: Inbound) {
    if let Some(shared) = shared() {
        if !shared.queue.push(Job::Inbound(msg)) {
            log::warning("provisioning queue full; a phone request was dropped");
        }
    }
}

fn worker(shared: &Shared) {
    while let Some(job) = shared.queue.pop() {
        match job {
            Job::Inbound(msg) => inbound::handle(shared, msg),
            Job::Send { to, from, body } => {
                if let Err(e) = message::send(&to, &from, &body, &[]) {
                    log::warning(&format!("event to {to} not sent: {e}"));
                }
            }
            Job::Cli(command) => {
                if !cli::run(&command) {
                    log::warning(&format!("'{command}' failed"));
                }
            }
            Job::Run(work) => work(shared),
        }
    }
}

/// What a reconfigure reached.
pub(crate) struct Reconfigured {
    pub sessions: usize,
    /// Phones provisioned over HTTP, sent a SIP NOTIFY `Event: check-sync` on their primary line.
    pub check_sync: usize,
}

impl std::fmt::Display for Reconfigured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reconfigure sent to {} sessions", self.sessions)?;
        if self.check_sync > 0 {
            write!(
                f,
                "; check-sync NOTIFY sent to {} phones provisioned over HTTP",
                self.check_sync
            )?;
        }
        Ok(())
    }
}

/// Endpoint names go into a CLI command line: only plain names.
fn plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.@+".contains(c))
}

/// Sends `event.reconfigure` to every session of `profile` (or of every profile), and check-sync to
/// phones of it that fetched their configuration over HTTP.
pub(crate) fn reconfigure(profile: Option<&str>) -> Reconfigured {
    let mut done = Reconfigured { sessions: 0, check_sync: 0 };
    let Some(shared) = shared() else { return done };
    let stock: Vec<String> = shared
        .stock
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|(p, _)| profile.is_none_or(|want| want == p.as_str()))
        .map(|(_, line)| line.clone())
        .collect();
    for line in stock {
        if !plain_name(&line) {
            log::warning(&format!("no check-sync for line '{line}': not a plain endpoint name"));
            continue;
        }
        // pjsip_notify.conf's [digium-check-cfg] (in Asterisk's sample) is Event: check-sync.
        if shared
            .queue
            .push(Job::Cli(format!("pjsip send notify digium-check-cfg endpoint {line}")))
        {
            done.check_sync += 1;
        }
    }
    done.sessions = send_events(&shared, profile);
    done
}

fn send_events(shared: &Shared, profile: Option<&str>) -> usize {
    push(
        shared,
        profile,
        protocol::method::RECONFIGURE,
        vec![protocol::Element::new("reason").text("config")],
    )
}

/// Sends the event `method` with `data` to every session of `profile` (or of every profile); the
/// number queued. Events go out on the workers, never on the caller's thread.
pub(crate) fn push(
    shared: &Shared,
    profile: Option<&str>,
    method: &str,
    data: Vec<protocol::Element>,
) -> usize {
    let targets: Vec<(String, String)> = {
        let sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .all()
            .iter()
            .filter(|s| profile.is_none_or(|p| s.profile == p))
            .map(|s| (s.reply_to.clone(), s.server.clone()))
            .collect()
    };
    let mut sent = 0;
    for (to, server) in targets {
        let mut event = Event::new(shared.next_event_id(), method);
        event.data = data.clone();
        let job = Job::Send { to, from: format!("<sip:proxy@{server}>"), body: event.to_xml() };
        if shared.queue.push(job) {
            sent += 1;
        }
    }
    sent
}
