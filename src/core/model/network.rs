//! `type=network`: where phones register, fetch files and log, chosen by the phone's own address. The
//! same options written in `[general]` (DPMA 1.x) make an implicit network for phones that name none.

use std::sync::Arc;

use super::reader::SectionReader;
use super::spec::{Kind, OptionSpec, TEXT, TRANSPORTS, opt};
use super::values::Cidr;
use crate::finding::Finding;
use crate::raw::RawSection;

/// Where phones get firmware that no `firmware` section serves.
pub const DEFAULT_PUBLIC_FIRMWARE_URL_PREFIX: &str =
    "http://dphone.dl.digium.com/firmware/asterisk/";

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: String,
    /// Shown on the phone when the user picks a network by hand.
    pub alias: Option<String>,
    /// The phone addresses this network is for; unset matches any.
    pub cidr: Option<Cidr>,
    /// Unset: the address the phone reached the server at.
    pub registration_address: Option<String>,
    pub registration_port: u16,
    pub transport: &'static str,
    pub alternate_registration_address: Option<String>,
    pub alternate_registration_port: Option<u16>,
    pub alternate_transport: Option<&'static str>,
    pub file_url_prefix: Option<String>,
    pub public_firmware_url_prefix: String,
    pub ntp_server: Option<String>,
    pub syslog_server: Option<String>,
    pub syslog_port: u16,
    pub syslog_level: Option<&'static str>,
    /// `NONE`, `MANUAL` or `LLDP`, written in capitals.
    pub network_vlan_discovery_mode: &'static str,
    pub network_vlan_id: Option<u16>,
    pub pc_vlan_id: Option<u16>,
    pub sip_qos: Option<u8>,
    pub rtp_qos: Option<u8>,
    pub pc_qos: Option<u8>,
    pub sip_dscp: u8,
    pub rtp_dscp: u8,
    /// Seconds between UDP keep-alives; 0: never.
    pub udp_ka_interval: u32,
    pub raw: Arc<RawSection>,
}

impl Network {
    /// Whether a phone at `ip` uses this network.
    pub fn matches(&self, ip: std::net::IpAddr) -> bool {
        self.cidr.is_none_or(|c| c.contains(ip))
    }
}

const QOS: Kind = Kind::Int { min: 0, max: 7 };
const VLAN: Kind = Kind::Int { min: 0, max: 4095 };
const DSCP: Kind = Kind::Int { min: 0, max: 63 };

pub(crate) const OPTIONS: &[OptionSpec] = &[
    // Only in network sections.
    opt("alias", TEXT).not_sent(
        "phones are sent the one network their address chooses (cidr), so there is no list to \
         pick from by name",
    ),
    // Also chooses the network (see xml::choose_network).
    opt("cidr", Kind::Cidr).to(&["setting[id=network_vlan_discovery_mode]@network"]),
    // Also in `[general]` (DPMA 1.x).
    opt("registration_address", Kind::Host).to(&["accounts/account/host_primary@server"]),
    opt("registration_port", Kind::Port).or("5060").to(&["accounts/account/host_primary@port"]),
    opt("transport", TRANSPORTS).or("udp").to(&["accounts/account/host_primary@transport"]),
    opt("alternate_registration_address", Kind::Host)
        .to(&["accounts/account/host_alternate@server"]),
    opt("alternate_registration_port", Kind::Port).to(&["accounts/account/host_alternate@port"]),
    opt("alternate_transport", TRANSPORTS).to(&["accounts/account/host_alternate@transport"]),
    opt("file_url_prefix", Kind::Url).to(&["contacts@url"]),
    opt("public_firmware_url_prefix", Kind::Url)
        .or(DEFAULT_PUBLIC_FIRMWARE_URL_PREFIX)
        .to(&["public_firmwares/public_firmware@url"]),
    opt("ntp_server", Kind::Host)
        .to(&["setting[id=time_source]@value", "setting[id=ntp_server]@value"]),
    opt("syslog_server", Kind::Host).to(&[
        "setting[id=enable_logging]@value",
        "setting[id=log_server]@value",
        "setting[id=log_port]@value",
    ]),
    opt("syslog_port", Kind::Port).or("514").to(&["setting[id=log_port]@value"]),
    opt(
        "syslog_level",
        Kind::Choice(&["error", "warning", "warn", "information", "info", "debug"]),
    )
    .to(&["setting[id=log_level]@value"]),
    opt("network_vlan_discovery_mode", Kind::ExactChoice(&["NONE", "MANUAL", "LLDP"]))
        .or("LLDP")
        .to(&["setting[id=network_vlan_discovery_mode]@value"]),
    opt("network_vlan_id", VLAN).to(&["setting[id=network_vlan_id]@value"]),
    opt("pc_vlan_id", VLAN).not_sent(
        "no documented phone setting carries the PC port's VLAN; `setting = <id>=<value>` in the \
         phone section can send one your firmware has",
    ),
    // The 1.0 guide's id is network_vlan_qos; later firmware reads sip_qos.
    opt("sip_qos", QOS).to(&["setting[id=sip_qos]@value", "setting[id=network_vlan_qos]@value"]),
    opt("rtp_qos", QOS).to(&["setting[id=rtp_qos]@value"]),
    opt("pc_qos", QOS).to(&["setting[id=pc_qos]@value"]),
    opt("sip_dscp", DSCP).or("24").to(&["setting[id=sip_dscp]@value"]),
    opt("rtp_dscp", DSCP).or("46").to(&["setting[id=rtp_dscp]@value"]),
    opt("udp_ka_interval", Kind::Int { min: 0, max: 86_400 })
        .or("0")
        .to(&["setting[id=udp_ka_interval]@value"]),
];

/// The network options `[general]` may hold: all but `alias` and `cidr`.
pub(crate) const LEGACY_OPTIONS: &[OptionSpec] = OPTIONS.split_at(2).1;

fn narrow<T: TryFrom<i64>>(r: &SectionReader<'_>, key: &str) -> Option<T> {
    r.int(key).and_then(|n| T::try_from(n).ok())
}

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Network> {
    read_with(section, OPTIONS, findings)
}

/// The implicit network of a `[general]` section that sets network options, if it sets any. Its
/// options were checked with `[general]`, so nothing is reported here.
pub(crate) fn from_general(general: &Arc<RawSection>) -> Option<Network> {
    let sets_any = LEGACY_OPTIONS
        .iter()
        .any(|o| general.last(o.key).is_some_and(|e| !e.value.trim().is_empty()));
    sets_any.then(|| read_with(general, LEGACY_OPTIONS, &mut Vec::new())).flatten()
}

fn read_with(
    section: &Arc<RawSection>,
    options: &'static [OptionSpec],
    findings: &mut Vec<Finding>,
) -> Option<Network> {
    let mut r = SectionReader::new(section, options, findings);
    if options.len() == LEGACY_OPTIONS.len() {
        // `[general]` has options of its own: they are not unknown here.
        r.accept_unknown();
    }
    let has = |key: &str| options.iter().any(|o| o.key == key);
    let network = Network {
        name: section.name.clone(),
        alias: if has("alias") { r.text("alias") } else { None },
        cidr: if has("cidr") { r.text("cidr").and_then(|c| c.parse().ok()) } else { None },
        registration_address: r.text("registration_address"),
        registration_port: r.port("registration_port").unwrap_or(5060),
        transport: r.choice("transport").unwrap_or("udp"),
        alternate_registration_address: r.text("alternate_registration_address"),
        alternate_registration_port: r.port("alternate_registration_port"),
        alternate_transport: r.choice("alternate_transport"),
        file_url_prefix: r.text("file_url_prefix"),
        public_firmware_url_prefix: r
            .text("public_firmware_url_prefix")
            .unwrap_or_else(|| DEFAULT_PUBLIC_FIRMWARE_URL_PREFIX.to_string()),
        ntp_server: r.text("ntp_server"),
        syslog_server: r.text("syslog_server"),
        syslog_port: r.port("syslog_port").unwrap_or(514),
        syslog_level: r.choice("syslog_level"),
        network_vlan_discovery_mode: r.choice("network_vlan_discovery_mode").unwrap_or("LLDP"),
        network_vlan_id: narrow(&r, "network_vlan_id"),
        pc_vlan_id: narrow(&r, "pc_vlan_id"),
        sip_qos: narrow(&r, "sip_qos"),
        rtp_qos: narrow(&r, "rtp_qos"),
        pc_qos: narrow(&r, "pc_qos"),
        sip_dscp: narrow(&r, "sip_dscp").unwrap_or(24),
        rtp_dscp: narrow(&r, "rtp_dscp").unwrap_or(46),
        udp_ka_interval: narrow(&r, "udp_ka_interval").unwrap_or(0),
        raw: Arc::clone(section),
    };
    r.finish().then_some(network)
}
