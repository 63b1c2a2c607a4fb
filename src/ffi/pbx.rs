//! Dialplan hints through the PBX API, added under this module's registrar.

use std::collections::HashMap;

use super::sys;
use super::util::{cstring, string_from};

/// Asterisk keeps the registrar pointer in every extension it adds (it does not copy it), so it must
/// be a string that lives as long as the module.
const REGISTRAR: &std::ffi::CStr = c"res_digium_phone";
const REGISTRAR_NAME: &str = "res_digium_phone";
/// `PRIORITY_HINT` in asterisk/pbx.h (a macro bindgen does not carry; abi.rs pins it).
pub(super) const PRIORITY_HINT: i32 = -1;

/// A hint someone else (the admin's dialplan, another module) keeps.
pub(crate) struct Existing {
    pub hint: String,
    /// The context it is in: `context` itself or one it includes.
    pub context: String,
}

/// The hints a SUBSCRIBE in `context` can reach that this module did not add, by extension: those
/// in `context` and, breadth first, in the contexts it includes (a FreePBX `from-internal` reaches
/// `ext-local`'s hints so), the nearest first. One walk of each context under Asterisk's locks, where
/// a lookup per extension costs a search of the context each (20,000 lines made that quadratic).
/// Pattern extensions are not matched against the names.
pub(crate) fn hints_reachable(context: &str) -> HashMap<String, Existing> {
    let mut hints: HashMap<String, Existing> = HashMap::new();
    // SAFETY: the contexts lock is held (read) while walking the list of contexts, and each context's
    // own lock while walking its extensions, priorities and includes, as `dialplan show` does; every
    // pointer comes from Asterisk's walk functions and is used only under those locks; the strings
    // read are copied before the locks are released.
    unsafe {
        if sys::ast_rdlock_contexts() != 0 {
            return hints;
        }
        let mut by_name: HashMap<String, *mut sys::ast_context> = HashMap::new();
        let mut con = sys::ast_walk_contexts(std::ptr::null_mut());
        while !con.is_null() {
            by_name.entry(string_from(sys::ast_get_context_name(con))).or_insert(con);
            con = sys::ast_walk_contexts(con);
        }
        let mut queue = std::collections::VecDeque::from([context.to_string()]);
        let mut seen = std::collections::HashSet::from([context.to_string()]);
        while let Some(name) = queue.pop_front() {
            let Some(&con) = by_name.get(&name) else { continue };
            if sys::ast_rdlock_context(con) != 0 {
                continue;
            }
            let mut exten = sys::ast_walk_context_extensions(con, std::ptr::null_mut());
            while !exten.is_null() {
                let mut p = sys::ast_walk_extension_priorities(exten, std::ptr::null_mut());
                while !p.is_null() {
                    if sys::ast_get_extension_priority(p) == PRIORITY_HINT
                        && string_from(sys::ast_get_extension_registrar(p)) != REGISTRAR_NAME
                    {
                        hints.entry(string_from(sys::ast_get_extension_name(p))).or_insert_with(
                            || Existing {
                                hint: string_from(sys::ast_get_extension_app(p)),
                                context: name.clone(),
                            },
                        );
                    }
                    p = sys::ast_walk_extension_priorities(exten, p);
                }
                exten = sys::ast_walk_context_extensions(con, exten);
            }
            let mut include = sys::ast_walk_context_includes(con, std::ptr::null());
            while !include.is_null() {
                let included = string_from(sys::ast_get_include_name(include));
                if seen.insert(included.clone()) {
                    queue.push_back(included);
                }
                include = sys::ast_walk_context_includes(con, include);
            }
            sys::ast_unlock_context(con);
        }
        sys::ast_unlock_contexts();
    }
    hints
}

/// Whether a context of that name exists.
pub(crate) fn context_exists(context: &str) -> bool {
    let context = cstring(context);
    // SAFETY: a NUL-terminated name; the pointer returned is only compared with NULL.
    !unsafe { sys::ast_context_find(context.as_ptr()) }.is_null()
}

/// Adds `exten => hint` in `context` (created if missing). The caller has looked for a hint of the
/// admin's there ([`hints_reachable`]).
pub(crate) fn add_hint(context: &str, exten: &str, hint_value: &str) -> bool {
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
            return false;
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
        rc == 0
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
