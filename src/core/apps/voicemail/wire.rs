//! The bodies of the `voicemail.*` and `record.*` methods (docs/protocol.md), written and read here
//! for both the module and the simulator.

use super::{Folder, Mailbox, Message, VoicemailError, check_message_id};
use crate::protocol::{Element, MAX_BODY, Request, Response};

pub const FOLDERS: &str = "voicemail.folders";
pub const MESSAGES: &str = "voicemail.messages";
pub const HEARD: &str = "voicemail.heard";
pub const MOVE: &str = "voicemail.move";
pub const DELETE: &str = "voicemail.delete";
pub const FORWARD: &str = "voicemail.forward";
pub const PLAY: &str = "voicemail.play";
pub const RECORD_START: &str = "record.start";
pub const RECORD_STOP: &str = "record.stop";

/// Closes a `voicemail.messages` reply that could not hold every message: `<more offset="N"/>`.
pub const MORE: &str = "more";

/// The `id` parameter: a message id.
pub fn message_id(req: &Request) -> Result<&str, VoicemailError> {
    check_message_id(req.param("id").ok_or(VoicemailError::Missing("id"))?)
}

/// A required folder parameter.
pub fn folder(req: &Request, name: &'static str) -> Result<Folder, VoicemailError> {
    Folder::parse(req.param(name).ok_or(VoicemailError::Missing(name))?)
}

/// The optional `mailbox` parameter (which of the phone's boxes; the primary line's when absent).
pub fn mailbox(req: &Request) -> Result<Option<Mailbox>, VoicemailError> {
    req.param("mailbox").filter(|m| !m.is_empty()).map(Mailbox::parse).transpose()
}

/// The `to` parameter of `voicemail.forward`: one box.
pub fn forward_to(req: &Request) -> Result<Mailbox, VoicemailError> {
    Mailbox::parse(req.param("to").ok_or(VoicemailError::Missing("to"))?)
}

/// The `offset` parameter of `voicemail.messages` (0 when absent).
pub fn offset(req: &Request) -> Result<usize, VoicemailError> {
    match req.param("offset") {
        None | Some("") => Ok(0),
        Some(n) => {
            n.trim().parse().map_err(|_| VoicemailError::BadNumber(n.escape_debug().to_string()))
        }
    }
}

/// How `voicemail.play` plays a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayMode {
    /// The server calls the phone's line and plays it (`VoiceMailPlayMsg`).
    Call,
    /// The reply names an HTTP URL for the audio file.
    Download,
}

pub fn play_mode(req: &Request) -> Result<PlayMode, VoicemailError> {
    match req.param("mode").map(str::trim) {
        None | Some("") => Ok(PlayMode::Call),
        Some(m) if m.eq_ignore_ascii_case("call") => Ok(PlayMode::Call),
        Some(m) if m.eq_ignore_ascii_case("download") => Ok(PlayMode::Download),
        Some(m) => Err(VoicemailError::BadPlayMode(m.escape_debug().to_string())),
    }
}

/// The optional `callid` of `record.*`: the SIP Call-ID of the call the phone means.
pub fn call_id(req: &Request) -> Result<Option<&str>, VoicemailError> {
    match req.param("callid").map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) if c.len() <= 255 && c.chars().all(|ch| ch.is_ascii_graphic()) => Ok(Some(c)),
        Some(c) => Err(VoicemailError::BadCallId(c.escape_debug().to_string())),
    }
}

/// One folder in a `voicemail.folders` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderCount {
    pub folder: Folder,
    pub label: String,
    pub count: usize,
}

/// `<mailbox id="box@ctx"/>` then `<folder id= label= count=/>` per folder.
pub fn folders_reply(
    id: &str,
    method: &str,
    mailbox: &Mailbox,
    folders: &[FolderCount],
) -> Response {
    let mut children = vec![Element::new("mailbox").attr("id", mailbox.to_string())];
    children.extend(folders.iter().map(|f| {
        Element::new("folder")
            .attr("id", f.folder.name())
            .attr("label", f.label.as_str())
            .attr("count", f.count.to_string())
    }));
    Response::ok(id, method, children)
}

/// The folders of a `voicemail.folders` result.
pub fn read_folders(result: &[Element]) -> Vec<FolderCount> {
    result
        .iter()
        .filter(|e| e.name == "folder")
        .filter_map(|e| {
            Some(FolderCount {
                folder: Folder::parse(e.get("id")?).ok()?,
                label: e.get("label").unwrap_or_default().to_string(),
                count: e.get("count")?.parse().ok()?,
            })
        })
        .collect()
}

fn message_element(m: &Message) -> Element {
    Element::new("message")
        .attr("id", m.id.as_str())
        .attr("folder", m.folder.name())
        .attr("callerid", m.callerid.as_str())
        .attr("date", m.date.as_str())
        .attr("duration", m.duration.to_string())
        .attr("flag", m.flag.as_str())
}

/// The messages from `offset` on, as many as one MESSAGE body holds; when some are left,
/// `<more offset="N"/>` says where the next request starts.
pub fn messages_reply(id: &str, method: &str, messages: &[Message], offset: usize) -> Response {
    let rest = messages.get(offset..).unwrap_or_default();
    let build = |count: usize| {
        let mut children: Vec<Element> = rest[..count].iter().map(message_element).collect();
        if count < rest.len() {
            children.push(Element::new(MORE).attr("offset", (offset + count).to_string()));
        }
        Response::ok(id, method, children)
    };
    let mut count = rest.len();
    // At least one message per reply, however long its caller id: otherwise paging never advances.
    while count > 1 && build(count).to_xml().len() > MAX_BODY {
        count -= 1;
    }
    build(count)
}

/// The messages of a `voicemail.messages` result, and the offset of the next page if any.
pub fn read_messages(result: &[Element]) -> (Vec<Message>, Option<usize>) {
    let messages = result
        .iter()
        .filter(|e| e.name == "message")
        .filter_map(|e| {
            Some(Message {
                id: e.get("id")?.to_string(),
                folder: Folder::parse(e.get("folder")?).ok()?,
                callerid: e.get("callerid").unwrap_or_default().to_string(),
                date: e.get("date").unwrap_or_default().to_string(),
                duration: e.get("duration").and_then(|d| d.parse().ok()).unwrap_or(0),
                flag: e.get("flag").unwrap_or_default().to_string(),
            })
        })
        .collect();
    let more = result.iter().find(|e| e.name == MORE).and_then(|e| e.get("offset")?.parse().ok());
    (messages, more)
}

/// The answer to a request that changed one message: `<message id= folder=/>` (its folder now, or
/// none when deleted).
pub fn message_reply(id: &str, method: &str, msg_id: &str, folder: Option<Folder>) -> Response {
    let mut element = Element::new("message").attr("id", msg_id);
    if let Some(folder) = folder {
        element = element.attr("folder", folder.name());
    }
    Response::ok(id, method, vec![element])
}
