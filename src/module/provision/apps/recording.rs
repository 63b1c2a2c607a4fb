//! `record.*`: one-touch recording of the phone's current call with MixMonitor, a copy going to the
//! line's mailbox folder Cust5 ("Recordings") when each recording ends (docs/protocol.md,
//! "Recording").
//!
//! Which MixMonitor is ours is kept by channel name (MixMonitor answers its id, from `i()`); entries
//! of channels that are gone are dropped on every request. A lock keeps two starts apart.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::voicemail::{UNAVAILABLE, app_error, choose_mailbox};
use super::{Caller, error};
use crate::ffi::channel;
use crate::module::provision::Shared;
use crate::module::provision::inbound::Origin;
use crate::module::voicemail::{self, AppError};
use digium_phones_core::apps::voicemail::recording::{self, LineChannel, PickError};
use digium_phones_core::apps::voicemail::{Folder, wire};
use digium_phones_core::protocol::{Element, Request, Response, code};

const APP_MIXMONITOR: &str = "app_mixmonitor";

fn field<'a>(block: &'a [(String, String)], key: &str) -> Option<&'a str> {
    block.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// A recording already runs, or none does.
const CONFLICT: u16 = 409;

/// Start and stop look, then act: one at a time, so two presses cannot both start.
static SERIAL: Mutex<()> = Mutex::new(());
/// Tells recordings of one call apart.
static RECORDINGS: AtomicU64 = AtomicU64::new(0);

pub(super) fn answer(shared: &Shared, _origin: &Origin, req: &Request) -> Response {
    let outcome = match req.method.as_str() {
        wire::RECORD_START => start(shared, req),
        wire::RECORD_STOP => stop(shared, req),
        _ => Err(error(req, code::NOT_FOUND, "unknown method")),
    };
    outcome.unwrap_or_else(|refusal| refusal)
}

/// The phone's call to record, and the mailbox of its line.
struct Call {
    channel: LineChannel,
    line: String,
    mailbox: digium_phones_core::apps::voicemail::Mailbox,
}

fn ended(req: &Request) -> Response {
    error(req, code::NOT_FOUND, "the call has ended")
}

fn find_call(shared: &Shared, req: &Request) -> Result<Call, Response> {
    let caller = Caller::of(shared, req)?;
    let model = caller.model();
    let Some(phone) = model.phone(&caller.profile) else {
        return Err(error(req, code::NOT_FOUND, "the profile is gone"));
    };
    if phone.record_own_calls != Some(true) {
        return Err(error(
            req,
            code::FORBIDDEN,
            "this phone may not record its calls (record_own_calls)",
        ));
    }
    let call_id = wire::call_id(req).map_err(|e| error(req, e.code(), e.to_string()))?;
    let listed =
        voicemail::action("Asterisk", "CoreShowChannels", &[]).map_err(|e| app_error(req, &e))?;
    forget_ended(shared, &listed);
    let boxes = voicemail::line_boxes(model, phone);
    let channels: Vec<(LineChannel, usize)> = boxes
        .iter()
        .enumerate()
        .flat_map(|(i, b)| {
            recording::line_channels(&listed, &b.line).into_iter().map(move |c| (c, i))
        })
        .collect();
    let just: Vec<LineChannel> = channels.iter().map(|(c, _)| c.clone()).collect();
    let picked = recording::pick(&just, call_id, |c| {
        channel::read_function(&c.name, "CHANNEL(pjsip,call-id)")
    })
    .map_err(|e| match e {
        PickError::Ambiguous(_) => error(req, CONFLICT, e.to_string()),
        _ => error(req, code::NOT_FOUND, e.to_string()),
    })?;
    let line = channels.iter().find(|(c, _)| c.name == picked.name).map(|(_, i)| *i).unwrap_or(0);
    let Some((mailbox, _)) = boxes[line].mailbox.clone() else {
        return Err(error(
            req,
            code::NOT_FOUND,
            "the call's line has no mailbox to keep recordings in",
        ));
    };
    // The mailbox must be the phone's own (it is: it comes from its line); a `mailbox` the phone
    // names must be one of them too.
    if req.param("mailbox").is_some() {
        choose_mailbox(req, &boxes)?;
    }
    Ok(Call { channel: picked.clone(), line: boxes[line].line.clone(), mailbox })
}

/// Drops the recordings of channels no longer listed (hung up).
fn forget_ended(shared: &Shared, listed: &[Vec<(String, String)>]) {
    let live: std::collections::HashSet<&str> =
        listed.iter().filter_map(|b| field(b, "Channel")).collect();
    shared
        .recordings
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|channel, _| live.contains(channel.as_str()));
}

fn start(shared: &Shared, req: &Request) -> Result<Response, Response> {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let call = find_call(shared, req)?;
    let channel = call.channel.name.as_str();
    if shared.recordings.lock().unwrap_or_else(|p| p.into_inner()).contains_key(channel) {
        return Err(error(req, CONFLICT, "this call is already being recorded"));
    }
    let serial = RECORDINGS.fetch_add(1, Ordering::Relaxed) + 1;
    let file = recording::recording_file(&call.line, &call.channel.uniqueid, serial);
    let options = recording::mixmonitor_options(&call.mailbox);
    let answer = voicemail::action(
        APP_MIXMONITOR,
        "MixMonitor",
        &[("Channel", channel), ("File", &file), ("Options", &options)],
    )
    .map_err(|e| match e {
        AppError::NotLoaded(module) => {
            error(req, UNAVAILABLE, format!("{module} is not loaded on the server"))
        }
        // "No such channel": it hung up since it was listed.
        AppError::Refused(_) => ended(req),
        other => app_error(req, &other),
    })?;
    let id = answer.first().and_then(|b| field(b, "MixMonitorID")).unwrap_or_default().to_string();
    shared.recordings.lock().unwrap_or_else(|p| p.into_inner()).insert(channel.to_string(), id);
    Ok(Response::ok(
        &req.id,
        &req.method,
        vec![
            Element::new("recording")
                .attr("channel", channel)
                .attr("mailbox", call.mailbox.to_string())
                .attr("folder", Folder::RECORDINGS.name()),
        ],
    ))
}

fn stop(shared: &Shared, req: &Request) -> Result<Response, Response> {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let call = find_call(shared, req)?;
    let channel = call.channel.name.as_str();
    let Some(id) = shared.recordings.lock().unwrap_or_else(|p| p.into_inner()).remove(channel)
    else {
        return Err(error(req, CONFLICT, "this call is not being recorded"));
    };
    let mut headers = vec![("Channel", channel)];
    if !id.is_empty() {
        headers.push(("MixMonitorID", id.as_str()));
    }
    match voicemail::action(APP_MIXMONITOR, "StopMixMonitor", &headers) {
        Ok(_) => {}
        Err(AppError::NotLoaded(module)) => {
            return Err(error(req, UNAVAILABLE, format!("{module} is not loaded on the server")));
        }
        // Ended meanwhile: by a hang-up, or by someone else's StopMixMonitor.
        Err(AppError::Refused(_)) => {
            return Err(error(req, CONFLICT, "this call is not being recorded"));
        }
        Err(other) => return Err(app_error(req, &other)),
    }
    Ok(Response::ok(
        &req.id,
        &req.method,
        vec![
            Element::new("stopped")
                .attr("channel", channel)
                .attr("mailbox", call.mailbox.to_string())
                .attr("folder", Folder::RECORDINGS.name()),
        ],
    ))
}
