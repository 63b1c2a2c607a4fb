//! The module itself: what happens on load, reload and unload, in safe code over the FFI wrappers.

mod ami;
mod commands;
mod config;
mod discovery;
mod presence;
mod provision;
mod queue;
mod sections;
mod selftest;
mod settings;

use std::sync::Mutex;

use crate::ffi::{cli, log, manager, test};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ModuleError {
    #[error(transparent)]
    Cli(#[from] cli::RegisterError),
    #[error(transparent)]
    Ami(#[from] manager::RegisterError),
    #[error(transparent)]
    Provisioning(#[from] provision::StartError),
    #[error("{0}")]
    Config(String),
}

/// Everything registered with Asterisk while loaded. Fields drop in order: the CLI and AMI go first,
/// so no command can run against state being torn down; then provisioning stops its inputs and joins
/// its threads.
struct Loaded {
    _cli: cli::Registration,
    _ami: manager::Registration,
    _tests: test::Registration,
    _provisioning: provision::Service,
}

static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

fn loaded() -> std::sync::MutexGuard<'static, Option<Loaded>> {
    LOADED.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn load() -> Result<(), ModuleError> {
    config::load_initial();
    let workers = config::current().model.general.transaction_max_threads.unwrap_or(4).clamp(1, 32);
    let provisioning = provision::Service::start(workers as usize)?;
    let ami = manager::Registration::register::<ami::Reconfigure>()?;
    let cli = cli::Registration::register(commands::COMMANDS)?;
    let tests = test::Registration::register(selftest::TESTS);
    *loaded() = Some(Loaded { _cli: cli, _ami: ami, _tests: tests, _provisioning: provisioning });
    discovery::apply(&config::current().model);
    presence::apply_hints(&config::current().model);
    log::notice(&format!("res_digium_phone {} loaded", env!("CARGO_PKG_VERSION")));
    Ok(())
}

pub(crate) fn reload() -> Result<(), ModuleError> {
    if let Some(shared) = provision::shared() {
        provision::refresh_settings(&shared);
    }
    let result = config::reload().map_err(ModuleError::Config);
    let snapshot = config::current();
    discovery::apply(&snapshot.model);
    presence::apply_hints(&snapshot.model);
    drop(snapshot);
    crate::ffi::memory::release_free_memory();
    result
}

pub(crate) fn unload() {
    drop(loaded().take());
    discovery::shutdown();
    presence::remove_hints();
    config::clear();
}
