//! `type=external_line`: an account on another SIP server, registered by the phone itself.

use super::reader::SectionReader;
use crate::core::finding::Finding;
use crate::core::raw::RawSection;
use crate::core::secret::Secret;

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
    pub raw: RawSection,
}

pub(crate) const KEYS: &[&str] = &[
    "server_address",
    "server_port",
    "transport",
    "secondary_server_address",
    "secondary_server_port",
    "secondary_transport",
    "userid",
    "authname",
    "secret",
    "register",
    "callerid",
    "line_label",
    "digit_map",
];

pub(crate) fn read(section: &RawSection, findings: &mut Vec<Finding>) -> Option<ExternalLine> {
    let mut r = SectionReader::new(section, KEYS, findings);
    let server_address = r.string("server_address");
    if server_address.is_none() {
        r.error_at(None, "server_address", "an external line needs the address of its SIP server");
    }
    let server_port = r.port("server_port").unwrap_or(5060);
    let transport = r.choice("transport", &["udp", "tcp", "tls"]).unwrap_or("udp");
    let secondary_server_port = r.port("secondary_server_port");
    let secondary_transport = r.choice("secondary_transport", &["udp", "tcp", "tls"]);
    let userid = r.string_or("userid", &section.name);
    let line = ExternalLine {
        name: section.name.clone(),
        server_address: server_address.unwrap_or_default(),
        server_port,
        transport,
        secondary_server_address: r.string("secondary_server_address"),
        secondary_server_port,
        secondary_transport,
        authname: r.string("authname").unwrap_or_else(|| userid.clone()),
        userid,
        secret: r.secret("secret"),
        register: r.bool("register", true),
        callerid: r.string("callerid"),
        raw: section.clone(),
    };
    r.finish().then_some(line)
}
