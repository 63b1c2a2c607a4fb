//! The configuration being served: read, validated, and swapped in whole.
//!
//! Readers take an `Arc` to the current snapshot and keep it while they work; a reload builds the new
//! model completely before swapping it in, so nobody ever sees half a configuration.

use std::sync::{Arc, RwLock};

use crate::ffi::config::{self as ast_config, Loaded};
use crate::ffi::log;
use digium_phones_core::finding::Severity;
use digium_phones_core::model::{self, Model};

pub(crate) const FILE: &str = "res_digium_phone.conf";
const WHO: &str = "res_digium_phone";

/// A configuration in service.
pub(crate) struct Snapshot {
    pub model: Model,
    /// Errors and warnings found when it was read.
    pub errors: usize,
    pub warnings: usize,
}

static CURRENT: RwLock<Option<Arc<Snapshot>>> = RwLock::new(None);

/// The configuration in service (empty before the first successful read).
pub(crate) fn current() -> Arc<Snapshot> {
    let guard = CURRENT.read().unwrap_or_else(|p| p.into_inner());
    guard
        .clone()
        .unwrap_or_else(|| Arc::new(Snapshot { model: Model::default(), errors: 0, warnings: 0 }))
}

fn install(snapshot: Snapshot) {
    let new = Some(Arc::new(snapshot));
    let old = std::mem::replace(&mut *CURRENT.write().unwrap_or_else(|p| p.into_inner()), new);
    // Freeing 10,000 phones takes tens of milliseconds: not while every reader waits on the lock.
    drop(old);
}

pub(crate) fn clear() {
    *CURRENT.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// At load the module serves whatever is valid, so a later reload can fix the rest.
pub(crate) fn load_initial() {
    if let Err(e) = read(false) {
        log::error(&format!("{e}; serving no phones until a reload succeeds"));
        install(Snapshot { model: Model::default(), errors: 0, warnings: 0 });
    }
}

/// Re-reads the file if it changed. If it cannot be read the configuration in service stays; if some
/// sections are in error they keep their last good definition, and the reload reports failure so the
/// admin looks at the log.
pub(crate) fn reload() -> Result<(), String> {
    match read(true) {
        Ok(0) => Ok(()),
        Ok(errors) => Err(format!(
            "{errors} errors in {FILE} (logged above); sections in error keep their last good definition or are not served"
        )),
        Err(e) => Err(format!("{e}; the last good configuration stays in service")),
    }
}

/// Reads and installs the file; returns how many errors it had.
fn read(only_if_changed: bool) -> Result<usize, String> {
    let path = format!("{}/{FILE}", ast_config::config_dir());
    let raw = match ast_config::load(FILE, WHO, only_if_changed) {
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
    let previous = CURRENT.read().unwrap_or_else(|p| p.into_inner()).clone();
    let built = model::build(&raw, previous.as_ref().map(|s| &s.model));
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
    install(Snapshot { model: built.model, errors, warnings });
    Ok(errors)
}
