//! Why a body was refused, in the terms of the protocol's error codes.

use super::code;

/// A body that cannot be accepted. It keeps the `id` and `method` whenever they could be read, so the
/// server can still answer the phone with an error response it will match to its request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {message}")]
pub struct ProtocolError {
    /// The protocol error code: 400, 413 or 505.
    pub code: u16,
    pub id: Option<String>,
    pub method: Option<String>,
    pub message: String,
}

impl ProtocolError {
    pub(crate) fn new(code: u16, message: impl Into<String>) -> Self {
        Self { code, id: None, method: None, message: message.into() }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Self::new(code::BAD_REQUEST, message)
    }

    /// Attaches what was read of the envelope, keeping what is already there.
    pub(crate) fn with_envelope(mut self, id: Option<&str>, method: Option<&str>) -> Self {
        if self.id.is_none() {
            self.id = id.map(str::to_owned);
        }
        if self.method.is_none() {
            self.method = method.map(str::to_owned);
        }
        self
    }
}
