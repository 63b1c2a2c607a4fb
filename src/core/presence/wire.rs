//! The bodies of `presence.set` and `presence.get` (docs/protocol.md, "Presence"), read and written
//! here for both the module and the simulator.

use super::plan::usable_line_name;
use super::{PresenceError, Reading, Reported, State, Status};
use crate::protocol::{Element, MAX_BODY, Request, Response};

/// The result element, one per line.
pub const ELEMENT: &str = "presence";
/// Closes a reply that had to leave lines out: `<more count="N"/>`.
pub const MORE: &str = "more";
/// Lines one `presence.get` may ask for.
pub const MAX_GET_LINES: usize = 16;
/// Asterisk keeps section names shorter than this.
const MAX_LINE_NAME: usize = 80;

/// The status a `presence.set` asks for: `status`, optional `substatus` and `message`.
pub fn set_params(request: &Request) -> Result<Status, PresenceError> {
    let state: State = request.param("status").ok_or(PresenceError::Missing("status"))?.parse()?;
    let status = Status {
        state,
        subtype: request.param("substatus").unwrap_or_default().to_string(),
        message: request.param("message").unwrap_or_default().to_string(),
    };
    status.check()?;
    Ok(status)
}

/// The lines a `presence.get` asks for (`lines`, comma-separated), in order, without repeats.
pub fn get_lines(request: &Request) -> Result<Vec<String>, PresenceError> {
    let text = request.param("lines").ok_or(PresenceError::Missing("lines"))?;
    let mut lines: Vec<String> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        if name.len() > MAX_LINE_NAME || !usable_line_name(name) {
            return Err(PresenceError::Lines(format!(
                "'{}' is not a line name",
                name.escape_debug()
            )));
        }
        if !lines.iter().any(|line| line == name) {
            lines.push(name.to_string());
        }
    }
    if lines.is_empty() {
        return Err(PresenceError::Lines("no line named".into()));
    }
    if lines.len() > MAX_GET_LINES {
        return Err(PresenceError::Lines(format!(
            "{} lines asked for; at most {MAX_GET_LINES} per request",
            lines.len()
        )));
    }
    Ok(lines)
}

/// One line's presence in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePresence {
    pub line: String,
    pub reading: Reading,
    /// The texts were cut to fit the reply in one MESSAGE.
    pub truncated: bool,
}

impl LinePresence {
    pub fn new(line: impl Into<String>, reading: Reading) -> Self {
        Self { line: line.into(), reading, truncated: false }
    }

    /// `<presence line= state= subtype= message=/>`, with `truncated="1"` when cut.
    pub fn to_element(&self) -> Element {
        let element = Element::new(ELEMENT)
            .attr("line", self.line.as_str())
            .attr("state", self.reading.state.as_str())
            .attr("subtype", self.reading.subtype.as_str())
            .attr("message", self.reading.message.as_str());
        if self.truncated { element.attr("truncated", "1") } else { element }
    }

    pub fn from_element(element: &Element) -> Result<Self, PresenceError> {
        let bad = |why: &str| PresenceError::Value(format!("<{ELEMENT}> {why}"));
        let line =
            element.get("line").filter(|l| !l.is_empty()).ok_or_else(|| bad("has no line"))?;
        let state: Reported = element.get("state").ok_or_else(|| bad("has no state"))?.parse()?;
        let text = |name: &str| element.get(name).unwrap_or_default().to_string();
        Ok(Self {
            line: line.to_string(),
            reading: Reading { state, subtype: text("subtype"), message: text("message") },
            truncated: element.get("truncated") == Some("1"),
        })
    }
}

/// The `ok` response carrying `entries`, made to fit in one MESSAGE body ([`MAX_BODY`]): when it would
/// not, messages are cut from the last line backwards, then subtypes likewise, each cut line marked
/// `truncated`; should even bare states not fit, the last lines are left out and `<more count=N/>`
/// says how many.
pub fn fit_reply(id: &str, method: &str, mut entries: Vec<LinePresence>) -> Response {
    let build = |entries: &[LinePresence], more: usize| {
        let mut children: Vec<Element> = entries.iter().map(LinePresence::to_element).collect();
        if more > 0 {
            children.push(Element::new(MORE).attr("count", more.to_string()));
        }
        Response::ok(id, method, children)
    };
    let fits =
        |entries: &[LinePresence], more: usize| build(entries, more).to_xml().len() <= MAX_BODY;
    if fits(&entries, 0) {
        return build(&entries, 0);
    }
    // Subtypes are short and say most: every message goes before any of them.
    for message in [true, false] {
        for at in (0..entries.len()).rev() {
            let whole = std::mem::take(text_mut(&mut entries[at], message));
            if whole.is_empty() {
                continue;
            }
            entries[at].truncated = true;
            if !fits(&entries, 0) {
                continue;
            }
            // The longest prefix, cut between characters, that fits: empty fits, whole does not.
            let cuts: Vec<usize> =
                whole.char_indices().map(|(i, _)| i).chain([whole.len()]).collect();
            let (mut fitting, mut too_long) = (0, cuts.len() - 1);
            while too_long - fitting > 1 {
                let middle = (fitting + too_long) / 2;
                *text_mut(&mut entries[at], message) = whole[..cuts[middle]].to_string();
                if fits(&entries, 0) {
                    fitting = middle;
                } else {
                    too_long = middle;
                }
            }
            *text_mut(&mut entries[at], message) = whole[..cuts[fitting]].to_string();
            return build(&entries, 0);
        }
    }
    let mut more = 0;
    while !entries.is_empty() && !fits(&entries, more) {
        entries.pop();
        more += 1;
    }
    build(&entries, more)
}

fn text_mut(entry: &mut LinePresence, message: bool) -> &mut String {
    if message { &mut entry.reading.message } else { &mut entry.reading.subtype }
}

/// What a reply's result holds: the lines, and how many more the server left out.
pub fn read_reply(result: &[Element]) -> Result<(Vec<LinePresence>, usize), PresenceError> {
    let mut entries = Vec::new();
    let mut more = 0;
    for element in result {
        match element.name.as_str() {
            ELEMENT => entries.push(LinePresence::from_element(element)?),
            MORE => {
                more = element
                    .get("count")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| PresenceError::Value(format!("<{MORE}> needs a count")))?;
            }
            _ => {}
        }
    }
    Ok((entries, more))
}
