//! The AMI bridge for custom phone apps: a phone app's `pbx.request()` travels to an app server that
//! registered its method over AMI (`DPMAMessageRegister`), which answers it (`DPMAMessageResponse`)
//! or pushes to phones (`DPMAMessageSend`).
//!
//! Here: the limits, the checks of method names and JSON, who registered which method
//! ([`registry`]), and the requests waiting for an answer ([`pending`]). The module owns the threads,
//! the AMI sessions and the clock.

pub mod json;
pub mod pending;
pub mod registry;

#[cfg(test)]
mod tests;

use crate::protocol::{self, Element, Event, Response};

/// The phone protocol's request for an app server (docs/protocol.md).
pub const REQUEST: &str = "app.request";
/// The event a `DPMAMessageSend` becomes.
pub const EVENT: &str = "app.event";

/// How long a request waits for its app server before the phone is told it did not answer.
pub const TIMEOUT_MS: u64 = 5_000;
/// Requests waiting for app servers, all phones together; more are refused at once.
pub const MAX_PENDING: usize = 1_024;
/// Methods registered, all app servers together.
pub const MAX_METHODS: usize = 256;

/// The AMI event a phone's request becomes, as Digium's sample app server reads it.
pub const AMI_EVENT: &str = "DPMAMessage";

/// Phone error codes of the bridge (docs/protocol.md).
pub mod code {
    /// The app server's answer cannot be used.
    pub const BAD_GATEWAY: u16 = 502;
    /// No app server registered the method, it went away, or too many requests wait.
    pub const UNAVAILABLE: u16 = 503;
    /// The app server did not answer in time.
    pub const TIMEOUT: u16 = 504;
}

/// A method name as phones and app servers spell it (`digium.confapp`): 1–64 characters of
/// `A-Z a-z 0-9 . _ -`, safe in an AMI header, an XML attribute and a log line.
pub fn is_method(name: &str) -> bool {
    protocol::is_token(name)
}

/// The body of the `DPMAMessage` event for one request (header lines, each ending in CR LF).
/// `parameters` is compact JSON ([`json::compact`]), so it holds no line break.
pub fn ami_event_body(request_id: &str, method: &str, parameters: &str) -> String {
    format!(
        "RequestID: {request_id}\r\nMethod: {method}\r\nFormat: JSON\r\nParameters: {parameters}\r\n"
    )
}

/// The phone's answer: the app server's JSON as the text of `<json>`.
pub fn reply(id: &str, json: &str) -> Response {
    Response::ok(id, REQUEST, vec![Element::new("json").text(json)])
}

/// The data of an `app.event`: the method the app observes and its JSON.
pub fn push_data(method: &str, json: &str) -> Element {
    Element::new("message").attr("method", method).text(json)
}

/// Event ids are `s<number>`: room for twenty digits is kept when checking that a push fits.
const EVENT_ID_ROOM: &str = "s00000000000000000000";

/// Whether an answer with this id and JSON fits one MESSAGE body.
pub fn reply_fits(id: &str, json: &str) -> Result<(), json::JsonError> {
    fits(reply(id, json).to_xml().len())
}

/// Whether a push with this method and JSON fits one MESSAGE body.
pub fn push_fits(method: &str, json: &str) -> Result<(), json::JsonError> {
    let event = Event::new(EVENT_ID_ROOM, EVENT).with_data(push_data(method, json));
    fits(event.to_xml().len())
}

fn fits(size: usize) -> Result<(), json::JsonError> {
    if size > protocol::MAX_BODY {
        return Err(json::JsonError::TooLarge { size, max: protocol::MAX_BODY, what: "MESSAGE" });
    }
    Ok(())
}
