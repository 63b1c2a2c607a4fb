//! The phone applications' pure logic: parameters, replies and state, without Asterisk.

pub mod bridge;
pub mod voicemail;
