//! res_digium_phone: an open-source Digium Phone Module for Asterisk.
//!
//! - [`core`] is pure Rust (`unsafe_code` forbidden): the configuration model, validation and everything
//!   rendered for phones and admins. It is unit-tested without Asterisk.
//! - `ffi` is the only place where `unsafe_code` is allowed: the C ABI Asterisk loads, and one safe
//!   wrapper per Asterisk object.
//! - `module` is the safe glue between the two: load, reload, unload, the CLI and the in-process tests.
//!
//! `ffi` and `module` are left out of `cargo test` builds: their symbols exist only inside Asterisk.

pub mod core;

mod asterisk_key;

#[cfg(not(test))]
mod ffi;
#[cfg(not(test))]
#[forbid(unsafe_code)]
mod module;
