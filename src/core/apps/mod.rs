//! The phone applications' pure parts: request checks, replies and events built from what Asterisk
//! reports, with no Asterisk in sight.

pub mod fields;
pub mod parking;
pub mod queues;
pub mod watch;
