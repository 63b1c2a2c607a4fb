//! `<setting id= value=/>`: the ids of the guide's "Setting Elements" table (and a few from the later
//! XML configuration pages, marked so), in the table's order, each from the phone or network option
//! that maps to it.
//!
//! A setting is written when its option is set, or when the option has a documented DPMA default
//! (the comment on each line says which). Unset options without a default are left out, so the phone
//! keeps its own value.

use std::borrow::Cow;
use std::io;

use super::doc::{Attrs, Doc, bit};
use super::{Net, RenderContext, md5_of};
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

    // General (SIP).
    s.opt("accept_local_calls", phone.accept_local_calls)?; // configured only
    // Later XML pages: transport_tls_allowed (configured only), udp_ka_interval (default 0).
    s.opt("transport_tls_allowed", phone.transport_tls_allowed.map(bit))?;
    s.set("udp_ka_interval", network.udp_ka_interval.to_string())?;

    // Preferences (Idle Screen): the logo of the requesting model, configured only.
    if let Some(file) = logo_for(ctx) {
        s.file("logo_file", LOGO_PATH, &net.file_url(file), md5_of(ctx, file))?;
    }
    // Later XML pages: wallpaper_file has logo_file's shape. Configured only.
    if let Some(file) = phone.wallpaper_file.as_deref() {
        s.file("wallpaper_file", WALLPAPER_PATH, &net.file_url(file), md5_of(ctx, file))?;
    }
    s.set("display_mc_notifications", bit(phone.display_mc_notification))?; // default yes
    // Later XML pages, configured only.
    s.opt("idle_company_text", phone.idle_company_text.as_deref())?;
    s.opt("small_clock", phone.small_clock.map(bit))?;

    // Preferences (Display): defaults 5, 5, yes, 0, 2.
    s.set("brightness", phone.brightness.to_string())?;
    s.set("contrast", phone.contrast.to_string())?;
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

    // Preferences (Answering Calls): default no.
    s.set("headset_answer", bit(phone.headset_answer))?;

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
    // DPMA's sip_qos is the 802.1p priority of the phone's own traffic. Configured only.
    s.opt("network_vlan_qos", network.sip_qos.map(|q| q.to_string()))?;
    s.opt("network_vlan_id", network.network_vlan_id.map(|v| v.to_string()))?;

    // Logging: remote syslog is on when a syslog_server is set (the phone's default is off).
    s.opt("log_level", network.syslog_level.map(log_level))?;
    if let Some(server) = network.syslog_server.as_deref() {
        s.set("enable_logging", "1")?;
        s.set("log_server", server)?;
        s.set("log_port", network.syslog_port.to_string())?; // default 514
    }

    // Miscellaneous: web_ui_enabled defaults to no under DPMA.
    s.set("web_ui_enabled", bit(phone.web_ui_enabled))?;
    // The Park softkey exists only with a parking_exten; the transfer type defaults to blind.
    if let Some(exten) = phone.parking_exten.as_deref() {
        s.set("parking_lot_extension", exten)?;
        s.set("parking_lot_enable_blind_transfer", bit(phone.parking_transfer_type == "blind"))?;
    }
    s.set("sip_dscp", network.sip_dscp.to_string())?; // default 24
    s.set("rtp_dscp", network.rtp_dscp.to_string())?; // default 46
    // Later XML pages, configured only.
    s.opt("enable_check_sync", phone.enable_check_sync.map(bit))?;
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
    ctx.phone.logos.iter().find(|l| l.model.eq_ignore_ascii_case(model)).map(|l| l.file.as_str())
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
