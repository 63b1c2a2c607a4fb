//! HTTP: documents behind tokens, `<mac>.cfg` for stock phones, files from the configured directories.

use std::net::IpAddr;
use std::path::Path;

use crate::ffi::http::{Method, Request, Response};
use crate::ffi::log;
use crate::module::config;
use digium_phones_core::model::general::ConfigAuth;
use digium_phones_core::model::models::{self, FirmwareVersion};
use digium_phones_core::model::{Model, Phone};
use digium_phones_core::provision::documents::{self, PhoneRequest};
use digium_phones_core::provision::files;
use digium_phones_core::provision::web::{self, Route};

use super::shared;

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
    match web::route(&req.path) {
        Route::Session { token, document } => session_document(req, token, document),
        Route::File(name) => directory_file(name, |m| m.general.file_directory.clone()),
        Route::Firmware(name) => {
            directory_file(name, |m| m.general.firmware_package_directory.clone())
        }
        Route::StockConfig(mac) => stock_phone(req, mac),
        Route::NotFound => not_found(),
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

fn directory_file(name: &str, dir: impl Fn(&Model) -> Option<String>) -> Response {
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
    let Some(mac) = web::requested_mac(mac, user_agent) else { return not_found() };
    let Some(phone) = model.phone_with_mac(mac) else { return not_found() };
    let host = req.header("Host").map(web::host_of).unwrap_or("localhost");
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
