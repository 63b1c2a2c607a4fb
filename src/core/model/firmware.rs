//! `type=firmware`: the firmware one phone model should run, fetched from `file_url_prefix`.

use std::sync::Arc;

use super::reader::SectionReader;
use super::spec::{BOOL, OptionSpec, TEXT, opt};
use crate::finding::Finding;
use crate::raw::RawSection;

/// What a firmware section may be for: the phone models ([`super::models::PHONE_MODELS`]), and the
/// D65's EXP100 expansion module, whose firmware the D65 loads onto it.
pub const MODELS: &[&str] = &[
    "D40", "D45", "D50", "D60", "D62", "D65", "D70", "D80", "P310", "P315", "P320", "P325", "P330",
    "P370", "EXP100",
];

/// The phone that loads firmware for an expansion module: the EXP100's goes to the D65.
pub fn carried_by(model: &str) -> Option<&'static str> {
    model.eq_ignore_ascii_case("EXP100").then_some("D65")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Firmware {
    pub name: String,
    /// As the phone names itself, e.g. `D40`.
    pub model: String,
    /// e.g. `1_4_0_0_57389`; the phone reflashes when its own differs.
    pub version: String,
    /// The `.eff` file under `file_url_prefix`.
    pub file: Option<String>,
    /// Also offer the public firmware URL.
    pub public_firmware: Option<bool>,
    pub raw: Arc<RawSection>,
}

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("model", TEXT).to(&["firmwares/firmware@model"]),
    opt("version", TEXT).to(&["firmwares/firmware@version"]),
    opt("file", TEXT).to(&["firmwares/firmware@url"]),
    opt("public_firmware", BOOL).to(&["public_firmwares/public_firmware@url"]),
];

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Firmware> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    r.require("model", "the phone model this firmware is for, e.g. D40");
    r.require("version", "the firmware version, e.g. 1_4_0_0_57389");
    let model = r.text("model").unwrap_or_default();
    if !model.is_empty() && !MODELS.iter().any(|m| m.eq_ignore_ascii_case(&model)) {
        let e = r.entry("model");
        r.warn_at(e, "model", format!("'{model}' is not a known model ({})", MODELS.join(", ")));
    }
    let public_firmware = r.flag("public_firmware");
    let file = r.text("file");
    if file.is_none() && public_firmware != Some(true) {
        r.warn_at(
            None,
            "file",
            "no file= and no public_firmware = yes: phones have nothing to fetch",
        );
    }
    let firmware = Firmware {
        name: section.name.clone(),
        model,
        version: r.text("version").unwrap_or_default(),
        file,
        public_firmware,
        raw: Arc::clone(section),
    };
    r.finish().then_some(firmware)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_phone_model_takes_firmware() {
        for model in super::super::models::PHONE_MODELS {
            assert!(super::MODELS.contains(&model.name), "{}", model.name);
        }
    }
}
