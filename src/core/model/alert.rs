//! `type=alert`: how the phone rings for a call whose Alert-Info matches.

use std::sync::Arc;

use super::phone::Reference;
use super::reader::SectionReader;
use super::spec::{Kind, OptionSpec, TEXT, opt};
use crate::finding::Finding;
use crate::raw::RawSection;

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub name: String,
    /// Compared with the Alert-Info header of incoming calls.
    pub alert_info: String,
    /// `normal`, `answer`, `ring-answer` or `visual`.
    pub ring_type: &'static str,
    /// A built-in ringtone or a ringtone section.
    pub ringtone: Option<Reference>,
    pub raw: Arc<RawSection>,
}

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("alert_info", TEXT).to(&["ringtones/alerts/alert@alert_info"]),
    opt("ring_type", Kind::Choice(&["normal", "answer", "ring-answer", "visual"]))
        .or("normal")
        .to(&["ringtones/alerts/alert@ring_type"]),
    opt("ringtone", Kind::Ringtone).to(&["ringtones/alerts/alert@ringtone_id"]),
];

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Alert> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    r.require("alert_info", "the Alert-Info value this alert answers to");
    let alert = Alert {
        name: section.name.clone(),
        alert_info: r.text("alert_info").unwrap_or_default(),
        ring_type: r.choice("ring_type").unwrap_or("normal"),
        ringtone: r.reference("ringtone"),
        raw: Arc::clone(section),
    };
    r.finish().then_some(alert)
}
