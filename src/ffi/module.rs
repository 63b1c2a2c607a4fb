//! Registration with Asterisk's module loader.
//!
//! The C macro `AST_MODULE_INFO` is replaced by a static `ast_module_info` and an `.init_array` entry
//! that registers it while the loader `dlopen`s us (the loader requires registration during dlopen),
//! plus a `.fini_array` entry that unregisters it when the `.so` is unmapped.

use std::cell::UnsafeCell;
use std::ffi::{c_char, c_int};
use std::ptr;

use super::sys;
use super::util::string_from;
use super::{guard, log};
use crate::module;
use digium_phones_core::asterisk_key::GPL_KEY;

/// The loader writes `self_` into the struct, so it lives in writable memory.
struct ModuleInfo(UnsafeCell<sys::ast_module_info>);

// SAFETY: the loader writes `self_` once, during load, while holding its module list lock and before it
// calls `load()`; afterwards the struct is only read.
unsafe impl Sync for ModuleInfo {}

/// `AST_BUILDOPT_SUM` of the headers we were built against (empty with feature `portable`: no check).
const fn buildopt_sum(sum: &str) -> [c_char; 33] {
    let bytes = sum.as_bytes();
    let mut out = [0 as c_char; 33];
    let mut i = 0;
    while i < bytes.len() && i < 32 {
        out[i] = bytes[i] as c_char;
        i += 1;
    }
    out
}

static INFO: ModuleInfo = ModuleInfo(UnsafeCell::new(sys::ast_module_info {
    self_: ptr::null_mut(),
    load: Some(load),
    reload: Some(reload),
    unload: Some(unload),
    name: c"res_digium_phone".as_ptr(),
    // `module show` cuts descriptions at 40 characters.
    description: c"Digium Phone Module (open source)".as_ptr(),
    key: GPL_KEY.as_ptr(),
    flags: sys::ast_module_flags_AST_MODFLAG_LOAD_ORDER,
    buildopt_sum: buildopt_sum(env!("RDP_BUILDOPT_SUM")),
    load_pri: sys::ast_module_load_priority_AST_MODPRI_DEFAULT as u8,
    // PRESENCE_STATE() comes from func_presencestate; the loader loads it first and keeps it loaded.
    requires: c"func_presencestate".as_ptr(),
    optional_modules: c"".as_ptr(),
    enhances: c"".as_ptr(),
    reserved1: ptr::null_mut(),
    reserved2: ptr::null_mut(),
    reserved3: ptr::null_mut(),
    reserved4: ptr::null_mut(),
    support_level: sys::ast_module_support_level_AST_MODULE_SUPPORT_EXTENDED,
}));

extern "C" fn register() {
    // SAFETY: INFO is a static with a valid ast_module_info; Asterisk keeps the pointer until
    // ast_module_unregister, which runs from .fini_array before the static goes away.
    unsafe { sys::ast_module_register(INFO.0.get()) }
}

extern "C" fn unregister() {
    // SAFETY: the same pointer that was registered.
    unsafe { sys::ast_module_unregister(INFO.0.get()) }
}

#[used]
#[unsafe(link_section = ".init_array")]
static REGISTER: extern "C" fn() = register;

#[used]
#[unsafe(link_section = ".fini_array")]
static UNREGISTER: extern "C" fn() = unregister;

/// The loader's handle for this module, needed by registrations that take a module (CLI).
pub(crate) fn self_handle() -> *mut sys::ast_module {
    // SAFETY: see `impl Sync for ModuleInfo`: `self_` was written before load() and is only read now.
    unsafe { (*INFO.0.get()).self_ }
}

/// The running Asterisk's version string, e.g. `22.10.1+dfsg+~cs6.17.60671434-1`.
pub(crate) fn asterisk_version() -> String {
    // SAFETY: ast_get_version returns a static NUL-terminated string.
    unsafe { string_from(sys::ast_get_version()) }
}

/// Which compile-time options the module was built for: the loader refuses a module whose non-empty
/// sum differs from its own, so this is what to compare against the Asterisk build at hand.
fn log_buildopt_sum() {
    match env!("RDP_BUILDOPT_SUM") {
        "" => log::notice(
            "built portable: no buildopt sum, so Asterisk does not compare build options",
        ),
        sum => log::notice(&format!("built with buildopt sum {sum}")),
    }
}

// The one place module results become loader return codes.

unsafe extern "C" fn load() -> sys::ast_module_load_result {
    guard::entry("load", sys::ast_module_load_result_AST_MODULE_LOAD_DECLINE, || {
        guard::install_panic_hook();
        log_buildopt_sum();
        match module::load() {
            Ok(()) => sys::ast_module_load_result_AST_MODULE_LOAD_SUCCESS,
            Err(e) => {
                log::error(&format!("not loaded: {e}"));
                guard::remove_panic_hook();
                // Decline rather than fail: Asterisk goes on booting without us.
                sys::ast_module_load_result_AST_MODULE_LOAD_DECLINE
            }
        }
    })
}

unsafe extern "C" fn reload() -> c_int {
    guard::entry("reload", -1, || match module::reload() {
        Ok(()) => 0,
        Err(e) => {
            log::error(&format!("reload: {e}"));
            sys::ast_module_load_result_AST_MODULE_LOAD_DECLINE
        }
    })
}

unsafe extern "C" fn unload() -> c_int {
    guard::entry("unload", -1, || {
        module::unload();
        guard::remove_panic_hook();
        0
    })
}
