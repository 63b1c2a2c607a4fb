//! What the configuration decides about presence: which lines a status goes to, which states a
//! phone's status application offers, and the dialplan hints.

use super::{PresenceError, State, Status, encode};
use crate::finding::{Finding, Severity};
use crate::model::general::DEFAULT_HINT_CONTEXT;
use crate::model::{AppKind, Line, Model, Phone};

/// The presence provider that holds a line's status.
pub fn provider(line: &str) -> String {
    format!("CustomPresence:{line}")
}

/// Whether a line name can be written into a hint (`PJSIP/<line>,CustomPresence:<line>`, where `&`
/// and `,` separate devices and providers), into `PRESENCE_STATE(...)` and into an astdb key (where `/`
/// separates families).
pub fn usable_line_name(name: &str) -> bool {
    !name.is_empty()
        && !name.chars().any(|c| c.is_whitespace() || c.is_control() || ",&()/|;\"'".contains(c))
}

/// The lines a status set on `phone` is written to: its primary line, or with `presence_all_lines`
/// every `line=` of it, in order. External lines never: they are not on this server. Lines whose name
/// [`usable_line_name`] refuses are left out ([`hint_plan`] reports them).
pub fn lines_for(model: &Model, phone: &Phone) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for reference in &phone.lines {
        let name = reference.name.as_str();
        if model.line(name).is_some() && usable_line_name(name) && !lines.iter().any(|l| l == name)
        {
            lines.push(name.to_string());
        }
        if !model.general.presence_all_lines {
            break;
        }
    }
    lines
}

/// One state the status application offers, merged over the phone's status applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChoice {
    pub state: State,
    /// The canned texts offered with it (`substatus=`), in order, without repeats.
    pub substatuses: Vec<String>,
    /// The phone rejects calls with 486 Busy while in this state.
    pub send486: bool,
}

/// The states `phone`'s `application=status` sections offer, in the order first named, or `None`
/// when it has no status application (then any supported state may be set). `unavailable`, which
/// the application accepts but phones cannot set, is left out.
pub fn status_choices(model: &Model, phone: &Phone) -> Option<Vec<StatusChoice>> {
    let mut choices: Vec<StatusChoice> = Vec::new();
    let mut any = false;
    for reference in &phone.applications {
        let Some(app) = model.application(&reference.name) else { continue };
        let AppKind::Status { statuses, substatuses, send486 } = &app.kind else { continue };
        any = true;
        for state in statuses.iter().filter_map(|s| s.parse::<State>().ok()) {
            let at = match choices.iter().position(|c| c.state == state) {
                Some(at) => at,
                None => {
                    choices.push(StatusChoice { state, substatuses: Vec::new(), send486: false });
                    choices.len() - 1
                }
            };
            let choice = &mut choices[at];
            choice.send486 |= *send486;
            for text in substatuses {
                if !choice.substatuses.contains(text) {
                    choice.substatuses.push(text.clone());
                }
            }
        }
    }
    any.then_some(choices)
}

/// Whether `phone` may set `state`: any supported state without a status application, else only
/// those its status applications list.
pub fn status_allowed(model: &Model, phone: &Phone, state: State) -> bool {
    status_choices(model, phone).is_none_or(|choices| choices.iter().any(|c| c.state == state))
}

/// What to write for a `presence.set` of `phone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetPlan {
    pub status: Status,
    /// The value for `PRESENCE_STATE(CustomPresence:<line>)`, from [`encode`].
    pub value: String,
    /// The lines to write it to, from [`lines_for`]; never empty.
    pub lines: Vec<String>,
}

/// Checks that `phone` may set `status` and says where it goes. Errors carry their protocol code
/// ([`PresenceError::code`]): 400 for texts out of bounds, 403 for a state the status application
/// does not offer or a phone without an internal line.
pub fn plan_set(model: &Model, phone: &Phone, status: Status) -> Result<SetPlan, PresenceError> {
    let value = encode(&status)?;
    if !status_allowed(model, phone, status.state) {
        return Err(PresenceError::NotAllowed(status.state));
    }
    let lines = lines_for(model, phone);
    if lines.is_empty() {
        return Err(PresenceError::NoInternalLine);
    }
    Ok(SetPlan { status, value, lines })
}

/// One dialplan hint: `exten => <exten>,hint,<hint>` in `context`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hint {
    pub context: String,
    pub exten: String,
    pub hint: String,
    pub owner: HintOwner,
}

/// What a hint is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HintOwner {
    /// A line's presence (`PJSIP/<line>,CustomPresence:<line>`).
    Line(String),
    /// A space of this parking lot (`park:<space>@<context>`).
    ParkingLot(String),
}

impl std::fmt::Display for HintOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(line) => write!(f, "line '{line}'"),
            Self::ParkingLot(lot) => write!(f, "a space of parking lot '{lot}'"),
        }
    }
}

impl Hint {
    /// The order of Asterisk's dialplan (`ext_cmp` for extensions that are not patterns: bytes as C
    /// `char`s, dashes skipped), context first. Asterisk keeps a context's extensions in one sorted
    /// list and walks it to add or remove one, so hints added in descending and removed in ascending
    /// order each find their place at the head of the list.
    pub fn dialplan_order(&self, other: &Self) -> std::cmp::Ordering {
        let exten = |e: &str| e.bytes().filter(|b| *b != b'-').map(|b| b as i8).collect::<Vec<_>>();
        (self.context.as_str(), exten(&self.exten))
            .cmp(&(other.context.as_str(), exten(&other.exten)))
    }
}

/// The hints to install, and warnings about lines that get none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HintPlan {
    pub hints: Vec<Hint>,
    pub findings: Vec<Finding>,
}

/// What Asterisk holds of a line's PJSIP endpoint for subscriptions (empty when unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub context: String,
    pub subscribe_context: String,
}

impl Endpoint {
    /// Where a SUBSCRIBE from this endpoint looks its extension up: `subscribe_context`, else
    /// `context` (res_pjsip_exten_state's rule).
    pub fn subscription_context(&self) -> Option<&str> {
        [&self.subscribe_context, &self.context]
            .into_iter()
            .map(String::as_str)
            .find(|c| !c.is_empty())
    }
}

/// DPMA's name for the hint of every line, `auto_hint_<line>`: what FreePBX's phonebooks subscribe
/// BLF keys to.
pub const AUTO_HINT_PREFIX: &str = "auto_hint_";

/// The context a line's hints go in: `hint_context` when set, else where the line's own endpoint
/// subscribes (`endpoint` reads it through Asterisk), else [`DEFAULT_HINT_CONTEXT`].
pub fn hint_context_of(
    model: &Model,
    line: &Line,
    endpoint: &dyn Fn(&str) -> Option<Endpoint>,
) -> String {
    if let Some(context) = &model.general.hint_context {
        return context.clone();
    }
    endpoint(&line.name)
        .and_then(|e| e.subscription_context().map(str::to_string))
        .unwrap_or_else(|| DEFAULT_HINT_CONTEXT.to_string())
}

/// The hints of every internal line, as DPMA makes them: `auto_hint_<line>` and the line's
/// `exten=` (else its name), both `PJSIP/<line>,CustomPresence:<line>`, in [`hint_context_of`], in
/// configuration order. When two lines want the same extension in one context the first keeps it;
/// the others, and lines whose name or extension cannot be written into a hint, get a warning.
pub fn hint_plan(model: &Model, endpoint: &dyn Fn(&str) -> Option<Endpoint>) -> HintPlan {
    let mut plan = HintPlan::default();
    // Each usable line's context and auto hint, made first so that the table of extensions taken
    // can borrow them instead of copying two strings for every hint.
    let lines: Vec<(&Line, Option<(String, String)>)> = model
        .lines
        .iter()
        .map(|line| {
            let usable = usable_line_name(&line.name).then(|| {
                (hint_context_of(model, line, endpoint), format!("{AUTO_HINT_PREFIX}{}", line.name))
            });
            (line, usable)
        })
        .collect();
    let mut owners: crate::names::NameMap<(&str, &str), &str> = Default::default();
    for (line, usable) in &lines {
        let Some((context, auto_hint)) = usable else {
            plan.findings.push(warning(
                line,
                "",
                "the line name cannot be written into a hint or a presence provider (it holds \
                 blanks or one of , & ( ) / | ; \" '); no presence for this line"
                    .to_string(),
            ));
            continue;
        };
        let exten = line.exten.as_deref().filter(|e| !e.is_empty()).unwrap_or(&line.name);
        let mut extens = [None, Some(auto_hint.as_str())];
        if let Some(problem) = exten_problem(exten) {
            plan.findings.push(warning(
                line,
                "exten",
                format!("extension '{exten}' {problem}; only {auto_hint} is hinted for this line"),
            ));
        } else if exten != auto_hint {
            extens[0] = Some(exten);
        }
        for exten in extens.into_iter().flatten() {
            if let Some(owner) = owners.get(&(context.as_str(), exten)) {
                plan.findings.push(warning(
                    line,
                    "exten",
                    format!(
                        "extension {exten} in context {context} already hints line '{owner}'; no \
                         hint there for this line"
                    ),
                ));
                continue;
            }
            owners.insert((context, exten), &line.name);
            plan.hints.push(Hint {
                context: context.clone(),
                exten: exten.to_string(),
                hint: format!("PJSIP/{name},{}", provider(&line.name), name = line.name),
                owner: HintOwner::Line(line.name.clone()),
            });
        }
    }
    plan
}

fn exten_problem(exten: &str) -> Option<&'static str> {
    if exten.starts_with('_') {
        // A pattern's hint would be one shared hint, not one per line.
        Some("is a pattern")
    } else if exten.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',') {
        Some("holds a blank or a comma")
    } else {
        None
    }
}

fn warning(line: &Line, option: &str, message: String) -> Finding {
    let (file, at) = match line.raw.last(option).filter(|_| !option.is_empty()) {
        Some(entry) => (&*entry.file, entry.line),
        None => line.raw.location(),
    };
    Finding {
        severity: Severity::Warning,
        file: file.to_string(),
        line: at,
        section: line.name.clone(),
        option: option.to_string(),
        message,
    }
}
