//! HTTP: documents behind tokens, `<mac>.cfg` for stock phones, files from the configured directories.
//!
//! `<mac>.cfg` and the files are guarded in this order: a locked-out address is refused (429); with
//! `http_auth` the client must authenticate (401); then the MAC asked for is checked against the
//! User-Agent (`useragent_mac_binding`) and against a phone's own credential (403), and a MAC no
//! profile has is a probe (404). Every refusal that tried something is counted and reported to
//! Asterisk's security log.

use std::net::IpAddr;
use std::path::Path;

use crate::ffi::http::{Method, Request, Response};
use crate::ffi::log;
use crate::ffi::security::Kind;
use crate::module::{config, settings, voicemail};
use digium_phones_core::model::general::ConfigAuth;
use digium_phones_core::model::models::{self, FirmwareVersion};
use digium_phones_core::model::{Model, Phone};
use digium_phones_core::provision::documents::{self, PhoneRequest};
use digium_phones_core::provision::httpauth::{self, Account, AuthRequest, Failure, Outcome};
use digium_phones_core::provision::web::{self, Route};
use digium_phones_core::provision::{auth, files};

use super::security::Place;
use super::{Shared, random16, shared};

fn not_found() -> Response {
    Response::Error { status: 404, title: "Not Found", text: "Not found".into() }
}

fn forbidden(text: &str) -> Response {
    Response::Error { status: 403, title: "Forbidden", text: text.into() }
}

pub(super) fn handle(req: &Request) -> Response {
    if req.method == Method::Other {
        return Response::Error {
            status: 405,
            title: "Method Not Allowed",
            text: "GET only".into(),
        };
    }
    match web::route(&req.path) {
        Route::Session { token, document } => session_document(req, token, document),
        Route::NotFound => not_found(),
        route => guarded(req, route),
    }
}

fn session_document(req: &Request, token: &str, document: &str) -> Response {
    let Some(shared) = shared() else { return not_found() };
    let now = shared.now();
    let found = {
        let tokens = shared.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.fetch(token, document, req.remote, now).map(|t| (t.body.clone(), t.message.clone()))
    };
    match found {
        // A voicemail message: found again by its id, outside the token lock (disk I/O).
        Some((_, Some(message))) => match voicemail::locate_audio(&message.mailbox, &message.id) {
            Some((path, content_type)) => Response::File { content_type, path },
            None => not_found(),
        },
        Some((body, None)) => Response::Body { content_type: "application/xml", body },
        // Expired, unknown, or another client: all look the same from outside.
        None => not_found(),
    }
}

fn too_many(wait: u64) -> Response {
    Response::Refused {
        status: 429,
        title: "Too Many Requests",
        text: format!("too many failed attempts from this address; try again in {wait} s"),
        headers: vec![("Retry-After", wait.to_string())],
    }
}

/// `<mac>.cfg`, `files/…` and `firmware/…`: lockout, authentication, then the route.
fn guarded(req: &Request, route: Route) -> Response {
    let Some(shared) = shared() else { return not_found() };
    let snapshot = config::current();
    let model = &snapshot.model;
    let place = Place::http(req);
    let authorization = req.header("Authorization");
    // A user name locked out by its wrong passwords stays locked out, whatever it sends next.
    let claimed = authorization.and_then(httpauth::parse_authorization).map(|c| match c {
        httpauth::Credentials::Basic { username, .. } => username,
        httpauth::Credentials::Digest(d) => d.username,
    });
    if let Some(wait) = place.lockout_left(&shared, claimed.as_deref()) {
        return too_many(wait);
    }
    if let Route::StockConfig(_) = route {
        if !matches!(model.general.config_auth, ConfigAuth::Mac | ConfigAuth::Disabled) {
            return forbidden("MAC provisioning is not enabled");
        }
    }
    let account = if model.general.http_auth.is_required() {
        match authenticate(&shared, req, &place, model, authorization) {
            Ok(account) => Some(account),
            Err(refusal) => return refusal,
        }
    } else {
        None
    };
    match route {
        Route::File(name) => directory_file(name, model.general.file_directory.as_deref()),
        Route::Firmware(name) => {
            directory_file(name, model.general.firmware_package_directory.as_deref())
        }
        Route::StockConfig(name) => stock_phone(&shared, req, &place, model, name, account),
        Route::Session { .. } | Route::NotFound => not_found(),
    }
}

/// The HTTP credentials of `req`, or the response that refuses it.
fn authenticate<'m>(
    shared: &Shared,
    req: &Request,
    place: &Place,
    model: &'m Model,
    authorization: Option<&str>,
) -> Result<Account<'m>, Response> {
    let Some(client) = req.remote else { return Err(forbidden("no client address")) };
    let method = if req.method == Method::Head { "HEAD" } else { "GET" };
    let request = AuthRequest { authorization, method, path: &req.path, tls: req.tls, client };
    let voicemail_pin = |phone: &Phone| {
        auth::primary_mailbox(model, phone).and_then(|mailbox| settings::voicemail_pin(&mailbox))
    };
    let now = shared.now();
    let outcome = {
        let mut nonces = shared.nonces.lock().unwrap_or_else(|p| p.into_inner());
        httpauth::authenticate(model, &request, &mut nonces, now, &voicemail_pin)
    };
    let stale = match outcome {
        Outcome::Authenticated { account, username } => {
            place.report(Kind::SuccessfulAuth { using_password: true }, &username);
            return Ok(account);
        }
        Outcome::BadRequest(why) => {
            return Err(Response::Error { status: 400, title: "Bad Request", text: why.into() });
        }
        Outcome::Challenge { stale } => {
            if !req.tls && authorization.is_some_and(|a| a.trim_start().starts_with("Basic")) {
                log::warning(&format!(
                    "{client} sent Basic credentials over plain HTTP; they were not checked (Basic \
                     is accepted over TLS only) and the client was asked for Digest"
                ));
            }
            stale
        }
        Outcome::Failed { username, failure } => {
            log::notice(&format!("HTTP authentication as {username:?} failed from {client}"));
            let kind = match &failure {
                Failure::UnknownAccount => Kind::InvalidAccountId,
                Failure::WrongPassword => Kind::InvalidPassword,
                Failure::WrongDigest { nonce } => {
                    Kind::ChallengeResponseFailed { challenge: nonce }
                }
            };
            // As with PINs, the attempt that starts a lockout is answered as a failure; the
            // lockout refuses the next one.
            place.wrong_secret(shared, kind, &username, "failed HTTP authentications");
            false
        }
    };
    let Some(random) = random16() else {
        return Err(Response::Error {
            status: 500,
            title: "Internal Server Error",
            text: "no challenge can be made".into(),
        });
    };
    let nonce = shared.nonces.lock().unwrap_or_else(|p| p.into_inner()).issue(random, client, now);
    let headers = httpauth::challenges(model.general.http_auth, req.tls, &nonce, stale)
        .into_iter()
        .map(|c| ("WWW-Authenticate", c))
        .collect();
    Err(Response::Refused {
        status: 401,
        title: "Unauthorized",
        text: "authentication required".into(),
        headers,
    })
}

fn directory_file(name: &str, dir: Option<&str>) -> Response {
    let Some(dir) = dir else { return not_found() };
    match files::resolve(Path::new(dir), name) {
        Ok(path) => Response::File { content_type: files::content_type(name), path },
        Err(e) => {
            log::debug(1, &format!("HTTP file refused: {e}"));
            not_found()
        }
    }
}

/// `GET /digium_phones/<mac>.cfg`: a stock phone pointed at this server (DHCP option 66), with
/// `config_auth` `mac` or `disabled`, and authenticated when `http_auth` says so.
fn stock_phone(
    shared: &Shared,
    req: &Request,
    place: &Place,
    model: &Model,
    name: &str,
    account: Option<Account>,
) -> Response {
    let user_agent = req.header("User-Agent").unwrap_or_default();
    let Some(mac) = web::requested_mac(name, user_agent) else { return not_found() };
    if model.general.useragent_mac_binding {
        if let Some(named) = web::user_agent_conflict(name, user_agent) {
            let params = format!("User-Agent MAC {named}");
            let kind = Kind::RequestNotAllowed { request: "<mac>.cfg", params: &params };
            place.probe(shared, mac, kind);
            return forbidden("the User-Agent names another phone");
        }
    }
    if let Some(Account::Phone(own)) = account {
        if own.mac != Some(mac) {
            let kind = Kind::RequestNotAllowed { request: "<mac>.cfg", params: "another phone's" };
            place.probe(shared, mac, kind);
            return forbidden("this credential opens only its own phone's configuration");
        }
    }
    let Some(phone) = model.phone_with_mac(mac) else {
        place.probe(shared, mac, Kind::InvalidAccountId);
        return not_found();
    };
    let host = req.header("Host").map(web::host_of).unwrap_or("localhost");
    // A stock phone: its model and firmware from its User-Agent, and no MESSAGE channel.
    let (phone_model, firmware) = models::from_user_agent(user_agent);
    match phone_config(model, phone, phone_model.as_deref(), firmware, false, req.remote, host) {
        Ok(body) => {
            log::notice(&format!(
                "stock phone {mac} fetched the configuration of '{}' over HTTP",
                phone.name
            ));
            if let Some(line) = phone.lines.first() {
                let mut stock = shared.stock.lock().unwrap_or_else(|p| p.into_inner());
                stock.insert(phone.name.clone(), line.name.clone());
            }
            Response::Body { content_type: "application/xml", body }
        }
        Err(e) => {
            log::error(&format!("configuration of '{}' cannot be built: {e}", phone.name));
            Response::Error {
                status: 500,
                title: "Internal Server Error",
                text: "configuration unavailable".into(),
            }
        }
    }
}

/// The configuration document of `phone`, as a phone of `phone_model` running `phone_firmware` at
/// `phone_ip` that reached us at `server_host` gets it; `message_channel`: it claimed the profile
/// over the MESSAGE protocol.
pub(super) fn phone_config(
    model: &Model,
    phone: &Phone,
    phone_model: Option<&str>,
    phone_firmware: Option<FirmwareVersion>,
    message_channel: bool,
    phone_ip: Option<IpAddr>,
    server_host: &str,
) -> Result<String, String> {
    let Some(shared) = shared() else { return Err("the module is not loaded".into()) };
    // Visual voicemail needs the MESSAGE channel; then the primary line's mailbox may also come from
    // its endpoint's mailboxes or voicemail.conf, which the document does not read.
    let with_mailbox =
        message_channel.then(|| voicemail::primary_mailbox_found(model, phone)).flatten();
    let phone = with_mailbox.as_ref().unwrap_or(phone);
    let files_url = shared
        .http
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|h| format!("{}/files", h.base_url(server_host)))
        .unwrap_or_default();
    let md5 = |path: &Path| shared.md5s.lock().unwrap_or_else(|p| p.into_inner()).md5(path);
    let passwords = shared.endpoint_passwords.read().unwrap_or_else(|p| p.into_inner());
    let request = PhoneRequest {
        phone_model,
        phone_firmware,
        message_channel,
        phone_ip,
        server_host,
        files_url: &files_url,
    };
    documents::phone_document(model, phone, &request, &md5, &passwords)
}
