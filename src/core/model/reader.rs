//! Reads one section's options with their types, recording a finding for every problem.
//!
//! Each section type lists its known options; an option read with the wrong type gets an error, an
//! option nobody asked for gets a warning with the nearest known name.

use crate::core::finding::{Finding, Severity};
use crate::core::raw::{RawEntry, RawSection};
use crate::core::secret::Secret;

pub(crate) struct SectionReader<'a> {
    section: &'a RawSection,
    findings: &'a mut Vec<Finding>,
    known: &'static [&'static str],
    errors: usize,
}

impl<'a> SectionReader<'a> {
    pub fn new(
        section: &'a RawSection,
        known: &'static [&'static str],
        findings: &'a mut Vec<Finding>,
    ) -> Self {
        Self { section, findings, known, errors: 0 }
    }

    fn push(
        &mut self,
        severity: Severity,
        entry: Option<&RawEntry>,
        option: &str,
        message: String,
    ) {
        let (file, line) = match entry {
            Some(e) => (e.file.as_str(), e.line),
            None => self.section.location(),
        };
        if severity == Severity::Error {
            self.errors += 1;
        }
        self.findings.push(Finding {
            severity,
            file: file.to_string(),
            line,
            section: self.section.name.clone(),
            option: option.to_string(),
            message,
        });
    }

    pub fn error_at(&mut self, entry: Option<&RawEntry>, option: &str, message: impl Into<String>) {
        self.push(Severity::Error, entry, option, message.into());
    }

    pub fn warn_at(&mut self, entry: Option<&RawEntry>, option: &str, message: impl Into<String>) {
        self.push(Severity::Warning, entry, option, message.into());
    }

    /// The last value of a single-valued option, if set (an empty value counts as unset).
    pub fn entry(&self, key: &str) -> Option<&'a RawEntry> {
        debug_assert!(self.known.contains(&key), "option {key} missing from its known list");
        self.section.last(key).filter(|e| !e.value.trim().is_empty())
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.entry(key).map(|e| e.value.trim().to_string())
    }

    pub fn string_or(&self, key: &str, default: &str) -> String {
        self.string(key).unwrap_or_else(|| default.to_string())
    }

    pub fn secret(&self, key: &str) -> Secret {
        Secret::new(self.entry(key).map(|e| e.value.trim()).unwrap_or_default())
    }

    /// Every value of a repeated option, in order; a value may also list several names with commas.
    pub fn list(&self, key: &str) -> Vec<(&'a RawEntry, String)> {
        debug_assert!(self.known.contains(&key), "option {key} missing from its known list");
        self.section
            .entries
            .iter()
            .filter(|e| e.key.eq_ignore_ascii_case(key))
            .flat_map(|e| {
                e.value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(move |v| (e, v.to_string()))
            })
            .collect()
    }

    pub fn bool(&mut self, key: &str, default: bool) -> bool {
        let Some(e) = self.entry(key) else { return default };
        match parse_bool(&e.value) {
            Some(b) => b,
            None => {
                self.error_at(Some(e), key, format!("'{}' is not yes or no", e.value.trim()));
                default
            }
        }
    }

    pub fn number(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let e = self.entry(key)?;
        match e.value.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(n) => {
                self.error_at(Some(e), key, format!("{n} is out of range ({min} to {max})"));
                None
            }
            Err(_) => {
                self.error_at(Some(e), key, format!("'{}' is not a whole number", e.value.trim()));
                None
            }
        }
    }

    pub fn port(&mut self, key: &str) -> Option<u16> {
        self.number(key, 1, 65535).and_then(|n| u16::try_from(n).ok())
    }

    /// One of `choices`, compared without case; returns the choice as spelled in `choices`.
    pub fn choice(&mut self, key: &str, choices: &[&'static str]) -> Option<&'static str> {
        let e = self.entry(key)?;
        let v = e.value.trim();
        match choices.iter().find(|c| c.eq_ignore_ascii_case(v)) {
            Some(c) => Some(*c),
            None => {
                self.error_at(Some(e), key, format!("'{v}' is not one of: {}", choices.join(", ")));
                None
            }
        }
    }

    /// Warns about every option that is not known for this section type, then reports whether the
    /// section had no error.
    pub fn finish(mut self) -> bool {
        let section = self.section;
        let mut seen: Vec<&str> = Vec::new();
        for e in &section.entries {
            let key = e.key.as_str();
            if key.eq_ignore_ascii_case("type")
                || self.known.iter().any(|k| k.eq_ignore_ascii_case(key))
                || seen.iter().any(|s| s.eq_ignore_ascii_case(key))
            {
                continue;
            }
            seen.push(key);
            let hint = match suggest(key, self.known) {
                Some(s) => format!("unknown option (did you mean '{s}'?); ignored"),
                None => "unknown option; ignored".to_string(),
            };
            self.warn_at(Some(e), key, hint);
        }
        self.errors == 0
    }
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    // The words ast_true / ast_false accept.
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "t" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "f" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// The known name nearest to `key`, if it is near enough to be a typo.
pub(crate) fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_typos_only() {
        let known = &["full_name", "mac", "line", "parking_exten"];
        assert_eq!(suggest("fullname", known), Some("full_name"));
        assert_eq!(suggest("parking_extn", known), Some("parking_exten"));
        assert_eq!(suggest("completely_else", known), None);
    }

    #[test]
    fn booleans_as_asterisk_reads_them() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
