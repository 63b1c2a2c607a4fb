//! `type=external_line`: an account on another SIP server, registered by the phone itself. The
//! internal line options apply too, though those served by this Asterisk (visual voicemail…) do not work.

use std::sync::Arc;

use super::line::{NO_LANGUAGE, PROXY, PROXY_PORT, REGISTRATION_TIMER, uint};
use super::reader::SectionReader;
use super::spec::{BOOL, Fallback, Kind, OptionSpec, TEXT, TRANSPORTS, opt};
use crate::finding::Finding;
use crate::raw::RawSection;
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct ExternalLine {
    pub name: String,
    pub server_address: String,
    pub server_port: u16,
    pub transport: &'static str,
    pub secondary_server_address: Option<String>,
    pub secondary_server_port: Option<u16>,
    pub secondary_transport: Option<&'static str>,
    /// Defaults to the section name.
    pub userid: String,
    /// Defaults to `userid`.
    pub authname: String,
    pub secret: Secret,
    pub register: bool,
    pub callerid: Option<String>,
    pub line_label: Option<String>,
    pub digit_map: Option<String>,
    pub voicemail_uri: Option<String>,
    pub mailbox: Option<String>,
    pub language: Option<String>,
    pub media_encryption: Option<&'static str>,
    pub reregistration_timeout: Option<u32>,
    pub registration_retry_interval: Option<u32>,
    pub registration_max_retries: Option<u32>,
    pub outboundproxy_address: Option<String>,
    pub outboundproxy_port: Option<u16>,
    pub raw: Arc<RawSection>,
}

const ALTERNATE_TRANSPORT: &[&str] = &["accounts/account/host_alternate@transport"];

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("server_address", Kind::Host).to(&["accounts/account/host_primary@server"]),
    opt("server_port", Kind::Port).or("5060").to(&["accounts/account/host_primary@port"]),
    opt("transport", TRANSPORTS).or("udp").to(&["accounts/account/host_primary@transport"]),
    opt("secondary_server_address", Kind::Host).to(&["accounts/account/host_alternate@server"]),
    opt("secondary_server_port", Kind::Port)
        .or("5060")
        .to(&["accounts/account/host_alternate@port"]),
    opt("secondary_server_transport", TRANSPORTS).or("udp").to(ALTERNATE_TRANSPORT),
    // The spelling some configurations use for secondary_server_transport.
    opt("secondary_transport", TRANSPORTS).to(ALTERNATE_TRANSPORT),
    opt("userid", TEXT)
        .or_fallback(Fallback::SectionName)
        .to(&["accounts/account@account_id", "accounts/account@username"]),
    opt("authname", TEXT)
        .or_fallback(Fallback::SameAs("userid"))
        .to(&["accounts/account@authname"]),
    opt("secret", Kind::Secret).to(&["accounts/account@password", "accounts/account@passcode"]),
    opt("register", BOOL).or("yes").to(&["accounts/account@register"]),
    opt("callerid", TEXT).to(&["accounts/account@caller_id"]),
    opt("line_label", TEXT).to(&["accounts/account@line_label"]),
    opt("digit_map", Kind::DigitMap).to(&["accounts/account@dial_plan"]),
    opt("voicemail_uri", TEXT).to(&["accounts/account@voicemail"]),
    opt("mailbox", TEXT).not_sent(
        "visual voicemail works only for lines of this server; voicemail_uri gives the Msgs key a \
         number to dial",
    ),
    opt("language", TEXT).not_sent(NO_LANGUAGE),
    opt("media_encryption", Kind::Choice(&["sdes"]))
        .to(&["accounts/account/host_primary@media_encryption"]),
    opt("reregistration_timeout", REGISTRATION_TIMER)
        .to(&["accounts/account/host_primary@reregister"]),
    opt("registration_retry_interval", REGISTRATION_TIMER)
        .to(&["accounts/account/host_primary@retry"]),
    opt("registration_max_retries", Kind::Int { min: 0, max: 1000 })
        .to(&["accounts/account/host_primary@num_retries"]),
    opt("outboundproxy_address", Kind::Host).to(PROXY),
    opt("outboundproxy_port", Kind::Port).to(PROXY_PORT),
];

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<ExternalLine> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    r.require("server_address", "an external line needs the address of its SIP server");
    let secondary = r.entry("secondary_server_address").is_some();
    let line = ExternalLine {
        name: section.name.clone(),
        server_address: r.text("server_address").unwrap_or_default(),
        server_port: r.port("server_port").unwrap_or(5060),
        transport: r.choice("transport").unwrap_or("udp"),
        secondary_server_address: r.text("secondary_server_address"),
        secondary_server_port: r.port("secondary_server_port").filter(|_| secondary),
        secondary_transport: r
            .entry("secondary_server_transport")
            .and(r.choice("secondary_server_transport"))
            .or(r.choice("secondary_transport"))
            .or(secondary.then_some("udp")),
        userid: r.text("userid").unwrap_or_else(|| section.name.clone()),
        authname: r.text("authname").unwrap_or_else(|| section.name.clone()),
        secret: r.secret("secret"),
        register: r.flag("register").unwrap_or(true),
        callerid: r.text("callerid"),
        line_label: r.text("line_label"),
        digit_map: r.text("digit_map"),
        voicemail_uri: r.text("voicemail_uri"),
        mailbox: r.text("mailbox"),
        language: r.text("language"),
        media_encryption: r.choice("media_encryption"),
        reregistration_timeout: uint(&r, "reregistration_timeout"),
        registration_retry_interval: uint(&r, "registration_retry_interval"),
        registration_max_retries: uint(&r, "registration_max_retries"),
        outboundproxy_address: r.text("outboundproxy_address"),
        outboundproxy_port: r.port("outboundproxy_port"),
        raw: Arc::clone(section),
    };
    r.finish().then_some(line)
}
