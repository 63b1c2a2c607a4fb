//! The phone simulator (`digium-phones phone`) against an instance.

use std::process::Command;

use super::{Asterisk, digium_phones};

/// A finished simulator run.
pub struct PhoneRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the phone simulator against `ast` with extra arguments (`--timeout 10` unless they set one).
pub fn phone(ast: &Asterisk, args: &[&str]) -> PhoneRun {
    let timeout: &[&str] = if args.contains(&"--timeout") { &[] } else { &["--timeout", "10"] };
    let out = Command::new(digium_phones())
        .args(["phone", "--server", &ast.proxy_url()])
        .args(timeout)
        .args(args)
        .output()
        .expect("run digium-phones phone");
    PhoneRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
