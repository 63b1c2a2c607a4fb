//! `digium-phones`: the offline companion of the module: checks, dumps and renders a
//! res_digium_phone.conf exactly as the module reads it, and simulates a phone against a server.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use digium_phones::sim;
use digium_phones_core::conf;
use digium_phones_core::finding::Finding;
use digium_phones_core::model;
use digium_phones_core::model::models::FirmwareVersion;
use digium_phones_core::provision::{documents, httpauth, pjsip};

/// The offline companion of res_digium_phone.
///
/// Exit: 0 ok, 1 a finding (check) or a refusal, 2 a usage error.
#[derive(Parser)]
#[command(name = "digium-phones", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a res_digium_phone.conf and everything it includes.
    ///
    /// Beyond what the module reports on a reload, it warns about options set that phones are not
    /// sent, and reads the logos, Smart BLF sheets and display rules phones fetch from
    /// file_directory. No http.conf is read: findings that depend on Asterisk's HTTP server assume
    /// it may serve plain HTTP (the module, which reads http.conf, is exact). Prints every finding
    /// as `file:line: severity: [section] option: message`; exits 0 when there is no error
    /// (warnings allowed), 1 when there is one.
    Check { file: PathBuf },
    /// Print what Asterisk's config reader makes of the file (secret options masked).
    Dump { file: PathBuf },
    /// Print the configuration XML the module serves a profile, byte for byte.
    ///
    /// The options are the request facts the module takes from the phone's request; the defaults
    /// match a phone on this machine.
    Render {
        file: PathBuf,
        phone: String,
        /// The model the phone reports (D70, ...)
        #[arg(long)]
        model: Option<String>,
        /// The firmware version the phone reports (2_9_16, ...)
        #[arg(long, value_parser = parse_firmware)]
        firmware: Option<FirmwareVersion>,
        /// As a stock phone fetching <mac>.cfg gets it: without the MESSAGE channel, so without
        /// the Record key and visual voicemail
        #[arg(long)]
        http: bool,
        /// The phone's address (chooses its network)
        #[arg(long)]
        ip: Option<IpAddr>,
        /// The server host the phone reached
        #[arg(long, default_value = "localhost")]
        server: String,
        /// The base URL of the files (default http://<server>:8088/digium_phones/files)
        #[arg(long, value_name = "URL")]
        files_url: Option<String>,
        /// A pjsip.conf to take the endpoints' passwords from
        #[arg(long, value_name = "FILE")]
        pjsip: Option<PathBuf>,
    },
    /// Act as a phone against a server.
    Phone(Box<sim::PhoneArgs>),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { file } => check(&file),
        Command::Dump { file } => dump(&file),
        Command::Render { file, phone, model, firmware, http, ip, server, files_url, pjsip } => {
            let request = RenderRequest { model, firmware, http, ip, server, files_url, pjsip };
            render(&file, &phone, &request)
        }
        Command::Phone(args) => sim::run(*args),
    }
}

fn check(file: &Path) -> ExitCode {
    let findings: Vec<Finding> = match conf::read(file) {
        Err(e) => vec![e.finding()],
        Ok(loaded) => {
            let built = model::build(&loaded.config, None);
            let mut findings: Vec<Finding> =
                loaded.issues.iter().map(conf::Issue::finding).collect();
            // No http.conf is read offline: what depends on it is judged as if plain HTTP served.
            findings.extend(httpauth::findings(&built.model.general, httpauth::Listeners::Unknown));
            findings.extend(built.findings);
            // Beyond what a reload reports: options phones are not sent, and the files they fetch.
            findings.extend(digium_phones_core::check::findings(&built.model));
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

/// The facts of a phone's request that `render` takes as options.
struct RenderRequest {
    model: Option<String>,
    firmware: Option<FirmwareVersion>,
    http: bool,
    ip: Option<IpAddr>,
    server: String,
    files_url: Option<String>,
    pjsip: Option<PathBuf>,
}

/// `render`: the document exactly as the module builds it for `request`.
fn render(file: &Path, phone: &str, request: &RenderRequest) -> ExitCode {
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
    let files_url = request
        .files_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:8088/digium_phones/files", request.server));
    let passwords = match &request.pjsip {
        Some(path) => match conf::read(path) {
            Ok(l) => pjsip::endpoint_passwords(&l.config),
            Err(e) => {
                eprintln!("{}", e.finding());
                return ExitCode::FAILURE;
            }
        },
        None => Default::default(),
    };
    let phone_request = documents::PhoneRequest {
        phone_model: request.model.as_deref(),
        phone_firmware: request.firmware,
        message_channel: !request.http,
        phone_ip: request.ip,
        server_host: &request.server,
        files_url: &files_url,
    };
    let md5 = |path: &Path| Some(documents::md5_hex(&std::fs::read(path).ok()?));
    match documents::phone_document(&built.model, profile, &phone_request, &md5, &passwords) {
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
            print!("{}", model::options::mask_secrets(&loaded.config).dump(&loaded.base_dir));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.finding());
            ExitCode::FAILURE
        }
    }
}

fn parse_firmware(text: &str) -> Result<FirmwareVersion, String> {
    FirmwareVersion::parse(text)
        .ok_or_else(|| format!("'{text}' is not a firmware version (as in 2_9_16 or 2.9.16)"))
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
