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
       digium-phones render <file> <phone> [--model D70] [--ip IP] [--server HOST] [--files-url URL]
                            [--pjsip FILE]
                                    print the configuration XML the module serves that profile
       digium-phones phone ...      act as a phone against a server (phone --help for more)

check prints every finding as `file:line: severity: [section] option: message` and exits 0 when
there is no error (warnings allowed), 1 when there is one.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["check", file] => check(Path::new(file)),
        ["dump", file] => dump(Path::new(file)),
        ["render", file, phone, options @ ..] => render(Path::new(file), phone, options),
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

/// `render`: the document exactly as the module builds it, for the request facts given as options
/// (the module takes them from the phone's request; the defaults match a phone on this machine).
fn render(file: &Path, phone: &str, options: &[&str]) -> ExitCode {
    let mut opts = std::collections::HashMap::new();
    let mut rest = options.iter();
    while let Some(flag) = rest.next() {
        match (*flag, rest.next()) {
            (f @ ("--model" | "--ip" | "--server" | "--files-url" | "--pjsip"), Some(v)) => {
                opts.insert(f, *v);
            }
            _ => {
                eprintln!("error: render: bad option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let loaded = match conf::read(file) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{}", e.finding());
            return ExitCode::FAILURE;
        }
    };
    let built = model::build(&loaded.config, None);
    let Some(profile) = built.model.phone(phone) else {
        for f in built.findings.iter().filter(|f| f.is_error()) {
            eprintln!("{f}");
        }
        eprintln!("error: no phone profile named '{phone}' is served by {}", file.display());
        return ExitCode::FAILURE;
    };
    let ip = match opts.get("--ip").map(|ip| ip.parse()) {
        Some(Ok(ip)) => Some(ip),
        Some(Err(_)) => {
            eprintln!("error: --ip: not an IP address");
            return ExitCode::from(2);
        }
        None => None,
    };
    let server = opts.get("--server").copied().unwrap_or("localhost");
    let files_url = opts
        .get("--files-url")
        .map_or_else(|| format!("http://{server}:8088/digium_phones/files"), |u| u.to_string());
    let passwords = match opts.get("--pjsip") {
        Some(pjsip) => match conf::read(Path::new(pjsip)) {
            Ok(l) => core::provision::pjsip::endpoint_passwords(&l.config),
            Err(e) => {
                eprintln!("{}", e.finding());
                return ExitCode::FAILURE;
            }
        },
        None => Default::default(),
    };
    let request = core::provision::documents::PhoneRequest {
        phone_model: opts.get("--model").copied(),
        phone_ip: ip,
        server_host: server,
        files_url: &files_url,
    };
    let md5 = |path: &Path| Some(core::provision::documents::md5_hex(&std::fs::read(path).ok()?));
    match core::provision::documents::phone_document(
        &built.model,
        profile,
        &request,
        &md5,
        &passwords,
    ) {
        Ok(doc) => {
            print!("{doc}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
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
