//! Logging through Asterisk's logger, so module messages land in its log files with everyone else's.

use std::ffi::{c_int, c_uint};
use std::panic::Location;

use super::sys;
use super::util::cstring;

#[derive(Debug, Clone, Copy)]
enum Level {
    Debug = sys::__LOG_DEBUG as isize,
    Notice = sys::__LOG_NOTICE as isize,
    Warning = sys::__LOG_WARNING as isize,
    Error = sys::__LOG_ERROR as isize,
}

#[track_caller]
fn log(level: Level, msg: &str) {
    let at = Location::caller();
    let file = cstring(at.file().rsplit('/').next().unwrap_or("res_digium_phone"));
    let msg = cstring(msg);
    let line = c_int::try_from(at.line()).unwrap_or(0);
    // SAFETY: all pointers are NUL-terminated strings alive for the call; the format is "%s" with one
    // string argument, so no message text is ever read as a format.
    unsafe {
        sys::ast_log(
            level as c_int,
            file.as_ptr(),
            line,
            c"".as_ptr(),
            c"%s".as_ptr(),
            msg.as_ptr(),
        );
    }
}

#[track_caller]
pub(crate) fn error(msg: &str) {
    log(Level::Error, msg);
}

#[track_caller]
pub(crate) fn warning(msg: &str) {
    log(Level::Warning, msg);
}

#[track_caller]
pub(crate) fn notice(msg: &str) {
    log(Level::Notice, msg);
}

/// Logs at debug level when `core set debug` (globally or for this module) is at least `level`.
#[track_caller]
pub(crate) fn debug(level: c_uint, msg: &str) {
    // SAFETY: option_debug is a plain int Asterisk updates from its CLI thread; a racy read only
    // decides whether one debug line is printed. The module name is a static C string.
    let enabled = unsafe {
        let global = c_uint::try_from(std::ptr::addr_of!(sys::option_debug).read()).unwrap_or(0);
        global >= level || sys::ast_debug_get_by_module(c"res_digium_phone".as_ptr()) >= level
    };
    if enabled {
        log(Level::Debug, msg);
    }
}
