//! The logic of the phone applications, one module each.

pub mod bridge;
