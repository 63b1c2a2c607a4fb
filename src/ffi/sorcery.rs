//! Other modules' configuration objects through Asterisk's core sorcery API: how the module reads a
//! PJSIP endpoint's `context` and `subscribe_context`.
//!
//! Only core symbols are used (`ast_sorcery_*` live in the asterisk binary), so the module still
//! loads where res_pjsip is absent: the instance is then simply not found. Reading the endpoint the
//! way func_pjsip_endpoint does (an object set of its fields), but without that function, needs no
//! further module loaded and no dialplan-function argument quoting.

use std::ptr::NonNull;

use super::sys;
use super::util::{cstring, string_from};

/// A sorcery instance another module opened; the reference is released on drop.
pub(crate) struct Sorcery(NonNull<sys::ast_sorcery>);

/// Releases one ao2 reference.
///
/// # Safety
/// `object` is an ao2 object the caller holds a reference to, and gives up.
unsafe fn unref(object: *mut std::ffi::c_void) {
    // SAFETY: per this function's contract; the tag, file and function are static strings.
    unsafe {
        sys::__ao2_ref(
            object,
            -1,
            c"res_digium_phone".as_ptr(),
            c"sorcery.rs".as_ptr(),
            0,
            c"unref".as_ptr(),
        )
    };
}

impl Sorcery {
    /// The instance `module` opened (`res_pjsip`), if that module is loaded.
    pub fn of_module(module: &str) -> Option<Self> {
        let module = cstring(module);
        // SAFETY: a NUL-terminated name; a non-NULL result carries a reference for us (released in
        // Drop).
        let found = unsafe { sys::ast_sorcery_retrieve_by_module_name(module.as_ptr()) };
        NonNull::new(found).map(Self)
    }

    /// The values of `fields` of object `id` of `object_type` (as their configuration text, "" when
    /// unset), or `None` when there is no such object.
    pub fn fields(&self, object_type: &str, id: &str, fields: &[&str]) -> Option<Vec<String>> {
        let (object_type, id) = (cstring(object_type), cstring(id));
        // SAFETY: the instance is alive (we hold a reference); the strings are NUL-terminated. A
        // non-NULL object carries a reference for us, released below; the object set is a list we
        // own, walked only while alive and freed with Asterisk's own destructor.
        unsafe {
            let object =
                sys::ast_sorcery_retrieve_by_id(self.0.as_ptr(), object_type.as_ptr(), id.as_ptr());
            if object.is_null() {
                return None;
            }
            let set = sys::ast_sorcery_objectset_create2(
                self.0.as_ptr(),
                object,
                sys::ast_sorcery_field_handler_flags_AST_HANDLER_ONLY_STRING,
            );
            let mut values = vec![String::new(); fields.len()];
            let mut v = set;
            while !v.is_null() {
                let name = string_from((*v).name);
                if let Some(at) = fields.iter().position(|f| *f == name) {
                    values[at] = string_from((*v).value);
                }
                v = (*v).next;
            }
            sys::ast_variables_destroy(set);
            unref(object);
            Some(values)
        }
    }
}

impl Drop for Sorcery {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `of_module`, given up once.
        unsafe { unref(self.0.as_ptr().cast()) };
    }
}
