//! `type=line`: an internal line. The section name is the PJSIP endpoint the phone registers as.

use std::sync::Arc;

use super::reader::SectionReader;
use super::spec::{Kind, OptionSpec, SECONDS, TEXT, TRANSPORTS, opt};
use crate::finding::Finding;
use crate::raw::RawSection;
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    /// The dialable extension, when it differs from the endpoint name.
    pub exten: Option<Box<str>>,
    pub line_label: Option<Box<str>>,
    pub digit_map: Option<Box<str>>,
    pub language: Option<Box<str>>,
    pub mailbox: Option<Box<str>>,
    /// Dialled by the Msgs key instead of opening visual voicemail.
    pub voicemail_uri: Option<Box<str>>,
    /// Unset: UDP, or what the phone's network says.
    pub transport: Option<&'static str>,
    pub media_encryption: Option<&'static str>,
    pub reregistration_timeout: Option<u32>,
    pub registration_retry_interval: Option<u32>,
    pub registration_max_retries: Option<u32>,
    pub outboundproxy_address: Option<Box<str>>,
    pub outboundproxy_port: Option<u16>,
    pub authname: Option<Box<str>>,
    pub secret: Secret,
    pub callerid: Option<Box<str>>,
    pub context: Option<Box<str>>,
    pub subscribecontext: Option<Box<str>>,
    pub plar_number: Option<Box<str>>,
    pub raw: Arc<RawSection>,
}

impl Line {
    /// The outbound proxy port in effect: 5060 when only the address is set.
    pub fn outboundproxy(&self) -> Option<(&str, u16)> {
        self.outboundproxy_address.as_deref().map(|a| (a, self.outboundproxy_port.unwrap_or(5060)))
    }
}

pub(crate) const REGISTRATION_TIMER: Kind = SECONDS;

/// Where a line's outbound proxy goes: the account's attributes, or (D6x firmware 2.9.15 and later,
/// P-series) a child of each host.
pub(crate) const PROXY: &[&str] =
    &["accounts/account@outbound_proxy", "accounts/account/host_primary/outbound_proxy@server"];
pub(crate) const PROXY_PORT: &[&str] =
    &["accounts/account@outbound_port", "accounts/account/host_primary/outbound_proxy@port"];
pub(crate) const NO_LANGUAGE: &str =
    "phones have no language per line; set the phone's active_locale";

pub(crate) const OPTIONS: &[OptionSpec] = &[
    // Also the extension of the line's hint.
    opt("exten", TEXT)
        .or_fallback(super::spec::Fallback::SectionName)
        .to(&["accounts/account@line_label"]),
    opt("line_label", TEXT).to(&["accounts/account@line_label"]),
    opt("digit_map", Kind::DigitMap).to(&["accounts/account@dial_plan"]),
    opt("language", TEXT).not_sent(NO_LANGUAGE),
    opt("mailbox", TEXT).over_message_only(
        &["accounts/account@visual_voicemail"],
        super::phone::VISUAL_VOICEMAIL_NEEDS_MESSAGE,
    ),
    opt("voicemail_uri", TEXT).to(&["accounts/account@voicemail"]),
    opt("transport", TRANSPORTS).to(&["accounts/account/host_primary@transport"]),
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
    opt("secret", Kind::Secret).to(&["accounts/account@password", "accounts/account@passcode"]),
    opt("authname", TEXT).to(&["accounts/account@authname"]),
    opt("context", TEXT).not_sent(CHAN_SIP),
    opt("callerid", TEXT).to(&["accounts/account@caller_id"]),
    opt("subscribecontext", TEXT).not_sent(CHAN_SIP),
    opt("plar_number", TEXT).to(&["accounts/account@plar_number"]),
];

const CHAN_SIP: &str =
    "a chan_sip peer option DPMA 1.x read; the PJSIP endpoint the line is named after has its own";

pub(crate) fn uint(r: &SectionReader<'_>, key: &str) -> Option<u32> {
    r.int(key).and_then(|n| u32::try_from(n).ok())
}

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Line> {
    let r = SectionReader::new(section, OPTIONS, findings);
    let line = Line {
        name: section.name.clone(),
        exten: r.entry("exten").map(|e| e.value.trim().into()),
        line_label: r.boxed_text("line_label"),
        digit_map: r.boxed_text("digit_map"),
        language: r.boxed_text("language"),
        mailbox: r.boxed_text("mailbox"),
        voicemail_uri: r.boxed_text("voicemail_uri"),
        transport: r.choice("transport"),
        media_encryption: r.choice("media_encryption"),
        reregistration_timeout: uint(&r, "reregistration_timeout"),
        registration_retry_interval: uint(&r, "registration_retry_interval"),
        registration_max_retries: uint(&r, "registration_max_retries"),
        outboundproxy_address: r.boxed_text("outboundproxy_address"),
        outboundproxy_port: r.port("outboundproxy_port"),
        // In table order, which the reader finds fastest.
        secret: r.secret("secret"),
        authname: r.boxed_text("authname"),
        context: r.boxed_text("context"),
        callerid: r.boxed_text("callerid"),
        subscribecontext: r.boxed_text("subscribecontext"),
        plar_number: r.boxed_text("plar_number"),
        raw: Arc::clone(section),
    };
    r.finish().then_some(line)
}
