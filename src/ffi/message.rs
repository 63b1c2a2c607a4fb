//! Out-of-call MESSAGE: the `digium_phone` message technology (for DPMA-style dialplans that call
//! `MessageSend(digium_phone:…)`), a message handler that claims MESSAGEs to user `proxy` that no
//! dialplan routed, and sending replies with `ast_msg_send`.
//!
//! Both callbacks run on Asterisk's single message thread, which must never block: they copy what the
//! module needs into an [`Inbound`] and hand it to the module's queue.

use std::cell::UnsafeCell;
use std::ffi::{CStr, c_char, c_int};
use std::sync::Mutex;

use super::util::{cstring, string_from};
use super::{guard, sys};

/// An inbound MESSAGE, copied off the message thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inbound {
    pub body: String,
    /// `From` as Asterisk keeps it, e.g. `"Name" <sip:mac@192.0.2.7>`.
    pub from: String,
    /// `To`, e.g. `pjsip:proxy@192.0.2.1` (Asterisk rewrites the `sip:` scheme).
    pub to: String,
    /// The PJSIP endpoint the message was identified as.
    pub endpoint: String,
    /// Which way it came: the `digium_phone` tech (dialplan) or the handler.
    pub via_dialplan: bool,
    /// Header and channel variables the module reads, by name.
    pub vars: Vec<(&'static str, String)>,
}

impl Inbound {
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The variables copied from each message (SIP headers arrive under their own names).
const VARS: &[&CStr] = &[
    c"PJSIP_RECVADDR",
    c"PJSIP_TRANSPORT",
    c"X-Digium-AppServer-Response-URI",
    c"Call-ID",
    c"CSeq",
    c"User-Agent",
    c"Via",
];

type Sink = fn(Inbound);

static SINK: Mutex<Option<Sink>> = Mutex::new(None);

fn sink() -> Option<Sink> {
    *SINK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Statics Asterisk keeps pointers to while registered.
struct Static<T>(UnsafeCell<T>);
// SAFETY: written only here at compile time; Asterisk reads them from its threads.
unsafe impl<T> Sync for Static<T> {}

static TECH: Static<sys::ast_msg_tech> = Static(UnsafeCell::new(sys::ast_msg_tech {
    name: c"digium_phone".as_ptr(),
    msg_send: Some(tech_send),
}));

static HANDLER: Static<sys::ast_msg_handler> = Static(UnsafeCell::new(sys::ast_msg_handler {
    name: c"digium_phone".as_ptr(),
    handle_msg: Some(handle_msg),
    has_destination: Some(has_destination),
}));

/// Copies a message; `msg` must be a live message for the duration of the call.
unsafe fn copy(msg: *mut sys::ast_msg, via_dialplan: bool) -> Inbound {
    // SAFETY: per this function's contract; every getter returns NULL or a string owned by the message.
    unsafe {
        let vars = VARS
            .iter()
            .filter_map(|name| {
                let v = sys::ast_msg_get_var(msg, name.as_ptr());
                let key: &'static str = name.to_str().ok()?;
                (!v.is_null()).then(|| (key, string_from(v)))
            })
            .collect();
        Inbound {
            body: string_from(sys::ast_msg_get_body(msg)),
            from: string_from(sys::ast_msg_get_from(msg)),
            to: string_from(sys::ast_msg_get_to(msg)),
            endpoint: string_from(sys::ast_msg_get_endpoint(msg)),
            via_dialplan,
            vars,
        }
    }
}

/// `MessageSend(digium_phone:…)` from the dialplan.
unsafe extern "C" fn tech_send(
    msg: *const sys::ast_msg,
    _to: *const c_char,
    _from: *const c_char,
) -> c_int {
    guard::entry("digium_phone message", -1, || {
        let Some(sink) = sink() else { return -1 };
        // SAFETY: Asterisk passes a live message; the getters only read it (ast_msg_get_var takes a
        // non-const pointer but does not modify the message).
        sink(unsafe { copy(msg.cast_mut(), true) });
        0
    })
}

unsafe extern "C" fn handle_msg(msg: *mut sys::ast_msg) -> c_int {
    guard::entry("digium_phone message handler", -1, || {
        let Some(sink) = sink() else { return -1 };
        // SAFETY: Asterisk passes a live message for the duration of the call.
        sink(unsafe { copy(msg, false) });
        0
    })
}

/// Called twice per message (on a PJSIP thread, then on the message thread): cheap and lock-free.
unsafe extern "C" fn has_destination(msg: *const sys::ast_msg) -> c_int {
    guard::entry("digium_phone message handler", 0, || {
        // SAFETY: a live message; the To string is owned by it.
        let to = unsafe { sys::ast_msg_get_to(msg) };
        if to.is_null() {
            return 0;
        }
        // SAFETY: non-NULL and NUL-terminated, owned by the message for this call.
        let to = unsafe { CStr::from_ptr(to) }.to_bytes();
        c_int::from(to_user(to).eq_ignore_ascii_case(b"proxy"))
    })
}

/// The user part of `scheme:user@host` (or of `user@host`).
fn to_user(to: &[u8]) -> &[u8] {
    let start = to.iter().position(|&b| b == b':').map_or(0, |i| i + 1);
    let rest = &to[start..];
    let end = rest.iter().position(|&b| b == b'@').unwrap_or(rest.len());
    &rest[..end]
}

/// The technology and the handler, registered while this lives.
pub(crate) struct Registration {
    handler: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("Asterisk refused to register the digium_phone message technology")]
pub(crate) struct RegisterError;

impl Registration {
    /// Registers both ways in; every inbound message goes to `sink`. With `claim_unrouted` false, only
    /// the dialplan way is registered.
    pub fn register(sink: Sink, claim_unrouted: bool) -> Result<Self, RegisterError> {
        *SINK.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
        // SAFETY: TECH is a static that outlives its registration (undone in Drop).
        if unsafe { sys::ast_msg_tech_register(TECH.0.get()) } != 0 {
            *SINK.lock().unwrap_or_else(|p| p.into_inner()) = None;
            return Err(RegisterError);
        }
        // SAFETY: as for TECH.
        let handler =
            claim_unrouted && unsafe { sys::ast_msg_handler_register(HANDLER.0.get()) } == 0;
        Ok(Self { handler })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: the statics registered above; after this Asterisk no longer calls them.
        unsafe {
            if self.handler {
                sys::ast_msg_handler_unregister(HANDLER.0.get());
            }
            sys::ast_msg_tech_unregister(TECH.0.get());
        }
        *SINK.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error("destination '{0}' is not a pjsip: destination")]
    Destination(String),
    #[error("Asterisk could not allocate a message")]
    Alloc,
    #[error("Asterisk could not send the message to {0} (see its log)")]
    Send(String),
}

/// Sends an out-of-call MESSAGE. Blocks until PJSIP has sent it: call from a module worker, never
/// from the message thread.
pub(crate) fn send(
    to: &str,
    from: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Result<(), SendError> {
    // ast_msg_send leaks the message when the technology is unknown, so only PJSIP goes through.
    if !to.starts_with("pjsip:") {
        return Err(SendError::Destination(to.to_string()));
    }
    // SAFETY: a fresh message we own until ast_msg_send consumes it (on success and on failure).
    unsafe {
        let msg = sys::ast_msg_alloc();
        if msg.is_null() {
            return Err(SendError::Alloc);
        }
        let body_c = cstring(body);
        let from_c = cstring(from);
        sys::ast_msg_set_body(msg, c"%s".as_ptr(), body_c.as_ptr());
        sys::ast_msg_set_from(msg, c"%s".as_ptr(), from_c.as_ptr());
        for (name, value) in headers {
            let (n, v) = (cstring(name), cstring(value));
            sys::ast_msg_set_var_outbound(msg, n.as_ptr(), v.as_ptr());
        }
        let to_c = cstring(to);
        if sys::ast_msg_send(msg, to_c.as_ptr(), from_c.as_ptr()) != 0 {
            return Err(SendError::Send(to.to_string()));
        }
    }
    Ok(())
}
