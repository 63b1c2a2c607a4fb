//! Messages as app_voicemail's `VoicemailBoxSummary` lists them: one `VoicemailBoxDetail` event per
//! message with `Folder`, `CallerID`, `Date`, `Duration`, `Flag` and `ID` (its `msg_id`).

use std::collections::BTreeMap;

use super::Folder;

/// The event `VoicemailBoxSummary` sends for each message.
pub const DETAIL_EVENT: &str = "VoicemailBoxDetail";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// app_voicemail's `msg_id`.
    pub id: String,
    pub folder: Folder,
    pub callerid: String,
    /// As the message's `.txt` holds it (`origdate`).
    pub date: String,
    /// Seconds.
    pub duration: u32,
    /// `Urgent`, `PRIORITY` or empty.
    pub flag: String,
}

fn field<'a>(block: &'a [(String, String)], key: &str) -> Option<&'a str> {
    block.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

impl Message {
    /// The message one `VoicemailBoxDetail` event describes; `None` for any other block, or one
    /// without an id or with a folder app_voicemail does not have.
    pub fn from_detail(block: &[(String, String)]) -> Option<Self> {
        if !field(block, "Event").is_some_and(|e| e.eq_ignore_ascii_case(DETAIL_EVENT)) {
            return None;
        }
        let id = field(block, "ID").filter(|id| !id.is_empty())?.to_string();
        let folder = Folder::parse(field(block, "Folder")?).ok()?;
        Some(Self {
            id,
            folder,
            callerid: field(block, "CallerID").unwrap_or_default().to_string(),
            date: field(block, "Date").unwrap_or_default().to_string(),
            duration: field(block, "Duration").and_then(|d| d.trim().parse().ok()).unwrap_or(0),
            flag: field(block, "Flag").unwrap_or_default().to_string(),
        })
    }
}

/// Every message in a `VoicemailBoxSummary` answer, in the order listed.
pub fn messages_from_blocks<B: AsRef<[(String, String)]>>(blocks: &[B]) -> Vec<Message> {
    blocks.iter().filter_map(|b| Message::from_detail(b.as_ref())).collect()
}

/// How many messages each folder holds; folders without any count 0.
pub fn count_by_folder(messages: &[Message]) -> BTreeMap<Folder, usize> {
    let mut counts: BTreeMap<Folder, usize> = Folder::ALL.into_iter().map(|f| (f, 0)).collect();
    for m in messages {
        *counts.entry(m.folder).or_default() += 1;
    }
    counts
}
