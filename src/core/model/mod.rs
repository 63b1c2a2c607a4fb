//! The validated configuration: what `res_digium_phone.conf` means.
//!
//! [`build`] reads every section, checks its options and the references between sections, and
//! returns the model with every finding. A section with an error is not served; on a reload, a
//! section that was fine in the last good configuration keeps its last good definition, so one typo
//! never takes a working phone out of service.

pub mod alert;
pub mod application;
pub mod digit_map;
pub mod external_line;
pub mod firmware;
pub mod general;
pub mod line;
pub mod mac;
pub mod models;
pub mod multicastpage;
pub mod network;
pub mod options;
pub mod phone;
pub(crate) mod reader;
mod resolve;
pub mod ringtone;
pub mod spec;
pub mod translation;
pub mod values;

use std::collections::HashMap;
use std::sync::Arc;

use crate::finding::{Finding, Severity};
use crate::names::NameMap;
use crate::raw::{RawConfig, RawSection};
pub use alert::Alert;
pub use application::{AppKind, Application};
pub use external_line::ExternalLine;
pub use firmware::Firmware;
pub use general::General;
pub use line::Line;
pub use multicastpage::Multicastpage;
pub use network::Network;
pub use phone::Phone;
pub use ringtone::Ringtone;
pub use spec::SectionType;
pub use translation::Translation;

/// A served section of any type: its name and what it was read from.
pub trait Section {
    fn name(&self) -> &str;
    fn raw(&self) -> &RawSection;
}

macro_rules! sections {
    ($($t:ty),*) => {$(
        impl Section for $t {
            fn name(&self) -> &str {
                &self.name
            }
            fn raw(&self) -> &RawSection {
                &self.raw
            }
        }
    )*};
}
sections!(
    Network,
    Phone,
    Line,
    ExternalLine,
    Application,
    Ringtone,
    Alert,
    Firmware,
    Translation,
    Multicastpage
);

/// The section of `items` named `name`.
fn named<'m, T: Section>(items: &'m [T], name: &str) -> Option<&'m T> {
    items.iter().find(|i| i.name() == name)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub general: General,
    /// The network that `[general]`'s DPMA 1.x network options describe, used by phones naming none.
    pub implicit_network: Option<Network>,
    pub networks: Vec<Network>,
    pub phones: Vec<Phone>,
    pub lines: Vec<Line>,
    pub external_lines: Vec<ExternalLine>,
    pub applications: Vec<Application>,
    pub ringtones: Vec<Ringtone>,
    pub alerts: Vec<Alert>,
    pub firmwares: Vec<Firmware>,
    pub translations: Vec<Translation>,
    pub multicastpages: Vec<Multicastpage>,
    pub(crate) index: Index,
}

/// Where the phones and lines sit in their lists, sorted by name and MAC, so a phone's request finds
/// its profile and lines without walking ten thousand sections. Positions rather than a hash table
/// of names: four bytes an entry instead of a copy of each name and its bucket. Built by [`build`]; a
/// model assembled or changed by hand is still answered right, because every hit is checked and a
/// miss falls back to a scan.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    phones: Box<[u32]>,
    phones_by_mac: Box<[u32]>,
    lines: Box<[u32]>,
    external_lines: Box<[u32]>,
}

/// Derived from the lists, so it never makes two models differ.
impl PartialEq for Index {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Index {
    fn of(model: &Model) -> Self {
        Self {
            phones: sorted_by(&model.phones, |p| Some(p.name.as_str())),
            phones_by_mac: sorted_by(&model.phones, |p| p.mac),
            lines: sorted_by(&model.lines, |l| Some(l.name.as_str())),
            external_lines: sorted_by(&model.external_lines, |l| Some(l.name.as_str())),
        }
    }
}

/// The positions of the items that have a key, sorted by it; among equal keys the first item comes
/// first (the sort is stable), so a lookup finds the one a scan would.
fn sorted_by<'a, T, K: Ord>(items: &'a [T], key: impl Fn(&'a T) -> Option<K>) -> Box<[u32]> {
    let mut positions: Vec<u32> = (0..items.len())
        .filter(|&i| key(&items[i]).is_some())
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    positions.sort_by_key(|&i| key(&items[i as usize]));
    positions.into_boxed_slice()
}

/// The item whose key is `wanted` by the index, if the index is right about it, else the first item
/// whose key is `wanted`.
fn indexed<'m, T, K: Ord + Copy>(
    items: &'m [T],
    index: &[u32],
    key: impl Fn(&'m T) -> Option<K>,
    wanted: K,
) -> Option<&'m T> {
    let key_at = |i: u32| items.get(i as usize).and_then(&key);
    let first = index.partition_point(|&i| key_at(i).is_some_and(|k| k < wanted));
    index
        .get(first)
        .and_then(|&i| items.get(i as usize))
        .filter(|item| key(item) == Some(wanted))
        .or_else(|| items.iter().find(|item| key(item) == Some(wanted)))
}

impl Model {
    pub fn phone(&self, name: &str) -> Option<&Phone> {
        indexed(&self.phones, &self.index.phones, |p| Some(p.name.as_str()), name)
    }

    /// The first phone whose `mac=` is `mac`.
    pub fn phone_with_mac(&self, mac: mac::Mac) -> Option<&Phone> {
        indexed(&self.phones, &self.index.phones_by_mac, |p| p.mac, mac)
    }

    pub fn line(&self, name: &str) -> Option<&Line> {
        indexed(&self.lines, &self.index.lines, |l| Some(l.name.as_str()), name)
    }

    pub fn external_line(&self, name: &str) -> Option<&ExternalLine> {
        indexed(&self.external_lines, &self.index.external_lines, |l| Some(l.name.as_str()), name)
    }

    pub fn network(&self, name: &str) -> Option<&Network> {
        named(&self.networks, name)
    }

    pub fn application(&self, name: &str) -> Option<&Application> {
        named(&self.applications, name)
    }

    pub fn ringtone(&self, name: &str) -> Option<&Ringtone> {
        named(&self.ringtones, name)
    }

    pub fn alert(&self, name: &str) -> Option<&Alert> {
        named(&self.alerts, name)
    }

    pub fn firmware(&self, name: &str) -> Option<&Firmware> {
        named(&self.firmwares, name)
    }

    pub fn translation(&self, name: &str) -> Option<&Translation> {
        named(&self.translations, name)
    }

    pub fn multicastpage(&self, name: &str) -> Option<&Multicastpage> {
        named(&self.multicastpages, name)
    }

    /// Gives back what the lists grew into and do not use: with ten thousand phones, a third of
    /// what the phones and lines take.
    fn shrink_to_fit(&mut self) {
        self.networks.shrink_to_fit();
        self.phones.shrink_to_fit();
        self.lines.shrink_to_fit();
        self.external_lines.shrink_to_fit();
        self.applications.shrink_to_fit();
        self.ringtones.shrink_to_fit();
        self.alerts.shrink_to_fit();
        self.firmwares.shrink_to_fit();
        self.translations.shrink_to_fit();
        self.multicastpages.shrink_to_fit();
    }

    /// The served sections of type `t`, in configuration order: the one place where section types
    /// meet the model's lists.
    pub fn sections(&self, t: SectionType) -> Vec<&dyn Section> {
        fn all<T: Section>(items: &[T]) -> Vec<&dyn Section> {
            items.iter().map(|i| i as &dyn Section).collect()
        }
        match t {
            SectionType::Network => all(&self.networks),
            SectionType::Phone => all(&self.phones),
            SectionType::Line => all(&self.lines),
            SectionType::ExternalLine => all(&self.external_lines),
            SectionType::Application => all(&self.applications),
            SectionType::Ringtone => all(&self.ringtones),
            SectionType::Alert => all(&self.alerts),
            SectionType::Firmware => all(&self.firmwares),
            SectionType::Translation => all(&self.translations),
            SectionType::Multicastpage => all(&self.multicastpages),
        }
    }

    /// The served section of type `t` named `name`.
    pub fn section(&self, t: SectionType, name: &str) -> Option<&dyn Section> {
        match t {
            // Indexed: ten thousand of them are no rarity.
            SectionType::Phone => self.phone(name).map(|p| p as &dyn Section),
            SectionType::Line => self.line(name).map(|l| l as &dyn Section),
            SectionType::ExternalLine => self.external_line(name).map(|l| l as &dyn Section),
            other => self.sections(other).into_iter().find(|s| s.name() == name),
        }
    }

    /// The phones that use a line, by name, in configuration order.
    pub fn phones_with_line(&self, line: &str) -> impl Iterator<Item = &Phone> {
        self.phones.iter().filter(move |p| p.lines.iter().any(|r| r.name == line))
    }

    /// The networks a phone chooses from: those it names, else the implicit network of `[general]`.
    pub fn networks_of(&self, phone: &Phone) -> Vec<&Network> {
        if phone.networks.is_empty() {
            return self.implicit_network.iter().collect();
        }
        phone.networks.iter().filter_map(|r| self.network(&r.name)).collect()
    }

    /// The raw section behind a served section of type `kind` (`general` included).
    pub fn raw_section(&self, kind: &str, name: &str) -> Option<&RawSection> {
        if kind.eq_ignore_ascii_case("general") {
            return Some(&self.general.raw);
        }
        Some(self.section(SectionType::from_name(kind)?, name)?.raw())
    }

    /// The options in effect for a served section, as `(key, value)` pairs for display: values set,
    /// else documented defaults, repeated options once per value, secrets masked. `kind` is a `type=`
    /// value or `general` (whose `name` is ignored).
    pub fn options(&self, kind: &str, name: &str) -> Option<Vec<(String, String)>> {
        if kind.eq_ignore_ascii_case("general") {
            return Some(options::effective(&self.general.raw, None, general::OPTIONS, &[]));
        }
        let section_type = SectionType::from_name(kind)?;
        let raw = self.raw_section(kind, name)?;
        let type_name = Some(section_type.name());
        Some(match section_type {
            SectionType::Translation => {
                let labels = self.translation(name).map(|t| t.labels.clone()).unwrap_or_default();
                options::effective(raw, type_name, &[], &labels)
            }
            SectionType::Application => {
                let app = self.application(name)?;
                let extra = match &app.kind {
                    AppKind::Custom { settings, .. } => settings.clone(),
                    _ => Vec::new(),
                };
                options::effective(raw, type_name, application::options_of(app.subtype()), &extra)
            }
            other => options::effective(raw, type_name, other.options(), &[]),
        })
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
    let mut general_sections: Vec<&Arc<RawSection>> = Vec::new();
    let mut seen: NameMap<(SectionType, &str), &RawSection> = NameMap::default();

    for section in raw.concrete() {
        if section.name.eq_ignore_ascii_case("general") {
            general_sections.push(section);
            continue;
        }
        let Some(kind) = section_type(section, &mut findings) else { continue };
        if let Some(first) = seen.get(&(kind, section.name.as_str())) {
            findings.push(duplicate(kind, first, section));
            continue;
        }
        seen.insert((kind, section.name.as_str()), section);
        let ok = match kind {
            SectionType::Network => {
                push(&mut model.networks, network::read(section, &mut findings))
            }
            SectionType::Phone => push(&mut model.phones, phone::read(section, &mut findings)),
            SectionType::Line => push(&mut model.lines, line::read(section, &mut findings)),
            SectionType::ExternalLine => {
                push(&mut model.external_lines, external_line::read(section, &mut findings))
            }
            SectionType::Application => {
                push(&mut model.applications, application::read(section, &mut findings))
            }
            SectionType::Ringtone => {
                push(&mut model.ringtones, ringtone::read(section, &mut findings))
            }
            SectionType::Alert => push(&mut model.alerts, alert::read(section, &mut findings)),
            SectionType::Firmware => {
                push(&mut model.firmwares, firmware::read(section, &mut findings))
            }
            SectionType::Translation => {
                push(&mut model.translations, Some(translation::read(section)))
            }
            SectionType::Multicastpage => {
                push(&mut model.multicastpages, multicastpage::read(section, &mut findings))
            }
        };
        if !ok {
            keep_last_good(kind, section, previous, &mut model, &mut findings);
        }
    }

    let general = match general_sections.as_slice() {
        [] => Arc::new(RawSection { name: "general".into(), ..Default::default() }),
        [one] => Arc::clone(one),
        // `[general]` written twice is read as one section, in file order.
        many => Arc::new(RawSection {
            name: "general".into(),
            entries: many.iter().flat_map(|s| s.entries.iter().cloned()).collect(),
            ..Default::default()
        }),
    };
    model.general = general::read(&general, &mut findings);
    model.implicit_network = network::from_general(&general);

    resolve::references(raw, &mut model, previous, &mut findings);
    check_phone_identity(&mut model, &mut findings);
    model.shrink_to_fit();
    model.index = Index::of(&model);
    Built { model, findings }
}

fn push<T>(items: &mut Vec<T>, item: Option<T>) -> bool {
    item.map(|i| items.push(i)).is_some()
}

fn section_type(section: &RawSection, findings: &mut Vec<Finding>) -> Option<SectionType> {
    let Some(entry) = section.last("type") else {
        let section_types: Vec<&str> = SectionType::names().collect();
        findings.push(section_finding(
            section,
            Severity::Error,
            "type",
            format!("no type= option; set one of: {}; section ignored", section_types.join(", ")),
        ));
        return None;
    };
    let value = entry.value.trim();
    if let Some(t) = SectionType::from_name(value) {
        return Some(t);
    }
    let section_types: Vec<&str> = SectionType::names().collect();
    let hint = reader::suggest(value, &section_types)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    findings.push(Finding {
        severity: Severity::Error,
        file: entry.file.to_string(),
        line: entry.line,
        section: section.name.clone(),
        option: "type".into(),
        message: format!("unknown section type '{value}'{hint}; section ignored"),
    });
    None
}

/// A second section of the same type and name: the first is used. Generators such as FreePBX write a
/// line once per phone using it, so an identical repeat is only a warning.
fn duplicate(kind: SectionType, first: &RawSection, again: &RawSection) -> Finding {
    let (file, line) = first.location();
    let same = |a: &RawSection, b: &RawSection| {
        a.entries.len() == b.entries.len()
            && a.entries.iter().zip(&b.entries).all(|(x, y)| x.key == y.key && x.value == y.value)
    };
    let (severity, message) = if same(first, again) {
        (
            Severity::Warning,
            format!(
                "the {} '{}' is defined again, identically, after {file}:{line}; the first is used",
                kind.name(),
                again.name
            ),
        )
    } else {
        (
            Severity::Error,
            format!(
                "a {} named '{}' is already defined at {file}:{line}; this one is ignored",
                kind.name(),
                again.name
            ),
        )
    };
    section_finding(again, severity, "", message)
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
    kind: SectionType,
    section: &RawSection,
    previous: Option<&Model>,
    model: &mut Model,
    findings: &mut Vec<Finding>,
) {
    let name = section.name.as_str();
    let kept = previous.is_some_and(|prev| match kind {
        SectionType::Network => push(&mut model.networks, prev.network(name).cloned()),
        SectionType::Phone => push(&mut model.phones, prev.phone(name).cloned()),
        SectionType::Line => push(&mut model.lines, prev.line(name).cloned()),
        SectionType::ExternalLine => {
            push(&mut model.external_lines, prev.external_line(name).cloned())
        }
        SectionType::Application => push(&mut model.applications, prev.application(name).cloned()),
        SectionType::Ringtone => push(&mut model.ringtones, prev.ringtone(name).cloned()),
        SectionType::Alert => push(&mut model.alerts, prev.alert(name).cloned()),
        SectionType::Firmware => push(&mut model.firmwares, prev.firmware(name).cloned()),
        SectionType::Translation => push(&mut model.translations, prev.translation(name).cloned()),
        SectionType::Multicastpage => {
            push(&mut model.multicastpages, prev.multicastpage(name).cloned())
        }
    });
    let kind = kind.name();
    let message = if kept {
        format!("{kind} '{name}' has errors; its last good definition stays in service")
    } else {
        format!("{kind} '{name}' has errors and is not served")
    };
    findings.push(section_finding(section, Severity::Error, "", message));
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
                file: e.map(|e| e.file.to_string()).unwrap_or_default(),
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
    let auth = model.general.config_auth;
    for phone in &model.phones {
        let uses_mac = matches!(auth, general::ConfigAuth::Mac | general::ConfigAuth::MacGlobalPin);
        if phone.mac.is_none() && uses_mac {
            findings.push(section_finding(
                &phone.raw,
                Severity::Warning,
                "mac",
                "config_auth uses the MAC but the phone has no mac=, so no phone can claim it by MAC".into(),
            ));
        }
        if phone.pin == phone::Pin::None && auth == general::ConfigAuth::Pin {
            findings.push(section_finding(
                &phone.raw,
                Severity::Warning,
                "pin",
                "config_auth = pin but the phone has no pin=".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
