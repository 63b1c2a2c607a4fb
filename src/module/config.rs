//! The configuration being served: read, validated, and swapped in whole.
//!
//! Readers take an `Arc` to the current snapshot and keep it while they work; a reload builds the new
//! model completely before swapping it in, so nobody ever sees half a configuration.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::ffi::config::{self as ast_config, Loaded};
use crate::ffi::log;
use digium_phones_core::finding::Severity;
use digium_phones_core::model::{self, Built, Model};
use digium_phones_core::provision::httpauth;
use digium_phones_core::raw::RawConfig;

use super::{settings, state};

pub(crate) const FILE: &str = "res_digium_phone.conf";
const WHO: &str = "res_digium_phone";

/// Builds the model of `raw`, with the findings that depend on Asterisk's HTTP servers (http.conf).
pub(crate) fn build(raw: &RawConfig, previous: Option<&Model>) -> Built {
    let mut built = model::build(raw, previous);
    let listeners = settings::http_listeners();
    built.findings.extend(httpauth::findings(&built.model.general, listeners));
    built
}

/// A configuration in service.
#[derive(Default)]
pub(crate) struct Snapshot {
    pub model: Model,
    /// Errors and warnings found when it was read.
    pub errors: usize,
    pub warnings: usize,
}

/// Where a read of the file spent its time (for the reload's log line), and what it replaced.
#[derive(Default)]
pub(crate) struct ReadReport {
    /// Asterisk's config parser and destructor (`ast_config_load2`, `ast_config_destroy`).
    pub asterisk: ast_config::AsteriskTimes,
    /// Asterisk's result copied into the core's raw configuration.
    pub walk: Duration,
    /// The model built and checked.
    pub model: Duration,
    /// Swapped in.
    pub install: Duration,
    /// Replaced snapshots no reader holds any more, for the caller to free.
    pub replaced: Vec<Arc<Snapshot>>,
}

/// The configuration in service.
pub(crate) struct Store {
    current: RwLock<Arc<Snapshot>>,
    /// Snapshots replaced while a reader still held them. They are freed here, by a later reload
    /// or the unload, once no reader holds them: never by a reader dropping the last reference,
    /// which would make a phone's request wait for tens of megabytes to be freed.
    retired: std::sync::Mutex<Vec<Arc<Snapshot>>>,
}

/// The configuration in service; an empty one while the module is not loaded.
pub(crate) fn current() -> Arc<Snapshot> {
    state::get().map(|s| s.config.current()).unwrap_or_default()
}

impl Store {
    /// Reads the file at load: whatever is valid is served, so a later reload can fix the rest.
    pub fn load() -> Self {
        let store = Self { current: RwLock::new(Arc::default()), retired: Default::default() };
        if let Err(e) = store.read(false, &mut ReadReport::default()) {
            log::error(&format!("{e}; serving no phones until a reload succeeds"));
        }
        store
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swaps `snapshot` in; returns the replaced snapshots no reader holds any more, for the caller
    /// to free.
    fn install(&self, snapshot: Snapshot) -> Vec<Arc<Snapshot>> {
        let new = Arc::new(snapshot);
        let old =
            std::mem::replace(&mut *self.current.write().unwrap_or_else(|p| p.into_inner()), new);
        // Freeing 10,000 phones takes tens of milliseconds: not while every reader waits on the lock,
        // and not on a reader's thread.
        let mut retired = self.retired.lock().unwrap_or_else(|p| p.into_inner());
        retired.push(old);
        let (held, free): (Vec<_>, Vec<_>) =
            retired.drain(..).partition(|s| Arc::strong_count(s) > 1);
        *retired = held;
        free
    }

    /// Re-reads the file if it changed. If it cannot be read the configuration in service stays; if
    /// some sections are in error they keep their last good definition, and the reload reports
    /// failure so the admin looks at the log.
    pub fn reload(&self, report: &mut ReadReport) -> Result<(), String> {
        match self.read(true, report) {
            Ok(0) => Ok(()),
            Ok(errors) => Err(format!(
                "{errors} errors in {FILE} (logged above); sections in error keep their last good definition or are not served"
            )),
            Err(e) => Err(format!("{e}; the last good configuration stays in service")),
        }
    }

    /// Reads and installs the file; returns how many errors it had.
    fn read(&self, only_if_changed: bool, report: &mut ReadReport) -> Result<usize, String> {
        let path = format!("{}/{FILE}", ast_config::config_dir());
        let started = Instant::now();
        let (loaded, asterisk) = ast_config::load_timed(FILE, WHO, only_if_changed);
        report.asterisk = asterisk;
        report.walk = started.elapsed().saturating_sub(asterisk.parser + asterisk.destroy);
        let raw = match loaded {
            Loaded::Unchanged => {
                log::debug(1, &format!("{path} is unchanged; nothing to reload"));
                return Ok(0);
            }
            Loaded::Missing => return Err(format!("{path} does not exist")),
            Loaded::Invalid => {
                return Err(format!(
                    "{path} cannot be parsed (Asterisk's config parser says why above)"
                ));
            }
            Loaded::Config(raw) => raw,
        };
        let started = Instant::now();
        let previous = self.current();
        let built = build(&raw, Some(&previous.model));
        drop(previous);
        // The model keeps the sections it uses; the rest of the file goes now, not with the model.
        drop(raw);
        report.model = started.elapsed();
        for f in &built.findings {
            match f.severity {
                Severity::Error => log::error(&f.to_string()),
                Severity::Warning => log::warning(&f.to_string()),
            }
        }
        let (errors, warnings) = (built.errors(), built.warnings());
        let m = &built.model;
        log::notice(&format!(
            "{path}: serving {} phones, {} lines, {} external lines ({errors} errors, {warnings} warnings)",
            m.phones.len(),
            m.lines.len(),
            m.external_lines.len()
        ));
        let started = Instant::now();
        report.replaced = self.install(Snapshot { model: built.model, errors, warnings });
        report.install = started.elapsed();
        Ok(errors)
    }
}
