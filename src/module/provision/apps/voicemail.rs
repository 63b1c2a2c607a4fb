//! `voicemail.*`: visual voicemail on app_voicemail's own manager actions (docs/protocol.md,
//! "Voicemail"). Messages are found by `msg_id` in a fresh `VoicemailBoxSummary` before each change.

use super::{Caller, error};
use crate::ffi::log;
use crate::ffi::security::Kind;
use crate::module::provision::inbound::Origin;
use crate::module::provision::{Shared, random16};
use crate::module::settings;
use crate::module::voicemail::{self, AppError, LineBox};
use digium_phones_core::apps::voicemail::wire::{self, FolderCount, PlayMode};
use digium_phones_core::apps::voicemail::{
    Folder, Mailbox, Message, MessageRef, VoicemailError, count_by_folder, pin_matches,
};
use digium_phones_core::model::application::AppKind;
use digium_phones_core::protocol::{Element, Request, Response, code};
use digium_phones_core::provision::{Token, sessions};

/// The phone's voicemail application asked for is not there (its Asterisk module is not loaded).
pub(crate) const UNAVAILABLE: u16 = 503;
/// Too many wrong PINs from this address (as for provisioning).
const LOCKED_OUT: u16 = 429;

/// What every method works on: the calling phone and the mailbox it may use.
struct Context {
    caller: Caller,
    mailbox: Mailbox,
    /// Folder labels of the phone's voicemail application (`translation`).
    labels: Vec<(String, String)>,
}

pub(super) fn answer(shared: &Shared, origin: &Origin, req: &Request) -> Response {
    let outcome = Context::of(shared, origin, req).and_then(|ctx| match req.method.as_str() {
        wire::FOLDERS => folders(&ctx, req),
        wire::MESSAGES => messages(&ctx, req),
        wire::HEARD => heard(&ctx, req),
        wire::MOVE => move_message(&ctx, req),
        wire::DELETE => delete(&ctx, req),
        wire::FORWARD => forward(&ctx, req),
        wire::PLAY => play(shared, origin, &ctx, req),
        _ => Err(error(req, code::NOT_FOUND, "unknown method")),
    });
    outcome.unwrap_or_else(|refusal| refusal)
}

fn bad(req: &Request, e: &VoicemailError) -> Response {
    error(req, e.code(), e.to_string())
}

/// The error reply for a failed manager action.
pub(super) fn app_error(req: &Request, e: &AppError) -> Response {
    match e {
        AppError::NotLoaded(module) => {
            error(req, UNAVAILABLE, format!("{module} is not loaded on the server"))
        }
        AppError::Refused(why) => error(req, code::NOT_FOUND, why.clone()),
        AppError::Failed(why) => {
            log::warning(&format!("{}: {why}", req.method));
            error(req, code::INTERNAL, "the server could not do it")
        }
    }
}

/// The mailbox `req` asks for (`mailbox`, else the first of the phone's lines that has one), which
/// must be one of the phone's own.
pub(super) fn choose_mailbox(req: &Request, boxes: &[LineBox]) -> Result<Mailbox, Response> {
    let asked = wire::mailbox(req).map_err(|e| bad(req, &e))?;
    let mut own = boxes.iter().filter_map(|b| b.mailbox.as_ref().map(|(m, _)| m));
    match asked {
        Some(asked) => own.find(|m| **m == asked).cloned().ok_or_else(|| {
            error(req, code::FORBIDDEN, format!("{asked} is not a mailbox of this phone"))
        }),
        None => own
            .next()
            .cloned()
            .ok_or_else(|| error(req, code::NOT_FOUND, "no line of this phone has a mailbox")),
    }
}

impl Context {
    fn of(shared: &Shared, origin: &Origin, req: &Request) -> Result<Self, Response> {
        let caller = Caller::of(shared, req)?;
        let model = caller.model();
        let Some(phone) = model.phone(&caller.profile) else {
            return Err(error(req, code::NOT_FOUND, "the profile is gone"));
        };
        let boxes = voicemail::line_boxes(model, phone);
        if boxes.first().is_some_and(|b| b.voicemail_uri.is_some()) {
            return Err(error(
                req,
                code::FORBIDDEN,
                "visual voicemail is off for this phone: its primary line dials voicemail_uri",
            ));
        }
        let mailbox = choose_mailbox(req, &boxes)?;
        let app = phone.applications.iter().find_map(|r| match &model.application(&r.name)?.kind {
            AppKind::Voicemail { require_password, translation } => {
                Some((*require_password, translation.clone()))
            }
            _ => None,
        });
        let (require_password, translation) = app.unwrap_or((false, None));
        let labels = translation
            .and_then(|t| model.translation(&t.name))
            .map(|t| t.labels.clone())
            .unwrap_or_default();
        let ctx = Self { caller, mailbox, labels };
        match voicemail::exists(&ctx.mailbox) {
            Ok(true) => {}
            Ok(false) => {
                return Err(error(req, code::NOT_FOUND, format!("no mailbox {}", ctx.mailbox)));
            }
            Err(e) => return Err(app_error(req, &e)),
        }
        if require_password {
            ctx.check_pin(shared, origin, req)?;
        }
        Ok(ctx)
    }

    /// `application=voicemail` with `require_password`: the mailbox PIN, counted by the lockout
    /// like the profile PIN, under the mailbox's name (claiming the profile, which every phone does
    /// first, must not wipe the count).
    fn check_pin(&self, shared: &Shared, origin: &Origin, req: &Request) -> Result<(), Response> {
        let account = &self.mailbox.to_string();
        if let Some(wait) = origin.place.lockout_left(shared, Some(account)) {
            return Err(error(
                req,
                LOCKED_OUT,
                format!("too many failed attempts from this address; try again in {wait} s"),
            ));
        }
        let Some(given) = req.param("pin").filter(|p| !p.is_empty()) else {
            return Err(Response::error(
                &req.id,
                &req.method,
                digium_phones_core::protocol::ErrorReply::new(
                    code::UNAUTHORIZED,
                    "the mailbox PIN is needed",
                )
                .with_need("pin"),
            ));
        };
        let expected = settings::voicemail_pin(&self.mailbox.to_string());
        if expected.as_deref().is_some_and(|pin| pin_matches(given, pin)) {
            if let Some(ip) = origin.ip {
                shared
                    .lockouts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .success(Some(account), ip);
            }
            return Ok(());
        }
        origin.place.wrong_secret(shared, Kind::InvalidPassword, account, "wrong voicemail PINs");
        Err(error(req, code::FORBIDDEN, "wrong mailbox PIN"))
    }

    fn label(&self, folder: Folder) -> String {
        self.labels
            .iter()
            .rev()
            .find(|(f, _)| Folder::parse(f).ok() == Some(folder))
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| folder.default_label().to_string())
    }

    fn summary(&self, req: &Request) -> Result<Vec<Message>, Response> {
        voicemail::summary(&self.mailbox).map_err(|e| app_error(req, &e))
    }

    /// The message `id` names, as the box holds it now.
    fn message(&self, req: &Request) -> Result<Message, Response> {
        let id = wire::message_id(req).map_err(|e| bad(req, &e))?;
        self.summary(req)?.into_iter().find(|m| m.id == id).ok_or_else(|| {
            error(req, code::NOT_FOUND, format!("no message {id} in {}", self.mailbox))
        })
    }

    fn headers<'a>(&'a self, message: &'a Message) -> Vec<(&'a str, &'a str)> {
        vec![
            ("Context", self.mailbox.context.as_str()),
            ("Mailbox", self.mailbox.mailbox.as_str()),
            ("Folder", message.folder.name()),
            ("ID", message.id.as_str()),
        ]
    }

    fn move_to(&self, req: &Request, message: &Message, to: Folder) -> Result<(), Response> {
        if message.folder == to {
            return Ok(());
        }
        let mut headers = self.headers(message);
        headers.push(("ToFolder", to.name()));
        voicemail::change("VoicemailMove", &headers).map_err(|e| app_error(req, &e))
    }
}

fn folders(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let counts = count_by_folder(&ctx.summary(req)?);
    let folders: Vec<FolderCount> = Folder::listed()
        .map(|folder| FolderCount {
            folder,
            label: ctx.label(folder),
            count: counts.get(&folder).copied().unwrap_or(0),
        })
        .collect();
    Ok(wire::folders_reply(&req.id, &req.method, &ctx.mailbox, &folders))
}

fn messages(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let folder = wire::folder(req, "folder").map_err(|e| bad(req, &e))?;
    let offset = wire::offset(req).map_err(|e| bad(req, &e))?;
    let in_folder: Vec<Message> =
        ctx.summary(req)?.into_iter().filter(|m| m.folder == folder).collect();
    Ok(wire::messages_reply(&req.id, &req.method, &in_folder, offset))
}

/// Heard: a new (INBOX or Urgent) message goes to Old, as app_voicemail does after playing it.
fn heard(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let message = ctx.message(req)?;
    let to = match message.folder {
        Folder::Inbox | Folder::Urgent => Folder::Old,
        other => other,
    };
    ctx.move_to(req, &message, to)?;
    Ok(wire::message_reply(&req.id, &req.method, &message.id, Some(to)))
}

fn move_message(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let to = wire::folder(req, "folder").map_err(|e| bad(req, &e))?;
    let message = ctx.message(req)?;
    ctx.move_to(req, &message, to)?;
    Ok(wire::message_reply(&req.id, &req.method, &message.id, Some(to)))
}

fn delete(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let message = ctx.message(req)?;
    voicemail::change("VoicemailRemove", &ctx.headers(&message)).map_err(|e| app_error(req, &e))?;
    Ok(wire::message_reply(&req.id, &req.method, &message.id, None))
}

/// A copy into another box's INBOX; the phone's own message stays.
fn forward(ctx: &Context, req: &Request) -> Result<Response, Response> {
    let to = wire::forward_to(req).map_err(|e| bad(req, &e))?;
    let message = ctx.message(req)?;
    if !voicemail::exists(&to).map_err(|e| app_error(req, &e))? {
        return Err(error(req, code::NOT_FOUND, format!("no mailbox {to}")));
    }
    let mut headers = ctx.headers(&message);
    headers.extend([
        ("ToContext", to.context.as_str()),
        ("ToMailbox", to.mailbox.as_str()),
        ("ToFolder", Folder::Inbox.name()),
    ]);
    voicemail::change("VoicemailForward", &headers).map_err(|e| app_error(req, &e))?;
    Ok(Response::ok(
        &req.id,
        &req.method,
        vec![Element::new("forwarded").attr("id", message.id).attr("to", to.to_string())],
    ))
}

fn play(
    shared: &Shared,
    origin: &Origin,
    ctx: &Context,
    req: &Request,
) -> Result<Response, Response> {
    let mode = wire::play_mode(req).map_err(|e| bad(req, &e))?;
    let message = ctx.message(req)?;
    match mode {
        PlayMode::Download => download(shared, origin, ctx, req, &message),
        PlayMode::Call => call(ctx, req, &message),
    }
}

/// An HTTP URL for the audio, behind a token only the phone's address can use for 120 s.
fn download(
    shared: &Shared,
    origin: &Origin,
    ctx: &Context,
    req: &Request,
    message: &Message,
) -> Result<Response, Response> {
    let unavailable = || {
        error(
            req,
            code::INTERNAL,
            "the server cannot publish files (is Asterisk's HTTP server enabled?)",
        )
    };
    let Some((path, content_type)) = voicemail::locate_audio(&ctx.mailbox, &message.id) else {
        return Err(error(
            req,
            code::NOT_FOUND,
            "the message has no audio file the server can serve",
        ));
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("wav").to_ascii_lowercase();
    let document: &'static str = match ext.as_str() {
        "gsm" => "message.gsm",
        "ulaw" => "message.ulaw",
        "g722" => "message.g722",
        _ => "message.wav",
    };
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let (Some(ip), Some(random)) = (origin.ip, random16()) else { return Err(unavailable()) };
    let Some(base) = shared
        .http
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|h| h.base_url(&origin.server))
    else {
        return Err(unavailable());
    };
    let now = shared.now();
    let token = Token {
        document,
        body: String::new(),
        client: ip,
        expires: now + sessions::TOKEN_TTL_SECS,
        message: Some(MessageRef { mailbox: ctx.mailbox.clone(), id: message.id.clone() }),
    };
    let id = shared.tokens.lock().unwrap_or_else(|p| p.into_inner()).issue(random, token, now);
    Ok(Response::ok(
        &req.id,
        &req.method,
        vec![
            Element::new("audio")
                .attr("url", format!("{base}/session/{id}/{document}"))
                .attr("type", content_type)
                .attr("size", size.to_string())
                .attr("duration", message.duration.to_string()),
        ],
    ))
}

/// The server calls the phone's line and plays the message with app_voicemail's own
/// `VoiceMailPlayMsg`. The in-process `Originate` action, asynchronous: Asterisk's own thread waits
/// for the answer, no worker of ours is held, and no channel structure is built here.
fn call(ctx: &Context, req: &Request, message: &Message) -> Result<Response, Response> {
    let model = ctx.caller.model();
    let phone = model.phone(&ctx.caller.profile);
    let boxes = phone.map(|p| voicemail::line_boxes(model, p)).unwrap_or_default();
    let Some(line) = boxes
        .iter()
        .find(|b| b.mailbox.as_ref().is_some_and(|(m, _)| *m == ctx.mailbox))
        .map(|b| b.line.clone())
    else {
        return Err(error(req, code::NOT_FOUND, "no line of this phone has that mailbox"));
    };
    let channel = format!("PJSIP/{line}");
    let data = format!("{},{}", ctx.mailbox, message.id);
    let callerid = format!("\"Voicemail\" <{}>", ctx.mailbox.mailbox);
    voicemail::action(
        "Asterisk",
        "Originate",
        &[
            ("Channel", &channel),
            ("Application", "VoiceMailPlayMsg"),
            ("Data", &data),
            ("CallerID", &callerid),
            ("Timeout", "30000"),
            ("Async", "true"),
        ],
    )
    .map_err(|e| app_error(req, &e))?;
    Ok(Response::ok(
        &req.id,
        &req.method,
        vec![Element::new("call").attr("line", line).attr("id", message.id.clone())],
    ))
}
