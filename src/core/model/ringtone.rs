//! `type=ringtone`: a custom ringtone the phone fetches from `file_url_prefix`.

use std::sync::Arc;

use super::reader::SectionReader;
use super::spec::{OptionSpec, TEXT, opt};
use crate::finding::Finding;
use crate::raw::RawSection;

#[derive(Debug, Clone, PartialEq)]
pub struct Ringtone {
    pub name: String,
    /// The name the phone shows.
    pub alias: Option<String>,
    /// A raw audio file, e.g. `user_ringtone_1.raw`.
    pub filename: String,
    pub raw: Arc<RawSection>,
}

pub(crate) const OPTIONS: &[OptionSpec] = &[
    opt("alias", TEXT).to(&["ringtones/tones/tone[type=user]@display"]),
    opt("filename", TEXT).to(&["ringtones/tones/tone[type=user]@url"]),
];

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Ringtone> {
    let mut r = SectionReader::new(section, OPTIONS, findings);
    r.require("filename", "the audio file the phone fetches");
    let ringtone = Ringtone {
        name: section.name.clone(),
        alias: r.text("alias"),
        filename: r.text("filename").unwrap_or_default(),
        raw: Arc::clone(section),
    };
    r.finish().then_some(ringtone)
}
