//! Asterisk's directories (`asterisk.conf` `[directories]`), set once at startup.

use super::sys;
use super::util::string_from;

/// The spool directory (`astspooldir`): app_voicemail keeps messages under `voicemail/` there.
pub(crate) fn spool_dir() -> String {
    // SAFETY: set once at startup to a NUL-terminated string that lives as long as Asterisk.
    unsafe { string_from(std::ptr::addr_of!(sys::ast_config_AST_SPOOL_DIR).read()) }
}
