//! The phone applications' pure parts: request checks, replies and events built from what Asterisk
//! reports, with no Asterisk in sight.

pub mod fields;
pub mod parking;
pub mod queues;
pub mod watch;

/// The error code of an application method whose Asterisk module (res_parking, app_queue, …) is not
/// loaded.
pub const MODULE_NOT_LOADED: u16 = 503;
