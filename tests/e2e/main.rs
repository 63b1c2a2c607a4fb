//! End-to-end tests: the module loaded into real Asterisk instances of the sandbox
//! (contrib/sandbox.sh), driven over SIP, HTTP, AMI, the CLI and mDNS. One test crate, so the
//! harness in [`support`] compiles once.

mod support;

mod app_bridge;
mod config;
mod discovery;
mod foundation;
mod freepbx;
mod mac_security;
mod parking;
mod presence;
mod provision;
mod soak;
mod stock_phones;
mod voicemail;
