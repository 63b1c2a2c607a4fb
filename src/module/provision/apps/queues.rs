//! `queue.*`: a phone's view of its queues, member login/logout and pause, and closing the live
//! updates. Everything goes through app_queue's own manager actions, run inside Asterisk.
//!
//! Login and logout dial the section's `login_exten` / `logout_exten` when set (a Local channel into
//! `exten@context`, with `DIGIUM_QUEUE`, `DIGIUM_QUEUE_INTERFACE` and `DIGIUM_QUEUE_MEMBERNAME` set
//! and the phone's line as caller ID, as if the phone had dialled it), else use app_queue's
//! `QueueAdd` / `QueueRemove`.

use digium_phones_core::apps::queues::{self, QueueApp};
use digium_phones_core::apps::watch::App;
use digium_phones_core::protocol::{Element, Request, Response, code};

use super::super::Shared;
use super::super::inbound::Origin;
use super::{Caller, actions, error, live};

const MODULE: &str = "app_queue";

pub(super) fn answer(shared: &Shared, _origin: &Origin, req: &Request) -> Response {
    let caller = match Caller::of(shared, req) {
        Ok(c) => c,
        Err(refusal) => return refusal,
    };
    let queue = match queues::queue_param(req) {
        Ok(q) => q,
        Err(e) => return error(req, code::BAD_REQUEST, e.to_string()),
    };
    let Some(app) = QueueApp::of(caller.model(), &caller.profile, &queue) else {
        return error(req, code::FORBIDDEN, format!("queue '{queue}' is not one of this phone's"));
    };
    let session = req.param("session").unwrap_or_default();
    match req.method.as_str() {
        queues::STATUS => status(req, &app, session, &caller.profile),
        queues::LOGIN | queues::LOGOUT | queues::PAUSE | queues::UNPAUSE if !app.member => {
            error(req, code::FORBIDDEN, format!("this phone is not a member of queue '{queue}'"))
        }
        queues::LOGIN => log_in_out(req, &app, &caller, true),
        queues::LOGOUT => log_in_out(req, &app, &caller, false),
        queues::PAUSE => pause(req, &app, true),
        queues::UNPAUSE => pause(req, &app, false),
        queues::CLOSE => {
            live::close(session, &App::Queue(queue));
            Response::ok(&req.id, &req.method, vec![Element::new("ok")])
        }
        _ => error(req, code::NOT_FOUND, "unknown method"),
    }
}

/// The queue as app_queue reports it now, or the reply to send.
pub(crate) fn state(req: &Request, queue: &str) -> Result<queues::QueueState, Response> {
    let blocks = actions::list(req, MODULE, "QueueStatus", &[("Queue", queue)])?;
    queues::queue_state(&blocks, queue)
        .ok_or_else(|| error(req, code::NOT_FOUND, format!("app_queue has no queue '{queue}'")))
}

fn status(req: &Request, app: &QueueApp, session: &str, profile: &str) -> Response {
    match state(req, &app.queue) {
        Ok(state) => {
            live::open(session, profile, App::Queue(app.queue.clone()));
            queues::status_reply(&req.id, &req.method, &state, app)
        }
        Err(reply) => reply,
    }
}

fn done(req: &Request, app: &QueueApp, via: &str) -> Response {
    Response::ok(
        &req.id,
        &req.method,
        vec![
            Element::new("done")
                .attr("queue", app.queue.as_str())
                .attr("interface", app.interface.as_str())
                .attr("via", via),
        ],
    )
}

fn log_in_out(req: &Request, app: &QueueApp, caller: &Caller, login: bool) -> Response {
    let membername = app
        .membername
        .clone()
        .or_else(|| caller.model().phone(&caller.profile).and_then(|p| p.full_name.clone()))
        .unwrap_or_default()
        .replace(',', " ");
    let exten = if login { &app.login } else { &app.logout };
    if let Some((exten, context)) = exten {
        let line = caller
            .model()
            .phone(&caller.profile)
            .and_then(|p| p.primary_line())
            .unwrap_or_default()
            .to_owned();
        let channel = format!("Local/{exten}@{context}/n");
        let caller_id = format!("<{line}>");
        let vars = [
            format!("DIGIUM_QUEUE={}", app.queue),
            format!("DIGIUM_QUEUE_INTERFACE={}", app.interface),
            format!("DIGIUM_QUEUE_MEMBERNAME={membername}"),
        ];
        let mut headers = vec![
            ("Channel", channel.as_str()),
            ("Application", "Wait"),
            ("Data", "1"),
            ("CallerID", caller_id.as_str()),
            ("Timeout", "10000"),
            ("Async", "true"),
        ];
        headers.extend(vars.iter().map(|v| ("Variable", v.as_str())));
        return match actions::run(req, "the PBX core", "Originate", &headers) {
            Ok(_) => done(req, app, "extension"),
            Err(reply) => reply,
        };
    }
    let result = if login {
        let mut headers = vec![
            ("Queue", app.queue.as_str()),
            ("Interface", app.interface.as_str()),
            ("Paused", "false"),
        ];
        if !membername.is_empty() {
            headers.push(("MemberName", membername.as_str()));
        }
        actions::run(req, MODULE, "QueueAdd", &headers)
    } else {
        actions::run(
            req,
            MODULE,
            "QueueRemove",
            &[("Queue", app.queue.as_str()), ("Interface", app.interface.as_str())],
        )
    };
    match result {
        Ok(_) => done(req, app, "app_queue"),
        Err(reply) => reply,
    }
}

fn pause(req: &Request, app: &QueueApp, paused: bool) -> Response {
    let reason = match queues::reason_param(req) {
        Ok(r) => r,
        Err(e) => return error(req, code::BAD_REQUEST, e.to_string()),
    };
    let mut headers = vec![
        ("Queue", app.queue.as_str()),
        ("Interface", app.interface.as_str()),
        ("Paused", if paused { "true" } else { "false" }),
    ];
    if let Some(reason) = &reason {
        headers.push(("Reason", reason.as_str()));
    }
    match actions::run(req, MODULE, "QueuePause", &headers) {
        Ok(_) => done(req, app, "app_queue"),
        Err(reply) => reply,
    }
}
