//! A line's mailbox, as DPMA resolves it: the line's `mailbox`, else the PJSIP endpoint's
//! `mailboxes`, else a voicemail.conf box named after the line.

use super::VoicemailError;
use crate::raw::RawConfig;

/// `box@context` (the context `default` when none is written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    pub mailbox: String,
    pub context: String,
}

/// Where a line's mailbox came from (shown by the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxSource {
    /// The line's `mailbox` (or, for the primary line, the phone's).
    Line,
    /// The PJSIP endpoint's `mailboxes`.
    Endpoint,
    /// A voicemail.conf box with the line's name.
    VoicemailConf,
}

impl MailboxSource {
    pub fn describe(self) -> &'static str {
        match self {
            MailboxSource::Line => "mailbox",
            MailboxSource::Endpoint => "endpoint mailboxes",
            MailboxSource::VoicemailConf => "voicemail.conf",
        }
    }
}

/// Box and context names: what voicemail.conf and the spool's directory names can hold without
/// surprises, and nothing that could split a manager header or a MixMonitor option.
fn usable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 80
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'))
        && !name.starts_with('.')
}

impl Mailbox {
    pub fn new(mailbox: &str, context: &str) -> Result<Self, VoicemailError> {
        if usable_name(mailbox) && usable_name(context) {
            Ok(Self { mailbox: mailbox.to_string(), context: context.to_string() })
        } else {
            Err(VoicemailError::BadMailbox(
                format!("{mailbox}@{context}").escape_debug().to_string(),
            ))
        }
    }

    /// `box@context` or `box`.
    pub fn parse(text: &str) -> Result<Self, VoicemailError> {
        let text = text.trim();
        let (mailbox, context) = text.split_once('@').unwrap_or((text, "default"));
        Self::new(mailbox, context)
            .map_err(|_| VoicemailError::BadMailbox(text.escape_debug().to_string()))
    }

    /// The first usable mailbox of a `,`/`&` separated list (`mailboxes=` of an endpoint).
    pub fn first_of(list: &str) -> Option<Self> {
        list.split([',', '&'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .find_map(|m| Self::parse(m).ok())
    }
}

impl std::fmt::Display for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.mailbox, self.context)
    }
}

/// The mailbox of a line: `own` (the line's `mailbox`, or the phone's for its primary line), else
/// the first of the endpoint's `mailboxes`, else `named_box` (a voicemail.conf box named after the
/// line). A value set but unusable stops the search: a typo must not silently open another box.
pub fn resolve(
    own: Option<&str>,
    endpoint_mailboxes: Option<&str>,
    named_box: impl FnOnce() -> Option<Mailbox>,
) -> Option<(Mailbox, MailboxSource)> {
    if let Some(own) = own.filter(|m| !m.trim().is_empty()) {
        return Mailbox::first_of(own).map(|m| (m, MailboxSource::Line));
    }
    if let Some(list) = endpoint_mailboxes.filter(|m| !m.trim().is_empty()) {
        return Mailbox::first_of(list).map(|m| (m, MailboxSource::Endpoint));
    }
    named_box().map(|m| (m, MailboxSource::VoicemailConf))
}

/// Sections of voicemail.conf that hold settings, not boxes.
const NOT_CONTEXTS: &[&str] = &["general", "zonemessages"];

/// The voicemail.conf box called `name`: in context `default` if there is one, else in the first
/// context (in file order) that has it.
pub fn voicemail_conf_box(conf: &RawConfig, name: &str) -> Option<Mailbox> {
    let contexts = conf
        .sections
        .iter()
        .filter(|s| !NOT_CONTEXTS.iter().any(|n| s.name.eq_ignore_ascii_case(n)))
        .filter(|s| s.entries.iter().any(|e| e.key.trim() == name));
    let mut found: Option<&str> = None;
    for section in contexts {
        if section.name == "default" {
            found = Some("default");
            break;
        }
        found.get_or_insert(section.name.as_str());
    }
    Mailbox::new(name, found?).ok()
}
