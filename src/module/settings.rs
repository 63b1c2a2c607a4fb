//! Facts the module reads from Asterisk's other configuration files, loaded through Asterisk's
//! config API (so includes and templates work as for every module) and read by the core.

use std::collections::HashMap;

use crate::ffi::config::{self as ast_config, Loaded};
use crate::ffi::http;
use digium_phones_core::apps::parking::hints::{self, LotSpaces};
use digium_phones_core::provision::httpauth::Listeners;
use digium_phones_core::raw::RawConfig;
use digium_phones_core::settings::{self, HttpServer};

fn load(file: &str, purpose: &str) -> Option<RawConfig> {
    match ast_config::load(file, &format!("res_digium_phone/{purpose}"), false) {
        Loaded::Config(cfg) => Some(cfg),
        _ => None,
    }
}

/// How phones reach Asterisk's HTTP server; `None` when http.conf enables neither HTTP nor HTTPS.
pub(crate) fn http_server() -> Option<HttpServer> {
    settings::http_server(&load("http.conf", "http")?, &http::prefix())
}

/// Which HTTP servers http.conf enables; a missing http.conf enables none.
pub(crate) fn http_listeners() -> Listeners {
    match load("http.conf", "http") {
        Some(cfg) => settings::http_listeners(&cfg),
        None => Listeners::Known { plain: false, tls: false },
    }
}

/// The voicemail PIN of `mailbox` (`box@context`).
pub(crate) fn voicemail_pin(mailbox: &str) -> Option<String> {
    settings::voicemail_pin(&load("voicemail.conf", "voicemail")?, mailbox)
}

/// voicemail.conf as Asterisk reads it (boxes named after lines, for visual voicemail).
pub(crate) fn voicemail_conf() -> Option<RawConfig> {
    load("voicemail.conf", "voicemail")
}

/// The `mailboxes` of each PJSIP endpoint that sets it, from pjsip.conf.
pub(crate) fn endpoint_mailboxes() -> HashMap<String, String> {
    load("pjsip.conf", "pjsip")
        .map(|cfg| digium_phones_core::provision::pjsip::endpoint_mailboxes(&cfg))
        .unwrap_or_default()
}

/// The SIP password of each PJSIP endpoint, from pjsip.conf as Asterisk reads it.
pub(crate) fn endpoint_passwords() -> HashMap<String, String> {
    load("pjsip.conf", "pjsip")
        .map(|cfg| digium_phones_core::provision::pjsip::endpoint_passwords(&cfg))
        .unwrap_or_default()
}

/// The lots res_parking.conf defines (res_parking's `default` lot when it has none).
pub(crate) fn parking_lots() -> Vec<LotSpaces> {
    hints::configured_lots(&load("res_parking.conf", "parking").unwrap_or_default())
}
