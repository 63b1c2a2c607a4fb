//! User presence: the status a phone's user sets (available, away, xa, chat, dnd), kept by Asterisk in
//! `PRESENCE_STATE(CustomPresence:<line>)` and shown through dialplan hints
//! `<exten>,hint,PJSIP/<line>,CustomPresence:<line>`.
//!
//! Everything here is decided without Asterisk: the value to write, what a read means, which lines a
//! status goes to, which states a phone may set, the hints, and the protocol bodies. The module does
//! the writing, reading and hint registration.

pub mod base64;
mod changes;
mod plan;
mod value;
mod wire;

#[cfg(test)]
mod tests;

use crate::protocol::{ErrorReply, code};

pub use changes::{HintChanges, empty_contexts, hint_changes, in_plan_order};
pub use plan::{
    AUTO_HINT_PREFIX, Endpoint, Hint, HintOwner, HintPlan, SetPlan, StatusChoice, hint_context_of,
    hint_plan, lines_for, plan_set, provider, status_allowed, status_choices, usable_line_name,
};
pub use value::{
    MAX_MESSAGE, MAX_SUBTYPE, Reading, Reported, State, Status, decode, decode_reading, encode,
};
pub use wire::{
    ELEMENT, LinePresence, MAX_GET_LINES, MORE, fit_reply, get_lines, read_reply, set_params,
};

/// Why a status cannot be set or a value read. [`PresenceError::code`] is the protocol error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresenceError {
    #[error("parameter {0} is missing")]
    Missing(&'static str),
    #[error(
        "status '{0}' is not supported: phones set available, away, xa, chat or dnd \
         (unavailable and not_set are Asterisk's own)"
    )]
    Unsupported(String),
    #[error("{field} is {len} bytes; at most {max}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{0} holds a NUL character")]
    Nul(&'static str),
    #[error("lines: {0}")]
    Lines(String),
    #[error("this phone's status application does not offer '{0}'")]
    NotAllowed(State),
    #[error("this phone has no internal line to set a status on")]
    NoInternalLine,
    /// A stored or received value that cannot be read.
    #[error("{0}")]
    Value(String),
}

impl PresenceError {
    pub fn code(&self) -> u16 {
        match self {
            Self::NotAllowed(_) | Self::NoInternalLine => code::FORBIDDEN,
            Self::Value(_) => code::INTERNAL,
            _ => code::BAD_REQUEST,
        }
    }
}

impl From<&PresenceError> for ErrorReply {
    fn from(error: &PresenceError) -> Self {
        ErrorReply::new(error.code(), error.to_string())
    }
}
