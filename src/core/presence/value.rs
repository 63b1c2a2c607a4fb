//! Presence states and the value `PRESENCE_STATE(CustomPresence:<line>)` stores.

use std::fmt;
use std::str::FromStr;

use super::{PresenceError, base64};

/// The longest subtype a phone may set, in bytes.
pub const MAX_SUBTYPE: usize = 128;
/// The longest message a phone may set, in bytes. func_presencestate decodes the message into a
/// 256-byte buffer before it publishes the change, so anything longer would reach watchers (and the
/// phones' NOTIFYs) cut short while a read gave it whole.
pub const MAX_MESSAGE: usize = 255;

/// A state a phone may set: the ones Digium phones support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Available,
    Away,
    /// Extended away.
    Xa,
    Chat,
    Dnd,
}

impl State {
    pub const ALL: [State; 5] = [Self::Available, Self::Away, Self::Xa, Self::Chat, Self::Dnd];

    /// The name Asterisk and the protocol use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Away => "away",
            Self::Xa => "xa",
            Self::Chat => "chat",
            Self::Dnd => "dnd",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = PresenceError;

    /// Case-insensitive; `unavailable` and `not_set` are Asterisk states but not ones a phone sets.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        if name.is_empty() {
            return Err(PresenceError::Missing("status"));
        }
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| PresenceError::Unsupported(name.to_string()))
    }
}

/// A state as Asterisk reports it: a settable one, or one of those only Asterisk produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reported {
    Set(State),
    NotSet,
    Unavailable,
    /// Nothing stored for the provider, or a stored value Asterisk cannot read.
    Invalid,
}

impl Reported {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Set(state) => state.as_str(),
            Self::NotSet => "not_set",
            Self::Unavailable => "unavailable",
            Self::Invalid => "invalid",
        }
    }

    /// From `enum ast_presence_state` (NOT_SET 0 … DND 6, INVALID 7); other numbers are invalid.
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => Self::NotSet,
            1 => Self::Unavailable,
            2 => Self::Set(State::Available),
            3 => Self::Set(State::Away),
            4 => Self::Set(State::Xa),
            5 => Self::Set(State::Chat),
            6 => Self::Set(State::Dnd),
            _ => Self::Invalid,
        }
    }

    /// From a name such as `ast_presence_state2str` returns (`""` for INVALID): anything unknown is
    /// invalid.
    pub fn from_name(name: &str) -> Self {
        name.parse().unwrap_or(Self::Invalid)
    }
}

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reported {
    type Err = PresenceError;

    /// Strict, for what a peer wrote: one of the eight names, without regard to case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        [Self::NotSet, Self::Unavailable, Self::Invalid]
            .into_iter()
            .chain(State::ALL.map(Self::Set))
            .find(|reported| reported.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| PresenceError::Value(format!("'{name}' is not a presence state")))
    }
}

/// What a phone sets: a state, and free texts shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    /// A short qualifier, such as one of the status application's `substatus=` texts.
    pub subtype: String,
    pub message: String,
}

impl Status {
    pub fn new(state: State) -> Self {
        Self { state, subtype: String::new(), message: String::new() }
    }

    /// Whether the texts fit what Asterisk passes on whole (see [`MAX_SUBTYPE`], [`MAX_MESSAGE`]).
    pub fn check(&self) -> Result<(), PresenceError> {
        for (field, text, max) in
            [("substatus", &self.subtype, MAX_SUBTYPE), ("message", &self.message, MAX_MESSAGE)]
        {
            if text.len() > max {
                return Err(PresenceError::TooLong { field, len: text.len(), max });
            }
            // Asterisk hands the decoded texts on as C strings: a NUL would cut them silently.
            if text.contains('\0') {
                return Err(PresenceError::Nul(field));
            }
        }
        Ok(())
    }
}

/// A state with its texts, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub state: Reported,
    pub subtype: String,
    pub message: String,
}

impl Reading {
    /// For a line nothing can be read for.
    pub fn invalid() -> Self {
        Self { state: Reported::Invalid, subtype: String::new(), message: String::new() }
    }
}

impl From<Status> for Reading {
    fn from(status: Status) -> Self {
        Self {
            state: Reported::Set(status.state),
            subtype: status.subtype,
            message: status.message,
        }
    }
}

/// The value to write into `PRESENCE_STATE(CustomPresence:<line>)`: `state,<subtype>,<message>,e`
/// with both texts in base64, so commas and newlines cannot split the value.
pub fn encode(status: &Status) -> Result<String, PresenceError> {
    status.check()?;
    Ok(format!(
        "{},{},{},e",
        status.state,
        base64::encode(status.subtype.as_bytes()),
        base64::encode(status.message.as_bytes())
    ))
}

/// Reads a stored value (`state[,subtype[,message[,options]]]`) the way func_presencestate parses it;
/// option `e` means both texts are base64.
pub fn decode(value: &str) -> Result<Reading, PresenceError> {
    let mut fields = value.split(',');
    let state = fields.next().unwrap_or_default();
    let state = match state.parse::<Reported>() {
        Ok(Reported::Invalid) | Err(_) => {
            return Err(PresenceError::Value(format!("'{state}' is not a presence state")));
        }
        Ok(state) => state,
    };
    let (subtype, message) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
    let options = fields.next().unwrap_or("");
    if !options.is_empty() && !options.contains('e') {
        return Err(PresenceError::Value(format!("unknown options '{options}'")));
    }
    let text = |field: &str, what: &str| -> Result<String, PresenceError> {
        if !options.contains('e') {
            return Ok(field.to_string());
        }
        let bytes = base64::decode(field)
            .map_err(|e| PresenceError::Value(format!("the {what} is not base64: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|_| PresenceError::Value(format!("the {what} is not UTF-8")))
    };
    Ok(Reading { state, subtype: text(subtype, "subtype")?, message: text(message, "message")? })
}

/// What the module read with `ast_presence_state()` (whose texts Asterisk has already decoded; an
/// empty one comes back as NULL), as a reading to show or send. Never fails: an unknown state name
/// reads as invalid.
pub fn decode_reading(state: &str, subtype: Option<&str>, message: Option<&str>) -> Reading {
    Reading {
        state: Reported::from_name(state),
        subtype: subtype.unwrap_or_default().to_string(),
        message: message.unwrap_or_default().to_string(),
    }
}
