//! The pure core: everything that can be decided without Asterisk.
//!
//! It turns a [`raw::RawConfig`] (filled by the module from `ast_config`, or by the offline tool from
//! its own reader) into a validated [`model::Model`] with findings that name file, line, section and
//! option, and renders what the CLI shows. `forbid(unsafe_code)`, no Asterisk: every part is unit-tested.
#![forbid(unsafe_code)]

pub mod admin;
pub mod ami;
pub mod apps;
pub mod asterisk_key;
pub mod check;
pub mod conf;
pub mod discovery;
pub mod finding;
pub mod model;
pub mod names;
pub mod presence;
pub mod protocol;
pub mod provision;
pub mod queue;
pub mod raw;
pub mod secret;
pub mod settings;
pub mod table;
pub mod version;
pub mod xml;
