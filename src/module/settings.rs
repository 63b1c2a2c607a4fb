//! Facts the module reads from Asterisk's other configuration files.

use crate::ffi::config::{self as ast_config, Loaded};
use crate::ffi::http;
use digium_phones_core::raw::RawConfig;

/// How phones reach Asterisk's HTTP server, from http.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpServer {
    pub scheme: &'static str,
    pub port: u16,
    /// Asterisk's URI prefix, e.g. `` or `/asterisk`.
    pub prefix: String,
}

impl HttpServer {
    /// The base URL of this module's files as seen by a phone that reached SIP at `host`.
    pub fn base_url(&self, host: &str) -> String {
        format!("{}://{host}:{}{}/digium_phones", self.scheme, self.port, self.prefix)
    }
}

fn general_value(cfg: &RawConfig, key: &str) -> Option<String> {
    cfg.sections
        .iter()
        .filter(|s| s.name.eq_ignore_ascii_case("general"))
        .flat_map(|s| s.entries.iter())
        .rev()
        .find(|e| e.key.eq_ignore_ascii_case(key))
        .map(|e| e.value.trim().to_string())
}

fn yes(v: Option<String>) -> bool {
    v.is_some_and(|v| {
        matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "on" | "1" | "y" | "t")
    })
}

fn port_of(addr: &str) -> Option<u16> {
    let after = addr.rsplit_once(']').map_or(addr, |(_, rest)| rest);
    after.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// Reads http.conf: plain HTTP when enabled, else HTTPS when TLS is enabled; `None` when neither.
pub(crate) fn http_server() -> Option<HttpServer> {
    let Loaded::Config(cfg) = ast_config::load("http.conf", "res_digium_phone/http", false) else {
        return None;
    };
    let prefix = http::prefix();
    if yes(general_value(&cfg, "enabled")) {
        let port = general_value(&cfg, "bindport").and_then(|p| p.parse().ok()).unwrap_or(8088);
        return Some(HttpServer { scheme: "http", port, prefix });
    }
    if yes(general_value(&cfg, "tlsenable")) {
        let port = general_value(&cfg, "tlsbindaddr").as_deref().and_then(port_of).unwrap_or(8089);
        return Some(HttpServer { scheme: "https", port, prefix });
    }
    None
}

/// The voicemail PIN of `mailbox` (`ext@context`, context `default` when absent) from voicemail.conf.
pub(crate) fn voicemail_pin(mailbox: &str) -> Option<String> {
    let (ext, context) = mailbox.split_once('@').unwrap_or((mailbox, "default"));
    let Loaded::Config(cfg) =
        ast_config::load("voicemail.conf", "res_digium_phone/voicemail", false)
    else {
        return None;
    };
    let value = cfg
        .sections
        .iter()
        .filter(|s| s.name == context)
        .flat_map(|s| s.entries.iter())
        .find(|e| e.key.trim() == ext)
        .map(|e| e.value.clone())?;
    // `ext => pin,name,email,...`; a leading '-' only stops users changing it.
    let pin = value.split(',').next()?.trim().trim_start_matches('-');
    (!pin.is_empty()).then(|| pin.to_string())
}

/// The SIP password of each PJSIP endpoint, from pjsip.conf as Asterisk reads it.
pub(crate) fn endpoint_passwords() -> std::collections::HashMap<String, String> {
    match ast_config::load("pjsip.conf", "res_digium_phone/pjsip", false) {
        Loaded::Config(cfg) => digium_phones_core::provision::pjsip::endpoint_passwords(&cfg),
        _ => Default::default(),
    }
}
