//! What provisioning tells Asterisk's security log, and the lockouts it counts on the way: failed
//! secrets, probing for MACs, refused requests and lockouts, each with where it came from.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::ffi::http::Request;
use crate::ffi::log;
use crate::ffi::message::Inbound;
use crate::ffi::security::{self, Kind, Transport};
use digium_phones_core::model::mac::Mac;
use digium_phones_core::provision::address;
use digium_phones_core::provision::lockout::{Cause, Lockout};

use super::Shared;

/// The security log's name for the HTTP side and for the MESSAGE side.
const HTTP: &str = "DigiumPhonesHTTP";
const SIP: &str = "DigiumPhonesSIP";

/// The ACL name of a refusal because the address is locked out.
pub(super) const LOCKOUT_ACL: &str = "digium_phones_lockout";

/// Where a request came from and arrived, as the security log shows it.
pub(super) struct Place {
    service: &'static str,
    session: String,
    pub ip: Option<IpAddr>,
    local: SocketAddr,
    remote: SocketAddr,
    transport: Transport,
}

const NOWHERE: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

impl Place {
    pub fn http(req: &Request) -> Self {
        Self {
            service: HTTP,
            session: req.session.clone(),
            ip: req.remote,
            local: req.local.unwrap_or(NOWHERE),
            remote: req.peer.unwrap_or(NOWHERE),
            // HTTPS is TCP as well: log filters (fail2ban's asterisk filter) match UDP, TCP and WS.
            transport: Transport::Tcp,
        }
    }

    pub fn message(msg: &Inbound, ip: Option<IpAddr>) -> Self {
        let remote = msg.var("PJSIP_RECVADDR").and_then(|a| a.trim().parse::<SocketAddr>().ok());
        let transport = match msg.var("PJSIP_TRANSPORT").map(str::to_ascii_lowercase).as_deref() {
            Some("tcp") | Some("ws") => Transport::Tcp,
            Some("tls") | Some("wss") => Transport::Tls,
            _ => Transport::Udp,
        };
        Self {
            service: SIP,
            session: msg.var("Call-ID").unwrap_or_default().to_string(),
            ip,
            // The To host, when it is an address; its port is not kept by Asterisk (0). PJSIP tells
            // no more of which transport took the message.
            local: address::to_socket(&msg.to).unwrap_or(NOWHERE),
            remote: remote.or(ip.map(|ip| SocketAddr::new(ip, 0))).unwrap_or(NOWHERE),
            transport,
        }
    }

    pub fn report(&self, kind: Kind, account: &str) {
        security::report(&security::Event {
            kind,
            service: self.service,
            account,
            session: &self.session,
            local: self.local,
            remote: self.remote,
            transport: self.transport,
        });
    }

    /// Logs the lockouts a failure started and reports each.
    pub fn locked_out(&self, started: &[Lockout], what: &str) {
        for l in started {
            // The pair key is a profile over MESSAGE and a user name over HTTP.
            let noun = if self.service == HTTP { "user" } else { "profile" };
            let whose =
                l.profile.as_ref().map(|p| format!(" for {noun} '{p}'")).unwrap_or_default();
            let what = match l.cause {
                Cause::Probing => "requests for unknown MACs",
                Cause::Guessing => what,
            };
            log::warning(&format!(
                "too many {what} from {}{whose}: locked out for {} s",
                l.address, l.secs
            ));
            self.report(Kind::FailedAcl { acl: LOCKOUT_ACL }, l.profile.as_deref().unwrap_or(""));
        }
    }

    /// Counts a wrong secret for `account` (the pair key) and reports it as `kind`.
    pub fn wrong_secret(&self, shared: &Shared, kind: Kind, account: &str, what: &str) {
        self.report(kind, account);
        let Some(ip) = self.ip else { return };
        let started = shared.lockouts.lock().unwrap_or_else(|p| p.into_inner()).failure(
            Some(account),
            ip,
            shared.now(),
        );
        self.locked_out(&started, what);
    }

    /// Counts a request for `mac`, which no profile has (or which this client may not have).
    pub fn probe(&self, shared: &Shared, mac: Mac, kind: Kind) {
        self.report(kind, &mac.to_string());
        let Some(ip) = self.ip else { return };
        let started =
            shared.lockouts.lock().unwrap_or_else(|p| p.into_inner()).probe(ip, mac, shared.now());
        log::debug(1, &format!("{ip} asked for MAC {mac}, which no profile of it has"));
        self.locked_out(started.as_slice(), "");
    }

    /// The seconds `ip` stays locked out (for `account`, when it names one), if it is.
    pub fn lockout_left(&self, shared: &Shared, account: Option<&str>) -> Option<u64> {
        let ip = self.ip?;
        let now = shared.now();
        let locked = shared
            .lockouts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check(account, ip, now)
            .err()?;
        Some(locked.until.saturating_sub(now).max(1))
    }
}
