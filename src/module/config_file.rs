//! The commands about the configuration file itself: `check config`, `show config`.

use crate::ffi::cli::{Args, Outcome};
use crate::ffi::config::{self as ast_config, Loaded};
use digium_phones_core::model;

use super::config;

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
    let built = config::build(&raw, Some(&current.model));
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
/// followed, secrets masked), in the same form as `digium-phones dump`.
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
            a.print(&model::options::mask_secrets(&raw).dump(&dir));
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
