//! Visual voicemail and one-touch recording (docs/protocol.md, "Voicemail" and "Recording"): which
//! mailbox a line has, the folders app_voicemail knows, messages as its `VoicemailBoxSummary` lists
//! them, and the bodies of the `voicemail.*` and `record.*` methods.
//!
//! Messages are keyed on app_voicemail's `msg_id`, never on the message number: deleting a message
//! renumbers the files behind it.

mod folder;
mod mailbox;
mod message;
pub mod recording;
pub mod show;
pub mod wire;

#[cfg(test)]
mod tests;

pub use folder::Folder;
pub use mailbox::{Mailbox, MailboxSource, resolve, voicemail_conf_box};
pub use message::{Message, count_by_folder, messages_from_blocks};

/// Why a voicemail or recording request cannot be served; [`VoicemailError::code`] is the protocol
/// error code it is answered with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoicemailError {
    #[error("the {0} parameter is missing")]
    Missing(&'static str),
    #[error("'{0}' is not a mailbox (box@context)")]
    BadMailbox(String),
    #[error("'{0}' is not a voicemail folder")]
    BadFolder(String),
    #[error("'{0}' is not a message id")]
    BadMessageId(String),
    #[error("'{0}' is not a number")]
    BadNumber(String),
    #[error("'{0}' is not how a message is played (call or download)")]
    BadPlayMode(String),
    #[error("'{0}' is not a SIP Call-ID")]
    BadCallId(String),
}

impl VoicemailError {
    pub fn code(&self) -> u16 {
        crate::protocol::code::BAD_REQUEST
    }
}

/// A message to serve over HTTP: its mailbox and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub mailbox: Mailbox,
    pub id: String,
}

/// Whether a mailbox PIN is right, in time independent of where it differs.
pub fn pin_matches(given: &str, expected: &str) -> bool {
    crate::provision::auth::same_secret(given, expected)
}

/// Message ids are app_voicemail's `msg_id` (`<time>-<counter in hex>`); anything else of letters,
/// digits, `-` and `_` up to 64 characters is accepted too, as older spools may hold other ids. Never
/// CR, LF or `:`: ids are passed on in manager action headers.
pub fn check_message_id(id: &str) -> Result<&str, VoicemailError> {
    let usable = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if usable { Ok(id) } else { Err(VoicemailError::BadMessageId(id.escape_debug().to_string())) }
}
