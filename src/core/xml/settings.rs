//! `<setting id= value=/>`: the ids of the guide's "Setting Elements" table (and a few from the later
//! XML configuration pages, marked so), in the table's order, each from the phone or network option
//! that maps to it.
//!
//! A setting is written when its option is set, or when the option has a documented DPMA default
//! (the comment on each line says which). Unset options without a default are left out, so the phone
//! keeps its own value.
//!
//! Where FusionPBX's templates say a model family lacks a setting ("Not D6X or D80", "D6X Phones
//! Only"), the requesting phone's family decides; a phone of unknown model gets them all, as every
//! open generator sends one file to every model.

use std::borrow::Cow;
use std::io;

use super::doc::{Attrs, Doc, bit};
use super::{Net, RenderContext, md5_of};
use crate::model::models::Family;
use crate::model::phone::Dot1x;
use crate::model::spec::builtin_ringtone;

/// Where the phone stores a custom logo and wallpaper (the guide's `logo_file` example).
const LOGO_PATH: &str = "/user_image.png";
const WALLPAPER_PATH: &str = "/user_wallpaper.png";

pub(super) fn write(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> io::Result<()> {
    let phone = ctx.phone;
    let network = net.get();
    let mut s = Settings { doc };

    // General (Login). login_password: DPMA default 789.
    s.set("login_password", phone.login_password.as_deref().unwrap_or("789"))?;

    // General (Time). The phone's ntp_server wins over its network's; both configured only.
    s.opt("time_zone", phone.timezone.as_deref())?;
    if let Some(server) = phone.ntp_server.as_deref().or(network.ntp_server.as_deref()) {
        // ntp is the only time source the phone has.
        s.set("time_source", "ntp")?;
        s.set("ntp_server", server)?;
    }
    s.set("ntp_resync", phone.ntp_resync.to_string())?; // default 86400
    // Later XML pages: the phone's language, configured only.
    s.opt("locale", phone.active_locale.as_deref())?;

    // General (SIP).
    s.opt("accept_local_calls", phone.accept_local_calls)?; // configured only
    // Later XML pages: transport_tls_allowed ("D6X Phones Only", and the P-series; configured only),
    // udp_ka_interval (default 0).
    if ctx.model_in(&[Family::D6x, Family::P3xx]) {
        s.opt("transport_tls_allowed", phone.transport_tls_allowed.map(bit))?;
    }
    s.set("udp_ka_interval", network.udp_ka_interval.to_string())?;

    // Preferences (Idle Screen): the logo of the requesting model, configured only.
    if let Some(file) = logo_for(ctx) {
        s.file("logo_file", LOGO_PATH, &net.file_url(file), md5_of(ctx, file))?;
    }
    // Later XML pages: wallpaper_file has logo_file's shape; D6x and P-series only. Configured only.
    if let Some(file) = phone.wallpaper_file.as_deref().filter(|_| ctx.model_in(&COLOUR)) {
        s.file("wallpaper_file", WALLPAPER_PATH, &net.file_url(file), md5_of(ctx, file))?;
    }
    // The 1.0 guide's plural id, and the singular later firmware reads. Default yes.
    s.set("display_mc_notifications", bit(phone.display_mc_notification))?;
    s.set("display_mc_notification", bit(phone.display_mc_notification))?;
    // Later XML pages, configured only; the small clock is D6x only.
    s.opt("idle_company_text", phone.idle_company_text.as_deref())?;
    if ctx.model_in(&COLOUR) {
        s.opt("small_clock", phone.small_clock.map(bit))?;
    }

    // Preferences (Display): defaults 5, 5, yes, 0, 2. Contrast and the font size are "Not D6X or
    // D80"; the font size is configured only.
    s.set("brightness", phone.brightness.to_string())?;
    if ctx.model_not_in(&[Family::D6x, Family::D80]) {
        s.set("contrast", phone.contrast.to_string())?;
        s.opt("default_fontsize", phone.default_fontsize.map(|f| f.to_string()))?;
    }
    s.set("dim_backlight", bit(phone.dim_backlight))?;
    s.set("backlight_timeout", phone.backlight_timeout.to_string())?;
    s.set("backlight_dim_level", phone.backlight_dim_level.to_string())?;

    // Preferences (Sounds): volumes default 5, reset_call_volume no.
    s.set("ringer_volume", phone.ringer_volume.to_string())?;
    s.set("speaker_volume", phone.speaker_volume.to_string())?;
    s.set("handset_volume", phone.handset_volume.to_string())?;
    s.set("headset_volume", phone.headset_volume.to_string())?;
    s.set("reset_call_volume", bit(phone.reset_call_volume))?;
    // The ringtone in use, default Digium; a <tone> of <ringtones> carries the same id.
    let ringtone = tone_id(phone.default_ringtone());
    s.set("default_ringtone", ringtone)?;
    s.set("active_ringtone", ringtone)?;

    // Preferences (Answering Calls): default no. Later XML pages: the headset's hook switch,
    // configured only, in DPMA's spelling.
    s.set("headset_answer", bit(phone.headset_answer))?;
    s.opt("ehs", phone.ehs)?;

    // Contacts: blf_unused_linekeys default no, name_format first_last, 40 subscriptions.
    s.set("enable_blf_on_unused_line_keys", bit(phone.blf_unused_linekeys))?;
    s.set("name_format", phone.name_format)?;
    s.set("contacts_max_subscriptions", phone.contacts_max_subscriptions.to_string())?;
    s.opt("blf_contact_group", phone.blf_contact_group.as_deref())?; // configured only
    // Later XML pages, configured only.
    s.opt("blf_page_return_timeout", phone.blf_page_return_timeout.map(|t| t.to_string()))?;

    // Network (Virtual LAN): discovery default LLDP. The network's cidr names the network the mode
    // applies to, as in the guide's example.
    let vlan = Attrs::new()
        .set("id", "network_vlan_discovery_mode")
        .set("value", network.network_vlan_discovery_mode)
        .opt("network", network.cidr.map(|c| c.to_string()));
    s.doc.empty("setting", vlan)?;
    // DPMA's sip_qos is the 802.1p priority of the phone's own traffic: the 1.0 guide's
    // network_vlan_qos, and sip_qos of later firmware. Configured only.
    s.opt("network_vlan_qos", network.sip_qos.map(|q| q.to_string()))?;
    s.opt("network_vlan_id", network.network_vlan_id.map(|v| v.to_string()))?;
    s.opt("sip_qos", network.sip_qos.map(|q| q.to_string()))?;
    s.opt("rtp_qos", network.rtp_qos.map(|q| q.to_string()))?;
    s.opt("pc_qos", network.pc_qos.map(|q| q.to_string()))?;
    // Later XML pages: the Ethernet ports, configured only.
    s.opt("lan_port_mode", phone.lan_port_mode)?;
    s.opt("pc_port_mode", phone.pc_port_mode)?;
    if let Some(d) = &phone.dot1x {
        dot1x(&mut s, d)?;
    }

    // Logging: remote syslog is on when a syslog_server is set (the phone's default is off). The
    // D80 has no logging settings ("Not D80").
    if ctx.model_not_in(&[Family::D80]) {
        s.opt("log_level", network.syslog_level.map(log_level))?;
        if let Some(server) = network.syslog_server.as_deref() {
            s.set("enable_logging", "1")?;
            s.set("log_server", server)?;
            s.set("log_port", network.syslog_port.to_string())?; // default 514
        }
    }

    // Miscellaneous: web_ui_enabled defaults to no under DPMA ("Not D80").
    if ctx.model_not_in(&[Family::D80]) {
        s.set("web_ui_enabled", bit(phone.web_ui_enabled))?;
    }
    // The Park softkey exists only with a parking_exten; the transfer type defaults to blind.
    if let Some(exten) = phone.parking_exten.as_deref() {
        s.set("parking_lot_extension", exten)?;
        s.set("parking_lot_enable_blind_transfer", bit(phone.parking_transfer_type == "blind"))?;
    }
    s.set("sip_dscp", network.sip_dscp.to_string())?; // default 24
    s.set("rtp_dscp", network.rtp_dscp.to_string())?; // default 46
    // Later XML pages, configured only.
    s.opt("enable_check_sync", phone.enable_check_sync.map(bit))?;

    // The phone's `setting =` lines, last: each id once, with its last value, where it first
    // appeared (model::phone refuses the ids written above).
    let mut kept: Vec<(&str, &str)> = Vec::new();
    for (id, value) in &phone.settings {
        match kept.iter_mut().find(|(k, _)| k == id) {
            Some(slot) => slot.1 = value,
            None => kept.push((id, value)),
        }
    }
    for (id, value) in kept {
        s.doc.empty("setting", Attrs::new().set("id", id.to_string()).set("value", value))?;
    }
    Ok(())
}

/// The D6x and the P-series: the colour screens with wallpaper and the small clock.
const COLOUR: [Family; 2] = [Family::D6x, Family::P3xx];

/// 802.1X port authentication, each setting configured only. No method leaves 802.1X off. The
/// client certificate is fetched like the other files: its URL, and `value` as the change token
/// that makes the phone fetch it again (the shape of the later XML pages' `openvpn_inline_config`;
/// inferred, unverified on phones).
fn dot1x(s: &mut Settings, d: &Dot1x) -> io::Result<()> {
    s.opt("8021x_passthrough", d.passthrough.map(bit))?;
    s.opt("8021x_eapol_on_disconnect", d.eapol_on_disconnect.map(bit))?;
    s.opt("8021x_method", d.method)?;
    s.opt("8021x_identity", d.identity.as_deref())?;
    s.opt("8021x_anonymous_identity", d.anonymous_identity.as_deref())?;
    s.opt("8021x_password", Some(d.password.expose()).filter(|p| !p.is_empty()))?;
    if let Some(url) = d.client_cert_url.as_deref() {
        let value = d.client_cert_value.as_deref().unwrap_or("1");
        let attrs = Attrs::new().set("id", "8021x_client_cert").set("value", value).set("url", url);
        s.doc.empty("setting", attrs)?;
    }
    Ok(())
}

struct Settings<'d> {
    doc: &'d mut Doc,
}

impl Settings<'_> {
    fn set<'v>(&mut self, id: &'static str, value: impl Into<Cow<'v, str>>) -> io::Result<()> {
        self.doc.empty("setting", Attrs::new().set("id", id).set("value", value))
    }

    fn opt<'v, V: Into<Cow<'v, str>>>(
        &mut self,
        id: &'static str,
        value: Option<V>,
    ) -> io::Result<()> {
        match value {
            Some(v) => self.set(id, v),
            None => Ok(()),
        }
    }

    /// A user image: where the phone keeps it, where it fetches it, and its MD5 so that it fetches it
    /// again only when it changed.
    fn file(
        &mut self,
        id: &'static str,
        path: &str,
        url: &str,
        md5: Option<String>,
    ) -> io::Result<()> {
        let attrs =
            Attrs::new().set("id", id).set("value", "user").set("path", path).set("url", url);
        self.doc.empty("setting", attrs.opt("md5", md5))
    }
}

/// The logo file for the requesting model (`d70_logo_file` for a D70).
fn logo_for<'p>(ctx: &RenderContext<'p>) -> Option<&'p str> {
    let model = ctx.phone_model?;
    ctx.phone.logos.iter().find(|l| l.model.eq_ignore_ascii_case(model)).map(|l| &*l.file)
}

/// A built-in ringtone in the phone's own spelling; a ringtone section by its name.
pub(super) fn tone_id(name: &str) -> &str {
    builtin_ringtone(name).unwrap_or(name)
}

/// DPMA's syslog levels in the phone's words (`error`, `warning`, `info`, `debug`).
fn log_level(level: &str) -> &'static str {
    match level {
        "warn" | "warning" => "warning",
        "info" | "information" => "info",
        "debug" => "debug",
        _ => "error",
    }
}
