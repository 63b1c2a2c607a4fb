//! app_voicemail and app_mixmonitor, driven through their own manager actions run inside Asterisk
//! ([`manager_hook`]): an action that is not registered means its module is not loaded, which the
//! C voicemail API cannot tell (move, remove, forward and play return 0 without a provider), and
//! no struct of theirs is read.

use std::path::{Path, PathBuf};

use crate::ffi::{log, manager_hook, paths};
use crate::module::settings;
use digium_phones_core::apps::voicemail::{self, Folder, Mailbox, MailboxSource, Message};
use digium_phones_core::model::{Model, Phone};

/// One manager event or response, as ordered key/value pairs.
pub(crate) type Block = Vec<(String, String)>;

#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    /// The action is not registered: the Asterisk module that provides it is not loaded.
    #[error("{0} is not loaded")]
    NotLoaded(&'static str),
    /// The action answered `Response: Error`.
    #[error("{0}")]
    Refused(String),
    #[error("the manager action failed: {0}")]
    Failed(String),
}

/// Runs `action` (provided by Asterisk module `provider`) and returns every block it produced, the
/// response first; `Response: Error` becomes [`AppError::Refused`] with its message.
pub(crate) fn action(
    provider: &'static str,
    action: &str,
    headers: &[(&str, &str)],
) -> Result<Vec<Block>, AppError> {
    match manager_hook::run(action, headers) {
        Ok(blocks) => Ok(blocks.into_iter().map(|b| b.fields).collect()),
        Err(manager_hook::HookError::NotAvailable(_)) => Err(AppError::NotLoaded(provider)),
        Err(manager_hook::HookError::Refused { message, .. }) => Err(AppError::Refused(message)),
        Err(e) => Err(AppError::Failed(e.to_string())),
    }
}

pub(crate) const APP_VOICEMAIL: &str = "app_voicemail";

/// Runs one of app_voicemail's actions that change a box (`VoicemailMove`, `VoicemailRemove`,
/// `VoicemailForward`). They answer `Response: Success` even when nothing was done, with
/// `Message: Message … failed`: that is a refusal too.
pub(crate) fn change(action_name: &str, headers: &[(&str, &str)]) -> Result<(), AppError> {
    let blocks = action(APP_VOICEMAIL, action_name, headers)?;
    let message = blocks
        .first()
        .and_then(|b| b.iter().find(|(k, _)| k.eq_ignore_ascii_case("Message")))
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    if message.to_ascii_lowercase().contains("failed") {
        // The message was found just before: a full folder, a lock, the disk.
        return Err(AppError::Failed(format!("{action_name}: {message}")));
    }
    Ok(())
}

/// Whether voicemail.conf (or realtime) has `mailbox` (`VoicemailUserStatus`, which answers
/// `Success` either way and says "There is no voicemail user" when it has not).
pub(crate) fn exists(mailbox: &Mailbox) -> Result<bool, AppError> {
    let blocks = action(
        APP_VOICEMAIL,
        "VoicemailUserStatus",
        &[("Context", &mailbox.context), ("Mailbox", &mailbox.mailbox)],
    )?;
    let none = blocks.first().is_some_and(|b| {
        b.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("Message")
                && v.to_ascii_lowercase().contains("no voicemail user")
        })
    });
    Ok(!none)
}

/// Every message of `mailbox` (`VoicemailBoxSummary`).
pub(crate) fn summary(mailbox: &Mailbox) -> Result<Vec<Message>, AppError> {
    let blocks = action(
        APP_VOICEMAIL,
        "VoicemailBoxSummary",
        &[("Context", &mailbox.context), ("Mailbox", &mailbox.mailbox)],
    )?;
    Ok(voicemail::messages_from_blocks(&blocks))
}

/// A line of a phone and the mailbox it resolves to.
pub(crate) struct LineBox {
    pub line: String,
    pub mailbox: Option<(Mailbox, MailboxSource)>,
    /// The line's `voicemail_uri`: the Msgs key dials it instead of opening visual voicemail.
    pub voicemail_uri: Option<String>,
}

/// The mailbox of each internal line of `phone`, as DPMA resolves it: the line's `mailbox` (for the
/// primary line also the phone's), else the endpoint's `mailboxes`, else a voicemail.conf box named
/// after the line. Reads pjsip.conf and voicemail.conf: call it on a worker or CLI thread.
pub(crate) fn line_boxes(model: &Model, phone: &Phone) -> Vec<LineBox> {
    let endpoints = settings::endpoint_mailboxes();
    let vm_conf = settings::voicemail_conf();
    phone
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, r)| model.line(&r.name).map(|line| (index, line)))
        .map(|(index, line)| {
            let own = line.mailbox.as_deref().or(phone.mailbox.as_deref().filter(|_| index == 0));
            let mailbox =
                voicemail::resolve(own, endpoints.get(&line.name).map(String::as_str), || {
                    vm_conf.as_ref().and_then(|c| voicemail::voicemail_conf_box(c, &line.name))
                });
            LineBox {
                line: line.name.clone(),
                mailbox,
                voicemail_uri: line.voicemail_uri.as_deref().map(str::to_string),
            }
        })
        .collect()
}

/// `phone` with the mailbox its primary line resolves to set as the phone's `mailbox`, when neither
/// the line nor the phone sets one but the endpoint's `mailboxes` or voicemail.conf give one (the
/// configuration document then turns visual voicemail on); `None` when nothing changes.
pub(crate) fn primary_mailbox_found(model: &Model, phone: &Phone) -> Option<Phone> {
    let primary = model.line(&phone.lines.first()?.name)?;
    if primary.mailbox.is_some() || phone.mailbox.is_some() {
        return None;
    }
    let (mailbox, _) = line_boxes(model, phone).into_iter().next()?.mailbox?;
    let mut found = phone.clone();
    found.mailbox = Some(mailbox.to_string());
    Some(found)
}

/// `<spool>/voicemail/<context>/<box>`.
pub(crate) fn mailbox_dir(mailbox: &Mailbox) -> PathBuf {
    Path::new(&paths::spool_dir()).join("voicemail").join(&mailbox.context).join(&mailbox.mailbox)
}

/// Audio formats a message may be stored in (voicemail.conf `format=`), best first for a download:
/// plain PCM WAV, then GSM in WAV (`wav49`, stored as `.WAV`), then raw GSM and µ-law.
const AUDIO: &[(&str, &str)] = &[
    ("wav", "audio/wav"),
    ("WAV", "audio/wav"),
    ("gsm", "audio/x-gsm"),
    ("ulaw", "audio/basic"),
    ("g722", "audio/G722"),
];

/// The audio file of message `msg_id` in `mailbox`, found by the `msg_id` in the `.txt` beside it
/// (message numbers change when a message before it goes), with its Content-Type.
pub(crate) fn locate_audio(mailbox: &Mailbox, msg_id: &str) -> Option<(PathBuf, &'static str)> {
    let dir = mailbox_dir(mailbox);
    for folder in Folder::ALL {
        let folder_dir = dir.join(folder.name());
        let Ok(entries) = std::fs::read_dir(&folder_dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "txt") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let holds = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .any(|(k, v)| k.trim() == "msg_id" && v.trim() == msg_id);
            if !holds {
                continue;
            }
            let found = AUDIO.iter().find_map(|(ext, content_type)| {
                let audio = path.with_extension(ext);
                audio.is_file().then_some((audio, *content_type))
            });
            if found.is_none() {
                log::warning(&format!("message {msg_id} of {mailbox} has no audio file"));
            }
            return found;
        }
    }
    None
}
