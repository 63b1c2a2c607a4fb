//! One-touch recording: which of a line's channels is the call to record, and how MixMonitor is
//! asked to record it with a copy into the line's mailbox folder Cust5 ("Recordings").

use super::{Folder, Mailbox};

/// The channel variable MixMonitor stores its id in (`i()`), read back to stop that one recording.
pub const ID_VARIABLE: &str = "DIGIUM_PHONES_MIXMON_ID";

/// One channel as `CoreShowChannels` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChannel {
    pub name: String,
    pub uniqueid: String,
    /// In a bridge: the call is connected to someone.
    pub bridged: bool,
    pub up: bool,
}

fn field<'a>(block: &'a [(String, String)], key: &str) -> Option<&'a str> {
    block.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// The channels of PJSIP endpoint `line` among `CoreShowChannel` events: names start with
/// `PJSIP/<line>-` (the `-` keeps line 10 from matching line 100's channels).
pub fn line_channels<B: AsRef<[(String, String)]>>(blocks: &[B], line: &str) -> Vec<LineChannel> {
    let prefix = format!("pjsip/{}-", line.to_ascii_lowercase());
    blocks
        .iter()
        .map(AsRef::as_ref)
        .filter(|b| field(b, "Event").is_some_and(|e| e.eq_ignore_ascii_case("CoreShowChannel")))
        .filter_map(|b| {
            let name = field(b, "Channel")?;
            name.to_ascii_lowercase().starts_with(&prefix).then(|| LineChannel {
                name: name.to_string(),
                uniqueid: field(b, "Uniqueid").unwrap_or_default().to_string(),
                bridged: field(b, "BridgeId").is_some_and(|id| !id.is_empty()),
                up: field(b, "ChannelStateDesc").is_some_and(|s| s.eq_ignore_ascii_case("Up")),
            })
        })
        .collect()
}

/// Why no channel can be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    #[error("the line has no call")]
    NoCall,
    #[error("the line has no call with that Call-ID")]
    NoSuchCall,
    #[error("the line has {0} connected calls; name one by its callid")]
    Ambiguous(usize),
}

/// The call to record: the channel with the phone's Call-ID when it gave one (`call_id_of` reads a
/// channel's), else the line's only channel, else its only connected (bridged and up) one.
pub fn pick<'c>(
    channels: &'c [LineChannel],
    call_id: Option<&str>,
    mut call_id_of: impl FnMut(&LineChannel) -> Option<String>,
) -> Result<&'c LineChannel, PickError> {
    if channels.is_empty() {
        return Err(PickError::NoCall);
    }
    if let Some(wanted) = call_id {
        return channels
            .iter()
            .find(|c| call_id_of(c).as_deref() == Some(wanted))
            .ok_or(PickError::NoSuchCall);
    }
    if let [only] = channels {
        return Ok(only);
    }
    let connected: Vec<&LineChannel> = channels.iter().filter(|c| c.bridged && c.up).collect();
    match connected.as_slice() {
        [one] => Ok(one),
        [] => Err(PickError::NoCall),
        many => Err(PickError::Ambiguous(many.len())),
    }
}

/// MixMonitor's options: both legs mixed, a copy into `mailbox`'s Cust5 when the recording ends,
/// and its id kept in [`ID_VARIABLE`].
pub fn mixmonitor_options(mailbox: &Mailbox) -> String {
    format!("i({ID_VARIABLE})m({mailbox}/{})", Folder::RECORDINGS.name())
}

/// A file name of its own for each recording (relative: MixMonitor puts it in the monitor
/// directory). `serial` tells recordings of one call apart.
pub fn recording_file(line: &str, uniqueid: &str, serial: u64) -> String {
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
    };
    format!("digium-phones-{}-{}-{serial}.wav", safe(line), safe(uniqueid))
}
