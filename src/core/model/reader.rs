//! Reads one section's options by their [`OptionSpec`]s, recording a finding for every problem.
//!
//! On creation every option in effect is checked against its kind (the last value of a single option,
//! every value of a repeated one; an empty value means "unset"). The typed getters then hand out the
//! values, or the documented default. [`SectionReader::finish`] warns about options nobody knows, with
//! the nearest known name, and tells whether the section had an error.

use super::phone::Reference;
use super::spec::{self, Fallback, Kind, OptionSpec, Repeat};
use super::values;
use crate::finding::{Finding, Severity};
use crate::raw::{RawEntry, RawSection};
use crate::secret::Secret;

pub(crate) struct SectionReader<'a> {
    section: &'a RawSection,
    specs: &'static [OptionSpec],
    table: spec::Table,
    /// The table position of each entry's option (`None`: not in the table).
    entry_specs: Vec<Option<u32>>,
    /// For each option of the table, its last entry: the one in effect.
    last_entries: Vec<Option<u32>>,
    /// Where the previous getter's option sat: callers mostly ask in table order, so the next
    /// option is tried before the table's index.
    cursor: std::cell::Cell<usize>,
    findings: &'a mut Vec<Finding>,
    errors: usize,
    /// Options outside `specs` are passed on rather than warned about (custom applications).
    accept_unknown: bool,
    /// Options outside `specs` already warned about more precisely.
    explained: Vec<String>,
}

impl<'a> SectionReader<'a> {
    pub fn new(
        section: &'a RawSection,
        specs: &'static [OptionSpec],
        findings: &'a mut Vec<Finding>,
    ) -> Self {
        let table = spec::Table::of(specs);
        let entry_specs: Vec<Option<u32>> = section
            .entries
            .iter()
            .map(|e| table.position(&e.key).and_then(|i| u32::try_from(i).ok()))
            .collect();
        let mut last_entries = vec![None; specs.len()];
        for (i, spec) in entry_specs.iter().enumerate() {
            if let (Some(spec), Ok(i)) = (spec, u32::try_from(i)) {
                last_entries[*spec as usize] = Some(i);
            }
        }
        let mut reader = Self {
            section,
            specs,
            table,
            entry_specs,
            last_entries,
            cursor: std::cell::Cell::new(0),
            findings,
            errors: 0,
            accept_unknown: false,
            explained: Vec::new(),
        };
        reader.check_values();
        reader
    }

    fn check_values(&mut self) {
        let section = self.section;
        for (i, e) in section.entries.iter().enumerate() {
            let Some(position) = self.entry_specs[i] else { continue };
            let spec = &self.specs[position as usize];
            let in_effect = self.last_entries[position as usize] == u32::try_from(i).ok();
            if !spec.is_list() && !in_effect {
                continue;
            }
            for value in split(spec, &e.value) {
                if let Err(problem) = values::check(spec.kind, value) {
                    self.error_at(Some(e), spec.key, problem);
                }
            }
        }
    }

    /// Where `key` sits in the table: the option after the last one asked for, else the index.
    fn position(&self, key: &str) -> Option<usize> {
        let next = self.cursor.get();
        let found = match self.specs.get(next) {
            Some(spec) if spec.key == key => Some(next),
            _ => self.table.position(key),
        };
        debug_assert!(found.is_some(), "option {key} missing from its section's table");
        if let Some(i) = found {
            self.cursor.set(i + 1);
        }
        found
    }

    fn push(
        &mut self,
        severity: Severity,
        entry: Option<&RawEntry>,
        option: &str,
        message: String,
    ) {
        let (file, line) = match entry {
            Some(e) => (&*e.file, e.line),
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

    /// An error about an option that must be set and is not.
    pub fn require(&mut self, key: &str, why: &str) {
        if self.entry(key).is_none() {
            self.error_at(None, key, format!("{key} must be set: {why}"));
        }
    }

    pub fn accept_unknown(&mut self) {
        self.accept_unknown = true;
    }

    /// `key` is not for this section and the caller has said why: no "unknown option" warning for it.
    pub fn known_elsewhere(&mut self, key: &str) {
        self.explained.push(key.to_string());
    }

    /// The entry in effect for the option at `position` (an empty value counts as unset).
    fn entry_at(&self, position: usize) -> Option<&'a RawEntry> {
        let i = self.last_entries[position]?;
        Some(&self.section.entries[i as usize]).filter(|e| !e.value.trim().is_empty())
    }

    /// The entry in effect for a single-valued option (an empty value counts as unset).
    pub fn entry(&self, key: &str) -> Option<&'a RawEntry> {
        self.entry_at(self.position(key)?)
    }

    /// The value set, else the documented default; borrowed, since most callers only parse it.
    fn raw_value(&self, key: &str) -> Option<&'a str> {
        self.raw_value_at(self.position(key)?)
    }

    fn raw_value_at(&self, position: usize) -> Option<&'a str> {
        if let Some(e) = self.entry_at(position) {
            return Some(e.value.trim());
        }
        match self.specs[position].fallback {
            Fallback::Value(v) => Some(v),
            Fallback::SectionName => Some(self.section.name.as_str()),
            Fallback::SameAs(other) => self.raw_value(other),
            Fallback::Unset => None,
        }
    }

    pub fn text(&self, key: &str) -> Option<String> {
        self.raw_value(key).map(str::to_string)
    }

    /// [`Self::text`] in the smallest form, for what the model keeps.
    pub fn boxed_text(&self, key: &str) -> Option<Box<str>> {
        self.raw_value(key).map(Box::from)
    }

    pub fn secret(&self, key: &str) -> Secret {
        Secret::new(self.raw_value(key).unwrap_or_default().to_string())
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.raw_value(key).and_then(values::parse_bool)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        let position = self.position(key)?;
        let Kind::Int { min, max } = self.specs[position].kind else { return None };
        self.raw_value_at(position).and_then(|v| values::parse_int(v, min, max).ok())
    }

    pub fn port(&self, key: &str) -> Option<u16> {
        self.raw_value(key).and_then(|v| v.parse::<u16>().ok()).filter(|p| *p > 0)
    }

    /// The choice in effect, spelled as in the option's table.
    pub fn choice(&self, key: &str) -> Option<&'static str> {
        let position = self.position(key)?;
        let choices = match self.specs[position].kind {
            Kind::Choice(c) | Kind::ExactChoice(c) => c,
            _ => return None,
        };
        self.raw_value_at(position).and_then(|v| values::choice(choices, v))
    }

    /// Every value of a repeated option, in order, with the entry it came from.
    pub fn list(&self, key: &str) -> Vec<(&'a RawEntry, String)> {
        let Some(position) = self.position(key) else { return Vec::new() };
        if self.last_entries[position].is_none() {
            return Vec::new();
        }
        let spec = &self.specs[position];
        let wanted = u32::try_from(position).ok();
        self.section
            .entries
            .iter()
            .zip(&self.entry_specs)
            .filter(|(_, p)| **p == wanted)
            .flat_map(|(e, _)| split(spec, &e.value).into_iter().map(move |v| (e, v.to_string())))
            .collect()
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.list(key).into_iter().map(|(_, v)| v).collect()
    }

    /// The sections a repeated option names, in order.
    pub fn references(&self, key: &str) -> Vec<Reference> {
        self.list(key).into_iter().map(|(e, name)| Reference::at(name, e)).collect()
    }

    /// The section a single option names.
    pub fn reference(&self, key: &str) -> Option<Reference> {
        self.entry(key).map(|e| Reference::at(e.value.trim().to_string(), e))
    }

    /// Warns about every option unknown to this section type (once per name), then reports whether
    /// the section had no error.
    pub fn finish(mut self) -> bool {
        if !self.accept_unknown {
            let section = self.section;
            let mut seen: Vec<&str> = Vec::new();
            let entry_specs = std::mem::take(&mut self.entry_specs);
            for (e, position) in section.entries.iter().zip(&entry_specs) {
                let key = &*e.key;
                if key.eq_ignore_ascii_case("type")
                    || position.is_some()
                    || self.explained.iter().any(|k| k.eq_ignore_ascii_case(key))
                    || seen.iter().any(|s| s.eq_ignore_ascii_case(key))
                {
                    continue;
                }
                seen.push(key);
                // Prefer a name whose type the value fits: `registration = yes` means `register`.
                let known: Vec<&'static str> = self.specs.iter().map(|s| s.key).collect();
                let candidates = suggestions(key, &known);
                let fits = |k: &&&str| {
                    self.table
                        .find(k)
                        .is_some_and(|s| values::check(s.kind, e.value.trim()).is_ok())
                };
                let best = candidates.iter().find(fits).or(candidates.first());
                let hint = match best {
                    Some(s) => format!("unknown option (did you mean '{s}'?); ignored"),
                    None => "unknown option; ignored".to_string(),
                };
                self.warn_at(Some(e), key, hint);
            }
        }
        self.errors == 0
    }
}

/// The values one line of an option holds: one, or a comma-separated list.
fn split<'v>(spec: &OptionSpec, value: &'v str) -> Vec<&'v str> {
    let value = value.trim();
    match spec.repeat {
        Repeat::CommaLists => value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect(),
        Repeat::Single | Repeat::Lines if value.is_empty() => Vec::new(),
        Repeat::Single | Repeat::Lines => vec![value],
    }
}

/// The known name nearest to `key`, if one is near enough to be a typo.
pub(crate) fn suggest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    suggestions(key, known).first().copied()
}

/// Known names `key` may be a typo of, best first: those a few edits away, then those sharing most
/// of its beginning (`registration` for `register`).
pub(crate) fn suggestions(key: &str, known: &[&'static str]) -> Vec<&'static str> {
    let key = key.to_ascii_lowercase();
    let mut near: Vec<(usize, &'static str)> = known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .collect();
    near.sort_by_key(|(d, _)| *d);
    let common = |k: &str| k.bytes().zip(key.bytes()).take_while(|(a, b)| a == b).count();
    let mut prefixed: Vec<(usize, &'static str)> = known
        .iter()
        .map(|k| (common(k), *k))
        .filter(|(n, k)| *n >= 6 && n * 4 >= k.len().min(key.len()) * 3)
        .filter(|(_, k)| !near.iter().any(|(_, n)| n == k))
        .collect();
    prefixed.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    near.into_iter().chain(prefixed).map(|(_, k)| k).collect()
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
        let known = &["full_name", "mac", "line", "parking_exten", "register"];
        assert_eq!(suggest("fullname", known), Some("full_name"));
        assert_eq!(suggest("parking_extn", known), Some("parking_exten"));
        assert_eq!(suggest("registration", known), Some("register"));
        assert_eq!(suggest("completely_else", known), None);
    }
}
