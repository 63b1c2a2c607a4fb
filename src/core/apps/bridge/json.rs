//! JSON from phones and app servers: checked, and made compact (one line, no insignificant spaces)
//! before it goes into an AMI header or a MESSAGE.
//!
//! serde_json does the parsing: a complete, well-tested reader that keeps any value as it came
//! (numbers, escapes, key order are re-encoded, not interpreted).

use crate::protocol::Limits;

/// JSON longer than this (compact) cannot be an element's text in a MESSAGE body.
pub const MAX_JSON: usize = Limits::MESSAGE.max_value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("not JSON: {0}")]
    Invalid(String),
    #[error("{size} bytes; a {what} carries at most {max}")]
    TooLarge { size: usize, max: usize, what: &'static str },
}

/// The compact form of `text`, if it is one JSON value of at most [`MAX_JSON`] bytes once compact.
pub fn compact(text: &str) -> Result<String, JsonError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| JsonError::Invalid(e.to_string()))?;
    let compact = value.to_string();
    if compact.len() > MAX_JSON {
        return Err(JsonError::TooLarge { size: compact.len(), max: MAX_JSON, what: "JSON value" });
    }
    Ok(compact)
}
