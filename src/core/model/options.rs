//! The options in effect for a section, for display: set values, else documented defaults, repeated
//! options once per value, secrets masked.

use super::spec::{Fallback, OptionSpec, Repeat};
use crate::raw::RawSection;
use crate::secret::MASK;

/// Options whose values are never shown.
pub const SECRET_OPTIONS: &[&str] =
    &["secret", "pin", "globalpin", "8021x_password", "http_password"];

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
        let shown = |value: &str| {
            if SECRET_OPTIONS.iter().any(|s| s.eq_ignore_ascii_case(spec.key)) && !value.is_empty()
            {
                MASK.to_string()
            } else {
                value.to_string()
            }
        };
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
