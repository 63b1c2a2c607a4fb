//! The validated configuration: what `res_digium_phone.conf` means.
//!
//! [`build`] reads every section, checks its options and the references between sections, and
//! returns the model with every finding. A section with an error is not served; on a reload, a
//! section that was fine in the last good configuration keeps its last good definition, so one typo
//! never takes a working phone out of service.

pub mod external_line;
pub mod general;
pub mod line;
pub mod mac;
pub mod phone;
pub(crate) mod reader;

use std::collections::{HashMap, HashSet};

use crate::core::finding::{Finding, Severity};
use crate::core::raw::{RawConfig, RawSection};
pub use external_line::ExternalLine;
pub use general::General;
pub use line::Line;
pub use phone::Phone;

/// Section types DPMA knows. Those this version does not model yet are accepted and kept aside.
pub const SECTION_TYPES: &[&str] = &[
    "network",
    "phone",
    "line",
    "external_line",
    "application",
    "ringtone",
    "alert",
    "firmware",
    "translation",
    "multicastpage",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub general: General,
    pub phones: Vec<Phone>,
    pub lines: Vec<Line>,
    pub external_lines: Vec<ExternalLine>,
    /// Sections of the types not modelled yet, kept so they can be shown and resolved later.
    pub other_sections: Vec<RawSection>,
}

impl Model {
    pub fn phone(&self, name: &str) -> Option<&Phone> {
        self.phones.iter().find(|p| p.name == name)
    }

    pub fn line(&self, name: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.name == name)
    }

    pub fn external_line(&self, name: &str) -> Option<&ExternalLine> {
        self.external_lines.iter().find(|l| l.name == name)
    }

    /// The phones that use a line, by name, in configuration order.
    pub fn phones_with_line(&self, line: &str) -> impl Iterator<Item = &Phone> {
        self.phones.iter().filter(move |p| p.lines.iter().any(|r| r.name == line))
    }
}

/// The result of reading a configuration.
#[derive(Debug, Clone)]
pub struct Built {
    pub model: Model,
    pub findings: Vec<Finding>,
}

impl Built {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// Builds the model of `raw`. `previous` is the configuration being served, whose definitions stand in
/// for sections that are now in error.
pub fn build(raw: &RawConfig, previous: Option<&Model>) -> Built {
    let mut findings = Vec::new();
    let mut model = Model::default();
    let mut general_sections: Vec<&RawSection> = Vec::new();
    let mut seen: HashMap<(&str, &str), (String, u32)> = HashMap::new();

    for section in raw.concrete() {
        if section.name.eq_ignore_ascii_case("general") {
            general_sections.push(section);
            continue;
        }
        let Some(kind) = section_type(section, &mut findings) else { continue };
        let (file, line) = section.location();
        if let Some((first_file, first_line)) = seen.get(&(kind, section.name.as_str())) {
            findings.push(section_finding(
                section,
                Severity::Error,
                "",
                format!("a {kind} named '{}' is already defined at {first_file}:{first_line}; this one is ignored", section.name),
            ));
            continue;
        }
        seen.insert((kind, section.name.as_str()), (file.to_string(), line));
        let ok = match kind {
            "phone" => phone::read(section, &mut findings).map(|p| model.phones.push(p)).is_some(),
            "line" => line::read(section, &mut findings).map(|l| model.lines.push(l)).is_some(),
            "external_line" => external_line::read(section, &mut findings)
                .map(|l| model.external_lines.push(l))
                .is_some(),
            _ => {
                model.other_sections.push(section.clone());
                true
            }
        };
        if !ok {
            keep_last_good(kind, section, previous, &mut model, &mut findings);
        }
    }

    model.general = match general_sections.as_slice() {
        [] => General::default(),
        [one] => general::read(one, &mut findings),
        many => {
            // `[general]` written twice is read as one section, in file order.
            let merged = RawSection {
                name: "general".into(),
                entries: many.iter().flat_map(|s| s.entries.iter().cloned()).collect(),
                ..Default::default()
            };
            general::read(&merged, &mut findings)
        }
    };

    resolve_references(&mut model, &mut findings);
    check_phone_identity(&mut model, &mut findings);
    Built { model, findings }
}

fn section_type(section: &RawSection, findings: &mut Vec<Finding>) -> Option<&'static str> {
    let Some(entry) = section.last("type") else {
        findings.push(section_finding(
            section,
            Severity::Error,
            "type",
            format!("no type= option; set one of: {}; section ignored", SECTION_TYPES.join(", ")),
        ));
        return None;
    };
    let value = entry.value.trim();
    if let Some(t) = SECTION_TYPES.iter().find(|t| t.eq_ignore_ascii_case(value)) {
        return Some(t);
    }
    let hint = reader::suggest(value, SECTION_TYPES)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    findings.push(Finding {
        severity: Severity::Error,
        file: entry.file.clone(),
        line: entry.line,
        section: section.name.clone(),
        option: "type".into(),
        message: format!("unknown section type '{value}'{hint}; section ignored"),
    });
    None
}

fn section_finding(
    section: &RawSection,
    severity: Severity,
    option: &str,
    message: String,
) -> Finding {
    let (file, line) = section.location();
    Finding {
        severity,
        file: file.to_string(),
        line,
        section: section.name.clone(),
        option: option.to_string(),
        message,
    }
}

/// A section in error is replaced by its definition in the configuration being served, if any.
fn keep_last_good(
    kind: &str,
    section: &RawSection,
    previous: Option<&Model>,
    model: &mut Model,
    findings: &mut Vec<Finding>,
) {
    let name = section.name.as_str();
    let kept = match (kind, previous) {
        ("phone", Some(prev)) => prev.phone(name).cloned().map(|p| model.phones.push(p)).is_some(),
        ("line", Some(prev)) => prev.line(name).cloned().map(|l| model.lines.push(l)).is_some(),
        ("external_line", Some(prev)) => {
            prev.external_line(name).cloned().map(|l| model.external_lines.push(l)).is_some()
        }
        _ => false,
    };
    let message = if kept {
        format!("{kind} '{name}' has errors; its last good definition stays in service")
    } else {
        format!("{kind} '{name}' has errors and is not served")
    };
    findings.push(section_finding(section, Severity::Error, "", message));
}

/// Every `line=` and `external_line=` must name a section that is being served.
fn resolve_references(model: &mut Model, findings: &mut Vec<Finding>) {
    let lines: HashSet<&str> = model.lines.iter().map(|l| l.name.as_str()).collect();
    let externals: HashSet<&str> = model.external_lines.iter().map(|l| l.name.as_str()).collect();
    let mut dropped = Vec::new();
    for phone in &model.phones {
        let mut ok = true;
        for (key, refs, known) in
            [("line", &phone.lines, &lines), ("external_line", &phone.external_lines, &externals)]
        {
            for r in refs {
                if !known.contains(r.name.as_str()) {
                    ok = false;
                    let other = if key == "line" { &externals } else { &lines };
                    let hint = if other.contains(r.name.as_str()) {
                        format!(
                            " ('{}' is a{} section)",
                            r.name,
                            if key == "line" { "n external_line" } else { " line" }
                        )
                    } else {
                        String::new()
                    };
                    findings.push(Finding {
                        severity: Severity::Error,
                        file: r.file.clone(),
                        line: r.line,
                        section: phone.name.clone(),
                        option: key.to_string(),
                        message: format!(
                            "no {key} section named '{}'{hint}; phone not served",
                            r.name
                        ),
                    });
                }
            }
        }
        if !ok {
            dropped.push(phone.name.clone());
        }
    }
    model.phones.retain(|p| !dropped.contains(&p.name));
}

/// A MAC identifies one phone; the second profile claiming it is refused.
fn check_phone_identity(model: &mut Model, findings: &mut Vec<Finding>) {
    let mut owners: HashMap<mac::Mac, String> = HashMap::new();
    let mut dropped = Vec::new();
    for phone in &model.phones {
        let Some(m) = phone.mac else { continue };
        if let Some(owner) = owners.get(&m) {
            let e = phone.raw.last("mac");
            findings.push(Finding {
                severity: Severity::Error,
                file: e.map(|e| e.file.clone()).unwrap_or_default(),
                line: e.map_or(0, |e| e.line),
                section: phone.name.clone(),
                option: "mac".into(),
                message: format!("MAC {m} is already used by phone '{owner}'; phone not served"),
            });
            dropped.push(phone.name.clone());
        } else {
            owners.insert(m, phone.name.clone());
        }
    }
    model.phones.retain(|p| !dropped.contains(&p.name));
    for phone in &model.phones {
        if phone.mac.is_none() && model.general.config_auth == general::ConfigAuth::Mac {
            findings.push(section_finding(
                &phone.raw,
                Severity::Warning,
                "mac",
                "config_auth=mac but the phone has no mac=, so no phone can claim it".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
