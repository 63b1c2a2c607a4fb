//! Dialplan hints through the PBX API, added under this module's registrar.

use super::sys;
use super::util::{cstring, string_from};

/// Asterisk keeps the registrar pointer in every extension it adds (it does not copy it), so it must
/// be a string that lives as long as the module.
const REGISTRAR: &std::ffi::CStr = c"res_digium_phone";
/// `PRIORITY_HINT` in asterisk/pbx.h (a macro bindgen does not carry).
const PRIORITY_HINT: i32 = -1;

pub(crate) enum Added {
    Done,
    /// A hint is already there (the admin's, most likely): left alone.
    Exists(String),
    Failed,
}

/// The hint of `exten@context`, if there is one.
pub(crate) fn hint(context: &str, exten: &str) -> Option<String> {
    let (context, exten) = (cstring(context), cstring(exten));
    let mut buf = [0 as std::ffi::c_char; 1024];
    // SAFETY: a writable buffer of the length given; no channel; no name buffer (size 0).
    let found = unsafe {
        sys::ast_get_hint(
            buf.as_mut_ptr(),
            buf.len() as i32,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            context.as_ptr(),
            exten.as_ptr(),
        )
    };
    // SAFETY: Asterisk NUL-terminates what it wrote.
    (found != 0).then(|| unsafe { string_from(buf.as_ptr()) })
}

/// Whether a context of that name exists.
pub(crate) fn context_exists(context: &str) -> bool {
    let context = cstring(context);
    // SAFETY: a NUL-terminated name; the pointer returned is only compared with NULL.
    !unsafe { sys::ast_context_find(context.as_ptr()) }.is_null()
}

/// Adds `exten => hint` in `context` (created if missing) unless a hint is already there.
pub(crate) fn add_hint(context: &str, exten: &str, hint_value: &str) -> Added {
    if let Some(existing) = hint(context, exten) {
        return Added::Exists(existing);
    }
    let (context_c, exten_c, hint_c, registrar) =
        (cstring(context), cstring(exten), cstring(hint_value), REGISTRAR);
    // SAFETY: NUL-terminated strings that Asterisk copies; a hint carries no application data, so
    // data and its destructor are NULL.
    unsafe {
        if sys::ast_context_find_or_create(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            context_c.as_ptr(),
            registrar.as_ptr(),
        )
        .is_null()
        {
            return Added::Failed;
        }
        let rc = sys::ast_add_extension(
            context_c.as_ptr(),
            0,
            exten_c.as_ptr(),
            PRIORITY_HINT,
            std::ptr::null(),
            std::ptr::null(),
            hint_c.as_ptr(),
            std::ptr::null_mut(),
            None,
            registrar.as_ptr(),
        );
        if rc == 0 { Added::Done } else { Added::Failed }
    }
}

/// Removes a hint this module added.
pub(crate) fn remove_hint(context: &str, exten: &str) {
    let (context, exten, registrar) = (cstring(context), cstring(exten), REGISTRAR);
    // SAFETY: NUL-terminated strings; only an extension registered by this module is removed.
    unsafe {
        sys::ast_context_remove_extension(
            context.as_ptr(),
            exten.as_ptr(),
            PRIORITY_HINT,
            registrar.as_ptr(),
        )
    };
}

/// Removes a context this module created (with whatever this module left in it).
pub(crate) fn destroy_context(context: &str) {
    let (context, registrar) = (cstring(context), REGISTRAR);
    // SAFETY: NUL-terminated strings; Asterisk destroys it only if this registrar created it.
    unsafe { sys::ast_context_destroy_by_name(context.as_ptr(), registrar.as_ptr()) };
}
