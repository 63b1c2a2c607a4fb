//! `[general]`: authentication, discovery and file options shared by every phone. DPMA 1.x also kept
//! the network options here; they still work, as the implicit network (see [`super::network`]).

use std::sync::Arc;

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

/// HTTP authentication required on `<mac>.cfg` and on the files a configuration names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpAuth {
    #[default]
    No,
    /// Digest (RFC 7616, MD5, qop=auth) on every connection.
    Digest,
    /// Basic, accepted over TLS only; requests over plain HTTP are challenged with Digest.
    Basic,
}

impl HttpAuth {
    pub fn is_required(self) -> bool {
        self != Self::No
    }
}

/// How failed attempts and MAC probing are limited (see `provision::lockout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Distinct unknown MACs one address may ask for within `probe_window` before it is locked out.
    pub probe_max_macs: u32,
    pub probe_window: u64,
    /// The first lockout, in seconds; each repeat doubles it, up to `lockout_max_duration`.
    pub lockout_duration: u64,
    pub lockout_max_duration: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            probe_max_macs: DEFAULT_PROBE_MAX_MACS,
            probe_window: DEFAULT_PROBE_WINDOW,
            lockout_duration: DEFAULT_LOCKOUT_DURATION,
            lockout_max_duration: DEFAULT_LOCKOUT_MAX_DURATION,
        }
    }
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
    pub http_auth: HttpAuth,
    /// The site credential: one user name and password every phone may use.
    pub http_username: Option<String>,
    pub http_password: Secret,
    /// A phone may also authenticate as its own MAC, with its profile's `pin` as the password.
    pub http_phone_credentials: bool,
    /// A request whose User-Agent names a MAC other than the one asked for is refused.
    pub useragent_mac_binding: bool,
    pub limits: Limits,
    pub raw: Arc<RawSection>,
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
            http_auth: HttpAuth::No,
            http_username: None,
            http_password: Secret::default(),
            http_phone_credentials: false,
            useragent_mac_binding: false,
            limits: Limits::default(),
            raw: Arc::new(RawSection { name: "general".into(), ..Default::default() }),
        }
    }
}

pub const DEFAULT_SERVICE_NAME: &str = "Digium Phones Config Server";
pub const DEFAULT_FILE_DIRECTORY: &str = "/var/lib/asterisk/digium_phones";
pub const DEFAULT_MESSAGE_CONTEXT: &str = "dpma_message_context";
/// Where the hints of a line go when `hint_context` is unset and the line has no PJSIP endpoint.
pub const DEFAULT_HINT_CONTEXT: &str = "digium_phones_hints";
pub const DEFAULT_PROBE_MAX_MACS: u32 = 20;
pub const DEFAULT_PROBE_WINDOW: u64 = 600;
pub const DEFAULT_LOCKOUT_DURATION: u64 = 600;
pub const DEFAULT_LOCKOUT_MAX_DURATION: u64 = 86_400;

/// Asterisk's AST_MAX_CONTEXT, terminating NUL included.
const MAX_CONTEXT: usize = 80;

const THREADS: Kind = Kind::Int { min: 1, max: 1024 };
/// A week: longer windows only keep counters for phones long gone.
const WINDOW: Kind = Kind::Int { min: 1, max: 7 * 86_400 };
const DURATION: Kind = Kind::Int { min: 1, max: 365 * 86_400 };

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
    opt("http_auth", Kind::Choice(&["no", "digest", "basic"]))
        .or("no")
        .server("HTTP authentication of <mac>.cfg and the files it names"),
    opt("http_username", TEXT).server("the site credential of http_auth"),
    opt("http_password", Kind::Secret).server("the site credential of http_auth"),
    opt("http_phone_credentials", BOOL)
        .or("no")
        .server("each phone's MAC and pin as its own credential for http_auth"),
    opt("useragent_mac_binding", BOOL)
        .or("no")
        .server("refuses <mac>.cfg when the User-Agent names another MAC"),
    opt("probe_max_macs", Kind::Int { min: 1, max: 100_000 })
        .or("20")
        .server("the unknown MACs an address may ask for before it is locked out"),
    opt("probe_window", WINDOW).or("600").server("the window probe_max_macs counts in"),
    opt("lockout_duration", DURATION).or("600").server("how long a first lockout lasts"),
    opt("lockout_max_duration", DURATION)
        .or("86400")
        .server("the longest a repeated lockout lasts"),
];

pub(crate) const OPTIONS: &[OptionSpec] =
    &concat::<{ OWN.len() + LEGACY_OPTIONS.len() }>(OWN, LEGACY_OPTIONS);

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> General {
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
    let http = read_http_auth(&mut r);
    let limits = read_limits(&mut r);
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
        http_auth: http.auth,
        http_username: http.username,
        http_password: http.password,
        http_phone_credentials: http.phone_credentials,
        useragent_mac_binding: r.flag("useragent_mac_binding").unwrap_or(false),
        limits,
        raw: Arc::clone(section),
    };
    r.finish();
    general
}

struct HttpSettings {
    auth: HttpAuth,
    username: Option<String>,
    password: Secret,
    phone_credentials: bool,
}

/// `http_auth` and its credentials. A requirement with no usable credential stays a requirement:
/// every request is then refused, never served unauthenticated.
fn read_http_auth(r: &mut SectionReader) -> HttpSettings {
    let auth = match r.choice("http_auth") {
        Some("digest") => HttpAuth::Digest,
        Some("basic") => HttpAuth::Basic,
        _ => HttpAuth::No,
    };
    let mut username = r.text("http_username");
    let password = r.secret("http_password");
    let phone_credentials = r.flag("http_phone_credentials").unwrap_or(false);
    if let Some(name) = &username {
        // Basic carries `user:password`; Digest quotes the name.
        if name.contains([':', '"', '\\']) || name.chars().any(char::is_control) {
            let e = r.entry("http_username");
            r.error_at(
                e,
                "http_username",
                "a user name cannot hold ':', '\"', '\\' or control characters",
            );
            username = None;
        }
    }
    match (&username, password.is_empty()) {
        (Some(_), true) => {
            let e = r.entry("http_username");
            r.error_at(e, "http_password", "http_username is set but http_password is not");
        }
        (None, false) if r.entry("http_username").is_none() => {
            let e = r.entry("http_password");
            r.error_at(e, "http_username", "http_password is set but http_username is not");
        }
        _ => {}
    }
    let site = username.is_some() && !password.is_empty();
    if auth.is_required() && !site && !phone_credentials {
        let e = r.entry("http_auth");
        r.error_at(
            e,
            "http_auth",
            "HTTP authentication is required but no credential is set (http_username and \
             http_password, or http_phone_credentials = yes): every request will be refused",
        );
    }
    if !auth.is_required() && (site || phone_credentials) {
        let e = r.entry("http_username").or(r.entry("http_phone_credentials"));
        r.warn_at(
            e,
            "http_auth",
            "HTTP credentials are set but http_auth = no: they are not asked for",
        );
    }
    HttpSettings {
        auth,
        username: username.filter(|_| site),
        password: if site { password } else { Secret::default() },
        phone_credentials,
    }
}

fn read_limits(r: &mut SectionReader) -> Limits {
    let secs = |r: &SectionReader, key: &str, default: u64| {
        r.int(key).and_then(|n| u64::try_from(n).ok()).unwrap_or(default)
    };
    let mut limits = Limits {
        probe_max_macs: r
            .int("probe_max_macs")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(DEFAULT_PROBE_MAX_MACS),
        probe_window: secs(r, "probe_window", DEFAULT_PROBE_WINDOW),
        lockout_duration: secs(r, "lockout_duration", DEFAULT_LOCKOUT_DURATION),
        lockout_max_duration: secs(r, "lockout_max_duration", DEFAULT_LOCKOUT_MAX_DURATION),
    };
    if limits.lockout_max_duration < limits.lockout_duration {
        let e = r.entry("lockout_max_duration").or(r.entry("lockout_duration"));
        r.error_at(
            e,
            "lockout_max_duration",
            format!(
                "{} s is shorter than lockout_duration ({} s); {} s is used",
                limits.lockout_max_duration, limits.lockout_duration, limits.lockout_duration
            ),
        );
        limits.lockout_max_duration = limits.lockout_duration;
    }
    limits
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
