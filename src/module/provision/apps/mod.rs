//! The phone applications served over the phone protocol: each application answers the methods under
//! its own prefix (`voicemail.`, `parking.`, …) from a module of its own here.

mod actions;
pub(crate) mod bridge;
pub(crate) mod cli;
pub(crate) mod live;
pub(crate) mod parking;
pub(crate) mod queues;
mod recording;
mod voicemail;

use std::sync::Arc;

use super::Shared;
use super::inbound::Origin;
use crate::module::config;
use digium_phones_core::model::Model;
use digium_phones_core::protocol::{self, ErrorReply, Request, Response, code};

/// Answers one method of an application.
type Handler = fn(&Shared, &Origin, &Request) -> Response;

/// The applications by method prefix (the part before the first `.`).
const APPLICATIONS: &[(&str, Handler)] = &[
    ("voicemail", voicemail::answer),
    ("record", recording::answer),
    ("parking", parking::answer),
    ("queue", queues::answer),
];

/// What a request gets: its answer now, or later from elsewhere.
pub(crate) enum Reply {
    Now(Response),
    /// The application sends the answer itself, with [`super::inbound::reply_later`], once it has
    /// one; nothing is sent or cached now (a retransmission comes back to the application).
    Later,
}

/// Answers one method of an application whose answer may come later (from an app server).
type LaterHandler = fn(&Shared, &Origin, &Request) -> Reply;

/// The applications that may answer later, by method prefix.
const LATER_APPLICATIONS: &[(&str, LaterHandler)] = &[("app", bridge::request)];

/// The answer to an application method, or `None` when no application has the method.
pub(crate) fn answer(shared: &Shared, origin: &Origin, req: &Request) -> Option<Reply> {
    let (prefix, _) = req.method.split_once('.')?;
    if let Some((_, handler)) = LATER_APPLICATIONS.iter().find(|(p, _)| *p == prefix) {
        return Some(handler(shared, origin, req));
    }
    let (_, handler) = APPLICATIONS.iter().find(|(p, _)| *p == prefix)?;
    Some(Reply::Now(handler(shared, origin, req)))
}

/// The phone a request comes from: the profile of its `session`, in the configuration now loaded.
pub(crate) struct Caller {
    pub profile: String,
    pub snapshot: Arc<config::Snapshot>,
}

impl Caller {
    /// Resolves the request's `session` parameter, or the error reply to send (400, 404).
    pub fn of(shared: &Shared, req: &Request) -> Result<Self, Response> {
        let Some(id) = req.param("session").filter(|s| protocol::is_token(s)) else {
            return Err(error(req, code::BAD_REQUEST, "the session parameter is missing"));
        };
        let profile = {
            let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions.touch(id, shared.now());
            sessions.all().iter().find(|s| s.id == id).map(|s| s.profile.clone())
        };
        let Some(profile) = profile else {
            return Err(error(req, code::NOT_FOUND, "no such session"));
        };
        let snapshot = config::current();
        if snapshot.model.phone(&profile).is_none() {
            return Err(error(req, code::NOT_FOUND, "the profile is gone"));
        }
        Ok(Self { profile, snapshot })
    }

    pub fn model(&self) -> &Model {
        &self.snapshot.model
    }
}

/// An error reply to `req`.
pub(crate) fn error(req: &Request, code: u16, text: impl Into<String>) -> Response {
    Response::error(&req.id, &req.method, ErrorReply::new(code, text))
}
