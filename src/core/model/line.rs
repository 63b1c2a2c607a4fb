//! `type=line`: an internal line. The section name is the PJSIP endpoint the phone registers as.

use super::reader::SectionReader;
use crate::core::finding::Finding;
use crate::core::raw::RawSection;
use crate::core::secret::Secret;

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub exten: Option<String>,
    pub line_label: Option<String>,
    pub digit_map: Option<String>,
    pub mailbox: Option<String>,
    pub voicemail_uri: Option<String>,
    pub transport: Option<&'static str>,
    pub media_encryption: Option<&'static str>,
    pub authname: Option<String>,
    pub secret: Secret,
    pub callerid: Option<String>,
    pub context: Option<String>,
    pub raw: RawSection,
}

pub(crate) const KEYS: &[&str] = &[
    "exten",
    "line_label",
    "digit_map",
    "mailbox",
    "voicemail_uri",
    "transport",
    "media_encryption",
    "reregistration_timeout",
    "registration_retry_interval",
    "registration_max_retries",
    "outboundproxy_address",
    "outboundproxy_port",
    "secret",
    "authname",
    "context",
    "callerid",
    "subscribecontext",
    "plar_number",
];

pub(crate) fn read(section: &RawSection, findings: &mut Vec<Finding>) -> Option<Line> {
    let mut r = SectionReader::new(section, KEYS, findings);
    let transport = r.choice("transport", &["udp", "tcp", "tls"]);
    let media_encryption = r.choice("media_encryption", &["sdes"]);
    r.number("reregistration_timeout", 0, 86_400);
    r.number("registration_retry_interval", 0, 86_400);
    r.number("registration_max_retries", 0, 1_000);
    r.port("outboundproxy_port");
    let line = Line {
        name: section.name.clone(),
        exten: r.string("exten"),
        line_label: r.string("line_label"),
        digit_map: r.string("digit_map"),
        mailbox: r.string("mailbox"),
        voicemail_uri: r.string("voicemail_uri"),
        transport,
        media_encryption,
        authname: r.string("authname"),
        secret: r.secret("secret"),
        callerid: r.string("callerid"),
        context: r.string("context"),
        raw: section.clone(),
    };
    r.finish().then_some(line)
}
