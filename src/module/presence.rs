//! Presence: the hints of every internal line, and the phones' `presence.set` / `presence.get`.
//!
//! Hints are added through the PBX API under this module's registrar, in `hint_context`, and kept in
//! step with the configuration on load and reload; a hint the admin wrote is never touched. They go
//! away on unload. Statuses are written into `PRESENCE_STATE(CustomPresence:<line>)`, which persists
//! them in astdb and tells every watcher of the hints.

use std::sync::Mutex;

use crate::ffi::pbx;
use crate::ffi::{log, presence as ast_presence};
use digium_phones_core::finding::Finding;
use digium_phones_core::model::{Model, Phone};
use digium_phones_core::names::{NameMap, NameSet};
use digium_phones_core::presence::{self, Hint, LinePresence, Reading, Reported};
use digium_phones_core::protocol::{ErrorReply, Request, Response};

#[derive(Default)]
struct Installed {
    hints: Vec<Hint>,
    /// Contexts this module created (removed again when it leaves them empty).
    contexts: Vec<String>,
}

static INSTALLED: Mutex<Option<Installed>> = Mutex::new(None);

fn log_finding(f: &Finding) {
    log::warning(&f.to_string());
}

/// Brings the dialplan's hints in line with `model` (load and reload).
///
/// A site of 10,000 phones has 20,000 hints: everything here is a set lookup, and Asterisk is given
/// them in the order that makes each of its list walks stop at once ([`Hint::dialplan_order`]).
pub(crate) fn apply_hints(model: &Model) {
    let plan = presence::hint_plan(model);
    plan.findings.iter().for_each(log_finding);
    let mut guard = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    let installed = guard.get_or_insert_with(Installed::default);
    let planned: NameSet<&Hint> = plan.hints.iter().collect();
    let mut stale: Vec<&Hint> = installed.hints.iter().filter(|h| !planned.contains(h)).collect();
    stale.sort_by(|a, b| a.dialplan_order(b));
    for old in stale {
        pbx::remove_hint(&old.context, &old.exten);
    }
    let mut in_place: NameSet<Hint> =
        installed.hints.drain(..).filter(|h| planned.contains(h)).collect();
    let mut missing: Vec<&Hint> = plan.hints.iter().filter(|h| !in_place.contains(*h)).collect();
    missing.sort_by(|a, b| b.dialplan_order(a));
    let mut present: NameMap<&str, std::collections::HashMap<String, String>> = NameMap::default();
    for hint in missing {
        let in_context =
            present.entry(hint.context.as_str()).or_insert_with(|| pbx::hints_in(&hint.context));
        if let Some(existing) = in_context.get(&hint.exten) {
            log::notice(&format!(
                "{}@{} already has the hint '{existing}'; left as it is (line '{}')",
                hint.exten, hint.context, hint.line
            ));
            continue;
        }
        let created = !pbx::context_exists(&hint.context);
        if pbx::add_hint(&hint.context, &hint.exten, &hint.hint) {
            if created {
                installed.contexts.push(hint.context.clone());
            }
            in_context.insert(hint.exten.clone(), hint.hint.clone());
            in_place.insert(hint.clone());
        } else {
            log::warning(&format!("cannot add the hint {}@{}", hint.exten, hint.context));
        }
    }
    // In configuration order, as the CLI shows them.
    installed.hints = plan.hints.into_iter().filter(|h| in_place.contains(h)).collect();
    let in_use: NameSet<&str> = installed.hints.iter().map(|h| h.context.as_str()).collect();
    let (keep, empty): (Vec<String>, Vec<String>) =
        installed.contexts.drain(..).partition(|c| in_use.contains(c.as_str()));
    empty.iter().for_each(|c| pbx::destroy_context(c));
    installed.contexts = keep;
}

/// Removes every hint (and context) this module added (unload).
pub(crate) fn remove_hints() {
    let Some(mut installed) = INSTALLED.lock().unwrap_or_else(|p| p.into_inner()).take() else {
        return;
    };
    installed.hints.sort_by(|a, b| a.dialplan_order(b));
    for hint in &installed.hints {
        pbx::remove_hint(&hint.context, &hint.exten);
    }
    installed.contexts.iter().for_each(|c| pbx::destroy_context(c));
}

/// The exten@context of a line's hint, if this module installed one.
pub(crate) fn hint_of(line: &str) -> Option<String> {
    let guard = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    guard
        .as_ref()?
        .hints
        .iter()
        .find(|h| h.line == line)
        .map(|h| format!("{}@{}", h.exten, h.context))
}

/// What Asterisk holds for a line.
pub(crate) fn read(line: &str) -> Reading {
    let (state, subtype, message) = ast_presence::read(&presence::provider(line));
    Reading {
        state: Reported::from_name(&state),
        subtype: subtype.unwrap_or_default(),
        message: message.unwrap_or_default(),
    }
}

fn error(req: &Request, e: &presence::PresenceError) -> Response {
    Response::error(&req.id, &req.method, ErrorReply::from(e))
}

/// `presence.set` from `phone`.
pub(crate) fn set(model: &Model, phone: &Phone, req: &Request) -> Response {
    let plan = match presence::set_params(req)
        .and_then(|status| presence::plan_set(model, phone, status))
    {
        Ok(plan) => plan,
        Err(e) => return error(req, &e),
    };
    let mut written = Vec::new();
    for line in &plan.lines {
        if let Err(e) = ast_presence::write_custom(line, &plan.value) {
            log::warning(&format!("presence of line '{line}' not written: {e}"));
            continue;
        }
        // What Asterisk now holds, which is what watchers see.
        written.push(LinePresence::new(line.clone(), read(line)));
    }
    log::notice(&format!(
        "phone '{}' set its status to {} on {}",
        phone.name,
        plan.status.state.as_str(),
        plan.lines.join(",")
    ));
    presence::fit_reply(&req.id, &req.method, written)
}

/// `presence.get`: the presence of each line asked for (only lines of this server are read).
pub(crate) fn get(model: &Model, req: &Request) -> Response {
    match presence::get_lines(req) {
        Ok(lines) => {
            let entries = lines
                .iter()
                .map(|l| {
                    let reading =
                        if model.line(l).is_some() { read(l) } else { Reading::invalid() };
                    LinePresence::new(l.clone(), reading)
                })
                .collect();
            presence::fit_reply(&req.id, &req.method, entries)
        }
        Err(e) => error(req, &e),
    }
}
