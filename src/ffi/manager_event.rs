//! Raising AMI events.

use std::ffi::CStr;

use super::sys;
use super::util::cstring;

/// The class of the events phone apps' requests become (`Privilege: agent,all`, as DPMA raised them).
pub(crate) const AGENT: u32 = sys::EVENT_FLAG_AGENT;

/// Raises the event `name` of class `category` with `body`: header lines, each ending in CR LF.
pub(crate) fn raise(category: u32, name: &CStr, body: &str) {
    let body = cstring(body);
    // SAFETY: static name, format and location strings; `%s` with one NUL-terminated argument, which
    // Asterisk copies into the event before returning.
    unsafe {
        sys::__ast_manager_event_multichan(
            category as std::ffi::c_int,
            name.as_ptr(),
            0,
            std::ptr::null_mut(),
            c"manager_event.rs".as_ptr(),
            0,
            c"raise".as_ptr(),
            c"%s".as_ptr(),
            body.as_ptr(),
        )
    };
}
