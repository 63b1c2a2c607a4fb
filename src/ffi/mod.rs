//! The C side of the module: the only place with `unsafe`.
//!
//! Each file wraps one Asterisk API behind a safe interface, with a `// SAFETY:` comment on every
//! `unsafe` block. Registrations are values whose `Drop` undoes them. Every function Asterisk calls
//! runs inside [`guard::entry`], so a panic is logged and turned into an error return, never an abort
//! of the PBX.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod abi;
pub(crate) mod channel;
pub(crate) mod cli;
pub(crate) mod config;
pub(crate) mod guard;
pub(crate) mod http;
pub(crate) mod log;
pub(crate) mod manager;
pub(crate) mod manager_event;
pub(crate) mod manager_hook;
pub(crate) mod manager_session;
pub(crate) mod memory;
pub(crate) mod message;
pub(crate) mod module;
pub(crate) mod paths;
pub(crate) mod pbx;
pub(crate) mod presence;
pub(crate) mod security;
pub(crate) mod sorcery;
pub(crate) mod sys;
pub(crate) mod test;
pub(crate) mod thread;
pub(crate) mod util;
