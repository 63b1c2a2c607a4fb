//! `digium-phones`: the offline companion of the module.
//!
//! It includes the core by path rather than linking the library: the library also carries the
//! Asterisk module, whose symbols exist only inside Asterisk.
// The program uses part of the core; the rest (and its re-exports) serve the module.
#[path = "../core/mod.rs"]
#[allow(dead_code, unused_imports)]
mod core;
#[path = "digium_phones/sim/mod.rs"]
mod sim;

use std::path::Path;
use std::process::ExitCode;

use crate::core::conf;
use crate::core::finding::Finding;
use crate::core::model;

const USAGE: &str = "\
usage: digium-phones check <file>   check a res_digium_phone.conf and everything it includes
       digium-phones dump <file>    print what Asterisk's config reader makes of the file
       digium-phones phone ...      act as a phone against a server (phone --help for more)

check prints every finding as `file:line: severity: [section] option: message` and exits 0 when
there is no error (warnings allowed), 1 when there is one.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["check", file] => check(Path::new(file)),
        ["dump", file] => dump(Path::new(file)),
        ["phone", ..] => sim::main(&args[1..]),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn check(file: &Path) -> ExitCode {
    let findings: Vec<Finding> = match conf::read(file) {
        Err(e) => vec![e.finding()],
        Ok(loaded) => {
            let built = model::build(&loaded.config, None);
            let mut findings: Vec<Finding> =
                loaded.issues.iter().map(conf::Issue::finding).collect();
            findings.extend(built.findings);
            findings
        }
    };
    for f in &in_file_order(findings.clone()) {
        println!("{f}");
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    println!("{}: {}, {}", file.display(), count(errors, "error"), count(warnings, "warning"));
    if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Findings grouped by file (in the order the files first appear) and sorted by line within each.
fn in_file_order(findings: Vec<Finding>) -> Vec<Finding> {
    let mut files: Vec<String> = Vec::new();
    for f in &findings {
        if !files.contains(&f.file) {
            files.push(f.file.clone());
        }
    }
    let mut sorted = findings;
    sorted.sort_by_key(|f| (files.iter().position(|x| *x == f.file), f.line));
    sorted
}

fn dump(file: &Path) -> ExitCode {
    match conf::read(file) {
        Ok(loaded) => {
            print!("{}", loaded.config.dump(&loaded.base_dir));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.finding());
            ExitCode::FAILURE
        }
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
