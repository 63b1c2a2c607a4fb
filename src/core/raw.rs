//! The seam between the config readers and the model: sections in file order, each entry with its
//! file and line, templates already applied (inherited entries first, as Asterisk keeps them) and
//! repeated keys kept in order.

use std::sync::Arc;

/// A configuration file as read, before any meaning is given to it. Sections are shared: the model
/// keeps each phone's and line's own (for `show config` and the file:line of findings) without a
/// copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawConfig {
    pub sections: Vec<Arc<RawSection>>,
}

/// One `[name]` category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSection {
    pub name: String,
    /// `[name](!)`: a template, only inherited from.
    pub is_template: bool,
    /// The templates named in `[name](a,b)`, in order.
    pub templates: Vec<String>,
    pub entries: Vec<RawEntry>,
}

/// One `key = value` line. Keys and file names repeat across a file and are shared ([`Interner`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawEntry {
    pub key: SharedName,
    pub value: Box<str>,
    pub file: SharedName,
    pub line: u32,
    /// Copied from a template.
    pub inherited: bool,
}

/// A key or file name shared by every entry that has it, held by one pointer where an `Arc<str>`
/// takes two: 40 bytes an entry instead of 56, some 3 MB of a 10,000-phone file.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedName(Arc<Box<str>>);

impl std::ops::Deref for SharedName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedName {
    fn from(text: &str) -> Self {
        Self(Arc::new(text.into()))
    }
}

impl std::fmt::Debug for SharedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl std::fmt::Display for SharedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// One shared copy of each key and file name a reader meets: a file of 10,000 phones repeats a few
/// dozen of them some 200,000 times.
#[derive(Debug, Default)]
pub struct Interner(crate::names::NameSet<SharedName>);

impl Interner {
    pub fn get(&mut self, text: &str) -> SharedName {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared = SharedName::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

impl RawSection {
    /// The value a single-valued option takes: the last one wins, so a section overrides its templates.
    pub fn last(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().rev().find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// Where the section is best pointed at: its `type=` line, else its first entry.
    pub fn location(&self) -> (&str, u32) {
        self.last("type")
            .or_else(|| self.entries.iter().find(|e| !e.inherited))
            .or_else(|| self.entries.first())
            .map_or(("", 0), |e| (&*e.file, e.line))
    }
}

impl RawConfig {
    /// Sections that are configuration rather than templates.
    pub fn concrete(&self) -> impl Iterator<Item = &Arc<RawSection>> {
        self.sections.iter().filter(|s| !s.is_template)
    }

    /// A canonical text form, to compare what two readers made of the same files. File names are shown
    /// relative to `base_dir` (the directory of the main file), so dumps taken in different places match.
    pub fn dump(&self, base_dir: &str) -> String {
        let base = format!("{}/", base_dir.trim_end_matches('/'));
        let mut out = String::new();
        for s in &self.sections {
            out.push_str(&format!("[{}]", s.name));
            if s.is_template {
                out.push_str(" template");
            }
            if !s.templates.is_empty() {
                out.push_str(&format!(" inherits={}", s.templates.join(",")));
            }
            out.push('\n');
            for e in &s.entries {
                let file = e.file.strip_prefix(&base).unwrap_or(&e.file);
                let how = if e.inherited { " inherited" } else { "" };
                out.push_str(&format!("  {} = {} @{}:{}{}\n", e.key, e.value, file, e.line, how));
            }
        }
        out
    }
}

impl RawSection {
    /// A section of `pairs`, each entry at t.conf:1: for tests (the core's, and the module's
    /// in-process ones).
    pub fn of(name: &str, pairs: &[(&str, &str)]) -> Arc<Self> {
        let entries = pairs
            .iter()
            .map(|(k, v)| RawEntry {
                key: (*k).into(),
                value: (*v).into(),
                file: "t.conf".into(),
                line: 1,
                inherited: false,
            })
            .collect();
        Arc::new(Self { name: name.into(), entries, ..Default::default() })
    }
}

impl RawConfig {
    /// A configuration of `(name, pairs)` sections made with [`RawSection::of`]: for tests.
    pub fn of(sections: &[(&str, &[(&str, &str)])]) -> Self {
        Self {
            sections: sections.iter().map(|(name, pairs)| RawSection::of(name, pairs)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str, line: u32, inherited: bool) -> RawEntry {
        RawEntry { key: key.into(), value: value.into(), file: "f.conf".into(), line, inherited }
    }

    #[test]
    fn last_value_wins_over_template() {
        let s = RawSection {
            name: "p".into(),
            entries: vec![
                entry("pin", "1", 2, true),
                entry("type", "phone", 5, false),
                entry("PIN", "2", 6, false),
            ],
            ..Default::default()
        };
        assert_eq!(&*s.last("pin").unwrap().value, "2");
        assert_eq!(s.location(), ("f.conf", 5));
    }

    #[test]
    fn entries_stay_small_and_names_shared() {
        // A 10,000-phone file holds some 210,000 entries: every 8 bytes here is 1.7 MB.
        assert_eq!(std::mem::size_of::<RawEntry>(), 40);
        let mut names = Interner::default();
        let (a, b) = (names.get("secret"), names.get("secret"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(&*a, "secret");
        assert_eq!(format!("{a} {a:?}"), "secret \"secret\"");
    }

    #[test]
    fn dump_is_relative_to_base_dir() {
        let c = RawConfig {
            sections: vec![Arc::new(RawSection {
                name: "x".into(),
                is_template: false,
                templates: vec!["t".into()],
                entries: vec![RawEntry {
                    file: "/etc/asterisk/a.conf".into(),
                    ..entry("k", "v", 3, true)
                }],
            })],
        };
        assert_eq!(c.dump("/etc/asterisk/"), "[x] inherits=t\n  k = v @a.conf:3 inherited\n");
    }

    #[test]
    fn location_without_type_is_first_own_entry() {
        let s = RawSection {
            name: "p".into(),
            entries: vec![entry("a", "1", 2, true), entry("b", "2", 9, false)],
            ..Default::default()
        };
        assert_eq!(s.location(), ("f.conf", 9));
    }
}
