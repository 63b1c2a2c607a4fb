//! Provisioning decisions, without I/O: who may see the profile list, who may claim a profile, and
//! the short-lived tokens and sessions that tie an HTTP fetch to the phone that asked.

pub mod address;
pub mod auth;
pub mod documents;
pub mod files;
pub mod httpauth;
pub mod lockout;
pub mod pacing;
pub mod pjsip;
pub mod recent;
pub mod sessions;
pub mod web;

pub use auth::{Claim, Refusal, UserEntry};
pub use recent::Recent;
pub use sessions::{Session, SessionTable, Token, TokenStore};

#[cfg(test)]
mod tests;
