//! What `digium-phones check` adds to the configuration's own findings: the options that are
//! accepted but not sent to phones (from the option tables' [`Sent`] marks), and the files phones
//! fetch beside their configuration (logos, Smart BLF sheets, display rules), read from
//! `file_directory`.
//!
//! These are warnings for the admin at the keyboard, not part of a reload: a file may change at any
//! time, and a reload does not read the files phones fetch.

pub mod png;
pub mod sheets;

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Severity};
use crate::model::general::ConfigAuth;
use crate::model::spec::{Kind, OptionSpec, Sent};
use crate::model::{Model, Phone, application, models, values};
use crate::provision::files;
use crate::raw::{RawEntry, RawSection};

/// Everything `check` reports beyond the configuration's own findings.
pub fn findings(model: &Model) -> Vec<Finding> {
    let mut out = unsent(model);
    out.extend(fetched_files(model));
    out
}

/// Whether a stock phone may fetch this profile as `<mac>.cfg`: the module serves it only with
/// `config_auth` mac or disabled, by the profile's MAC.
fn over_http(model: &Model, phone: &Phone) -> bool {
    matches!(model.general.config_auth, ConfigAuth::Mac | ConfigAuth::Disabled)
        && phone.mac.is_some()
}

/// A warning for each option set that phones are not sent (or, over HTTP, not sent to stock phones)
/// and each option the module does not use. An option set in a template is reported once, where it
/// is written.
pub fn unsent(model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut note = |raw: &RawSection, table: &[OptionSpec], http: bool| {
        out.extend(section_notes(raw, table, http))
    };
    note(&model.general.raw, crate::model::general::OPTIONS, false);
    for n in &model.networks {
        note(&n.raw, crate::model::network::OPTIONS, false);
    }
    for p in &model.phones {
        note(&p.raw, crate::model::phone::OPTIONS, over_http(model, p));
    }
    for l in &model.lines {
        // Visual voicemail is the primary line's.
        let http = model
            .phones_with_line(&l.name)
            .any(|p| over_http(model, p) && p.primary_line() == Some(l.name.as_str()));
        note(&l.raw, crate::model::line::OPTIONS, http);
    }
    for l in &model.external_lines {
        note(&l.raw, crate::model::external_line::OPTIONS, false);
    }
    for a in &model.applications {
        note(&a.raw, application::options_of(a.subtype()), false);
    }
    for r in &model.ringtones {
        note(&r.raw, crate::model::ringtone::OPTIONS, false);
    }
    for a in &model.alerts {
        note(&a.raw, crate::model::alert::OPTIONS, false);
    }
    for f in &model.firmwares {
        note(&f.raw, crate::model::firmware::OPTIONS, false);
    }
    for m in &model.multicastpages {
        note(&m.raw, crate::model::multicastpage::OPTIONS, false);
    }
    gathered(once_each(out))
}

/// The note about stock phones over HTTP is said once per option, where it is first set, naming how
/// many other sections set it too: a fleet of phones written by a generator would repeat it for each.
fn gathered(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut others: Vec<Vec<String>> = Vec::new();
    for f in findings {
        let repeat = if f.message.starts_with(OVER_HTTP) {
            out.iter().position(|o| o.option == f.option && o.message == f.message)
        } else {
            None
        };
        match repeat {
            Some(i) => others[i].push(f.section),
            None => {
                out.push(f);
                others.push(Vec::new());
            }
        }
    }
    for (f, others) in out.iter_mut().zip(others) {
        if !others.is_empty() {
            let named: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
            let more = if others.len() > 3 { ", …" } else { "" };
            f.message.push_str(&format!(
                " (set so in {} more section{}: {}{more})",
                others.len(),
                if others.len() == 1 { "" } else { "s" },
                named.join(", ")
            ));
        }
    }
    out
}

const OVER_HTTP: &str = "not sent to a phone fetching <mac>.cfg over HTTP";

fn section_notes(raw: &RawSection, table: &[OptionSpec], http: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, e) in raw.entries.iter().enumerate() {
        let value = e.value.trim();
        let Some(spec) = table.iter().find(|s| s.key.eq_ignore_ascii_case(&e.key)) else {
            continue;
        };
        let overridden = raw.entries[i + 1..].iter().any(|l| l.key.eq_ignore_ascii_case(&e.key));
        if value.is_empty() || (!spec.is_list() && overridden) {
            continue;
        }
        let message = match spec.sent {
            Sent::NotSent(why) => format!("accepted, not sent to phones: {why}"),
            Sent::Unused(why) => format!("accepted, not used: {why}"),
            Sent::OverMessageOnly(_, why) if http && enables(spec, value) => {
                format!("{OVER_HTTP} (it has no MESSAGE channel): {why}")
            }
            _ => continue,
        };
        out.push(warning(e, &raw.name, spec.key, message));
    }
    out
}

/// Whether `value` turns a feature on (a yes for a yes/no option, any value for the others).
fn enables(spec: &OptionSpec, value: &str) -> bool {
    spec.kind != Kind::Bool || values::parse_bool(value) == Some(true)
}

fn warning(e: &RawEntry, section: &str, option: &str, message: String) -> Finding {
    Finding {
        severity: Severity::Warning,
        file: e.file.to_string(),
        line: e.line,
        section: section.to_string(),
        option: option.to_string(),
        message,
    }
}

/// Findings without repeats: a template's line is reported once, not for each phone using it.
fn once_each(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: Vec<(String, u32, String, String)> = Vec::new();
    findings
        .into_iter()
        .filter(|f| {
            let key = (f.file.clone(), f.line, f.option.clone(), f.message.clone());
            let new = !seen.contains(&key);
            if new {
                seen.push(key);
            }
            new
        })
        .collect()
}

/// A file a phone fetches, as found in `file_directory`.
enum Fetched {
    /// A full URL: fetched from elsewhere, not checked.
    Elsewhere,
    Missing(String),
    Found(PathBuf, Vec<u8>),
}

fn fetch(dir: &Path, name: &str) -> Fetched {
    if name.contains("://") {
        return Fetched::Elsewhere;
    }
    match files::resolve(dir, name) {
        Err(e) => Fetched::Missing(e.to_string()),
        Ok(path) => match std::fs::read(&path) {
            Ok(bytes) => Fetched::Found(path, bytes),
            Err(e) => Fetched::Missing(format!("{}: {e}", path.display())),
        },
    }
}

/// The logos, Smart BLF sheets and display rules of every phone, each file checked once.
pub fn fetched_files(model: &Model) -> Vec<Finding> {
    let Some(dir) = model.general.file_directory.as_deref() else { return Vec::new() };
    let dir = Path::new(dir);
    let mut out = Vec::new();
    let uses_files = |p: &Phone| {
        !p.logos.is_empty() || p.blf_items.is_some() || p.contacts_display_rules.is_some()
    };
    if !dir.is_dir() {
        if let Some(phone) = model.phones.iter().find(|p| uses_files(p)) {
            let general = &model.general.raw;
            let (file, line) = general
                .last("file_directory")
                .map_or_else(|| phone.raw.location(), |e| (&*e.file, e.line));
            out.push(Finding {
                severity: Severity::Warning,
                file: file.to_string(),
                line,
                section: "general".into(),
                option: "file_directory".into(),
                message: format!(
                    "{} is not a directory here, so the logos, Smart BLF sheets and display rules \
                     phones fetch from it were not checked",
                    dir.display()
                ),
            });
        }
        return out;
    }
    for phone in &model.phones {
        for logo in &phone.logos {
            let option = format!("{}_logo_file", logo.model);
            let Some(entry) = phone.raw.last(&option) else { continue };
            let Some(phone_model) = models::find(logo.model) else { continue };
            match fetch(dir, &logo.file) {
                Fetched::Elsewhere => {}
                Fetched::Missing(why) => {
                    out.push(missing(entry, &phone.name, &option, dir, &why));
                }
                Fetched::Found(path, bytes) => {
                    for (severity, message) in png::check_logo(&bytes, phone_model) {
                        let mut f = warning(entry, &phone.name, &option, String::new());
                        f.severity = severity;
                        f.message = format!("{} {message}", path.display());
                        out.push(f);
                    }
                }
            }
        }
        let sheets = [
            ("blf_items", phone.blf_items.as_deref()),
            ("contacts_display_rules", phone.contacts_display_rules.as_deref()),
        ];
        for (option, file) in sheets {
            let (Some(file), Some(entry)) = (file, phone.raw.last(option)) else { continue };
            let (path, bytes) = match fetch(dir, file) {
                Fetched::Elsewhere => continue,
                Fetched::Missing(why) => {
                    out.push(missing(entry, &phone.name, option, dir, &why));
                    continue;
                }
                Fetched::Found(path, bytes) => (path, bytes),
            };
            let file_finding = |line: u32, severity: Severity, message: String| Finding {
                severity,
                file: path.display().to_string(),
                line,
                section: phone.name.clone(),
                option: option.to_string(),
                message,
            };
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                    let line = u32::try_from(line).unwrap_or(u32::MAX);
                    out.push(file_finding(line, Severity::Error, "is not UTF-8 text".into()));
                    continue;
                }
            };
            let found = if option == "blf_items" {
                sheets::smart_blf(&text, contact_ids(dir, phone).as_deref())
            } else {
                sheets::display_rules(&text)
            };
            out.extend(found.into_iter().map(|f| file_finding(f.line, f.severity, f.message)));
        }
    }
    out.extend(custom_apps(model, dir));
    once_each(out)
}

/// Each custom application's zip: present in `file_directory`, a zip, and of the `md5sum` given.
fn custom_apps(model: &Model, dir: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    for app in &model.applications {
        let application::AppKind::Custom { filename, md5sum, .. } = &app.kind else { continue };
        let Some(entry) = app.raw.last("filename") else { continue };
        let bytes = match fetch(dir, filename) {
            Fetched::Elsewhere => continue,
            Fetched::Missing(why) => {
                out.push(missing(entry, &app.name, "filename", dir, &why));
                continue;
            }
            Fetched::Found(_, bytes) => bytes,
        };
        if !bytes.starts_with(b"PK\x03\x04") && !bytes.starts_with(b"PK\x05\x06") {
            let message = format!("{filename} is not a zip file: phones cannot install it");
            out.push(warning(entry, &app.name, "filename", message));
        }
        let Some(given) = md5sum else { continue };
        let actual = format!("{:x}", md5::compute(&bytes));
        if !given.eq_ignore_ascii_case(&actual) {
            let entry = app.raw.last("md5sum").unwrap_or(entry);
            let message = format!(
                "{given} is not the MD5 of {filename} ({actual}): phones refuse the download"
            );
            out.push(warning(entry, &app.name, "md5sum", message));
        }
    }
    out
}

fn missing(entry: &RawEntry, section: &str, option: &str, dir: &Path, why: &str) -> Finding {
    warning(
        entry,
        section,
        option,
        format!("{why} in file_directory {}: phones get nothing to fetch", dir.display()),
    )
}

/// The contact ids of the phone's contact lists in `dir`, when at least one of them could be read.
fn contact_ids(dir: &Path, phone: &Phone) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let mut read_any = false;
    for name in &phone.contacts {
        if let Fetched::Found(_, bytes) = fetch(dir, name) {
            read_any = true;
            ids.extend(sheets::contact_ids(&String::from_utf8_lossy(&bytes)));
        }
    }
    read_any.then_some(ids)
}

#[cfg(test)]
mod tests;
