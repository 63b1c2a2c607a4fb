//! Asterisk's security events (`ast_security_event_report`): what res_security_log writes to the
//! `security` log channel and the manager sends as security-class events, where fail2ban-style
//! tools read failed authentication from.
//!
//! Each event is one of Asterisk's descriptor structs, whose first member is the common part; its
//! `version` must be the descriptor's `AST_SECURITY_EVENT_*_VERSION` or Asterisk drops the event.

use std::ffi::CString;
use std::net::SocketAddr;

use super::sys;
use super::util::cstring;

/// The transport a request came over, as the security log shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Udp,
    Tcp,
    Tls,
}

impl Transport {
    fn raw(self) -> sys::ast_transport {
        match self {
            Self::Udp => sys::ast_transport_AST_TRANSPORT_UDP,
            Self::Tcp => sys::ast_transport_AST_TRANSPORT_TCP,
            Self::Tls => sys::ast_transport_AST_TRANSPORT_TLS,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind<'a> {
    /// A name that is no account: an unknown MAC, an unknown HTTP user.
    InvalidAccountId,
    /// A wrong password (PIN, global PIN, Basic).
    InvalidPassword,
    /// A wrong Digest response to `challenge` (the nonce).
    ChallengeResponseFailed {
        challenge: &'a str,
    },
    /// Refused by a deny list: the address is locked out (`acl` names why).
    FailedAcl {
        acl: &'a str,
    },
    /// A request this account may not make.
    RequestNotAllowed {
        request: &'a str,
        params: &'a str,
    },
    SuccessfulAuth {
        using_password: bool,
    },
}

/// One event: who, from where, over what.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event<'a> {
    pub kind: Kind<'a>,
    /// Word characters only, as log filters expect (`DigiumPhonesHTTP`).
    pub service: &'a str,
    pub account: &'a str,
    pub session: &'a str,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub transport: Transport,
}

/// Text that came from a request goes into a `key="value"` log line: quotes, backslashes and
/// control characters could forge fields or lines, so they become `_`; at most 64 characters.
fn field(text: &str) -> CString {
    let clean: String = text
        .chars()
        .take(64)
        .map(|c| if c.is_control() || c == '"' || c == '\\' { '_' } else { c })
        .collect();
    cstring(&clean)
}

fn sockaddr(addr: SocketAddr) -> sys::ast_sockaddr {
    let mut out = sys::ast_sockaddr::default();
    let ss = std::ptr::addr_of_mut!(out.ss).cast::<u8>();
    match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from(*v4.ip()).to_be() },
                sin_zero: [0; 8],
            };
            let len = std::mem::size_of::<libc::sockaddr_in>();
            // SAFETY: sockaddr_storage (128 bytes) holds any sockaddr; both are plain bytes.
            unsafe { std::ptr::copy_nonoverlapping((&raw const sin).cast::<u8>(), ss, len) };
            out.len = len as sys::socklen_t;
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: v6.ip().octets() },
                sin6_scope_id: v6.scope_id(),
            };
            let len = std::mem::size_of::<libc::sockaddr_in6>();
            // SAFETY: as above; sockaddr_in6 is 28 bytes.
            unsafe { std::ptr::copy_nonoverlapping((&raw const sin6).cast::<u8>(), ss, len) };
            out.len = len as sys::socklen_t;
        }
    }
    out
}

/// Reports `event`; Asterisk copies what it keeps before returning.
pub(crate) fn report(event: &Event) {
    let service = field(event.service);
    let account = field(event.account);
    let session = field(event.session);
    let (local, remote) = (sockaddr(event.local), sockaddr(event.remote));
    let transport = event.transport.raw();
    let common = |event_type, version| sys::ast_security_event_common {
        event_type,
        version,
        service: service.as_ptr(),
        module: c"res_digium_phone".as_ptr(),
        account_id: account.as_ptr(),
        session_id: session.as_ptr(),
        session_tv: std::ptr::null(),
        local_addr: sys::ast_security_event_ip_addr { addr: &local, transport },
        remote_addr: sys::ast_security_event_ip_addr { addr: &remote, transport },
    };
    // Every string a descriptor points to lives until the end of this function.
    let empty = c"".as_ptr();
    match event.kind {
        Kind::InvalidAccountId => {
            let e = sys::ast_security_event_inval_acct_id {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_INVAL_ACCT_ID,
                    sys::AST_SECURITY_EVENT_INVAL_ACCT_ID_VERSION,
                ),
            };
            submit(&e.common);
        }
        Kind::InvalidPassword => {
            let e = sys::ast_security_event_inval_password {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_INVAL_PASSWORD,
                    sys::AST_SECURITY_EVENT_INVAL_PASSWORD_VERSION,
                ),
                challenge: std::ptr::null(),
                received_challenge: std::ptr::null(),
                received_hash: std::ptr::null(),
            };
            submit(&e.common);
        }
        Kind::ChallengeResponseFailed { challenge } => {
            let challenge = field(challenge);
            // Neither the response received nor the one expected is reported: both are hashes of
            // a password, open to offline guessing.
            let e = sys::ast_security_event_chal_resp_failed {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_CHAL_RESP_FAILED,
                    sys::AST_SECURITY_EVENT_CHAL_RESP_FAILED_VERSION,
                ),
                challenge: challenge.as_ptr(),
                response: empty,
                expected_response: empty,
            };
            submit(&e.common);
        }
        Kind::FailedAcl { acl } => {
            let acl = field(acl);
            let e = sys::ast_security_event_failed_acl {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_FAILED_ACL,
                    sys::AST_SECURITY_EVENT_FAILED_ACL_VERSION,
                ),
                acl_name: acl.as_ptr(),
            };
            submit(&e.common);
        }
        Kind::RequestNotAllowed { request, params } => {
            let (request, params) = (field(request), field(params));
            let e = sys::ast_security_event_req_not_allowed {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_REQ_NOT_ALLOWED,
                    sys::AST_SECURITY_EVENT_REQ_NOT_ALLOWED_VERSION,
                ),
                request_type: request.as_ptr(),
                request_params: params.as_ptr(),
            };
            submit(&e.common);
        }
        Kind::SuccessfulAuth { using_password } => {
            let e = sys::ast_security_event_successful_auth {
                common: common(
                    sys::ast_security_event_type_AST_SECURITY_EVENT_SUCCESSFUL_AUTH,
                    sys::AST_SECURITY_EVENT_SUCCESSFUL_AUTH_VERSION,
                ),
                using_password: u32::from(using_password),
            };
            submit(&e.common);
        }
    }
}

fn submit(common: *const sys::ast_security_event_common) {
    // SAFETY: `common` is the first member of a fully initialised descriptor of the type its
    // `event_type` names, with that descriptor's version; every pointer in it (strings, addresses)
    // outlives the call, and Asterisk copies what it keeps into a JSON message before returning.
    let failed = unsafe { sys::ast_security_event_report(common) } != 0;
    if failed {
        super::log::debug(1, "Asterisk did not take a security event");
    }
}
