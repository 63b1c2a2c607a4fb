//! `digium-phones`: the offline companion of the module.
//!
//! It includes the core by path rather than linking the library: the library also carries the
//! Asterisk module, whose symbols exist only inside Asterisk.
#[path = "../core/mod.rs"]
#[allow(dead_code)]
mod core;

fn main() {
    eprintln!("digium-phones: no command yet");
    std::process::exit(2);
}
