//! Live changes of parking lots and queues, pushed to the phones that have the application open.
//!
//! res_parking and app_queue raise manager events for every change (ParkedCall, UnParkedCall,
//! ParkedCallTimeOut, ParkedCallGiveUp, QueueMember*, QueueCaller*). The event hook only copies the
//! ones phones follow and queues them; a worker decides which profiles see each change (the lots
//! and queues their applications show) and pushes `parking.update` / `queue.update` to them.
//!
//! "Open" means: a session asked for the state (`parking.list`, `queue.status`) and has not sent
//! `parking.close` / `queue.close` since, and the session still exists (see core::apps::watch).

use std::sync::Mutex;

use digium_phones_core::ami;
use digium_phones_core::apps::watch::{App, Watchers};
use digium_phones_core::apps::{parking, queues};

use super::super::{Job, Shared, push};
use crate::ffi::log;
use crate::ffi::manager_hook::EventHook;
use crate::module::config;

static WATCHERS: Mutex<Option<Watchers>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Watchers) -> T) -> T {
    let mut guard = WATCHERS.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(Watchers::default))
}

/// `session` of `profile` follows `app` from now on.
pub(crate) fn open(session: &str, profile: &str, app: App) {
    with(|w| w.open(session, profile, app));
}

/// `session` stops following `app`.
pub(crate) fn close(session: &str, app: &App) {
    with(|w| w.close(session, Some(app)));
}

/// `(session, profile, what)` of every session following an application, for the CLI.
pub(crate) fn list() -> Vec<(String, String, String)> {
    with(|w| w.list())
}

/// The events phones follow; everything else is dropped in the hook without a copy.
fn followed(event: &str) -> bool {
    matches!(
        event,
        "ParkedCall"
            | "UnParkedCall"
            | "ParkedCallTimeOut"
            | "ParkedCallGiveUp"
            | "ParkedCallSwap"
            | "QueueMemberStatus"
            | "QueueMemberAdded"
            | "QueueMemberRemoved"
            | "QueueMemberPause"
            | "QueueCallerJoin"
            | "QueueCallerLeave"
            | "QueueCallerAbandon"
    )
}

fn nobody_follows() -> bool {
    WATCHERS.lock().unwrap_or_else(|p| p.into_inner()).as_ref().is_none_or(Watchers::is_empty)
}

/// While it lives, followed manager events are queued to the workers.
pub(crate) struct Live {
    hook: Option<EventHook>,
}

impl Live {
    pub fn start() -> Self {
        let hook = EventHook::register(|event, body| {
            if !followed(event) || nobody_follows() {
                return;
            }
            let Some(shared) = super::super::shared() else { return };
            let mut block = ami::parse(body).into_iter().next().unwrap_or_default();
            if block.event().is_none() {
                block.fields.insert(0, ("Event".into(), event.to_owned()));
            }
            if !shared.queue.push(Job::Run(Box::new(move |shared| deliver(shared, &block)))) {
                log::warning("provisioning queue full; a parking or queue update was dropped");
            }
        });
        Self { hook: Some(hook) }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // The hook first (unregistering waits for a callback under way), then the table.
        drop(self.hook.take());
        *WATCHERS.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// On a worker: pushes one change to the profiles following it that may see it.
fn deliver(shared: &Shared, event: &ami::Block) {
    let alive = |id: &str| {
        let sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.all().iter().any(|s| s.id == id)
    };
    let snapshot = config::current();
    let model = &snapshot.model;
    if let Some((lot, data)) = parking::change(event) {
        for profile in with(|w| w.profiles(&App::Parking, alive)) {
            if parking::Visible::of(model, &profile).allows(&lot) {
                push(shared, Some(&profile), parking::UPDATE, vec![data.clone()]);
            }
        }
    } else if let Some((queue, data, member)) = queues::change(event) {
        for profile in with(|w| w.profiles(&App::Queue(queue.clone()), alive)) {
            let Some(app) = queues::QueueApp::of(model, &profile, &queue) else { continue };
            let own = member.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(&app.interface));
            if member.is_none() || app.details || own {
                push(shared, Some(&profile), queues::UPDATE, vec![data.clone()]);
            }
        }
    }
}
