//! The module itself: what happens on load, reload and unload, in safe code over the FFI wrappers.
//!
//! Everything `load` creates lives in one [`Loaded`] value; `unload` drops it, and a load that fails
//! half-way drops what it had made so far, so either way nothing is left behind.

mod ami;
mod commands;
mod config;
mod config_file;
mod discovery;
mod presence;
mod provision;
mod reaper;
mod selftest;
mod settings;
mod state;
mod voicemail;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    #[error("cannot start the thread that frees replaced configurations: {0}")]
    Reaper(std::io::Error),
    #[error("load stopped after '{0}' as RDP_TEST_FAIL_LOAD asks (a test of failed loads)")]
    Forced(&'static str),
}

/// Everything the module has while it is loaded. Fields drop in order: Asterisk's ways in (CLI, AMI,
/// the test framework) go first, so no command runs against state being torn down; then
/// provisioning stops taking messages and HTTP requests and joins its workers; the mDNS responder
/// says goodbye; the hints leave the dialplan; the reaper finishes freeing; and the state the
/// callbacks read is withdrawn last.
struct Loaded {
    _cli: cli::Registration,
    _ami: manager::Registration,
    _tests: test::Registration,
    _app_bridge: provision::AppBridge,
    /// Parking and queue changes pushed to phones: stops before the workers it queues to.
    _live_apps: provision::LiveApps,
    _provisioning: provision::Service,
    discovery: discovery::Responder,
    hints: presence::Hints,
    /// Frees what reloads replace; joined once the hints have left.
    reaper: reaper::Reaper,
    state: Arc<state::State>,
    _published: state::Published,
}

static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

fn loaded() -> std::sync::MutexGuard<'static, Option<Loaded>> {
    LOADED.lock().unwrap_or_else(|p| p.into_inner())
}

/// Test-only: with `RDP_TEST_FAIL_LOAD=<step>` in Asterisk's environment, `load` stops with an error
/// right after `<step>`, so a test can show that a load failing half-way leaves nothing behind.
fn fail_point(step: &'static str) -> Result<(), ModuleError> {
    match std::env::var("RDP_TEST_FAIL_LOAD") {
        Ok(wanted) if wanted == step => Err(ModuleError::Forced(step)),
        _ => Ok(()),
    }
}

impl Loaded {
    /// Creates everything in the order the fields undo it backwards; an error drops what was made.
    fn new() -> Result<Self, ModuleError> {
        let config = config::Store::load();
        let snapshot = config.current();
        let mut hints = presence::Hints::new();
        let mut discovery = discovery::Responder::new();
        let state = Arc::new(state::State {
            config,
            provisioning: Arc::new(provision::Shared::new()),
            hints: hints.shown(),
            discovery: discovery.shown(),
        });
        let published = state::publish(state.clone());
        provision::apply_config(&state.provisioning, &snapshot.model);
        hints.apply(&snapshot.model);
        fail_point("hints")?;
        discovery.apply(&snapshot.model);
        let workers = snapshot.model.general.transaction_max_threads.unwrap_or(4).clamp(1, 32);
        let provisioning = provision::Service::start(state.provisioning.clone(), workers as usize)?;
        fail_point("provisioning")?;
        let app_bridge = provision::AppBridge::start(state.provisioning.clone())?;
        let live_apps = provision::LiveApps::start();
        let ami = manager::Registration::register(&ami::ACTIONS)?;
        fail_point("ami")?;
        let cli = cli::Registration::register(commands::commands())?;
        fail_point("cli")?;
        let tests = test::Registration::register(selftest::TESTS);
        let reaper = reaper::Reaper::start().map_err(ModuleError::Reaper)?;
        Ok(Self {
            _cli: cli,
            _ami: ami,
            _tests: tests,
            _app_bridge: app_bridge,
            _live_apps: live_apps,
            _provisioning: provisioning,
            discovery,
            hints,
            reaper,
            state,
            _published: published,
        })
    }

    /// Re-reads what the module takes from Asterisk's files, then its own configuration, and brings
    /// the advertisement and the hints in line with it.
    fn reload(&mut self) -> Result<(), ModuleError> {
        let started = Instant::now();
        provision::refresh_settings(&self.state.provisioning);
        let mut read = config::ReadReport::default();
        let result = self.state.config.reload(&mut read).map_err(ModuleError::Config);
        let configured = started.elapsed();
        let snapshot = self.state.config.current();
        provision::apply_config(&self.state.provisioning, &snapshot.model);
        self.discovery.apply(&snapshot.model);
        self.hints.apply(&snapshot.model);
        drop(snapshot);
        let hinted = started.elapsed();
        // Freed and trimmed after the reload has answered (even with nothing to free: the reload
        // itself freed the file it read).
        self.reaper.free(std::mem::take(&mut read.replaced));
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        log::notice(&format!(
            "reloaded in {:.0} ms: configuration {:.0} ms (Asterisk's parser {:.0} and destructor \
             {:.0}, copied {:.0}, model {:.0}, swapped in {:.0}), hints {:.0} ms; the replaced \
             configuration is freed in the background",
            ms(started.elapsed()),
            ms(configured),
            ms(read.asterisk.parser),
            ms(read.asterisk.destroy),
            ms(read.walk),
            ms(read.model),
            ms(read.install),
            ms(hinted - configured),
        ));
        result
    }
}

pub(crate) fn load() -> Result<(), ModuleError> {
    let module = Loaded::new()?;
    *loaded() = Some(module);
    log::notice(&format!("res_digium_phone {} loaded", env!("CARGO_PKG_VERSION")));
    Ok(())
}

pub(crate) fn reload() -> Result<(), ModuleError> {
    match loaded().as_mut() {
        Some(module) => module.reload(),
        None => Err(ModuleError::Config("the module is not loaded".into())),
    }
}

pub(crate) fn unload() {
    let module = loaded().take();
    drop(module);
}
