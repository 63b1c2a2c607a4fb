//! `type=phone`: a profile a phone claims. Its `line=` order decides the line keys; the first is the
//! primary line.

use std::sync::Arc;

use super::mac::Mac;
use super::reader::SectionReader;
use super::spec::{BOOL, Kind, LEVEL, OptionSpec, SECONDS, SectionType, TEXT, opt};
use crate::finding::Finding;
use crate::raw::{RawEntry, RawSection};
use crate::secret::Secret;

/// The profile PIN: digits, or `voicemail` for the primary line's voicemail PIN.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Pin {
    #[default]
    None,
    Digits(Secret),
    Voicemail,
}

/// A name that refers to another section, with where it was written (for findings).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub name: String,
    pub file: crate::raw::SharedName,
    pub line: u32,
}

impl Reference {
    pub(crate) fn at(name: String, entry: &RawEntry) -> Self {
        Self { name, file: entry.file.clone(), line: entry.line }
    }
}

/// 802.1X port authentication.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dot1x {
    pub passthrough: Option<bool>,
    pub eapol_on_disconnect: Option<bool>,
    /// `eap-md5`, `eap-tls`, `peap-mschap`, `peap-gtc`, `ttls-mschap`, `ttls-gtc`; unset: off.
    pub method: Option<&'static str>,
    pub identity: Option<String>,
    pub anonymous_identity: Option<String>,
    pub password: Secret,
    pub client_cert_url: Option<String>,
    /// Changing it makes the phone fetch the certificate again.
    pub client_cert_value: Option<String>,
    pub root_cert_url: Option<String>,
    pub root_cert_value: Option<String>,
}

/// An idle-screen logo for one phone model.
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    /// `d40`, `d45`, … as in the option name.
    pub model: &'static str,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    pub name: String,
    pub full_name: Option<String>,
    pub mac: Option<Mac>,
    pub pin: Pin,
    pub group_pin: Option<String>,
    pub lines: Vec<Reference>,
    pub external_lines: Vec<Reference>,
    pub applications: Vec<Reference>,
    pub networks: Vec<Reference>,
    pub firmwares: Vec<Reference>,
    /// Custom ringtones to load (ringtone sections), or in DPMA 1.0 style a built-in default ringtone.
    pub ringtones: Vec<Reference>,
    /// The ringtone in use: a built-in name or a ringtone section.
    pub active_ringtone: Option<Reference>,
    pub alerts: Vec<Reference>,
    pub multicastpages: Vec<Reference>,
    pub config_file: Option<String>,
    pub mailbox: Option<String>,
    // Behaviour.
    pub logout_enabled: Option<bool>,
    pub use_local_storage: Option<bool>,
    pub login_password: Option<String>,
    pub web_ui_enabled: bool,
    pub lock_preferences: Option<bool>,
    pub accept_local_calls: Option<&'static str>,
    pub transport_tls_allowed: Option<bool>,
    pub codecs: Vec<String>,
    pub enable_check_sync: Option<bool>,
    /// `None` when no 802.1X option is set: most phones have none, and the group is the size of ten
    /// options.
    pub dot1x: Option<Box<Dot1x>>,
    pub lan_port_mode: Option<&'static str>,
    pub pc_port_mode: Option<&'static str>,
    // Contacts, BLF and call features.
    pub contacts: Vec<String>,
    pub contacts_display_rules: Option<String>,
    pub blf_contact_group: Option<String>,
    pub blf_items: Option<String>,
    pub blf_unused_linekeys: bool,
    pub blf_page_return_timeout: Option<u32>,
    pub contacts_max_subscriptions: u32,
    pub name_format: &'static str,
    pub parking_exten: Option<String>,
    pub parking_transfer_type: &'static str,
    pub show_call_parking: Option<bool>,
    pub record_own_calls: Option<bool>,
    pub send_to_vm: Option<bool>,
    pub can_forward_calls: Option<bool>,
    pub show_call_log: Option<bool>,
    pub display_mc_notification: bool,
    pub call_waiting_tone: Option<bool>,
    // Display.
    pub brightness: u8,
    pub contrast: u8,
    pub dim_backlight: bool,
    pub backlight_dim_level: u8,
    pub backlight_timeout: u32,
    pub default_fontsize: Option<u8>,
    pub idle_company_text: Option<String>,
    pub small_clock: Option<bool>,
    pub wallpaper_file: Option<String>,
    pub logos: Vec<Logo>,
    // Audio.
    pub ringer_volume: u8,
    pub speaker_volume: u8,
    pub handset_volume: u8,
    pub headset_volume: u8,
    pub handset_sidetone_db: i8,
    pub headset_sidetone_db: i8,
    pub reset_call_volume: bool,
    pub headset_answer: bool,
    pub ring_headset_only: Option<bool>,
    pub ehs: Option<&'static str>,
    // Locale and time.
    pub active_locale: Option<String>,
    pub timezone: Option<String>,
    pub ntp_server: Option<String>,
    pub ntp_resync: u32,
    /// `setting = <id>=<value>` lines, in order: settings the module does not model, sent as given.
    pub settings: Vec<(String, String)>,
    pub raw: Arc<RawSection>,
}

impl Phone {
    /// The primary line: the first `line=`, else the first `external_line=`.
    pub fn primary_line(&self) -> Option<&str> {
        self.lines.first().or(self.external_lines.first()).map(|r| r.name.as_str())
    }

    /// Whether the primary line is an external line (DPMA then turns the advanced features off).
    pub fn primary_is_external(&self) -> bool {
        self.lines.is_empty() && !self.external_lines.is_empty()
    }

    /// The ringtone the phone rings with: `active_ringtone`, else a built-in named by `ringtone=`
    /// (DPMA 1.0 style), else `Digium`.
    pub fn default_ringtone(&self) -> &str {
        self.active_ringtone
            .as_ref()
            .or_else(|| {
                self.ringtones.iter().find(|r| super::spec::builtin_ringtone(&r.name).is_some())
            })
            .map_or("Digium", |r| r.name.as_str())
    }
}

/// Each model with a logo and the option naming its file.
const LOGO_OPTIONS: [(&str, &str); 8] = [
    ("d40", "d40_logo_file"),
    ("d45", "d45_logo_file"),
    ("d50", "d50_logo_file"),
    ("d60", "d60_logo_file"),
    ("d62", "d62_logo_file"),
    ("d65", "d65_logo_file"),
    ("d70", "d70_logo_file"),
    ("d80", "d80_logo_file"),
];
const PORT_MODES: Kind = Kind::Choice(&["auto", "10hd", "10fd", "100hd", "100fd", "1000fd"]);
const VOLUME: Kind = LEVEL;
const SIDETONE: Kind = Kind::Int { min: -60, max: 0 };
const LOGO: &[&str] = &["setting[id=logo_file]@url"];

/// Why an option without a phone setting is not sent.
const NO_SETTING: &str = "no documented phone setting does this; `setting = <id>=<value>` can send \
     one your firmware has";

/// Why visual voicemail is off over HTTP.
pub(crate) const VISUAL_VOICEMAIL_NEEDS_MESSAGE: &str = "visual voicemail needs the module's MESSAGE \
     channel; the DPMA 1.0 guide says it works only for phones provisioned by DPMA, so the Msgs key \
     dials voicemail instead";

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("full_name", TEXT).server("the name in the profile list of the MESSAGE protocol"),
    opt("mac", Kind::Mac)
        .server("finds the profile of a phone by its MAC (<mac>.cfg, config_auth = mac)"),
    opt("pin", Kind::PhonePin)
        .secret()
        .server("the PIN a phone claims the profile with (config_auth = pin)"),
    opt("group_pin", Kind::Digits)
        .secret()
        .not_sent("DPMA documents only its name, not what it does; the module does not use it"),
    opt("line", Kind::Ref(SectionType::Line)).comma_lists().to(&["accounts/account@account_id"]),
    opt("external_line", Kind::Ref(SectionType::ExternalLine))
        .comma_lists()
        .to(&["accounts/account@account_id"]),
    opt("application", Kind::Ref(SectionType::Application))
        .comma_lists()
        .to(&["appconfig[id=appscreen]/application@id"]),
    // The network's options are sent; which network is chosen shows in where the phone registers.
    opt("network", Kind::Ref(SectionType::Network))
        .comma_lists()
        .to(&["accounts/account/host_primary@server"]),
    opt("firmware", Kind::Ref(SectionType::Firmware)).comma_lists().to(&["firmwares/firmware@url"]),
    opt("config_file", TEXT).server("served from file_directory instead of the generated document"),
    opt("mailbox", TEXT)
        .over_message_only(&["accounts/account@visual_voicemail"], VISUAL_VOICEMAIL_NEEDS_MESSAGE),
    opt("logout_enabled", BOOL).not_sent(
        "no documented phone setting offers logging out; phones leave a profile with the MESSAGE \
         protocol's logout",
    ),
    opt("use_local_storage", BOOL).to(&["appconfig[id=contacts]/settings@use_local_storage"]),
    opt("login_password", Kind::Digits)
        .or("789")
        .secret()
        .to(&["setting[id=login_password]@value"]),
    opt("web_ui_enabled", BOOL).or("no").to(&["setting[id=web_ui_enabled]@value"]),
    opt("lock_preferences", BOOL).not_sent(NO_SETTING),
    opt("accept_local_calls", Kind::Choice(&["any", "host"]))
        .to(&["setting[id=accept_local_calls]@value"]),
    opt("transport_tls_allowed", BOOL).to(&["setting[id=transport_tls_allowed]@value"]),
    opt("codecs", TEXT).comma_lists().to(&["codecs/codec@id"]),
    opt("enable_check_sync", BOOL).to(&["setting[id=enable_check_sync]@value"]),
    opt("8021x_passthrough", BOOL).to(&["setting[id=8021x_passthrough]@value"]),
    opt("8021x_eapol_on_disconnect", BOOL).to(&["setting[id=8021x_eapol_on_disconnect]@value"]),
    opt(
        "8021x_method",
        Kind::Choice(&["eap-md5", "eap-tls", "peap-mschap", "peap-gtc", "ttls-mschap", "ttls-gtc"]),
    )
    .to(&["setting[id=8021x_method]@value"]),
    opt("8021x_identity", TEXT).to(&["setting[id=8021x_identity]@value"]),
    opt("8021x_anonymous_identity", TEXT).to(&["setting[id=8021x_anonymous_identity]@value"]),
    opt("8021x_password", Kind::Secret).to(&["setting[id=8021x_password]@value"]),
    opt("8021x_client_cert_url", Kind::Url).to(&["setting[id=8021x_client_cert]@url"]),
    opt("8021x_client_cert_value", TEXT).to(&["setting[id=8021x_client_cert]@value"]),
    opt("8021x_root_cert_url", Kind::Url).not_sent(NO_SETTING),
    opt("8021x_root_cert_value", TEXT).not_sent(NO_SETTING),
    opt("lan_port_mode", PORT_MODES).to(&["setting[id=lan_port_mode]@value"]),
    opt("pc_port_mode", PORT_MODES).to(&["setting[id=pc_port_mode]@value"]),
    opt("contact", TEXT).comma_lists().to(&["contacts@url"]),
    opt("contacts_display_rules", TEXT).to(&["appconfig[id=contacts]/display_rules@url"]),
    opt("blf_contact_group", TEXT).to(&["setting[id=blf_contact_group]@value"]),
    opt("blf_items", TEXT).to(&["smart_blf/blf_items@url"]),
    opt("blf_unused_linekeys", BOOL)
        .or("no")
        .to(&["setting[id=enable_blf_on_unused_line_keys]@value"]),
    opt("blf_page_return_timeout", SECONDS).to(&["setting[id=blf_page_return_timeout]@value"]),
    opt("contacts_max_subscriptions", Kind::Int { min: 0, max: 1000 })
        .or("40")
        .to(&["setting[id=contacts_max_subscriptions]@value"]),
    opt("name_format", Kind::Choice(&["first_last", "last_first"]))
        .or("first_last")
        .to(&["setting[id=name_format]@value"]),
    opt("parking_exten", TEXT).to(&[
        "setting[id=parking_lot_extension]@value",
        "setting[id=parking_lot_enable_blind_transfer]@value",
    ]),
    opt("parking_transfer_type", Kind::Choice(&["blind", "attended"]))
        .or("blind")
        .to(&["setting[id=parking_lot_enable_blind_transfer]@value"]),
    opt("show_call_parking", BOOL).not_sent(
        "no documented phone setting; a phone shows the Parking application when one of its \
         application= sections is application = parking",
    ),
    opt("record_own_calls", BOOL).over_message_only(
        &["accounts/account/permission[id=record_own_calls]@value"],
        "the Record key records through the module's MESSAGE channel; the DPMA 1.0 guide says to \
         turn it off for phones provisioned without DPMA, so that no dead key shows",
    ),
    opt("send_to_vm", BOOL).to(&["accounts/account/permission[id=send_to_voicemail]@value"]),
    opt("can_forward_calls", BOOL).not_sent(NO_SETTING),
    opt("show_call_log", BOOL).not_sent(NO_SETTING),
    opt("display_mc_notification", BOOL).or("yes").to(&[
        "setting[id=display_mc_notifications]@value",
        "setting[id=display_mc_notification]@value",
    ]),
    opt("call_waiting_tone", BOOL).not_sent(NO_SETTING),
    opt("ringtone", Kind::Ringtone).comma_lists().to(&["ringtones/tones/tone@id"]),
    opt("active_ringtone", Kind::Ringtone)
        .to(&["setting[id=default_ringtone]@value", "setting[id=active_ringtone]@value"]),
    opt("alert", Kind::Ref(SectionType::Alert))
        .comma_lists()
        .to(&["ringtones/alerts/alert@alert_info"]),
    opt("multicastpage", Kind::Ref(SectionType::Multicastpage))
        .comma_lists()
        .to(&["appconfig[id=multicastpage]/multicastpage@address"]),
    opt("brightness", LEVEL).or("5").to(&["setting[id=brightness]@value"]),
    opt("contrast", LEVEL).or("5").to(&["setting[id=contrast]@value"]),
    opt("dim_backlight", BOOL).or("yes").to(&["setting[id=dim_backlight]@value"]),
    opt("backlight_dim_level", LEVEL).or("2").to(&["setting[id=backlight_dim_level]@value"]),
    opt("backlight_timeout", Kind::Int { min: 0, max: 3200 })
        .or("0")
        .to(&["setting[id=backlight_timeout]@value"]),
    opt("default_fontsize", Kind::Int { min: 6, max: 40 })
        .to(&["setting[id=default_fontsize]@value"]),
    opt("idle_company_text", TEXT).to(&["setting[id=idle_company_text]@value"]),
    opt("small_clock", BOOL).to(&["setting[id=small_clock]@value"]),
    opt("wallpaper_file", TEXT).to(&["setting[id=wallpaper_file]@url"]),
    opt("d40_logo_file", TEXT).to(LOGO),
    opt("d45_logo_file", TEXT).to(LOGO),
    opt("d50_logo_file", TEXT).to(LOGO),
    opt("d60_logo_file", TEXT).to(LOGO),
    opt("d62_logo_file", TEXT).to(LOGO),
    opt("d65_logo_file", TEXT).to(LOGO),
    opt("d70_logo_file", TEXT).to(LOGO),
    opt("d80_logo_file", TEXT).to(LOGO),
    opt("ringer_volume", VOLUME).or("5").to(&["setting[id=ringer_volume]@value"]),
    opt("speaker_volume", VOLUME).or("5").to(&["setting[id=speaker_volume]@value"]),
    opt("handset_volume", VOLUME).or("5").to(&["setting[id=handset_volume]@value"]),
    opt("headset_volume", VOLUME).or("5").to(&["setting[id=headset_volume]@value"]),
    opt("handset_sidetone_db", SIDETONE).or("-25").not_sent(NO_SETTING),
    opt("headset_sidetone_db", SIDETONE).or("-15").not_sent(NO_SETTING),
    opt("reset_call_volume", BOOL).or("no").to(&["setting[id=reset_call_volume]@value"]),
    opt("headset_answer", BOOL).or("no").to(&["setting[id=headset_answer]@value"]),
    opt("ring_headset_only", BOOL).not_sent(NO_SETTING),
    opt("ehs", Kind::Choice(&["auto", "plantronics", "jabra_iq"])).to(&["setting[id=ehs]@value"]),
    opt("active_locale", TEXT).to(&["setting[id=locale]@value"]),
    opt("timezone", TEXT).to(&["setting[id=time_zone]@value"]),
    opt("ntp_server", Kind::Host)
        .to(&["setting[id=time_source]@value", "setting[id=ntp_server]@value"]),
    opt("ntp_resync", SECONDS).or("86400").to(&["setting[id=ntp_resync]@value"]),
    // Any other setting the firmware reads, written as given after the modelled ones.
    opt("setting", Kind::SettingPair).lines().to(&["setting"]),
];

/// A number already checked against its range by the reader.
fn small<T: TryFrom<i64>>(r: &SectionReader<'_>, key: &str) -> Option<T> {
    r.int(key).and_then(|n| T::try_from(n).ok())
}

/// The option that writes `<setting id="<id>">`, and the type of section it is set in.
pub fn option_sending(id: &str) -> Option<(SectionType, &'static str)> {
    let writes = |spec: &OptionSpec| {
        spec.sent.places().iter().any(|place| {
            place.strip_prefix("setting[id=").and_then(|p| p.split_once(']')).map(|(i, _)| i)
                == Some(id)
        })
    };
    [SectionType::Phone, SectionType::Network]
        .into_iter()
        .find_map(|t| t.options().iter().find(|s| writes(s)).map(|s| (t, s.key)))
}

/// The `setting =` lines; a setting an option writes is refused, pointing at that option, so the
/// document never carries one id twice.
fn pass_through(r: &mut SectionReader<'_>) -> Vec<(String, String)> {
    let mut settings = Vec::new();
    for (entry, text) in r.list("setting") {
        let Ok((id, value)) = super::values::setting_pair(&text) else { continue };
        match option_sending(id) {
            Some((SectionType::Phone, key)) => r.error_at(
                Some(entry),
                "setting",
                format!("'{id}' is sent from the option {key}; set {key} = … instead"),
            ),
            Some((kind, key)) => r.error_at(
                Some(entry),
                "setting",
                format!(
                    "'{id}' is sent from the {} option {key} (of the phone's network, or \
                     [general]); set it there",
                    kind.name()
                ),
            ),
            None => settings.push((id.to_string(), value.to_string())),
        }
    }
    settings
}

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Phone> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    let settings = pass_through(&mut r);
    let mac = r.entry("mac").and_then(|e| e.value.parse::<Mac>().ok());
    let pin = match r.text("pin") {
        None => Pin::None,
        Some(p) if p.eq_ignore_ascii_case("voicemail") => Pin::Voicemail,
        Some(p) if p.chars().all(|c| c.is_ascii_digit()) => Pin::Digits(Secret::new(p)),
        Some(_) => Pin::None,
    };
    let lines = r.references("line");
    let external_lines = r.references("external_line");
    if lines.is_empty() && external_lines.is_empty() {
        r.warn_at(
            None,
            "line",
            "the phone has no line= or external_line=, so it can make no calls",
        );
    } else if lines.is_empty() {
        r.warn_at(
            r.list("external_line").first().map(|(e, _)| *e),
            "external_line",
            "the primary line is an external line, so DPMA's advanced features (voicemail, parking, \
             presence, call recording…) are off for this phone",
        );
    }
    let logos = LOGO_OPTIONS
        .into_iter()
        .filter_map(|(model, key)| r.text(key).map(|file| Logo { model, file }))
        .collect();
    let phone = Phone {
        name: section.name.clone(),
        full_name: r.text("full_name"),
        mac,
        pin,
        group_pin: r.text("group_pin"),
        lines,
        external_lines,
        applications: r.references("application"),
        networks: r.references("network"),
        firmwares: r.references("firmware"),
        ringtones: r.references("ringtone"),
        active_ringtone: r.reference("active_ringtone"),
        alerts: r.references("alert"),
        multicastpages: r.references("multicastpage"),
        config_file: r.text("config_file"),
        mailbox: r.text("mailbox"),
        logout_enabled: r.flag("logout_enabled"),
        use_local_storage: r.flag("use_local_storage"),
        login_password: r.text("login_password"),
        web_ui_enabled: r.flag("web_ui_enabled").unwrap_or(false),
        lock_preferences: r.flag("lock_preferences"),
        accept_local_calls: r.choice("accept_local_calls"),
        transport_tls_allowed: r.flag("transport_tls_allowed"),
        codecs: r.strings("codecs"),
        enable_check_sync: r.flag("enable_check_sync"),
        dot1x: Some(Dot1x {
            passthrough: r.flag("8021x_passthrough"),
            eapol_on_disconnect: r.flag("8021x_eapol_on_disconnect"),
            method: r.choice("8021x_method"),
            identity: r.text("8021x_identity"),
            anonymous_identity: r.text("8021x_anonymous_identity"),
            password: r.secret("8021x_password"),
            client_cert_url: r.text("8021x_client_cert_url"),
            client_cert_value: r.text("8021x_client_cert_value"),
            root_cert_url: r.text("8021x_root_cert_url"),
            root_cert_value: r.text("8021x_root_cert_value"),
        })
        .filter(|d| *d != Dot1x::default())
        .map(Box::new),
        lan_port_mode: r.choice("lan_port_mode"),
        pc_port_mode: r.choice("pc_port_mode"),
        contacts: r.strings("contact"),
        contacts_display_rules: r.text("contacts_display_rules"),
        blf_contact_group: r.text("blf_contact_group"),
        blf_items: r.text("blf_items"),
        blf_unused_linekeys: r.flag("blf_unused_linekeys").unwrap_or(false),
        blf_page_return_timeout: small(&r, "blf_page_return_timeout"),
        contacts_max_subscriptions: small(&r, "contacts_max_subscriptions").unwrap_or(40),
        name_format: r.choice("name_format").unwrap_or("first_last"),
        parking_exten: r.text("parking_exten"),
        parking_transfer_type: r.choice("parking_transfer_type").unwrap_or("blind"),
        show_call_parking: r.flag("show_call_parking"),
        record_own_calls: r.flag("record_own_calls"),
        send_to_vm: r.flag("send_to_vm"),
        can_forward_calls: r.flag("can_forward_calls"),
        show_call_log: r.flag("show_call_log"),
        display_mc_notification: r.flag("display_mc_notification").unwrap_or(true),
        call_waiting_tone: r.flag("call_waiting_tone"),
        brightness: small(&r, "brightness").unwrap_or(5),
        contrast: small(&r, "contrast").unwrap_or(5),
        dim_backlight: r.flag("dim_backlight").unwrap_or(true),
        backlight_dim_level: small(&r, "backlight_dim_level").unwrap_or(2),
        backlight_timeout: small(&r, "backlight_timeout").unwrap_or(0),
        default_fontsize: small(&r, "default_fontsize"),
        idle_company_text: r.text("idle_company_text"),
        small_clock: r.flag("small_clock"),
        wallpaper_file: r.text("wallpaper_file"),
        logos,
        ringer_volume: small(&r, "ringer_volume").unwrap_or(5),
        speaker_volume: small(&r, "speaker_volume").unwrap_or(5),
        handset_volume: small(&r, "handset_volume").unwrap_or(5),
        headset_volume: small(&r, "headset_volume").unwrap_or(5),
        handset_sidetone_db: small(&r, "handset_sidetone_db").unwrap_or(-25),
        headset_sidetone_db: small(&r, "headset_sidetone_db").unwrap_or(-15),
        reset_call_volume: r.flag("reset_call_volume").unwrap_or(false),
        headset_answer: r.flag("headset_answer").unwrap_or(false),
        ring_headset_only: r.flag("ring_headset_only"),
        ehs: r.choice("ehs"),
        active_locale: r.text("active_locale"),
        timezone: r.text("timezone"),
        ntp_server: r.text("ntp_server"),
        ntp_resync: small(&r, "ntp_resync").unwrap_or(86_400),
        settings,
        raw: Arc::clone(section),
    };
    r.finish().then_some(phone)
}
