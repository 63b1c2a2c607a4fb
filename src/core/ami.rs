//! The Asterisk Manager Interface's text form, for actions the module runs inside Asterisk: an
//! action written as `Key: Value` lines, and what Asterisk answers read back as blocks (the response,
//! then any list events), each an ordered list of fields.

/// One AMI message: a response or an event, its fields in the order Asterisk wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    pub fields: Vec<(String, String)>,
}

impl Block {
    /// The value of the first field named `key` (AMI keys compare without regard to case).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// The event name, for an event block.
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// `Response: Success` (or `Follows`, which older list actions answer).
    pub fn is_success(&self) -> bool {
        self.get("Response")
            .is_some_and(|r| r.eq_ignore_ascii_case("Success") || r.eq_ignore_ascii_case("Follows"))
    }

    /// `Response: Error`.
    pub fn is_error(&self) -> bool {
        self.get("Response").is_some_and(|r| r.eq_ignore_ascii_case("Error"))
    }
}

/// Reads AMI text into blocks: `Key: Value` lines, blocks separated by blank lines, `\r\n` or `\n`.
/// A line with no `: ` (a `Command` action's raw output) is kept with an empty key.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = Block::default();
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.is_empty() {
            if !current.fields.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        let field = match line.split_once(':') {
            Some((key, value)) if !key.is_empty() && !key.contains(' ') => {
                (key.to_string(), value.strip_prefix(' ').unwrap_or(value).to_string())
            }
            _ => (String::new(), line.to_string()),
        };
        current.fields.push(field);
    }
    if !current.fields.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// Actions that read the AMI session, which an action run inside Asterisk does not have: `Getvar`
/// and `Setvar` check the session's write permissions before touching a function, and dereference
/// the missing session (Asterisk 22.10.1 crashes); the others are session management.
const NEED_A_SESSION: &[&str] =
    &["Login", "Logoff", "Challenge", "Events", "Filter", "WaitEvent", "Getvar", "Setvar"];

/// Whether `name` must not be run without an AMI session (see [`NEED_A_SESSION`]).
pub fn needs_session(name: &str) -> bool {
    NEED_A_SESSION.iter().any(|a| a.eq_ignore_ascii_case(name))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("the AMI action {0} needs a manager session; it cannot run inside Asterisk")]
    NeedsSession(String),
    #[error("AMI header '{0}' is not a plain name")]
    BadKey(String),
    #[error("the value of AMI header '{0}' holds a line break")]
    LineBreak(String),
}

/// Writes the action `name` with `headers` as AMI text. Values come from phones and configurations,
/// so a line break (which would add headers of the sender's choosing) is refused, not stripped.
pub fn action(name: &str, headers: &[(&str, &str)]) -> Result<String, ActionError> {
    let mut text = String::new();
    for (key, value) in std::iter::once(&("Action", name)).chain(headers) {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ActionError::BadKey(key.to_string()));
        }
        if value.contains(['\r', '\n', '\0']) {
            return Err(ActionError::LineBreak(key.to_string()));
        }
        text.push_str(key);
        text.push_str(": ");
        text.push_str(value);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_that_read_the_session_are_known() {
        assert!(needs_session("getvar") && needs_session("Setvar") && needs_session("Login"));
        assert!(!needs_session("CoreShowChannels") && !needs_session("VoicemailBoxSummary"));
    }

    #[test]
    fn reads_a_response_and_its_list_events() {
        let text = "Response: Success\r\nEventList: start\r\nMessage: Parked calls will follow\r\n\r\n\
                    Event: ParkedCall\r\nParkingSpace: 701\r\nParkeeCallerIDNum: 100\r\n\r\n\
                    Event: ParkedCallsComplete\r\nTotal: 1\r\n\r\n";
        let blocks = parse(text);
        assert_eq!(blocks.len(), 3);
        assert!(blocks[0].is_success());
        assert_eq!(blocks[1].event(), Some("ParkedCall"));
        assert_eq!(blocks[1].get("parkingspace"), Some("701"));
        assert_eq!(blocks[2].get("Total"), Some("1"));
    }

    #[test]
    fn values_keep_colons_and_lone_newlines_split_too() {
        let blocks = parse("Response: Error\nMessage: No such channel: PJSIP/100\n");
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].is_error());
        assert_eq!(blocks[0].get("Message"), Some("No such channel: PJSIP/100"));
    }

    #[test]
    fn raw_lines_have_an_empty_key() {
        let blocks = parse("Response: Success\r\nOutput line one\r\n");
        assert_eq!(blocks[0].fields[1], (String::new(), "Output line one".to_string()));
    }

    #[test]
    fn empty_text_has_no_blocks() {
        assert!(parse("").is_empty());
        assert!(parse("\r\n\r\n").is_empty());
    }

    #[test]
    fn writes_an_action() {
        let text = action("QueuePause", &[("Interface", "PJSIP/200"), ("Paused", "true")]).unwrap();
        assert_eq!(text, "Action: QueuePause\r\nInterface: PJSIP/200\r\nPaused: true\r\n\r\n");
    }

    #[test]
    fn refuses_header_injection() {
        assert_eq!(
            action("QueueAdd", &[("Queue", "sales\r\nAction: Originate")]),
            Err(ActionError::LineBreak("Queue".into()))
        );
        assert_eq!(action("Q", &[("Bad Key", "x")]), Err(ActionError::BadKey("Bad Key".into())));
        assert!(action("Queue\nAdd", &[]).is_err());
    }
}
