//! What Asterisk's callbacks into the module read while it is loaded: the configuration in service,
//! the provisioning tables, and views of the hints and of the mDNS advertisement.
//!
//! [`super::Loaded`] owns everything `load` created and publishes this state for its lifetime; the
//! callbacks (CLI, AMI, HTTP, messages) clone the `Arc` and never lock anything `unload` holds.

use std::sync::{Arc, Mutex, RwLock};

use digium_phones_core::presence::Hint;

use super::config;
use super::discovery;
use super::provision::Shared;

pub(crate) struct State {
    pub config: config::Store,
    pub provisioning: Arc<Shared>,
    /// The hints the module has in the dialplan, in configuration order.
    pub hints: Arc<Mutex<Vec<Hint>>>,
    /// What the mDNS responder is doing.
    pub discovery: Arc<Mutex<discovery::State>>,
}

static STATE: RwLock<Option<Arc<State>>> = RwLock::new(None);

/// The state of the loaded module; `None` while it is not loaded.
pub(crate) fn get() -> Option<Arc<State>> {
    STATE.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Keeps `state` published until dropped.
pub(crate) struct Published;

pub(crate) fn publish(state: Arc<State>) -> Published {
    *STATE.write().unwrap_or_else(|p| p.into_inner()) = Some(state);
    Published
}

impl Drop for Published {
    fn drop(&mut self) {
        let state = STATE.write().unwrap_or_else(|p| p.into_inner()).take();
        // The configuration of 10,000 phones takes tens of milliseconds to free: not under the lock.
        drop(state);
    }
}
