//! `type=phone`: a profile a phone claims. Its `line=` order decides the line keys; the first is the
//! primary line.

use super::mac::Mac;
use super::reader::SectionReader;
use crate::core::finding::Finding;
use crate::core::raw::RawSection;
use crate::core::secret::Secret;

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
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phone {
    pub name: String,
    pub full_name: Option<String>,
    pub mac: Option<Mac>,
    pub pin: Pin,
    pub lines: Vec<Reference>,
    pub external_lines: Vec<Reference>,
    pub config_file: Option<String>,
    pub raw: RawSection,
}

impl Phone {
    /// The primary line: the first `line=`, else the first `external_line=`.
    pub fn primary_line(&self) -> Option<&str> {
        self.lines.first().or(self.external_lines.first()).map(|r| r.name.as_str())
    }
}

pub(crate) const KEYS: &[&str] = &[
    "full_name",
    "mac",
    "pin",
    "group_pin",
    "line",
    "external_line",
    "application",
    "network",
    "firmware",
    "config_file",
    "logout_enabled",
    "use_local_storage",
    "login_password",
    "web_ui_enabled",
    "lock_preferences",
    "accept_local_calls",
    "transport_tls_allowed",
    "codecs",
    "enable_check_sync",
    "8021x_passthrough",
    "8021x_eapol_on_disconnect",
    "8021x_method",
    "8021x_identity",
    "8021x_anonymous_identity",
    "8021x_password",
    "8021x_client_cert_url",
    "8021x_client_cert_value",
    "8021x_root_cert_url",
    "8021x_root_cert_value",
    "lan_port_mode",
    "pc_port_mode",
    "contact",
    "contacts_display_rules",
    "blf_contact_group",
    "blf_items",
    "blf_unused_linekeys",
    "blf_page_return_timeout",
    "contacts_max_subscriptions",
    "name_format",
    "parking_exten",
    "parking_transfer_type",
    "show_call_parking",
    "record_own_calls",
    "send_to_vm",
    "can_forward_calls",
    "show_call_log",
    "display_mc_notification",
    "call_waiting_tone",
    "ringtone",
    "active_ringtone",
    "alert",
    "multicastpage",
    "brightness",
    "contrast",
    "dim_backlight",
    "backlight_dim_level",
    "backlight_timeout",
    "default_fontsize",
    "idle_company_text",
    "small_clock",
    "wallpaper_file",
    "d40_logo_file",
    "d45_logo_file",
    "d50_logo_file",
    "d60_logo_file",
    "d62_logo_file",
    "d65_logo_file",
    "d70_logo_file",
    "d80_logo_file",
    "ringer_volume",
    "speaker_volume",
    "handset_volume",
    "headset_volume",
    "handset_sidetone_db",
    "headset_sidetone_db",
    "reset_call_volume",
    "headset_answer",
    "ring_headset_only",
    "ehs",
    "active_locale",
    "timezone",
    "ntp_resync",
];

fn references(r: &SectionReader<'_>, key: &str) -> Vec<Reference> {
    r.list(key)
        .into_iter()
        .map(|(e, name)| Reference { name, file: e.file.clone(), line: e.line })
        .collect()
}

pub(crate) fn read(section: &RawSection, findings: &mut Vec<Finding>) -> Option<Phone> {
    let mut r = SectionReader::new(section, KEYS, findings);
    let mac = match r.entry("mac") {
        Some(e) => match e.value.parse::<Mac>() {
            Ok(m) => Some(m),
            Err(err) => {
                r.error_at(Some(e), "mac", err.to_string());
                None
            }
        },
        None => None,
    };
    let pin = match r.entry("pin") {
        None => Pin::None,
        Some(e) if e.value.trim().eq_ignore_ascii_case("voicemail") => Pin::Voicemail,
        Some(e) if e.value.trim().chars().all(|c| c.is_ascii_digit()) => {
            Pin::Digits(Secret::new(e.value.trim()))
        }
        Some(e) => {
            r.error_at(Some(e), "pin", "a PIN must be digits only, or 'voicemail'");
            Pin::None
        }
    };
    let lines = references(&r, "line");
    let external_lines = references(&r, "external_line");
    if lines.is_empty() && external_lines.is_empty() {
        r.warn_at(
            None,
            "line",
            "the phone has no line= or external_line=, so it can make no calls",
        );
    }
    let phone = Phone {
        name: section.name.clone(),
        full_name: r.string("full_name"),
        mac,
        pin,
        lines,
        external_lines,
        config_file: r.string("config_file"),
        raw: section.clone(),
    };
    r.finish().then_some(phone)
}
