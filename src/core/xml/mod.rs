//! The phone's configuration document: what a D-series phone that claimed a `type=phone` profile is
//! served, as the DPMA guide's "XML Configuration" chapter describes it.
//!
//! [`render_config`] writes, in this order:
//! - `<setting id= value=/>` for every documented setting the phone's and its network's options map to
//!   ([`settings`]);
//! - `<contacts url= id= md5=/>` for each `contact=` file, and `<smart_blf><blf_items url= md5=/>`
//!   for the `blf_items=` sheet;
//! - `<accounts>`: the internal lines, then the external lines, the primary first ([`accounts`]);
//! - `<codecs>` and `<ringtones>` with `<tones>` and `<alerts>` ([`media`]);
//! - `<appconfig>` for the phone's applications and multicast pages ([`apps`]);
//! - `<firmwares>` and `<public_firmwares>` ([`firmware`]).
//!
//! Every value goes through quick-xml's writer and [`doc::push_escaped`]; element and attribute
//! names are fixed by this code. The same input always gives the same bytes: everything is walked in
//! configuration order, nothing in hash order.
//!
//! The document carries the lines' SIP secrets: it is only ever served to a phone that proved it may
//! claim the profile.

mod accounts;
mod apps;
mod doc;
mod firmware;
mod media;
mod settings;
mod url;

#[cfg(test)]
mod sent_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::net::IpAddr;

use crate::model::models::{self, Family, FirmwareVersion};
use crate::model::network::DEFAULT_PUBLIC_FIRMWARE_URL_PREFIX;
use crate::model::{Model, Network, Phone};
use doc::{Attrs, Doc};

/// What a configuration is rendered from: the model, the profile, and what is known about the phone
/// asking and the server answering.
pub struct RenderContext<'a> {
    pub model: &'a Model,
    pub phone: &'a Phone,
    /// The model the requesting phone reports, e.g. `D70`: picks its `<model>_logo_file`, its
    /// firmware and the settings its family reads. Unknown: no logo, every firmware of the profile,
    /// every setting.
    pub phone_model: Option<&'a str>,
    /// The firmware version the requesting phone reports: where the outbound proxy goes on a D6x.
    /// Unknown: as for the newest firmware.
    pub phone_firmware: Option<FirmwareVersion>,
    /// Whether the phone claimed its profile over the module's MESSAGE protocol. A stock phone
    /// fetching `<mac>.cfg` has no such channel: the Record key and visual voicemail, which need it,
    /// are turned off, as the DPMA 1.0 guide says for phones provisioned without DPMA.
    pub message_channel: bool,
    /// Picks the network (see [`choose_network`]).
    pub phone_ip: Option<IpAddr>,
    /// The registration server when the network sets no `registration_address`.
    pub server_host: &'a str,
    /// The registration port when the network sets neither `registration_address` nor
    /// `registration_port`.
    pub sip_port: u16,
    /// The URL of `file_directory`'s files when the network sets no `file_url_prefix`.
    pub files_url: &'a str,
    /// The MD5 (hex) of a file in `file_directory` (contacts, logos, ringtones, applications); `None`
    /// when it does not exist, and the document then names the file without an MD5.
    pub file_md5: &'a dyn Fn(&str) -> Option<String>,
}

/// The firmware from which a D6x takes its outbound proxy per host (FS PBX's D-series template).
const PROXY_PER_HOST_SINCE: FirmwareVersion = FirmwareVersion(2, 9, 15);

impl RenderContext<'_> {
    /// The requesting phone's family, if its model is one the module knows.
    fn family(&self) -> Option<Family> {
        self.phone_model.and_then(models::find).map(|m| m.family)
    }

    /// Whether the phone may read a setting only `families` have (a phone of unknown model may).
    fn model_in(&self, families: &[Family]) -> bool {
        self.family().is_none_or(|f| families.contains(&f))
    }

    /// Whether the phone may read a setting `families` lack (a phone of unknown model may).
    fn model_not_in(&self, families: &[Family]) -> bool {
        self.family().is_none_or(|f| !families.contains(&f))
    }

    /// Whether the outbound proxy is a child of each host rather than attributes of the account: on
    /// a D6x with firmware 2.9.15 or later (or unknown), and on the P-series.
    fn proxy_per_host(&self) -> bool {
        match self.family() {
            Some(Family::D6x) => self.phone_firmware.is_none_or(|v| v >= PROXY_PER_HOST_SINCE),
            Some(Family::P3xx) => true,
            _ => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Phones have six line keys (account indexes 0 to 5).
    #[error("phone '{phone}' has {count} lines; a phone takes at most {max}", max = accounts::MAX)]
    TooManyLines { phone: String, count: usize },
    /// A name the profile gives that the model does not hold (the model refuses such profiles, so
    /// only a hand-built model gets here).
    #[error("phone '{phone}' names {kind} '{name}', which is not defined")]
    Undefined { phone: String, kind: &'static str, name: String },
    #[error("writing the configuration: {0}")]
    Write(#[from] std::io::Error),
}

/// The configuration document for `ctx.phone`, with each internal line's password taken from its
/// `secret=`.
///
/// The profile's `config_file=` is the caller's business: when it is set, DPMA serves that file
/// instead of this document.
pub fn render_config(ctx: &RenderContext) -> Result<String, RenderError> {
    render_config_with_secrets(ctx, &|_| None)
}

/// [`render_config`], with `endpoint_secret` giving the SIP password of the PJSIP endpoint a line is
/// named after, when the caller can read it. It wins over the line's `secret=`, which only stands in
/// when the endpoint's own is unreadable (realtime, for instance).
pub fn render_config_with_secrets(
    ctx: &RenderContext,
    endpoint_secret: &dyn Fn(&str) -> Option<String>,
) -> Result<String, RenderError> {
    let net = Net::of(ctx);
    let accounts = accounts::collect(ctx)?;
    let mut doc = Doc::new()?;
    doc.open("config", Attrs::new())?;
    settings::write(&mut doc, ctx, &net)?;
    write_contacts(&mut doc, ctx, &net)?;
    write_smart_blf(&mut doc, ctx, &net)?;
    accounts::write(&mut doc, ctx, &net, &accounts, endpoint_secret)?;
    media::write_codecs(&mut doc, ctx.phone)?;
    media::write_ringtones(&mut doc, ctx, &net)?;
    apps::write(&mut doc, ctx, &net)?;
    firmware::write(&mut doc, ctx, &net)?;
    doc.close("config")?;
    Ok(doc.finish())
}

/// The network a phone at `ip` uses: the first of the profile's networks whose `cidr` holds `ip` (a
/// network without a `cidr` holds every address; without an address, only those hold it), else the
/// first of the profile's networks. A profile naming no network gets the implicit network of
/// `[general]` (DPMA 1.x's network options).
pub fn choose_network<'m>(
    model: &'m Model,
    phone: &Phone,
    ip: Option<IpAddr>,
) -> Option<&'m Network> {
    let named: Vec<&Network> =
        phone.networks.iter().filter_map(|r| model.network(&r.name)).collect();
    if named.is_empty() {
        return model.implicit_network.as_ref();
    }
    let holds = |n: &&Network| match ip {
        Some(ip) => n.matches(ip),
        None => n.cidr.is_none(),
    };
    named.iter().copied().find(holds).or(named.first().copied())
}

/// The chosen network, or one with every documented default when there is none, so that defaults are
/// written the same way either way.
struct Net<'a> {
    network: Cow<'a, Network>,
    /// Where the phone fetches `file_directory`'s files.
    files_url: &'a str,
}

impl<'a> Net<'a> {
    fn of(ctx: &RenderContext<'a>) -> Self {
        let network = match choose_network(ctx.model, ctx.phone, ctx.phone_ip) {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(defaults()),
        };
        let files_url = match &network {
            Cow::Borrowed(n) => n.file_url_prefix.as_deref().unwrap_or(ctx.files_url),
            Cow::Owned(_) => ctx.files_url,
        };
        Self { network, files_url }
    }

    fn get(&self) -> &Network {
        &self.network
    }

    /// The URL of a file in `file_directory`.
    fn file_url(&self, file: &str) -> String {
        url::join(self.files_url, file)
    }

    /// Whether the network section itself sets `key` (rather than the model filling in a default).
    fn sets(&self, key: &str) -> bool {
        self.network.raw.last(key).is_some_and(|e| !e.value.trim().is_empty())
    }
}

/// What a network section with no options means: the documented default of every option (a test
/// checks this against the model's reading of an empty section).
fn defaults() -> Network {
    Network {
        name: String::new(),
        alias: None,
        cidr: None,
        registration_address: None,
        registration_port: 5060,
        transport: "udp",
        alternate_registration_address: None,
        alternate_registration_port: None,
        alternate_transport: None,
        file_url_prefix: None,
        public_firmware_url_prefix: DEFAULT_PUBLIC_FIRMWARE_URL_PREFIX.to_string(),
        ntp_server: None,
        syslog_server: None,
        syslog_port: 514,
        syslog_level: None,
        network_vlan_discovery_mode: "LLDP",
        network_vlan_id: None,
        pc_vlan_id: None,
        sip_qos: None,
        rtp_qos: None,
        pc_qos: None,
        sip_dscp: 24,
        rtp_dscp: 46,
        udp_ka_interval: 0,
        raw: Default::default(),
    }
}

/// One `<contacts>` per `contact=` file, in order, each file once. The file name is the id: it is
/// unique within the profile and stays the same across reloads.
fn write_contacts(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> Result<(), RenderError> {
    let mut seen: Vec<&str> = Vec::new();
    for file in &ctx.phone.contacts {
        if seen.contains(&file.as_str()) {
            continue;
        }
        seen.push(file);
        let attrs = Attrs::new().set("url", net.file_url(file)).set("id", file.as_str());
        doc.empty("contacts", attrs.opt("md5", md5_of(ctx, file)))?;
    }
    Ok(())
}

/// The Smart BLF sheet (`blf_items=`), fetched like a contact list: it maps keys to contacts, with
/// what each key does and shows per state. Firmware 1.4 and later read it.
fn write_smart_blf(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> Result<(), RenderError> {
    let Some(file) = ctx.phone.blf_items.as_deref() else { return Ok(()) };
    doc.open("smart_blf", Attrs::new())?;
    let attrs = Attrs::new().set("url", net.file_url(file));
    doc.empty("blf_items", attrs.opt("md5", md5_of(ctx, file)))?;
    doc.close("smart_blf")?;
    Ok(())
}

/// The MD5 of a file named in the configuration; a full URL names no local file.
fn md5_of(ctx: &RenderContext, file: &str) -> Option<String> {
    if url::is_url(file) { None } else { (ctx.file_md5)(file) }
}

fn undefined(ctx: &RenderContext, kind: &'static str, name: &str) -> RenderError {
    RenderError::Undefined { phone: ctx.phone.name.clone(), kind, name: name.to_string() }
}
