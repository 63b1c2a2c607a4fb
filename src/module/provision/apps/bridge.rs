//! The AMI bridge for custom phone apps (docs/protocol.md, "App servers"): `app.request` from a
//! phone becomes a `DPMAMessage` event for the app server that registered the method with
//! `DPMAMessageRegister`; its `DPMAMessageResponse` is the phone's answer; `DPMAMessageSend` pushes
//! an `app.event` to every session of a phone.
//!
//! Nothing here waits for an app server: a request is recorded (bounded in number) and the worker
//! returns; the answer goes out from the AMI action that brings it, or from the sweeper thread when
//! the time is up or the app server's AMI session has ended.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use crate::ffi::cli::{Args, Command, Outcome};
use crate::ffi::manager::{self, Registration, SessionAction};
use crate::ffi::manager_session::{Liveness, Session};
use crate::ffi::{log, manager_event, thread};
use crate::module::{ModuleError, config};
use digium_phones_core::apps::bridge::pending::{Admitted, Done, Pending};
use digium_phones_core::apps::bridge::registry::{Registered, Registry};
use digium_phones_core::apps::bridge::{self, code, json};
use digium_phones_core::protocol::{ErrorReply, Request, Response};

use super::super::inbound::{LaterReply, Origin, reply_later};
use super::super::{Shared, StartError, push, random16};
use super::{Caller, Reply, error};

/// An app server: the key of its AMI session's [`Liveness`].
type Server = usize;

/// How often the sweeper looks for ended AMI sessions when no deadline is nearer.
const SWEEP: Duration = Duration::from_millis(250);

struct Tables {
    registry: Registry<Server>,
    pending: Pending<Server, LaterReply>,
    /// One reference per app server that has methods or waiting requests (exactly one: see
    /// `Liveness::session_open`).
    servers: HashMap<Server, Liveness>,
    stopping: bool,
}

pub(crate) struct Bridge {
    shared: Arc<Shared>,
    tables: Mutex<Tables>,
    wake: Condvar,
    started: Instant,
}

/// The running bridge, for the AMI actions (which Asterisk calls with no user data).
static CURRENT: RwLock<Option<Arc<Bridge>>> = RwLock::new(None);

fn current() -> Option<Arc<Bridge>> {
    CURRENT.read().unwrap_or_else(|p| p.into_inner()).clone()
}

impl Bridge {
    fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// The bridge while the module is loaded: its AMI actions and its sweeper thread.
pub(crate) struct Service {
    actions: Option<Registration>,
    sweeper: Option<thread::Thread>,
    bridge: Arc<Bridge>,
}

impl Service {
    pub fn start(shared: Arc<Shared>) -> Result<Self, ModuleError> {
        // RequestIDs of this load differ from an earlier load's, whose app servers may answer late.
        let prefix = random16().map_or_else(
            || format!("rdp{}", std::process::id()),
            |r| format!("rdp{:02x}{:02x}{:02x}{:02x}x", r[0], r[1], r[2], r[3]),
        );
        let bridge = Arc::new(Bridge {
            shared,
            tables: Mutex::new(Tables {
                registry: Registry::default(),
                pending: Pending::new(prefix),
                servers: HashMap::new(),
                stopping: false,
            }),
            wake: Condvar::new(),
            started: Instant::now(),
        });
        *CURRENT.write().unwrap_or_else(|p| p.into_inner()) = Some(bridge.clone());
        let mut service = Self { actions: None, sweeper: None, bridge: bridge.clone() };
        let sweeper = thread::spawn("dpma-appbridge", move || sweep(&bridge))
            .map_err(|e| ModuleError::Provisioning(StartError::Thread(e)))?;
        service.sweeper = Some(sweeper);
        service.actions = Some(Registration::register_session_actions(&ACTIONS)?);
        Ok(service)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // No new registration or answer, then no new request, then the sweeper goes.
        self.actions.take();
        *CURRENT.write().unwrap_or_else(|p| p.into_inner()) = None;
        self.bridge.tables().stopping = true;
        self.bridge.wake.notify_all();
        self.sweeper.take();
        let mut tables = self.bridge.tables();
        let waiting = tables.pending.expire(u64::MAX);
        tables.registry = Registry::default();
        tables.servers.clear();
        drop(tables);
        for done in waiting {
            answer_error(&self.bridge, &done, code::UNAVAILABLE, "the server is unloading");
        }
    }
}

/// Answers the timed-out requests and forgets app servers whose AMI session has ended.
fn sweep(bridge: &Bridge) {
    let mut tables = bridge.tables();
    while !tables.stopping {
        let expired = tables.pending.expire(bridge.now_ms());
        let closed: Vec<Server> =
            tables.servers.iter().filter(|(_, l)| !l.session_open()).map(|(k, _)| *k).collect();
        let mut abandoned = Vec::new();
        let mut withdrawn = Vec::new();
        for server in closed {
            tables.servers.remove(&server);
            withdrawn.extend(tables.registry.withdraw(server));
            abandoned.extend(tables.pending.abandon(server));
        }
        // A server whose methods all moved elsewhere is kept while requests wait for it.
        let Tables { servers, registry, pending, .. } = &mut *tables;
        servers.retain(|s, _| registry.serves(*s) || pending.waits_for(*s));
        drop(tables);
        if !withdrawn.is_empty() {
            log::notice(&format!(
                "app server's AMI session ended; methods withdrawn: {}",
                withdrawn.join(", ")
            ));
        }
        if !expired.is_empty() {
            log::notice(&format!(
                "{} app request(s) not answered within {} ms",
                expired.len(),
                bridge::TIMEOUT_MS
            ));
        }
        let timeout =
            format!("the app server did not answer within {} s", bridge::TIMEOUT_MS / 1000);
        for done in &expired {
            answer_error(bridge, done, code::TIMEOUT, &timeout);
        }
        for done in &abandoned {
            answer_error(bridge, done, code::UNAVAILABLE, "the app server went away");
        }
        tables = bridge.tables();
        let wait = tables
            .pending
            .next_deadline()
            .map_or(SWEEP, |d| Duration::from_millis(d.saturating_sub(bridge.now_ms())).min(SWEEP));
        tables = bridge.wake.wait_timeout(tables, wait).unwrap_or_else(|p| p.into_inner()).0;
    }
}

fn answer_error(bridge: &Bridge, done: &Done<LaterReply>, code: u16, text: &str) {
    let response = Response::error(&done.data.id, bridge::REQUEST, ErrorReply::new(code, text));
    reply_later(&bridge.shared, &done.data, &response);
}

/// `app.request` from a phone that holds a session.
pub(crate) fn request(shared: &Shared, origin: &Origin, req: &Request) -> Reply {
    if req.method != bridge::REQUEST {
        return Reply::Now(error(
            req,
            digium_phones_core::protocol::code::NOT_FOUND,
            "unknown method",
        ));
    }
    let caller = match Caller::of(shared, req) {
        Ok(c) => c,
        Err(refusal) => return Reply::Now(refusal),
    };
    let bad = |text: String| {
        Reply::Now(error(req, digium_phones_core::protocol::code::BAD_REQUEST, text))
    };
    let Some(method) = req.param("method").filter(|m| bridge::is_method(m)) else {
        return bad("the method parameter must be 1-64 characters of A-Z a-z 0-9 . _ -".into());
    };
    let parameters = match json::compact(req.param("json").unwrap_or("{}")) {
        Ok(p) => p,
        Err(e) => return bad(format!("the json parameter: {e}")),
    };
    let Some(bridge) = current() else {
        return Reply::Now(error(req, code::UNAVAILABLE, "the app bridge is not running"));
    };
    let admitted = {
        let mut tables = bridge.tables();
        if tables.stopping {
            // Unloading: the sweeper that would answer it is gone.
            return Reply::Now(error(req, code::UNAVAILABLE, "the server is unloading"));
        }
        let server = tables
            .registry
            .owner(method)
            .filter(|s| tables.servers.get(s).is_some_and(Liveness::session_open));
        let Some(server) = server else {
            return Reply::Now(error(
                req,
                code::UNAVAILABLE,
                format!("no app server is registered for {method}"),
            ));
        };
        let now = bridge.now_ms();
        tables.pending.admit(
            (origin.address.clone(), req.id.clone()),
            server,
            now,
            origin.later(req),
        )
    };
    match admitted {
        Err(full) => Reply::Now(error(req, code::UNAVAILABLE, format!("{full}; try again later"))),
        Ok(Admitted::Waiting) => Reply::Later,
        Ok(Admitted::New(request_id)) => {
            log::debug(
                1,
                &format!(
                    "app request {request_id} for {method} from '{}': {} bytes of parameters",
                    caller.profile,
                    parameters.len()
                ),
            );
            let body = bridge::ami_event_body(&request_id, method, &parameters);
            manager_event::raise(manager_event::AGENT, c"DPMAMessage", &body);
            Reply::Later
        }
    }
}

/// The AMI actions of app servers, as Digium's sample app server sends them.
static ACTIONS: [SessionAction; 3] = [
    SessionAction {
        name: c"DPMAMessageRegister",
        synopsis: c"Answer phone apps' requests for a method",
        description: c"Method: a method name (1-64 characters of A-Z a-z 0-9 . _ -). Each phone app request for it becomes a DPMAMessage event (RequestID, Method, Format: JSON, Parameters) for this session to answer with DPMAMessageResponse within 5 seconds. The registration lasts as long as this AMI session; a later registration of the method, from any session, replaces it.",
        authority: manager::APP_SERVER,
        headers: &[c"Method"],
        run: register,
    },
    SessionAction {
        name: c"DPMAMessageResponse",
        synopsis: c"Answer a phone app's request",
        description: c"RequestID: the DPMAMessage event's. Format: JSON (the default). Response: the answer, one JSON value, which the phone app receives as its result.",
        authority: manager::APP_SERVER,
        headers: &[c"RequestID", c"Format", c"Response"],
        run: respond,
    },
    SessionAction {
        name: c"DPMAMessageSend",
        synopsis: c"Push a message to a phone's apps",
        description: c"PhoneName: the phone section's name. Method: the event name the app observes. Message: one JSON value. Sent to every session of the phone; an error when it has none.",
        authority: manager::APP_SERVER,
        headers: &[c"PhoneName", c"Method", c"Message"],
        run: send,
    },
];

fn header(headers: &[Option<String>], i: usize) -> Option<&str> {
    headers.get(i).and_then(|h| h.as_deref())
}

fn method_header(headers: &[Option<String>], i: usize) -> Result<&str, String> {
    let method = header(headers, i).ok_or("Method: header missing")?;
    if !bridge::is_method(method) {
        return Err("Method: must be 1-64 characters of A-Z a-z 0-9 . _ -".into());
    }
    Ok(method)
}

const UNLOADING: &str = "res_digium_phone is unloading";

fn register(session: &Session<'_>, headers: &[Option<String>]) -> manager::Reply {
    let method = method_header(headers, 0)?;
    if session.is_hook() {
        return Err("an app server needs an AMI session of its own, not an in-process hook".into());
    }
    let bridge = current().ok_or(UNLOADING)?;
    let liveness = session.liveness().ok_or("out of memory")?;
    let server = liveness.key();
    let mut tables = bridge.tables();
    let outcome = tables.registry.register(method, server).map_err(|full| full.to_string())?;
    // A session registering again brings a second reference: the first stays, this one drops.
    tables.servers.entry(server).or_insert(liveness);
    match outcome {
        Registered::New => log::notice(&format!("app server registered {method}")),
        Registered::Again => log::debug(1, &format!("app server registered {method} again")),
        Registered::Replaced(_) => {
            // The sweeper lets the other session go once nothing of it is left.
            log::notice(&format!(
                "app server registered {method}, replacing the registration of another AMI session"
            ));
        }
    }
    Ok(format!("{method} registered"))
}

fn respond(session: &Session<'_>, headers: &[Option<String>]) -> manager::Reply {
    let request_id = header(headers, 0).ok_or("RequestID: header missing")?;
    if let Some(format) = header(headers, 1)
        && !format.eq_ignore_ascii_case("json")
    {
        return Err("Format: only JSON is supported".into());
    }
    let text = header(headers, 2).ok_or("Response: header missing (the answer, as JSON)")?;
    // JSON that is not JSON may be sent again; JSON too large for the phone ends the request.
    let answer = json::compact(text);
    if let Err(e @ json::JsonError::Invalid(_)) = &answer {
        return Err(format!("Response: {e}"));
    }
    let bridge = current().ok_or(UNLOADING)?;
    let done = {
        let mut tables = bridge.tables();
        let Some(server) = tables.pending.server(request_id) else {
            return Err(format!(
                "RequestID: no request {request_id} waits for an answer (answered already, or not answered within {} s)",
                bridge::TIMEOUT_MS / 1000
            ));
        };
        // Every session that reads agent events sees DPMAMessage; only the one the request was
        // relayed to (the method's registration then) answers it.
        if session.key() != Some(server) {
            return Err(format!(
                "RequestID: request {request_id} was relayed to another app server's registration"
            ));
        }
        tables.pending.take(request_id).ok_or("RequestID: answered meanwhile")?
    };
    let answer = match answer.and_then(|a| bridge::reply_fits(&done.data.id, &a).map(|()| a)) {
        Ok(answer) => answer,
        Err(e) => {
            answer_error(&bridge, &done, code::BAD_GATEWAY, "the app server's answer is too large");
            return Err(format!("Response: {e}; the phone was told the answer is too large"));
        }
    };
    reply_later(&bridge.shared, &done.data, &bridge::reply(&done.data.id, &answer));
    log::debug(1, &format!("app request {request_id} answered: {} bytes", answer.len()));
    Ok("Response sent to the phone".into())
}

fn send(_: &Session<'_>, headers: &[Option<String>]) -> manager::Reply {
    let phone = header(headers, 0).ok_or("PhoneName: header missing")?;
    let method = method_header(headers, 1)?;
    let text = header(headers, 2).ok_or("Message: header missing (one JSON value)")?;
    let message = json::compact(text).map_err(|e| format!("Message: {e}"))?;
    bridge::push_fits(method, &message).map_err(|e| format!("Message: {e}"))?;
    if config::current().model.phone(phone).is_none() {
        return Err(format!("PhoneName: no phone named '{phone}'"));
    }
    let bridge = current().ok_or(UNLOADING)?;
    let sent =
        push(&bridge.shared, Some(phone), bridge::EVENT, vec![bridge::push_data(method, &message)]);
    if sent == 0 {
        return Err(format!("Phone '{phone}' has no session (it is not connected)"));
    }
    log::debug(
        1,
        &format!("{method} pushed to {sent} session(s) of '{phone}': {} bytes", message.len()),
    );
    Ok(format!("Sent to {sent} session(s)"))
}

/// `digium_phones show appservers`: what the bridge holds now.
pub(crate) fn show_command() -> Command {
    Command::new(
        "digium_phones show appservers",
        "Show the methods app servers registered over AMI",
        "Usage: digium_phones show appservers\n       Lists the methods app servers registered (DPMAMessageRegister), how many AMI sessions\n       registered them, and how many phone requests wait for an answer.\n",
        show_appservers,
    )
}

fn show_appservers(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let Some(bridge) = current() else { return Outcome::Failure };
    let (methods, servers, waiting) = {
        let tables = bridge.tables();
        (tables.registry.all(), tables.servers.len(), tables.pending.len())
    };
    let mut out = format!("Methods registered: {}\n", methods.len());
    for (method, _) in &methods {
        out.push_str(&format!("  {method}\n"));
    }
    out.push_str(&format!("App servers (AMI sessions): {servers}\n"));
    out.push_str(&format!(
        "Requests waiting: {waiting} (at most {}, each for {} s)\n",
        bridge::MAX_PENDING,
        bridge::TIMEOUT_MS / 1000
    ));
    a.print(&out);
    Outcome::Success
}
