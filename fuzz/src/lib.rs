//! The fuzz targets' shared part: the core, included by path as the programs include it (the library
//! also carries the Asterisk module, whose symbols exist only inside Asterisk), and the checks.
// The targets use part of the core.
#[path = "../../src/core/mod.rs"]
#[allow(dead_code, unused_imports)]
pub mod core;

pub mod check;
