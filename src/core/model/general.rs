//! `[general]`: authentication, discovery and file options shared by every phone. DPMA 1.x also kept
//! the network options here; they still work, as the implicit network (see [`super::network`]).

use super::network::LEGACY_OPTIONS;
use super::reader::SectionReader;
use super::spec::{BOOL, Kind, OptionSpec, TEXT, concat, opt};
use crate::finding::Finding;
use crate::raw::RawSection;
use crate::secret::Secret;

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
    /// `mac_globalpin`, "MAC with Global PIN" in the DPMA 1.0 guide's example; the guide does not spell
    /// out its rule.
    MacGlobalPin,
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
    /// Deprecated in DPMA; still read.
    pub firmware_package_directory: Option<String>,
    pub firmware_url_prefix: Option<String>,
    pub pjsip_message_context: Option<String>,
    /// The chan_sip-era name of the message context.
    pub message_context: String,
    pub transaction_initial_threads: Option<u32>,
    pub transaction_max_threads: Option<u32>,
    /// The dialplan context the module puts every line's presence hints in. Unset, as in DPMA: the
    /// context the line's own PJSIP endpoint subscribes in (its `subscribe_context`, else its
    /// `context`), or [`DEFAULT_HINT_CONTEXT`] for a line without an endpoint.
    pub hint_context: Option<String>,
    /// A status set on a phone applies to all its internal lines, not only the primary one.
    pub presence_all_lines: bool,
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
            mdns_port: Some(5060),
            mdns_transport: Some("udp"),
            file_directory: Some(DEFAULT_FILE_DIRECTORY.to_string()),
            firmware_package_directory: None,
            firmware_url_prefix: None,
            pjsip_message_context: None,
            message_context: DEFAULT_MESSAGE_CONTEXT.to_string(),
            transaction_initial_threads: None,
            transaction_max_threads: None,
            hint_context: None,
            presence_all_lines: false,
            raw: RawSection { name: "general".into(), ..Default::default() },
        }
    }
}

pub const DEFAULT_SERVICE_NAME: &str = "Digium Phones Config Server";
pub const DEFAULT_FILE_DIRECTORY: &str = "/var/lib/asterisk/digium_phones";
pub const DEFAULT_MESSAGE_CONTEXT: &str = "dpma_message_context";
/// Where the hints of a line go when `hint_context` is unset and the line has no PJSIP endpoint.
pub const DEFAULT_HINT_CONTEXT: &str = "digium_phones_hints";

/// Asterisk's AST_MAX_CONTEXT, terminating NUL included.
const MAX_CONTEXT: usize = 80;

const THREADS: Kind = Kind::Int { min: 1, max: 1024 };

const OWN: &[OptionSpec] = &[
    opt("server_uuid", TEXT).to(&["accounts/account@server_uuid"]),
    opt("globalpin", Kind::Secret).server("the PIN of userlist_auth / config_auth = globalpin"),
    opt("userlist_auth", Kind::Choice(&["disabled", "globalpin"]))
        .or("disabled")
        .server("who may see the profile list"),
    opt("config_auth", Kind::Choice(&["disabled", "mac", "pin", "globalpin", "mac_globalpin"]))
        .or("disabled")
        .server("who may claim a profile, and whether <mac>.cfg is served"),
    opt("service_discovery_enabled", BOOL).or("yes").server("mDNS discovery"),
    opt("service_name", TEXT).or(DEFAULT_SERVICE_NAME).server("mDNS discovery"),
    opt("mdns_address", Kind::Host).server("mDNS discovery"),
    opt("mdns_port", Kind::Port)
        .or("5060")
        .server("mDNS discovery; also the registration port when no network sets one"),
    opt("mdns_transport", Kind::Choice(&["udp", "tcp", "tls"])).or("udp").server("mDNS discovery"),
    opt("file_directory", TEXT)
        .or(DEFAULT_FILE_DIRECTORY)
        .server("the files served to phones, and their MD5s"),
    opt("firmware_package_directory", TEXT).server("firmware files served under /firmware/"),
    opt("firmware_url_prefix", Kind::Url).to(&["firmwares/firmware@url"]),
    opt("pjsip_message_context", TEXT).unused(
        "the module answers the phones' MESSAGEs itself, in whatever context they arrive",
    ),
    opt("message_context", TEXT).or(DEFAULT_MESSAGE_CONTEXT).unused(
        "the PJSIP endpoint's message_context decides where MESSAGEs go, and the module answers them \
         in whatever context they arrive",
    ),
    opt("transaction_initial_threads", THREADS)
        .unused("the module starts all transaction_max_threads workers at load"),
    opt("transaction_max_threads", THREADS).server("MESSAGE worker threads"),
    // Unset: where each line's endpoint subscribes.
    opt("hint_context", TEXT).server("presence hints"),
    opt("presence_all_lines", BOOL).or("no").server("presence"),
];

pub(crate) const OPTIONS: &[OptionSpec] =
    &concat::<{ OWN.len() + LEGACY_OPTIONS.len() }>(OWN, LEGACY_OPTIONS);

pub(crate) fn read(section: &RawSection, findings: &mut Vec<Finding>) -> General {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    let userlist_auth = match r.choice("userlist_auth") {
        Some("globalpin") => UserlistAuth::GlobalPin,
        _ => UserlistAuth::Disabled,
    };
    let config_auth = match r.choice("config_auth") {
        Some("mac") => ConfigAuth::Mac,
        Some("pin") => ConfigAuth::Pin,
        Some("globalpin") => ConfigAuth::GlobalPin,
        Some("mac_globalpin") => ConfigAuth::MacGlobalPin,
        _ => ConfigAuth::Disabled,
    };
    let globalpin = r.secret("globalpin");
    if !globalpin.expose().chars().all(|c| c.is_ascii_digit()) {
        let e = r.entry("globalpin");
        r.error_at(e, "globalpin", "a PIN must be digits only (phones offer a numeric keypad)");
    }
    let needs_globalpin = userlist_auth == UserlistAuth::GlobalPin
        || matches!(config_auth, ConfigAuth::GlobalPin | ConfigAuth::MacGlobalPin);
    if needs_globalpin && globalpin.is_empty() {
        let e = r.entry("config_auth").or(r.entry("userlist_auth"));
        r.error_at(e, "globalpin", "globalpin authentication is selected but no globalpin is set");
    }
    let threads = |key: &str| r.int(key).and_then(|n| u32::try_from(n).ok());
    let (initial, max) =
        (threads("transaction_initial_threads"), threads("transaction_max_threads"));
    if let (Some(i), Some(m)) = (initial, max) {
        if i > m {
            let e = r.entry("transaction_initial_threads");
            r.error_at(
                e,
                "transaction_initial_threads",
                format!("{i} is more than transaction_max_threads ({m})"),
            );
        }
    }
    let mut hint_context = r.text("hint_context");
    if let Some(Err(problem)) = hint_context.as_deref().map(check_context) {
        // The module must never be handed a name it cannot create.
        let e = r.entry("hint_context");
        r.error_at(e, "hint_context", format!("{problem}; {DEFAULT_HINT_CONTEXT} is used"));
        hint_context = Some(DEFAULT_HINT_CONTEXT.to_string());
    }
    let general = General {
        server_uuid: r.text("server_uuid"),
        globalpin,
        userlist_auth,
        config_auth,
        service_discovery_enabled: r.flag("service_discovery_enabled").unwrap_or(true),
        service_name: r.text("service_name").unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_string()),
        mdns_address: r.text("mdns_address"),
        mdns_port: r.port("mdns_port"),
        mdns_transport: r.choice("mdns_transport"),
        file_directory: r.text("file_directory"),
        firmware_package_directory: r.text("firmware_package_directory"),
        firmware_url_prefix: r.text("firmware_url_prefix"),
        pjsip_message_context: r.text("pjsip_message_context"),
        message_context: r
            .text("message_context")
            .unwrap_or_else(|| DEFAULT_MESSAGE_CONTEXT.to_string()),
        transaction_initial_threads: initial,
        transaction_max_threads: max,
        hint_context,
        presence_all_lines: r.flag("presence_all_lines").unwrap_or(false),
        raw: section.clone(),
    };
    r.finish();
    general
}

/// A context name the module can create and others can name in `include =>`, `exten@context` or a
/// PJSIP `subscribe_context` without quoting.
pub fn check_context(name: &str) -> Result<(), String> {
    if name.len() >= MAX_CONTEXT {
        return Err(format!(
            "'{name}' is {} bytes; Asterisk context names are at most {} bytes",
            name.len(),
            MAX_CONTEXT - 1
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+')) {
        return Err(format!(
            "'{name}' is not a usable context name: letters, digits and - _ . + only"
        ));
    }
    Ok(())
}
