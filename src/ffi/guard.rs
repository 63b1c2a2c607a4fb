//! The panic guard every entry point from Asterisk runs in, and the panic hook that logs through
//! Asterisk (the daemon's stderr is /dev/null, so Rust's default hook would print nowhere).

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use super::log;

/// Runs `f`; if it panics, logs the panic and returns `on_panic` instead. A panic crossing the C
/// boundary would abort Asterisk and drop every call.
pub(crate) fn entry<R>(what: &str, on_panic: R, f: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            log::error(&format!(
                "{what}: internal error contained ({}); Asterisk keeps running",
                panic_message(&payload)
            ));
            on_panic
        }
    }
}

pub(crate) fn panic_message(payload: &Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Logs every panic with its location through `ast_log`. The hook belongs to this `.so`'s copy of std.
pub(crate) fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let at =
            info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        log::error(&format!("panic{at}: {msg}"));
    }));
}

/// Puts std's default hook back, so no closure of ours stays referenced after unload.
pub(crate) fn remove_panic_hook() {
    drop(panic::take_hook());
}
