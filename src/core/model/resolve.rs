//! Every name a section gives for another section must name one that is served. A section with a
//! dangling name is refused, or keeps its last good definition if that one's names all resolve.
//! Sections are resolved in dependency order (alerts and applications before the phones naming them),
//! so a refusal carries through to whoever names the refused section.

use super::phone::Reference;
use super::spec::{self, SectionType};
use super::{AppKind, Model};
use crate::finding::{Finding, Severity};
use crate::names::{NameMap, NameSet};
use crate::raw::RawConfig;

/// What a name must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Section(SectionType),
    /// A built-in ringtone, or a ringtone section.
    Ringtone,
}

/// A section that names others.
trait Referrer: Clone {
    const TYPE: SectionType;
    fn name(&self) -> &str;
    fn references(&self) -> Vec<(&'static str, &Reference, Target)>;
}

impl Referrer for super::Alert {
    const TYPE: SectionType = SectionType::Alert;
    fn name(&self) -> &str {
        &self.name
    }
    fn references(&self) -> Vec<(&'static str, &Reference, Target)> {
        self.ringtone.iter().map(|r| ("ringtone", r, Target::Ringtone)).collect()
    }
}

impl Referrer for super::Application {
    const TYPE: SectionType = SectionType::Application;
    fn name(&self) -> &str {
        &self.name
    }
    fn references(&self) -> Vec<(&'static str, &Reference, Target)> {
        match &self.kind {
            AppKind::Voicemail { translation: Some(t), .. } => {
                vec![("translation", t, Target::Section(SectionType::Translation))]
            }
            _ => Vec::new(),
        }
    }
}

impl Referrer for super::Phone {
    const TYPE: SectionType = SectionType::Phone;
    fn name(&self) -> &str {
        &self.name
    }
    fn references(&self) -> Vec<(&'static str, &Reference, Target)> {
        let lists: [(&'static str, &Vec<Reference>, Target); 8] = [
            ("line", &self.lines, Target::Section(SectionType::Line)),
            ("external_line", &self.external_lines, Target::Section(SectionType::ExternalLine)),
            ("network", &self.networks, Target::Section(SectionType::Network)),
            ("application", &self.applications, Target::Section(SectionType::Application)),
            ("firmware", &self.firmwares, Target::Section(SectionType::Firmware)),
            ("ringtone", &self.ringtones, Target::Ringtone),
            ("alert", &self.alerts, Target::Section(SectionType::Alert)),
            ("multicastpage", &self.multicastpages, Target::Section(SectionType::Multicastpage)),
        ];
        let mut out: Vec<(&'static str, &Reference, Target)> = lists
            .into_iter()
            .flat_map(|(key, refs, target)| refs.iter().map(move |r| (key, r, target)))
            .collect();
        out.extend(self.active_ringtone.iter().map(|r| ("active_ringtone", r, Target::Ringtone)));
        out
    }
}

/// The names being served, and what the raw configuration declared, for precise messages. Built
/// once per model and told what each resolution step drops, so a model of ten thousand phones does
/// not copy every name again for each step. What was declared is gathered only when a name does not
/// resolve.
struct Names<'r> {
    served: NameMap<SectionType, NameSet<String>>,
    raw: &'r RawConfig,
    declared: std::cell::OnceCell<NameMap<&'r str, Vec<SectionType>>>,
}

impl<'r> Names<'r> {
    fn new(raw: &'r RawConfig, model: &Model) -> Self {
        let served = SectionType::ALL
            .into_iter()
            // Phones are referred to by nobody.
            .filter(|t| *t != SectionType::Phone)
            .map(|t| (t, model.sections(t).iter().map(|s| s.name().to_string()).collect()))
            .collect();
        Self { served, raw, declared: std::cell::OnceCell::new() }
    }

    /// The types each section name was declared with, whether served or not.
    fn declared(&self) -> &NameMap<&'r str, Vec<SectionType>> {
        self.declared.get_or_init(|| {
            let mut declared: NameMap<&str, Vec<SectionType>> = NameMap::default();
            for s in self.raw.concrete() {
                if let Some(t) = s.last("type").and_then(|e| SectionType::from_name(&e.value)) {
                    declared.entry(s.name.as_str()).or_default().push(t);
                }
            }
            declared
        })
    }

    /// `name` of type `t` is no longer served.
    fn forget(&mut self, t: SectionType, name: &str) {
        if let Some(names) = self.served.get_mut(&t) {
            names.remove(name);
        }
    }

    fn serves(&self, t: SectionType, name: &str) -> bool {
        self.served.get(&t).is_some_and(|names| names.contains(name))
    }

    fn has(&self, target: Target, name: &str) -> bool {
        match target {
            Target::Section(t) => self.serves(t, name),
            Target::Ringtone => {
                spec::builtin_ringtone(name).is_some() || self.serves(SectionType::Ringtone, name)
            }
        }
    }

    /// Why `name` does not resolve.
    fn why_missing(&self, target: Target, name: &str) -> String {
        let wanted = match target {
            Target::Section(t) => t,
            Target::Ringtone => SectionType::Ringtone,
        };
        let declared = self.declared().get(name).map(Vec::as_slice).unwrap_or_default();
        if declared.contains(&wanted) {
            return format!("the {} section '{name}' has errors and is not served", wanted.name());
        }
        let mut message = match target {
            Target::Section(t) => format!("no {} section named '{name}'", t.name()),
            Target::Ringtone => format!(
                "no ringtone section or built-in ringtone named '{name}' (built-in: {})",
                spec::BUILTIN_RINGTONES.join(", ")
            ),
        };
        if let Some(other) = declared.first() {
            let article =
                if other.name().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            message.push_str(&format!(" ('{name}' is {article} {} section)", other.name()));
        }
        message
    }
}

/// Resolves the references of every section, dependencies first.
pub(super) fn references(
    raw: &RawConfig,
    model: &mut Model,
    previous: Option<&Model>,
    findings: &mut Vec<Finding>,
) {
    let mut names = Names::new(raw, model);
    for name in resolve(&mut model.alerts, previous.map(|p| p.alerts.as_slice()), &names, findings)
    {
        names.forget(SectionType::Alert, &name);
    }
    let previous_apps = previous.map(|p| p.applications.as_slice());
    for name in resolve(&mut model.applications, previous_apps, &names, findings) {
        names.forget(SectionType::Application, &name);
    }
    for phone in &mut model.phones {
        drop_undeclared_applications(phone, &names, findings);
    }
    resolve(&mut model.phones, previous.map(|p| p.phones.as_slice()), &names, findings);
}

/// An `application=` naming no section at all is left out with a warning, and the phone served
/// without it: FreePBX's generator names `parking-app-<lot>` on every phone with parking but writes
/// no such section. An application that exists but is refused, or a name of another type, still
/// refuses the phone.
fn drop_undeclared_applications(
    phone: &mut super::Phone,
    names: &Names,
    findings: &mut Vec<Finding>,
) {
    let target = Target::Section(SectionType::Application);
    phone.applications.retain(|r| {
        if names.has(target, &r.name) || names.declared().contains_key(r.name.as_str()) {
            return true;
        }
        findings.push(Finding {
            severity: Severity::Warning,
            file: r.file.to_string(),
            line: r.line,
            section: phone.name.clone(),
            option: "application".into(),
            message: format!(
                "{}; the phone is served without it",
                names.why_missing(target, &r.name)
            ),
        });
        false
    });
}

/// Refuses the items whose names do not resolve, or puts their last good definition in their place;
/// returns the names no longer served. Items stay where they are: moving ten thousand phones to a
/// new list costs more than checking them.
fn resolve<T: Referrer>(
    items: &mut Vec<T>,
    previous: Option<&[T]>,
    names: &Names,
    findings: &mut Vec<Finding>,
) -> Vec<String> {
    let resolves = |item: &T| item.references().iter().all(|(_, r, t)| names.has(*t, &r.name));
    let mut dropped = Vec::new();
    let mut keep = Vec::with_capacity(items.len());
    for item in items.iter_mut() {
        if resolves(item) {
            keep.push(true);
            continue;
        }
        let fallback = previous
            .and_then(|prev| prev.iter().find(|p| p.name() == item.name()))
            .filter(|p| resolves(p))
            .cloned();
        let kind = T::TYPE.name();
        let outcome = if fallback.is_some() {
            format!("{kind} '{}' keeps its last good definition", item.name())
        } else {
            format!("{kind} not served")
        };
        for (key, r, target) in item.references() {
            if names.has(target, &r.name) {
                continue;
            }
            findings.push(Finding {
                severity: Severity::Error,
                file: r.file.to_string(),
                line: r.line,
                section: item.name().to_string(),
                option: key.to_string(),
                message: format!("{}; {outcome}", names.why_missing(target, &r.name)),
            });
        }
        keep.push(fallback.is_some());
        match fallback {
            Some(good) => *item = good,
            None => dropped.push(item.name().to_string()),
        }
    }
    if !dropped.is_empty() {
        let mut keep = keep.into_iter();
        items.retain(|_| keep.next().unwrap_or(true));
    }
    dropped
}
