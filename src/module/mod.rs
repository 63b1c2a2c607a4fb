//! The module itself: what happens on load, reload and unload, in safe code over the FFI wrappers.

mod commands;
mod config;
mod selftest;

use std::sync::Mutex;

use crate::ffi::{cli, log, test};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ModuleError {
    #[error(transparent)]
    Register(#[from] cli::RegisterError),
    #[error("{0}")]
    Config(String),
}

/// Everything registered with Asterisk while loaded. Fields drop in order: the CLI goes first, so no
/// command can run against state being torn down.
struct Loaded {
    _cli: cli::Registration,
    _tests: test::Registration,
}

static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

fn loaded() -> std::sync::MutexGuard<'static, Option<Loaded>> {
    LOADED.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn load() -> Result<(), ModuleError> {
    config::load_initial();
    let cli = cli::Registration::register(commands::COMMANDS)?;
    let tests = test::Registration::register(selftest::TESTS);
    *loaded() = Some(Loaded { _cli: cli, _tests: tests });
    log::notice(&format!("res_digium_phone {} loaded", env!("CARGO_PKG_VERSION")));
    Ok(())
}

pub(crate) fn reload() -> Result<(), ModuleError> {
    config::reload().map_err(ModuleError::Config)
}

pub(crate) fn unload() {
    drop(loaded().take());
    config::clear();
}
