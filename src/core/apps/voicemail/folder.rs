//! app_voicemail's folders, in its own order (`mailbox_folders[]`): the order its snapshots and
//! `VoicemailBoxSummary` use.

use super::VoicemailError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Folder {
    Inbox,
    Old,
    Work,
    Family,
    Friends,
    Cust1,
    Cust2,
    Cust3,
    Cust4,
    /// Where one-touch recordings go; phones show it as "Recordings".
    Cust5,
    Deleted,
    Urgent,
}

impl Folder {
    pub const ALL: [Folder; 12] = [
        Folder::Inbox,
        Folder::Old,
        Folder::Work,
        Folder::Family,
        Folder::Friends,
        Folder::Cust1,
        Folder::Cust2,
        Folder::Cust3,
        Folder::Cust4,
        Folder::Cust5,
        Folder::Deleted,
        Folder::Urgent,
    ];

    /// The folder the phone's recordings go to.
    pub const RECORDINGS: Folder = Folder::Cust5;

    /// app_voicemail's name, the directory in the spool.
    pub fn name(self) -> &'static str {
        match self {
            Folder::Inbox => "INBOX",
            Folder::Old => "Old",
            Folder::Work => "Work",
            Folder::Family => "Family",
            Folder::Friends => "Friends",
            Folder::Cust1 => "Cust1",
            Folder::Cust2 => "Cust2",
            Folder::Cust3 => "Cust3",
            Folder::Cust4 => "Cust4",
            Folder::Cust5 => "Cust5",
            Folder::Deleted => "Deleted",
            Folder::Urgent => "Urgent",
        }
    }

    /// What a phone shows when no translation section names the folder.
    pub fn default_label(self) -> &'static str {
        match self {
            Folder::Inbox => "New",
            Folder::Cust5 => "Recordings",
            other => other.name(),
        }
    }

    /// app_voicemail's name in any case, or `Recordings` for Cust5 (as DPMA maps it).
    pub fn parse(text: &str) -> Result<Folder, VoicemailError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("Recordings") {
            return Ok(Folder::RECORDINGS);
        }
        Folder::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| VoicemailError::BadFolder(text.escape_debug().to_string()))
    }

    /// Folders a phone lists: all but Deleted, which app_voicemail uses only with `backupdeleted`.
    pub fn listed() -> impl Iterator<Item = Folder> {
        Folder::ALL.into_iter().filter(|f| *f != Folder::Deleted)
    }
}

impl std::fmt::Display for Folder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
