//! The phone applications' pure logic: parameters, replies and state, without Asterisk.

pub mod bridge;
pub mod fields;
pub mod parking;
pub mod queues;
pub mod voicemail;
pub mod watch;

/// The error code of an application method whose Asterisk module (res_parking, app_queue, …) is not
/// loaded.
pub const MODULE_NOT_LOADED: u16 = 503;
