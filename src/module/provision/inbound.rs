//! One phone request, on a worker thread: parse, authenticate, answer.

use std::net::IpAddr;

use crate::ffi::log;
use crate::ffi::message::{self, Inbound};
use crate::module::{config, presence, settings};
use digium_phones_core::model::general::ConfigAuth;
use digium_phones_core::model::mac::Mac;
use digium_phones_core::model::models::FirmwareVersion;
use digium_phones_core::protocol::{
    self, Element, ErrorReply, Message, Request, Response, code, method,
};
use digium_phones_core::provision::{Session, Token, address, auth, documents, sessions};

use super::apps::Reply;
use super::security::Place;
use super::{Job, Shared, apps, random16, web};
use crate::ffi::security::Kind;

/// What the reply needs to know about where the request came from.
pub(crate) struct Origin {
    pub reply_to: String,
    /// The host the phone addressed (for URLs and the reply's From).
    pub server: String,
    /// `ip:port` the request came from.
    pub address: String,
    pub ip: Option<IpAddr>,
    /// For the security log.
    pub place: Place,
}

pub(super) fn handle(shared: &Shared, msg: Inbound) {
    let now = shared.now();
    if let (Some(call_id), Some(cseq)) = (msg.var("Call-ID"), msg.var("CSeq")) {
        let key = (call_id.to_string(), cseq.to_string());
        if !shared.seen.lock().unwrap_or_else(|p| p.into_inner()).insert(key, (), now) {
            return; // The same MESSAGE, arrived the other way too.
        }
    }
    let way = if msg.via_dialplan { "dialplan" } else { "handler" };
    log::debug(2, &format!("phone request from '{}' via the {way}", msg.from));
    let Some(origin) = origin(&msg) else {
        log::warning(&format!(
            "a phone request from '{}' has no address to answer to; dropped",
            msg.from
        ));
        return;
    };
    let reply = match protocol::parse(&msg.body) {
        Ok(Message::Request(req)) => {
            let key = (origin.address.clone(), req.id.clone());
            let cached =
                shared.replies.lock().unwrap_or_else(|p| p.into_inner()).get(&key, now).cloned();
            match cached {
                Some(body) => body,
                None => match answer(shared, &msg, &origin, &req) {
                    Reply::Now(response) => {
                        let body = response.to_xml();
                        shared.replies.lock().unwrap_or_else(|p| p.into_inner()).insert(
                            key,
                            body.clone(),
                            now,
                        );
                        body
                    }
                    Reply::Later => return,
                },
            }
        }
        Ok(other) => Response::error(
            other.id(),
            other.method(),
            ErrorReply::new(code::BAD_REQUEST, "only requests are answered"),
        )
        .to_xml(),
        Err(e) => {
            log::debug(1, &format!("unreadable phone request from {}: {e}", origin.address));
            e.reply().unwrap_or_else(|| Response::error("", "", ErrorReply::from(&e))).to_xml()
        }
    };
    let from = format!("<sip:proxy@{}>", origin.server);
    if let Err(e) = message::send(&origin.reply_to, &from, &reply, &[]) {
        log::warning(&format!("reply to {} not sent: {e}", origin.address));
    }
}

/// Where a reply that comes later goes, and the key a retransmission finds it under.
#[derive(Debug, Clone)]
pub(crate) struct LaterReply {
    pub reply_to: String,
    pub server: String,
    pub address: String,
    pub id: String,
}

impl Origin {
    /// What [`reply_later`] needs to answer `req` once the answer is known.
    pub fn later(&self, req: &Request) -> LaterReply {
        LaterReply {
            reply_to: self.reply_to.clone(),
            server: self.server.clone(),
            address: self.address.clone(),
            id: req.id.clone(),
        }
    }
}

/// Sends a reply that comes after its request ([`Reply::Later`]), on a worker, and keeps it for
/// retransmissions as an immediate reply would be kept.
pub(crate) fn reply_later(shared: &Shared, to: &LaterReply, response: &Response) {
    let body = response.to_xml();
    shared.replies.lock().unwrap_or_else(|p| p.into_inner()).insert(
        (to.address.clone(), to.id.clone()),
        body.clone(),
        shared.now(),
    );
    let job =
        Job::Send { to: to.reply_to.clone(), from: format!("<sip:proxy@{}>", to.server), body };
    if !shared.queue.push(job) {
        log::warning(&format!("provisioning queue full; the reply to {} was dropped", to.address));
    }
}

fn origin(msg: &Inbound) -> Option<Origin> {
    let user = address::sip_user(&msg.from);
    let reply_to = address::reply_destination(
        &msg.endpoint,
        msg.var("X-Digium-AppServer-Response-URI"),
        msg.var("PJSIP_RECVADDR"),
        msg.var("PJSIP_TRANSPORT"),
        user,
    )?;
    let addr = msg.var("PJSIP_RECVADDR").unwrap_or_default().to_string();
    let ip = addr
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .ok()
        .or_else(|| addr.split(':').next().and_then(|h| h.parse().ok()));
    let server = address::to_host(&msg.to).unwrap_or("localhost").to_string();
    let place = Place::message(msg, ip);
    Some(Origin { reply_to, server, address: addr, ip, place })
}

/// Too many failed attempts (wrong PINs, unknown MACs) from this address (docs/protocol.md).
const LOCKED_OUT: u16 = 429;

/// Refuses a locked-out address before it may try a secret or a MAC.
fn locked_out(
    shared: &Shared,
    origin: &Origin,
    profile: Option<&str>,
    req: &Request,
) -> Option<Response> {
    let wait = origin.place.lockout_left(shared, profile)?;
    Some(Response::error(
        &req.id,
        &req.method,
        ErrorReply::new(
            LOCKED_OUT,
            format!("too many failed attempts from this address; try again in {wait} s"),
        ),
    ))
}

/// Counts a refused secret or an unknown MAC, reports it and logs any lockout it starts.
fn count_failure(shared: &Shared, origin: &Origin, profile: Option<&str>, refusal: &auth::Refusal) {
    if let Some(mac) = refusal.unknown_mac() {
        origin.place.probe(shared, mac, Kind::InvalidAccountId);
    } else if refusal.is_wrong_secret() {
        // The profile asked for, or the whole list (counted per address only, as before).
        origin.place.report(Kind::InvalidPassword, profile.unwrap_or("userlist"));
        let Some(ip) = origin.ip else { return };
        let started = shared.lockouts.lock().unwrap_or_else(|p| p.into_inner()).failure(
            profile,
            ip,
            shared.now(),
        );
        origin.place.locked_out(&started, "wrong PINs");
    }
}

fn refuse(req: &Request, r: &auth::Refusal) -> Response {
    let mut e = ErrorReply::new(r.code, &r.message);
    if let Some(need) = r.need {
        e = e.with_need(need);
    }
    Response::error(&req.id, &req.method, e)
}

fn bad(req: &Request, text: &str) -> Response {
    Response::error(&req.id, &req.method, ErrorReply::new(code::BAD_REQUEST, text))
}

/// The phone's MAC: the `mac` parameter, else the From user when it is one.
fn phone_mac(msg: &Inbound, req: &Request) -> Result<Option<Mac>, String> {
    match req.param("mac").filter(|m| !m.is_empty()) {
        Some(m) => m
            .parse()
            .map(Some)
            .map_err(|e: digium_phones_core::model::mac::InvalidMac| e.to_string()),
        None => Ok(address::sip_user(&msg.from).and_then(|u| u.parse().ok())),
    }
}

fn answer(shared: &Shared, msg: &Inbound, origin: &Origin, req: &Request) -> Reply {
    let mac = match phone_mac(msg, req) {
        Ok(m) => m,
        Err(e) => return Reply::Now(bad(req, &e)),
    };
    Reply::Now(match req.method.as_str() {
        method::USERLIST => userlist(shared, origin, req, mac),
        method::CONFIG => claim(shared, origin, req, mac),
        method::LOGOUT => logout(shared, req),
        method::PRESENCE_SET | method::PRESENCE_GET => presence_request(shared, req),
        _ => {
            return apps::answer(shared, origin, req).unwrap_or_else(|| {
                Reply::Now(Response::error(
                    &req.id,
                    &req.method,
                    ErrorReply::new(code::NOT_FOUND, "unknown method"),
                ))
            });
        }
    })
}

/// Stores `body` behind a fresh token for `origin` and returns `(url, md5, size)`.
/// A document published for one phone: where and what it is, and when to fetch it.
struct Published {
    url: String,
    md5: String,
    size: usize,
    /// Milliseconds the phone should wait before fetching (core `provision::pacing`).
    after_ms: u64,
}

impl Published {
    /// The reply's pointer to it: `<name url= md5= size= after_ms=/>`.
    fn element(self, name: &str) -> Element {
        Element::new(name)
            .attr("url", self.url)
            .attr("md5", self.md5)
            .attr("size", self.size.to_string())
            .attr("after_ms", self.after_ms.to_string())
    }
}

fn publish(
    shared: &Shared,
    origin: &Origin,
    document: &'static str,
    body: String,
) -> Option<Published> {
    let ip = origin.ip?;
    let random = random16()?;
    let base =
        shared.http.read().unwrap_or_else(|p| p.into_inner()).as_ref()?.base_url(&origin.server);
    let (md5, size) = (documents::md5_hex(body.as_bytes()), body.len());
    let now = shared.now();
    let token = Token {
        document,
        body,
        client: ip,
        expires: now + sessions::TOKEN_TTL_SECS,
        message: None,
    };
    let id = shared.tokens.lock().unwrap_or_else(|p| p.into_inner()).issue(random, token, now);
    let after_ms = shared.pacer.lock().unwrap_or_else(|p| p.into_inner()).wait_ms(shared.now_ms());
    Some(Published { url: format!("{base}/session/{id}/{document}"), md5, size, after_ms })
}

fn unavailable(req: &Request) -> Response {
    Response::error(
        &req.id,
        &req.method,
        ErrorReply::new(
            code::INTERNAL,
            "the server cannot publish documents (is Asterisk's HTTP server enabled?)",
        ),
    )
}

fn userlist(shared: &Shared, origin: &Origin, req: &Request, mac: Option<Mac>) -> Response {
    if let Some(locked) = locked_out(shared, origin, None, req) {
        return locked;
    }
    let snapshot = config::current();
    if let Some(unknown) = auth::userlist_probe(&snapshot.model, mac) {
        origin.place.probe(shared, unknown, Kind::InvalidAccountId);
    }
    let entries = match auth::userlist(&snapshot.model, mac, req.param("globalpin")) {
        Ok(e) => e,
        Err(r) => {
            log::notice(&format!("profile list refused to {}: {}", origin.address, r.message));
            count_failure(shared, origin, None, &r);
            return refuse(req, &r);
        }
    };
    let count = entries.len();
    let Some(published) = publish(shared, origin, "userlist.xml", documents::userlist(&entries))
    else {
        return unavailable(req);
    };
    Response::ok(
        &req.id,
        &req.method,
        vec![published.element("userlist").attr("count", count.to_string())],
    )
}

fn claim(shared: &Shared, origin: &Origin, req: &Request, mac: Option<Mac>) -> Response {
    let profile = req.param("profile").filter(|p| !p.is_empty());
    if let Some(locked) = locked_out(shared, origin, profile, req) {
        return locked;
    }
    let snapshot = config::current();
    let model = &snapshot.model;
    let claimed = auth::claim(
        model,
        mac,
        req.param("profile"),
        req.param("pin"),
        req.param("globalpin"),
        settings::voicemail_pin,
    );
    let phone = match claimed {
        Ok(c) => c.phone,
        Err(r) => {
            log::notice(&format!("profile claim refused to {}: {}", origin.address, r.message));
            count_failure(shared, origin, profile, &r);
            return refuse(req, &r);
        }
    };
    if let Some(ip) = origin.ip {
        shared.lockouts.lock().unwrap_or_else(|p| p.into_inner()).success(profile, ip);
    }
    let using_password =
        !matches!(model.general.config_auth, ConfigAuth::Disabled | ConfigAuth::Mac);
    origin.place.report(Kind::SuccessfulAuth { using_password }, &phone.name);
    let firmware = req.param("firmware").and_then(FirmwareVersion::parse);
    let document = match web::phone_config(
        model,
        phone,
        req.param("model"),
        firmware,
        true,
        origin.ip,
        &origin.server,
    ) {
        Ok(doc) => doc,
        Err(e) => {
            log::error(&format!("configuration of '{}' cannot be built: {e}", phone.name));
            return Response::error(
                &req.id,
                &req.method,
                ErrorReply::new(code::INTERNAL, "configuration unavailable"),
            );
        }
    };
    let Some(published) = publish(shared, origin, "config.xml", document) else {
        return unavailable(req);
    };
    let Some(random) = random16() else { return unavailable(req) };
    let session_id = digium_phones_core::provision::sessions::token_id(random);
    let session = Session {
        id: session_id.clone(),
        profile: phone.name.clone(),
        mac: mac.map(|m| m.to_string()).unwrap_or_default(),
        model: req.param("model").unwrap_or_default().to_string(),
        firmware: req.param("firmware").unwrap_or_default().to_string(),
        reply_to: origin.reply_to.clone(),
        address: origin.address.clone(),
        server: origin.server.clone(),
        last_seen: shared.now(),
    };
    shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).open(session);
    log::notice(&format!(
        "phone {} at {} claimed profile '{}'",
        req.param("mac").unwrap_or("?"),
        origin.address,
        phone.name
    ));
    Response::ok(
        &req.id,
        &req.method,
        vec![published.element("config"), Element::new("session").attr("id", session_id)],
    )
}

/// Presence requests come from phones that hold a session.
fn presence_request(shared: &Shared, req: &Request) -> Response {
    let caller = match apps::Caller::of(shared, req) {
        Ok(c) => c,
        Err(refusal) => return refusal,
    };
    let model = caller.model();
    let Some(phone) = model.phone(&caller.profile) else {
        return apps::error(req, code::NOT_FOUND, "the profile is gone");
    };
    if req.method == method::PRESENCE_SET {
        presence::set(model, phone, req)
    } else {
        presence::get(model, req)
    }
}

fn logout(shared: &Shared, req: &Request) -> Response {
    let Some(id) = req.param("session").filter(|s| protocol::is_token(s)) else {
        return bad(req, "the session parameter is missing");
    };
    match shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).close(id) {
        Some(_) => Response::ok(&req.id, &req.method, vec![Element::new("ok")]),
        None => Response::error(
            &req.id,
            &req.method,
            ErrorReply::new(code::NOT_FOUND, "no such session"),
        ),
    }
}
