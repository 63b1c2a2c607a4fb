//! Presence: the hints of every internal line, and the phones' `presence.set` / `presence.get`.
//!
//! Hints are added through the PBX API under this module's registrar, as DPMA adds them:
//! `auto_hint_<line>` and the line's extension, where the line's own PJSIP endpoint subscribes (read
//! through Asterisk's sorcery), or in `hint_context` when that is set. They are kept in step with the
//! configuration on load and reload; a hint the admin wrote, in that context or one it includes, is
//! never overwritten nor shadowed. pbx_config keeps other registrars' extensions when it rebuilds
//! the dialplan, so they survive `dialplan reload`; they go away on unload. Statuses are written
//! into `PRESENCE_STATE(CustomPresence:<line>)`, which persists them in astdb and tells every
//! watcher of the hints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ffi::pbx;
use crate::ffi::sorcery::Sorcery;
use crate::ffi::{log, presence as ast_presence};

use super::{settings, state};
use digium_phones_core::apps::parking::Visible;
use digium_phones_core::apps::parking::hints::{self, ContactLists};
use digium_phones_core::finding::Finding;
use digium_phones_core::model::{Model, Phone};
use digium_phones_core::names::NameMap;
use digium_phones_core::presence::{
    self, Endpoint, Hint, HintOwner, LinePresence, Reading, Reported,
};
use digium_phones_core::protocol::{ErrorReply, Request, Response};

/// The hints this module keeps in the dialplan; dropping it removes them (and the contexts it made).
pub(crate) struct Hints {
    installed: Vec<Hint>,
    /// Contexts this module created (removed again when it leaves them empty).
    contexts: Vec<String>,
    /// What `show presence` reads: the installed hints, in configuration order.
    shown: Arc<Mutex<Vec<Hint>>>,
}

impl Hints {
    pub fn new() -> Self {
        Self { installed: Vec::new(), contexts: Vec::new(), shown: Arc::default() }
    }

    /// The view of the installed hints that the CLI reads.
    pub fn shown(&self) -> Arc<Mutex<Vec<Hint>>> {
        self.shown.clone()
    }

    /// Brings the dialplan's hints in line with `model` (load and reload).
    ///
    /// A site of 10,000 phones (20,000 lines) has 40,000 hints: everything here is a set lookup,
    /// and Asterisk is given them in the order that makes each of its list walks stop at once.
    pub fn apply(&mut self, model: &Model) {
        let endpoint = endpoint_reader();
        let mut plan = presence::hint_plan(model, &endpoint);
        add_parking_hints(&mut plan, model, &endpoint);
        plan.findings.iter().for_each(log_finding);
        if plan.hints == self.installed {
            // The usual reload: every hint in place already (a comparison, not 40,000 lookups).
            return;
        }
        let changes = presence::hint_changes(std::mem::take(&mut self.installed), &plan.hints);
        for old in &changes.remove {
            pbx::remove_hint(&old.context, &old.exten);
        }
        let mut in_place = changes.keep;
        let mut present: NameMap<&str, HashMap<String, pbx::Existing>> = NameMap::default();
        let mut left: Vec<String> = Vec::new();
        for hint in changes.add {
            let in_context = present
                .entry(hint.context.as_str())
                .or_insert_with(|| pbx::hints_reachable(&hint.context));
            if let Some(existing) = in_context.get(&hint.exten) {
                let place = if existing.context == hint.context {
                    String::new()
                } else {
                    format!(" (in {}, which it includes)", existing.context)
                };
                left.push(format!(
                    "{}@{} already has the hint '{}'{place}; left as it is ({})",
                    hint.exten, hint.context, existing.hint, hint.owner
                ));
                continue;
            }
            let created = !pbx::context_exists(&hint.context);
            if pbx::add_hint(&hint.context, &hint.exten, &hint.hint) {
                if created {
                    self.contexts.push(hint.context.clone());
                }
                in_place.insert(hint.clone());
            } else {
                log::warning(&format!("cannot add the hint {}@{}", hint.exten, hint.context));
            }
        }
        log_left_alone(&left);
        self.installed = presence::in_plan_order(plan.hints, &in_place);
        let (keep, empty) =
            presence::empty_contexts(std::mem::take(&mut self.contexts), &self.installed);
        empty.iter().for_each(|c| pbx::destroy_context(c));
        self.contexts = keep;
        *self.shown.lock().unwrap_or_else(|p| p.into_inner()) = self.installed.clone();
    }
}

/// Hints for the parking spaces phones watch, when some phone has a parking application and contact
/// lists (res_parking.conf and the lists are read only then).
fn add_parking_hints(
    plan: &mut presence::HintPlan,
    model: &Model,
    endpoint: &dyn Fn(&str) -> Option<Endpoint>,
) {
    let watching =
        |p: &Phone| !p.contacts.is_empty() && Visible::of(model, &p.name) != Visible::None;
    if !model.phones.iter().any(watching) {
        return;
    }
    let mut lists = ContactLists::new(model);
    hints::add_parking_hints(
        plan,
        model,
        &settings::parking_lots(),
        &mut |p| lists.subscriptions(p),
        endpoint,
    );
}

/// Reads a line's PJSIP endpoint (the line's name) through res_pjsip's sorcery instance; reads
/// nothing when res_pjsip is not loaded.
fn endpoint_reader() -> impl Fn(&str) -> Option<Endpoint> {
    let pjsip = Sorcery::of_module("res_pjsip");
    move |line: &str| {
        let fields = pjsip.as_ref()?.fields("endpoint", line, &["context", "subscribe_context"])?;
        let [context, subscribe_context]: [String; 2] = fields.try_into().ok()?;
        Some(Endpoint { context, subscribe_context })
    }
}

/// Says which extensions kept a hint of someone else's: each one the first few times, then how many.
fn log_left_alone(left: &[String]) {
    const NAMED: usize = 10;
    for what in left.iter().take(NAMED) {
        log::notice(what);
    }
    if left.len() > NAMED {
        log::notice(&format!(
            "{} more extensions already had a hint of someone else's, left as they are",
            left.len() - NAMED
        ));
    }
}

impl Drop for Hints {
    /// Removes every hint (and context) this module added (unload, or a load that failed).
    fn drop(&mut self) {
        let mut installed = std::mem::take(&mut self.installed);
        installed.sort_by(|a, b| a.dialplan_order(b));
        for hint in &installed {
            pbx::remove_hint(&hint.context, &hint.exten);
        }
        self.contexts.iter().for_each(|c| pbx::destroy_context(c));
        self.shown.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

fn log_finding(f: &Finding) {
    log::warning(&f.to_string());
}

/// The exten@context of a line's hint, if this module installed one.
pub(crate) fn hint_of(line: &str) -> Option<String> {
    let state = state::get()?;
    let hints = state.hints.lock().unwrap_or_else(|p| p.into_inner());
    hints
        .iter()
        .find(|h| matches!(&h.owner, HintOwner::Line(l) if l == line))
        .map(|h| format!("{}@{}", h.exten, h.context))
}

/// The hints this module installed for parking spaces, in configuration order.
pub(crate) fn parking_hints() -> Vec<Hint> {
    let Some(state) = state::get() else { return Vec::new() };
    let hints = state.hints.lock().unwrap_or_else(|p| p.into_inner());
    hints.iter().filter(|h| matches!(h.owner, HintOwner::ParkingLot(_))).cloned().collect()
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
