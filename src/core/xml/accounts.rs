//! `<accounts>`: one `<account>` per line key, internal lines first, then external lines, so the
//! primary line (the first `line=`, else the first `external_line=`) is index 0.
//!
//! Attributes follow the guide's "Accounts Element". Each account has a `<host_primary>`, a
//! `<host_alternate>` when there is a second server (a network's `alternate_registration_address` for
//! internal lines, an external line's `secondary_server_address`; the element name is the one the
//! "Digium Phones and Failover" page gives), a `record_own_calls` `<permission>`, and a
//! `send_to_voicemail` one when `send_to_vm` is set.
//!
//! The outbound proxy is the account's `outbound_proxy`/`outbound_port` (the guide), except on a D6x
//! with firmware 2.9.15 or later and on the P-series, which read an `<outbound_proxy server port
//! transport/>` inside each host (FS PBX's templates).

use std::io;

use super::doc::{Attrs, Doc};
use super::{Net, RenderContext, RenderError, undefined};
use crate::model::{ExternalLine, Line};

/// Line keys a phone has (indexes 0 to 5).
pub(super) const MAX: usize = 6;

/// The SIP port every port option defaults to.
const SIP_PORT: u16 = 5060;

pub(super) enum Account<'a> {
    Internal(&'a Line),
    External(&'a ExternalLine),
}

/// The profile's lines in key order.
pub(super) fn collect<'a>(ctx: &RenderContext<'a>) -> Result<Vec<Account<'a>>, RenderError> {
    let phone = ctx.phone;
    let count = phone.lines.len() + phone.external_lines.len();
    if count > MAX {
        return Err(RenderError::TooManyLines { phone: phone.name.clone(), count });
    }
    let mut accounts = Vec::with_capacity(count);
    for r in &phone.lines {
        let line = ctx.model.line(&r.name).ok_or_else(|| undefined(ctx, "line", &r.name))?;
        accounts.push(Account::Internal(line));
    }
    for r in &phone.external_lines {
        let line = ctx
            .model
            .external_line(&r.name)
            .ok_or_else(|| undefined(ctx, "external_line", &r.name))?;
        accounts.push(Account::External(line));
    }
    Ok(accounts)
}

pub(super) fn write(
    doc: &mut Doc,
    ctx: &RenderContext,
    net: &Net,
    accounts: &[Account],
    endpoint_secret: &dyn Fn(&str) -> Option<String>,
) -> io::Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    doc.open("accounts", Attrs::new())?;
    for (index, account) in accounts.iter().enumerate() {
        match account {
            Account::Internal(line) => internal(doc, ctx, net, index, line, endpoint_secret)?,
            Account::External(line) => external(doc, ctx, index, line)?,
        }
    }
    doc.close("accounts")
}

/// A line of this server: it registers with the chosen network's registration address.
fn internal(
    doc: &mut Doc,
    ctx: &RenderContext,
    net: &Net,
    index: usize,
    line: &Line,
    endpoint_secret: &dyn Fn(&str) -> Option<String>,
) -> io::Result<()> {
    let phone = ctx.phone;
    // The endpoint's own password is the one Asterisk checks; the line's secret= stands in for it.
    let password = endpoint_secret(&line.name)
        .or_else(|| Some(line.secret.expose().to_string()).filter(|s| !s.is_empty()));
    let label = line.line_label.as_deref().or(line.exten.as_deref()).unwrap_or(&line.name);
    let mut attrs = Attrs::new()
        .set("index", index.to_string())
        .set("status", "1")
        .set("register", "1")
        .set("account_id", line.name.as_str())
        .set("username", line.name.as_str())
        .set("authname", line.authname.as_deref().unwrap_or(&line.name));
    attrs = secret(attrs, password)
        .set("line_label", label)
        .opt("caller_id", line.callerid.as_deref())
        .opt("dial_plan", line.digit_map.as_deref());
    if index == 0 {
        // The Msgs key opens visual voicemail when the primary line has a mailbox (its own, else the
        // phone's) and no voicemail_uri, which would be dialled instead; and only over the MESSAGE
        // channel visual voicemail works through.
        let mailbox = line.mailbox.as_deref().or(phone.mailbox.as_deref());
        let visual = mailbox.is_some() && line.voicemail_uri.is_none() && ctx.message_channel;
        attrs = attrs.flag("visual_voicemail", visual);
    }
    let proxy = line.outboundproxy().filter(|_| !ctx.proxy_per_host());
    attrs = attrs
        .opt("voicemail", line.voicemail_uri.as_deref())
        .opt("outbound_proxy", proxy.map(|(a, _)| a))
        .opt("outbound_port", proxy.map(|(_, p)| p.to_string()))
        .set("conflict", "replace")
        .opt("server_uuid", ctx.model.general.server_uuid.as_deref())
        .opt("plar_number", line.plar_number.as_deref());
    doc.open("account", attrs)?;

    let network = net.get();
    let transport = line.transport.unwrap_or(network.transport);
    // A registration address elsewhere means its port too (5060 unless set); without one the phone
    // registers with this server, at the port it listens on.
    let port = if network.registration_address.is_some() || net.sets("registration_port") {
        network.registration_port
    } else {
        ctx.sip_port
    };
    let server = network.registration_address.as_deref().unwrap_or(ctx.server_host);
    let extras = HostExtras {
        timers: Timers::internal(line),
        media_encryption: line.media_encryption,
        proxy: line.outboundproxy().filter(|_| ctx.proxy_per_host()),
    };
    host(doc, "host_primary", server, port, transport, &extras)?;
    if let Some(alternate) = network.alternate_registration_address.as_deref() {
        let port = network.alternate_registration_port.unwrap_or(SIP_PORT);
        let transport = network.alternate_transport.unwrap_or(transport);
        host(doc, "host_alternate", alternate, port, transport, &extras)?;
    }
    // Recording goes through this server's MESSAGE channel, so it is off unless the phone's
    // record_own_calls is on and the phone has that channel.
    permission(
        doc,
        "record_own_calls",
        phone.record_own_calls == Some(true) && ctx.message_channel,
    )?;
    if let Some(send) = phone.send_to_vm {
        permission(doc, "send_to_voicemail", send)?;
    }
    doc.close("account")
}

/// An account on another SIP server: everything comes from the external_line section.
fn external(
    doc: &mut Doc,
    ctx: &RenderContext,
    index: usize,
    line: &ExternalLine,
) -> io::Result<()> {
    let password = Some(line.secret.expose().to_string()).filter(|s| !s.is_empty());
    let outbound = line
        .outboundproxy_address
        .as_deref()
        .map(|a| (a, line.outboundproxy_port.unwrap_or(SIP_PORT)));
    let proxy = outbound.filter(|_| !ctx.proxy_per_host());
    let mut attrs = Attrs::new()
        .set("index", index.to_string())
        .set("status", "1")
        .flag("register", line.register)
        .set("account_id", line.userid.as_str())
        .set("username", line.userid.as_str())
        .set("authname", line.authname.as_str());
    attrs = secret(attrs, password)
        .set("line_label", line.line_label.as_deref().unwrap_or(&line.userid))
        .opt("caller_id", line.callerid.as_deref())
        .opt("dial_plan", line.digit_map.as_deref());
    if index == 0 {
        // DPMA's applications, visual voicemail among them, do not reach another server.
        attrs = attrs.flag("visual_voicemail", false);
    }
    attrs = attrs
        .opt("voicemail", line.voicemail_uri.as_deref())
        .opt("outbound_proxy", proxy.map(|(a, _)| a))
        .opt("outbound_port", proxy.map(|(_, p)| p.to_string()))
        .set("conflict", "replace");
    doc.open("account", attrs)?;

    let extras = HostExtras {
        timers: Timers::external(line),
        media_encryption: line.media_encryption,
        proxy: outbound.filter(|_| ctx.proxy_per_host()),
    };
    host(doc, "host_primary", &line.server_address, line.server_port, line.transport, &extras)?;
    if let Some(secondary) = line.secondary_server_address.as_deref() {
        let port = line.secondary_server_port.unwrap_or(SIP_PORT);
        let transport = line.secondary_transport.unwrap_or("udp");
        host(doc, "host_alternate", secondary, port, transport, &extras)?;
    }
    // Recording needs this server, which an external call never passes through; so does sending a
    // call to this server's voicemail.
    permission(doc, "record_own_calls", false)?;
    if ctx.phone.send_to_vm.is_some() {
        permission(doc, "send_to_voicemail", false)?;
    }
    doc.close("account")
}

/// `password` and `passcode` (both "SIP password" in the guide, both set in its example); left out
/// when no secret is known, rather than sent empty.
fn secret(attrs: Attrs, password: Option<String>) -> Attrs {
    match password {
        Some(p) => attrs.set("password", p.clone()).set("passcode", p),
        None => attrs,
    }
}

/// The registration timers a line sets; unset ones are left to the phone.
struct Timers {
    reregister: Option<u32>,
    retry: Option<u32>,
    num_retries: Option<u32>,
}

impl Timers {
    fn internal(line: &Line) -> Self {
        Self {
            reregister: line.reregistration_timeout,
            retry: line.registration_retry_interval,
            num_retries: line.registration_max_retries,
        }
    }

    fn external(line: &ExternalLine) -> Self {
        Self {
            reregister: line.reregistration_timeout,
            retry: line.registration_retry_interval,
            num_retries: line.registration_max_retries,
        }
    }
}

/// What a line adds to each of its hosts.
struct HostExtras<'a> {
    timers: Timers,
    /// `sdes`: SRTP (FusionPBX's templates put it on the host).
    media_encryption: Option<&'static str>,
    /// The outbound proxy, when it goes inside the host; it shares the host's transport.
    proxy: Option<(&'a str, u16)>,
}

fn host(
    doc: &mut Doc,
    element: &str,
    server: &str,
    port: u16,
    transport: &str,
    extras: &HostExtras,
) -> io::Result<()> {
    let timers = &extras.timers;
    let attrs = Attrs::new()
        .set("server", server)
        .set("port", port.to_string())
        .set("transport", transport)
        .opt("reregister", timers.reregister.map(|t| t.to_string()))
        .opt("retry", timers.retry.map(|t| t.to_string()))
        .opt("num_retries", timers.num_retries.map(|t| t.to_string()))
        .opt("media_encryption", extras.media_encryption);
    let Some((proxy, proxy_port)) = extras.proxy else { return doc.empty(element, attrs) };
    doc.open(element, attrs)?;
    let proxy = Attrs::new()
        .set("server", proxy)
        .set("port", proxy_port.to_string())
        .set("transport", transport);
    doc.empty("outbound_proxy", proxy)?;
    doc.close(element)
}

fn permission(doc: &mut Doc, id: &'static str, value: bool) -> io::Result<()> {
    doc.empty("permission", Attrs::new().set("id", id).flag("value", value))
}
