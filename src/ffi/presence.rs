//! Presence state through Asterisk's own providers: writing `PRESENCE_STATE(CustomPresence:x)` (which
//! persists to astdb and notifies every watcher of a hint that names it) and reading any provider.

use std::ffi::{c_char, c_void};

use super::sys;
use super::util::{cstring, string_from};

#[derive(Debug, thiserror::Error)]
#[error("PRESENCE_STATE({provider}) refused the value")]
pub(crate) struct WriteError {
    provider: String,
}

/// Writes `value` (`state,subtype,message[,e]`) into the CustomPresence provider of `name`.
pub(crate) fn write_custom(name: &str, value: &str) -> Result<(), WriteError> {
    let function = cstring(&format!("PRESENCE_STATE(CustomPresence:{name})"));
    let value_c = cstring(value);
    // SAFETY: no channel (NULL is allowed for dialplan functions that need none); both strings are
    // NUL-terminated and outlive the call.
    let rc =
        unsafe { sys::ast_func_write(std::ptr::null_mut(), function.as_ptr(), value_c.as_ptr()) };
    if rc == 0 { Ok(()) } else { Err(WriteError { provider: format!("CustomPresence:{name}") }) }
}

/// A provider's state as Asterisk reports it: (state name, subtype, message), base64 already decoded.
pub(crate) fn read(provider: &str) -> (String, Option<String>, Option<String>) {
    let provider = cstring(provider);
    let mut subtype: *mut c_char = std::ptr::null_mut();
    let mut message: *mut c_char = std::ptr::null_mut();
    // SAFETY: out-pointers to NULL-initialised locals; Asterisk allocates the strings it returns, which
    // are freed below with its allocator.
    unsafe {
        let state = sys::ast_presence_state(provider.as_ptr(), &mut subtype, &mut message);
        let name = string_from(sys::ast_presence_state2str(state));
        let take = |p: *mut c_char| {
            if p.is_null() {
                return None;
            }
            let s = string_from(p);
            sys::ast_free_ptr(p.cast::<c_void>());
            Some(s)
        };
        (name, take(subtype), take(message))
    }
}
