//! res_digium_phone: an open-source Digium Phone Module for Asterisk.
//!
//! This crate is the module Asterisk loads; its logic is in `digium-phones-core` (pure Rust with
//! `unsafe_code` forbidden, unit-tested without Asterisk).
//! - `ffi` is the only place where `unsafe_code` is allowed: the C ABI Asterisk loads, and one safe
//!   wrapper per Asterisk object.
//! - `module` is the safe glue between the two: load, reload, unload, the CLI, AMI and HTTP
//!   handlers, and the in-process tests.

#[allow(unsafe_code)]
mod ffi;
#[forbid(unsafe_code)]
mod module;
