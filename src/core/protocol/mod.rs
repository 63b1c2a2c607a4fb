//! The phone protocol of docs/protocol.md: XML bodies carried in SIP MESSAGEs between phones and the
//! server. Both the module and the `digium-phones phone` simulator read and write bodies here, so the
//! two sides cannot drift apart.
//!
//! Bodies come from the network: the reader refuses DTDs, entities other than the five predefined
//! ones, and anything larger or deeper than [`Limits::MESSAGE`] allows; it never panics.

mod error;
mod message;
mod xml;

#[cfg(test)]
mod tests;

pub use error::ProtocolError;
pub use message::{ErrorReply, Event, Message, Request, Response, is_token, parse};
pub use xml::{Element, Limits, parse_document, parse_document_with};

/// The protocol version this code speaks (the `v` attribute).
pub const VERSION: &str = "1";

/// Asterisk delivers a MESSAGE body of 1024 bytes or more as an empty body.
pub const MAX_BODY: usize = 1023;

/// Error codes (docs/protocol.md, "Error codes").
pub mod code {
    pub const BAD_REQUEST: u16 = 400;
    pub const UNAUTHORIZED: u16 = 401;
    pub const FORBIDDEN: u16 = 403;
    pub const NOT_FOUND: u16 = 404;
    /// The body arrived empty, which is how Asterisk delivers one that was too large.
    pub const EMPTY_BODY: u16 = 413;
    pub const INTERNAL: u16 = 500;
    pub const VERSION_NOT_SUPPORTED: u16 = 505;
}

/// Method names (docs/protocol.md, "Methods").
pub mod method {
    pub const USERLIST: &str = "provision.userlist";
    pub const CONFIG: &str = "provision.config";
    pub const LOGOUT: &str = "provision.logout";
    pub const RECONFIGURE: &str = "event.reconfigure";
    pub const PRESENCE_SET: &str = "presence.set";
    pub const PRESENCE_GET: &str = "presence.get";
}
