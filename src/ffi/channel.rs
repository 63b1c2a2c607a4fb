//! A live channel, found by name and held by one reference while a dialplan function is read on it
//! (the manager's `Getvar` cannot be run inside Asterisk: it reads the missing session).

use std::ffi::{CStr, c_char, c_void};
use std::ptr::NonNull;

use super::sys;
use super::util::cstring;

/// One reference to a channel; released on drop.
struct Channel(NonNull<sys::ast_channel>);

impl Channel {
    fn by_name(name: &str) -> Option<Self> {
        let name = cstring(name);
        // SAFETY: a NUL-terminated name; a non-NULL result carries a reference for us (released in
        // Drop).
        NonNull::new(unsafe { sys::ast_channel_get_by_name(name.as_ptr()) }).map(Self)
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        // SAFETY: we hold the reference `ast_channel_get_by_name` gave; the tag, file and function are
        // static strings.
        unsafe {
            sys::__ao2_ref(
                self.0.as_ptr().cast::<c_void>(),
                -1,
                c"res_digium_phone".as_ptr(),
                c"channel.rs".as_ptr(),
                0,
                c"drop".as_ptr(),
            )
        };
    }
}

/// The value of dialplan function `function` (`CHANNEL(pjsip,call-id)`) on channel `name`, or
/// `None` when the channel is gone or the read fails.
pub(crate) fn read_function(name: &str, function: &str) -> Option<String> {
    let channel = Channel::by_name(name)?;
    let function = cstring(function);
    let mut buf = [0 as c_char; 512];
    // SAFETY: the channel is held by our reference and not locked by us (ast_func_read locks what it
    // needs); the buffer's length is passed, and Asterisk NUL-terminates within it.
    let res = unsafe {
        sys::ast_func_read(channel.0.as_ptr(), function.as_ptr(), buf.as_mut_ptr(), buf.len())
    };
    if res != 0 {
        return None;
    }
    buf[buf.len() - 1] = 0;
    // SAFETY: NUL-terminated within `buf` (its last byte is 0).
    let value = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned();
    Some(value)
}
