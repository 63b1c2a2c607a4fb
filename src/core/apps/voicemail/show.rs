//! `digium_phones show voicemail <phone>`: each line's mailbox, where it came from, and how many
//! messages each folder holds.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Folder, Mailbox, MailboxSource};

/// One line of a phone as the command shows it.
pub struct ShowLine {
    pub line: String,
    pub mailbox: Option<(Mailbox, MailboxSource)>,
    /// The line dials `voicemail_uri` instead of opening visual voicemail.
    pub voicemail_uri: bool,
    /// Messages per folder, or why they could not be read.
    pub counts: Result<BTreeMap<Folder, usize>, String>,
}

pub fn render(phone: &str, lines: &[ShowLine]) -> String {
    let mut out = format!("Visual voicemail of phone '{phone}':\n");
    if lines.is_empty() {
        out.push_str("  (no internal lines)\n");
    }
    for (index, l) in lines.iter().enumerate() {
        let _ = write!(out, "  Line {}: ", l.line);
        let Some((mailbox, source)) = &l.mailbox else {
            out.push_str("no mailbox (no visual voicemail)\n");
            continue;
        };
        let _ = write!(out, "mailbox {mailbox} (from {})", source.describe());
        if index == 0 && l.voicemail_uri {
            out.push_str(", off: the line dials voicemail_uri");
        }
        out.push('\n');
        match &l.counts {
            Ok(counts) => {
                let listed: Vec<String> = Folder::listed()
                    .map(|f| format!("{}={}", f.name(), counts.get(&f).copied().unwrap_or(0)))
                    .collect();
                let _ = writeln!(out, "    {}", listed.join(" "));
            }
            Err(why) => {
                let _ = writeln!(out, "    messages unavailable: {why}");
            }
        }
    }
    out
}
