//! The options in effect for a section, for display: set values, else documented defaults, repeated
//! options once per value, secrets masked.
//!
//! Masking has one rule: an option its table marks secret ([`OptionSpec::is_secret`]) is shown as
//! [`MASK`] wherever it has a value, here and in dumps of the raw files ([`mask_secrets`]).

use super::spec::{self, Fallback, OptionSpec, Repeat, SectionType};
use crate::raw::{RawConfig, RawSection};
use crate::secret::MASK;

fn shown(spec: &OptionSpec, value: &str) -> String {
    if spec.is_secret() && !value.is_empty() { MASK.to_string() } else { value.to_string() }
}

/// `(key, value)` pairs for `section` read with `specs`, in table order, then `extra` as given.
pub(crate) fn effective(
    section: &RawSection,
    type_name: Option<&str>,
    specs: &[OptionSpec],
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(t) = type_name {
        out.push(("type".into(), t.into()));
    }
    for spec in specs {
        let shown = |value: &str| shown(spec, value);
        match spec.repeat {
            Repeat::Single => {
                if let Some(value) = single(section, specs, spec) {
                    out.push((spec.key.into(), shown(&value)));
                }
            }
            Repeat::Lines | Repeat::CommaLists => {
                let values = section
                    .entries
                    .iter()
                    .filter(|e| e.key.eq_ignore_ascii_case(spec.key))
                    .flat_map(|e| {
                        let v = e.value.trim();
                        if spec.repeat == Repeat::CommaLists {
                            v.split(',')
                                .map(str::trim)
                                .filter(|v| !v.is_empty())
                                .map(str::to_string)
                                .collect::<Vec<_>>()
                        } else if v.is_empty() {
                            Vec::new()
                        } else {
                            vec![v.to_string()]
                        }
                    });
                out.extend(values.map(|v| (spec.key.to_string(), shown(&v))));
            }
        }
    }
    out.extend(extra.iter().cloned());
    out
}

/// The value a single option has in effect, or its default.
fn single(section: &RawSection, specs: &[OptionSpec], spec: &OptionSpec) -> Option<String> {
    if let Some(e) = section.last(spec.key).filter(|e| !e.value.trim().is_empty()) {
        return Some(e.value.trim().to_string());
    }
    match spec.fallback {
        Fallback::Unset => None,
        Fallback::Value(v) => Some(v.to_string()),
        Fallback::SectionName => Some(section.name.clone()),
        Fallback::SameAs(other) => {
            let other = specs.iter().find(|s| s.key == other)?;
            single(section, specs, other)
        }
    }
}

/// The option table a raw section is read with: `[general]`'s, else its `type=`'s; `None` for a
/// template or section that names no known type.
fn table_of(section: &RawSection) -> Option<&'static [OptionSpec]> {
    if section.name.eq_ignore_ascii_case("general") {
        return Some(super::general::OPTIONS);
    }
    let kind = section.last("type")?;
    Some(SectionType::from_name(&kind.value)?.options())
}

/// Whether `key` is secret in `table`, or, where the section's type is not known (a template without
/// `type=`), in any table.
fn is_secret_in(table: Option<&'static [OptionSpec]>, key: &str) -> bool {
    match table {
        Some(table) => spec::find(table, key).is_some_and(OptionSpec::is_secret),
        None => every_table().any(|t| spec::find(t, key).is_some_and(OptionSpec::is_secret)),
    }
}

/// Every option table: `[general]`'s and each section type's.
pub(crate) fn every_table() -> impl Iterator<Item = &'static [OptionSpec]> {
    std::iter::once(super::general::OPTIONS)
        .chain(SectionType::ALL.into_iter().map(|t| t.options()))
}

/// `raw` with every secret option's value masked, for the dumps people read (`digium_phones show
/// config`, `digium-phones dump`).
pub fn mask_secrets(raw: &RawConfig) -> RawConfig {
    let mut masked = raw.clone();
    for section in &mut masked.sections {
        let section = std::sync::Arc::make_mut(section);
        let table = table_of(section);
        for entry in &mut section.entries {
            if !entry.value.trim().is_empty() && is_secret_in(table, &entry.key) {
                entry.value = MASK.into();
            }
        }
    }
    masked
}
