//! HTTP: documents behind tokens, `<mac>.cfg` for stock phones, files from the configured directories.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Mutex, RwLock};

use crate::ffi::http::{Method, Request, Response};
use crate::ffi::log;
use crate::module::config;
use digium_phones_core::model::general::ConfigAuth;
use digium_phones_core::model::mac::Mac;
use digium_phones_core::model::models::{self, FirmwareVersion};
use digium_phones_core::model::{Model, Phone};
use digium_phones_core::provision::documents::{self, PhoneRequest};
use digium_phones_core::provision::files::{self, Md5Cache};

use super::shared;

static MD5S: Mutex<Option<Md5Cache>> = Mutex::new(None);

fn not_found() -> Response {
    Response::Error { status: 404, title: "Not Found", text: "Not found".into() }
}

pub(super) fn handle(req: &Request) -> Response {
    if req.method == Method::Other {
        return Response::Error {
            status: 405,
            title: "Method Not Allowed",
            text: "GET only".into(),
        };
    }
    let parts: Vec<&str> = req.path.split('/').collect();
    match parts.as_slice() {
        ["session", token, document] => session_document(req, token, document),
        ["files", ..] => directory_file(req, 6, |m| m.general.file_directory.clone()),
        ["firmware", ..] => {
            directory_file(req, 9, |m| m.general.firmware_package_directory.clone())
        }
        [name] if name.ends_with(".cfg") => stock_phone(req, name.trim_end_matches(".cfg")),
        _ => not_found(),
    }
}

fn session_document(req: &Request, token: &str, document: &str) -> Response {
    let Some(shared) = shared() else { return not_found() };
    let now = shared.now();
    let tokens = shared.tokens.lock().unwrap_or_else(|p| p.into_inner());
    match tokens.fetch(token, document, req.remote, now) {
        Some(t) => Response::Body { content_type: "application/xml", body: t.body.clone() },
        // Expired, unknown, or another client: all look the same from outside.
        None => not_found(),
    }
}

fn directory_file(req: &Request, skip: usize, dir: impl Fn(&Model) -> Option<String>) -> Response {
    let name = &req.path[skip.min(req.path.len())..];
    let Some(dir) = dir(&config::current().model) else { return not_found() };
    match files::resolve(Path::new(&dir), name) {
        Ok(path) => Response::File { content_type: files::content_type(name), path },
        Err(e) => {
            log::debug(1, &format!("HTTP file refused: {e}"));
            not_found()
        }
    }
}

/// `GET /digium_phones/<mac>.cfg`: a stock phone pointed at this server (DHCP option 66). A MAC is no
/// secret, so this is served only when `config_auth` is `mac` or `disabled`.
fn stock_phone(req: &Request, mac: &str) -> Response {
    let snapshot = config::current();
    let model = &snapshot.model;
    if !matches!(model.general.config_auth, ConfigAuth::Mac | ConfigAuth::Disabled) {
        return Response::Error {
            status: 403,
            title: "Forbidden",
            text: "MAC provisioning is not enabled".into(),
        };
    }
    let user_agent = req.header("User-Agent").unwrap_or_default();
    // `000000000000.cfg` is what a phone asks for before it knows better; with
    // send_mac_with_useragent its User-Agent carries the MAC.
    let mac = if mac == "000000000000" {
        mac_from_user_agent(user_agent)
    } else {
        mac.parse::<Mac>().ok()
    };
    let Some(mac) = mac else { return not_found() };
    let Some(phone) = model.phone_with_mac(mac) else { return not_found() };
    let host = req
        .header("Host")
        .map(|h| h.rsplit_once(':').map_or(h, |(host, _)| host))
        .unwrap_or("localhost");
    // A stock phone: its model and firmware from its User-Agent, and no MESSAGE channel.
    let (phone_model, firmware) = models::from_user_agent(user_agent);
    match phone_config(model, phone, phone_model.as_deref(), firmware, false, req.remote, host) {
        Ok(body) => {
            log::notice(&format!(
                "stock phone {mac} fetched the configuration of '{}' over HTTP",
                phone.name
            ));
            if let (Some(shared), Some(line)) = (shared(), phone.lines.first()) {
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

/// The first run of 12 hex digits in a User-Agent that is a MAC other than all zeros.
fn mac_from_user_agent(ua: &str) -> Option<Mac> {
    ua.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 12)
        .filter_map(|w| w.parse::<Mac>().ok())
        .find(|m| m.to_string() != "000000000000")
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
    let files_url = shared()
        .and_then(|s| {
            s.http
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|h| h.base_url(server_host))
        })
        .map(|base| format!("{base}/files"))
        .unwrap_or_default();
    let md5 = |path: &Path| {
        let mut cache = MD5S.lock().unwrap_or_else(|p| p.into_inner());
        cache.get_or_insert_with(Md5Cache::default).md5(path)
    };
    let passwords = ENDPOINT_PASSWORDS.read().unwrap_or_else(|p| p.into_inner());
    let request = PhoneRequest {
        phone_model,
        phone_firmware,
        message_channel,
        phone_ip,
        server_host,
        files_url: &files_url,
    };
    documents::phone_document(
        model,
        phone,
        &request,
        &md5,
        passwords.as_ref().unwrap_or(&HashMap::new()),
    )
}

/// Endpoint passwords from pjsip.conf, read on load and reload (not on every phone request).
static ENDPOINT_PASSWORDS: RwLock<Option<HashMap<String, String>>> = RwLock::new(None);

pub(crate) fn refresh_endpoint_passwords() {
    let passwords = crate::module::settings::endpoint_passwords();
    *ENDPOINT_PASSWORDS.write().unwrap_or_else(|p| p.into_inner()) = Some(passwords);
}
