//! `type=multicastpage`: a multicast group the phone listens to for pages.

use std::sync::Arc;

use std::net::IpAddr;

use super::reader::SectionReader;
use super::spec::{BOOL, Kind, OptionSpec, TEXT, opt};
use crate::finding::Finding;
use crate::raw::RawSection;

#[derive(Debug, Clone, PartialEq)]
pub struct Multicastpage {
    pub name: String,
    pub alias: Option<String>,
    pub address: Option<IpAddr>,
    pub port: Option<u16>,
    /// Lower numbers win over higher ones.
    pub priority: Option<u8>,
    /// Whether a page may interrupt a call in progress.
    pub interrupt: Option<bool>,
    pub raw: Arc<RawSection>,
}

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("alias", TEXT).to(&["appconfig[id=multicastpage]/multicastpage@alias"]),
    opt("address", Kind::MulticastAddress)
        .to(&["appconfig[id=multicastpage]/multicastpage@address"]),
    opt("port", Kind::Port).to(&["appconfig[id=multicastpage]/multicastpage@port"]),
    opt("priority", Kind::Int { min: 0, max: 255 })
        .to(&["appconfig[id=multicastpage]/multicastpage@priority"]),
    opt("interrupt", BOOL).to(&["appconfig[id=multicastpage]/multicastpage@interrupt"]),
];

pub(crate) fn read(
    section: &Arc<RawSection>,
    findings: &mut Vec<Finding>,
) -> Option<Multicastpage> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    r.require("address", "the multicast address pages are sent to");
    r.require("port", "the UDP port pages are sent to");
    let page = Multicastpage {
        name: section.name.clone(),
        alias: r.text("alias"),
        address: r.text("address").and_then(|a| a.parse().ok()),
        port: r.port("port"),
        priority: r.int("priority").and_then(|n| u8::try_from(n).ok()),
        interrupt: r.flag("interrupt"),
        raw: Arc::clone(section),
    };
    r.finish().then_some(page)
}
