//! `digium_phones show <kind>s` and `show <kind> <name>` for the section types beyond phones and
//! lines, and the commands about the configuration file itself.

use crate::ffi::cli::{Args, Outcome};
use crate::ffi::config::{self as ast_config, Loaded};
use digium_phones_core::model::{self, Model};
use digium_phones_core::table;

use super::commands::details;
use super::config;

/// A section type as the CLI shows it: its `type=` name and the options shown as list columns.
pub(crate) struct Kind {
    pub type_name: &'static str,
    pub title: &'static str,
    pub columns: &'static [&'static str],
}

pub(crate) const NETWORK: Kind = Kind {
    type_name: "network",
    title: "Network",
    columns: &["alias", "cidr", "registration_address", "registration_port", "transport"],
};
pub(crate) const APPLICATION: Kind =
    Kind { type_name: "application", title: "Application", columns: &["application"] };
pub(crate) const ALERT: Kind =
    Kind { type_name: "alert", title: "Alert", columns: &["alert_info", "ring_type", "ringtone"] };
pub(crate) const RINGTONE: Kind =
    Kind { type_name: "ringtone", title: "Ringtone", columns: &["alias", "filename"] };
pub(crate) const FIRMWARE: Kind =
    Kind { type_name: "firmware", title: "Firmware", columns: &["model", "version", "file"] };
pub(crate) const TRANSLATION: Kind =
    Kind { type_name: "translation", title: "Translation", columns: &[] };
pub(crate) const MULTICASTPAGE: Kind = Kind {
    type_name: "multicastpage",
    title: "Multicast Page",
    columns: &["alias", "address", "port", "priority"],
};

/// Names of the served sections of a type, in configuration order.
pub(crate) fn names(m: &Model, type_name: &str) -> Vec<String> {
    fn collect<T>(items: &[T], name: impl Fn(&T) -> &String) -> Vec<String> {
        items.iter().map(|i| name(i).clone()).collect()
    }
    match type_name {
        "network" => collect(&m.networks, |n| &n.name),
        "application" => collect(&m.applications, |n| &n.name),
        "alert" => collect(&m.alerts, |n| &n.name),
        "ringtone" => collect(&m.ringtones, |n| &n.name),
        "firmware" => collect(&m.firmwares, |n| &n.name),
        "translation" => collect(&m.translations, |n| &n.name),
        "multicastpage" => collect(&m.multicastpages, |n| &n.name),
        _ => Vec::new(),
    }
}

/// `show <kind>s` (argc 3) lists; `show <kind> <name>` (argc 4) details, for commands that share a
/// word for both (`show firmware`).
pub(crate) fn list(a: &mut Args, kind: &Kind) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let snapshot = config::current();
    let m = &snapshot.model;
    let rows: Vec<Vec<String>> = names(m, kind.type_name)
        .into_iter()
        .map(|name| {
            let options = m.options(kind.type_name, &name).unwrap_or_default();
            let value = |key: &str| {
                options
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let mut row = vec![name.clone()];
            row.extend(kind.columns.iter().map(|c| value(c)));
            row
        })
        .collect();
    let mut headers = vec![kind.title];
    headers.extend(kind.columns.iter());
    a.print(&table::render(&headers, &rows));
    a.print(&format!("\nObjects found: {}\n", rows.len()));
    Outcome::Success
}

pub(crate) fn show(a: &mut Args, kind: &Kind) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    if !names(&snapshot.model, kind.type_name).iter().any(|n| n == name) {
        a.print(&format!("No {} named '{name}'.\n", kind.type_name));
        return Outcome::Failure;
    }
    a.print(&details(&snapshot.model, kind.type_name, name));
    Outcome::Success
}

pub(crate) fn complete(pos: usize, kind: &Kind) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    names(&config::current().model, kind.type_name)
}

/// `digium_phones check config`: reads the file on disk as a reload would, applies nothing.
pub(crate) fn check_config(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    // Its own `who_asked`, so checking never makes the next reload think the file is unchanged.
    let raw = match ast_config::load(config::FILE, "res_digium_phone/check", false) {
        Loaded::Config(raw) => raw,
        Loaded::Missing => {
            a.print(&format!("{} does not exist.\n", config::FILE));
            return Outcome::Failure;
        }
        _ => {
            a.print(&format!("{} cannot be parsed; Asterisk's log says where.\n", config::FILE));
            return Outcome::Failure;
        }
    };
    let current = config::current();
    let built = model::build(&raw, Some(&current.model));
    for f in &built.findings {
        a.print(&format!("{f}\n"));
    }
    a.print(&format!(
        "{}: {} errors, {} warnings; {} phones would be served. Nothing was applied.\n",
        config::FILE,
        built.errors(),
        built.warnings(),
        built.model.phones.len()
    ));
    Outcome::Success
}

/// `digium_phones show config [<file>]`: the file as Asterisk read it (templates applied, includes
/// followed), in the same form as `digium-phones dump`.
pub(crate) fn show_config(a: &mut Args) -> Outcome {
    let file = match a.argv.as_slice() {
        [_, _, _] => config::FILE.to_string(),
        [_, _, _, file] => file.clone(),
        _ => return Outcome::ShowUsage,
    };
    match ast_config::load(&file, "res_digium_phone/show", false) {
        Loaded::Config(raw) => {
            let dir = if file.starts_with('/') {
                file.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
            } else {
                ast_config::config_dir()
            };
            a.print(&raw.dump(&dir));
            Outcome::Success
        }
        Loaded::Missing => {
            a.print(&format!("{file} does not exist.\n"));
            Outcome::Failure
        }
        _ => {
            a.print(&format!("{file} cannot be parsed; Asterisk's log says where.\n"));
            Outcome::Failure
        }
    }
}
