//! `[general]`: authentication, discovery and file options shared by every phone.

use super::reader::SectionReader;
use crate::core::finding::Finding;
use crate::core::raw::RawSection;
use crate::core::secret::Secret;

/// How a phone proves it may see the list of profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserlistAuth {
    #[default]
    Disabled,
    GlobalPin,
}

/// How a phone proves it may claim a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfigAuth {
    #[default]
    Disabled,
    Mac,
    Pin,
    GlobalPin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct General {
    pub server_uuid: Option<String>,
    pub globalpin: Secret,
    pub userlist_auth: UserlistAuth,
    pub config_auth: ConfigAuth,
    pub service_discovery_enabled: bool,
    pub service_name: String,
    pub mdns_address: Option<String>,
    pub mdns_port: Option<u16>,
    pub mdns_transport: Option<&'static str>,
    pub file_directory: Option<String>,
    pub firmware_package_directory: Option<String>,
    pub pjsip_message_context: Option<String>,
    pub raw: RawSection,
}

impl Default for General {
    fn default() -> Self {
        Self {
            server_uuid: None,
            globalpin: Secret::default(),
            userlist_auth: UserlistAuth::Disabled,
            config_auth: ConfigAuth::Disabled,
            service_discovery_enabled: true,
            service_name: DEFAULT_SERVICE_NAME.to_string(),
            mdns_address: None,
            mdns_port: None,
            mdns_transport: None,
            file_directory: None,
            firmware_package_directory: None,
            pjsip_message_context: None,
            raw: RawSection { name: "general".into(), ..Default::default() },
        }
    }
}

pub const DEFAULT_SERVICE_NAME: &str = "Digium Phones Config Server";

pub(crate) const KEYS: &[&str] = &[
    "server_uuid",
    "globalpin",
    "userlist_auth",
    "config_auth",
    "service_discovery_enabled",
    "service_name",
    "mdns_address",
    "mdns_port",
    "mdns_transport",
    "file_directory",
    "firmware_package_directory",
    "firmware_url_prefix",
    "pjsip_message_context",
    "transaction_initial_threads",
    "transaction_max_threads",
    // DPMA 1.x kept the network options in [general]; they still work there.
    "registration_address",
    "registration_port",
    "alternate_registration_address",
    "alternate_registration_port",
    "file_url_prefix",
    "public_firmware_url_prefix",
    "ntp_server",
    "syslog_server",
    "syslog_port",
    "syslog_level",
    "network_vlan_discovery_mode",
    "sip_qos",
    "rtp_qos",
    "pc_qos",
    "network_vlan_id",
    "pc_vlan_id",
    "sip_dscp",
    "rtp_dscp",
    "udp_ka_interval",
];

pub(crate) fn read(section: &RawSection, findings: &mut Vec<Finding>) -> General {
    let mut r = SectionReader::new(section, KEYS, findings);
    let userlist_auth = match r.choice("userlist_auth", &["disabled", "globalpin"]) {
        Some("globalpin") => UserlistAuth::GlobalPin,
        _ => UserlistAuth::Disabled,
    };
    let config_auth = match r.choice("config_auth", &["disabled", "mac", "pin", "globalpin"]) {
        Some("mac") => ConfigAuth::Mac,
        Some("pin") => ConfigAuth::Pin,
        Some("globalpin") => ConfigAuth::GlobalPin,
        _ => ConfigAuth::Disabled,
    };
    let globalpin = r.secret("globalpin");
    if !globalpin.is_empty() && !globalpin.expose().chars().all(|c| c.is_ascii_digit()) {
        let e = r.entry("globalpin");
        r.error_at(e, "globalpin", "a PIN must be digits only (phones offer a numeric keypad)");
    }
    let needs_globalpin =
        userlist_auth == UserlistAuth::GlobalPin || config_auth == ConfigAuth::GlobalPin;
    if needs_globalpin && globalpin.is_empty() {
        let e = r.entry("config_auth").or(r.entry("userlist_auth"));
        r.error_at(e, "globalpin", "globalpin authentication is selected but no globalpin is set");
    }
    let mdns_port = r.port("mdns_port");
    let mdns_transport = r.choice("mdns_transport", &["udp", "tcp", "tls"]);
    let general = General {
        server_uuid: r.string("server_uuid"),
        globalpin,
        userlist_auth,
        config_auth,
        service_discovery_enabled: r.bool("service_discovery_enabled", true),
        service_name: r.string_or("service_name", DEFAULT_SERVICE_NAME),
        mdns_address: r.string("mdns_address"),
        mdns_port,
        mdns_transport,
        file_directory: r.string("file_directory"),
        firmware_package_directory: r.string("firmware_package_directory"),
        pjsip_message_context: r.string("pjsip_message_context"),
        raw: section.clone(),
    };
    r.finish();
    general
}
