//! `type=translation`: labels for the voicemail folders, as `INBOX = Eingang`, used by a voicemail
//! application's `translation=`. Every option is a folder name, so none is unknown.

use std::sync::Arc;

use crate::raw::RawSection;

#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub name: String,
    /// `(folder, label)` in file order; a folder written twice keeps its last label.
    pub labels: Vec<(String, String)>,
    pub raw: Arc<RawSection>,
}

impl Translation {
    /// The label of `folder`, without regard to case.
    pub fn label(&self, folder: &str) -> Option<&str> {
        self.labels
            .iter()
            .rev()
            .find(|(f, _)| f.eq_ignore_ascii_case(folder))
            .map(|(_, l)| l.as_str())
    }
}

pub(crate) fn read(section: &Arc<RawSection>) -> Translation {
    let mut labels: Vec<(String, String)> = Vec::new();
    for e in section.entries.iter().filter(|e| !e.key.eq_ignore_ascii_case("type")) {
        labels.retain(|(f, _)| !f.eq_ignore_ascii_case(&e.key));
        labels.push((e.key.to_string(), e.value.to_string()));
    }
    Translation { name: section.name.clone(), labels, raw: section.clone() }
}
