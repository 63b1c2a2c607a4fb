//! The queues application: a phone's view of the app_queue queues its `application=queue` sections
//! name, member login/logout and pause, and the live changes, from app_queue's manager actions and
//! events.
//!
//! Permission: `permission = details` shows every member (state, paused, calls taken) and every
//! waiting caller (caller ID, wait); any other value (or none) shows the queue's counts and the
//! phone's own membership only.

use crate::apps::fields::{self, Fields};
use crate::model::{AppKind, Model};
use crate::protocol::{Element, MAX_BODY, Request, Response};

#[cfg(test)]
mod tests;

pub const STATUS: &str = "queue.status";
pub const LOGIN: &str = "queue.login";
pub const LOGOUT: &str = "queue.logout";
pub const PAUSE: &str = "queue.pause";
pub const UNPAUSE: &str = "queue.unpause";
pub const CLOSE: &str = "queue.close";
/// Server → phone: a member or caller of a followed queue changed.
pub const UPDATE: &str = "queue.update";

/// Pause reasons are cut to this many bytes.
pub const REASON_MAX: usize = 64;
const NAME_MAX: usize = 40;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    #[error("parameter {0} is missing")]
    Missing(&'static str),
    #[error("{0} '{1}' is not valid")]
    Invalid(&'static str, String),
    #[error("reason is {0} bytes; at most {REASON_MAX}")]
    ReasonTooLong(usize),
    #[error("reason holds a control character")]
    ReasonControl,
}

/// One `application=queue` section of a phone, as it applies to that phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueApp {
    pub queue: String,
    /// The phone may log in, log out and pause.
    pub member: bool,
    pub membername: Option<String>,
    /// The member interface: `location`, else `PJSIP/<primary line>`.
    pub interface: String,
    pub details: bool,
    /// `(exten, context)` dialled to log in and out, when set.
    pub login: Option<(String, String)>,
    pub logout: Option<(String, String)>,
}

impl QueueApp {
    /// The phone's section for `queue`, if it has one.
    pub fn of(model: &Model, profile: &str, queue: &str) -> Option<Self> {
        Self::all(model, profile).into_iter().find(|a| a.queue == queue)
    }

    /// Every queue section of the phone, in `application=` order (a phone with an external primary
    /// line has none, as in DPMA).
    pub fn all(model: &Model, profile: &str) -> Vec<Self> {
        let Some(phone) = model.phone(profile) else { return Vec::new() };
        if phone.primary_is_external() {
            return Vec::new();
        }
        let line = phone.primary_line().unwrap_or_default();
        let context =
            model.line(line).and_then(|l| l.context.as_deref()).unwrap_or("default").to_owned();
        let mut out: Vec<Self> = Vec::new();
        for r in &phone.applications {
            let Some(app) = model.application(&r.name) else { continue };
            let AppKind::Queue {
                queue,
                member,
                membername,
                location,
                permission,
                login_exten,
                logout_exten,
            } = &app.kind
            else {
                continue;
            };
            if out.iter().any(|a| &a.queue == queue) {
                continue;
            }
            out.push(Self {
                queue: queue.clone(),
                member: *member,
                membername: membername.clone(),
                interface: location.clone().unwrap_or_else(|| format!("PJSIP/{line}")),
                details: permission.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("details")),
                login: login_exten.as_deref().map(|e| exten_at(e, &context)),
                logout: logout_exten.as_deref().map(|e| exten_at(e, &context)),
            });
        }
        out
    }
}

/// `exten@context`, or `exten` in `context`.
fn exten_at(value: &str, context: &str) -> (String, String) {
    match value.split_once('@') {
        Some((exten, ctx)) => (exten.to_owned(), ctx.to_owned()),
        None => (value.to_owned(), context.to_owned()),
    }
}

/// The `queue` parameter every method takes.
pub fn queue_param(req: &Request) -> Result<String, QueueError> {
    let queue = req.param("queue").ok_or(QueueError::Missing("queue"))?;
    if !fields::is_plain_name(queue) || queue.contains('/') {
        return Err(QueueError::Invalid("queue", queue.to_owned()));
    }
    Ok(queue.to_owned())
}

/// `queue.pause`'s optional `reason`: one line, at most [`REASON_MAX`] bytes.
pub fn reason_param(req: &Request) -> Result<Option<String>, QueueError> {
    let Some(reason) = req.param("reason").filter(|r| !r.is_empty()) else { return Ok(None) };
    if reason.len() > REASON_MAX {
        return Err(QueueError::ReasonTooLong(reason.len()));
    }
    if reason.chars().any(char::is_control) {
        return Err(QueueError::ReasonControl);
    }
    Ok(Some(reason.to_owned()))
}

/// A device state number as app_queue reports it (`enum ast_device_state`), by name.
pub fn device_state(value: &str) -> &'static str {
    match value {
        "1" => "not_inuse",
        "2" => "inuse",
        "3" => "busy",
        "4" => "invalid",
        "5" => "unavailable",
        "6" => "ringing",
        "7" => "ringinuse",
        "8" => "onhold",
        _ => "unknown",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub interface: String,
    pub state: &'static str,
    pub paused: bool,
    pub reason: String,
    pub calls: String,
    pub in_call: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    pub position: String,
    pub num: String,
    pub name: String,
    /// Seconds waiting.
    pub wait: String,
}

/// One queue as `QueueStatus` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueState {
    pub name: String,
    pub strategy: String,
    pub holdtime: String,
    pub completed: String,
    pub abandoned: String,
    pub members: Vec<Member>,
    pub callers: Vec<Caller>,
}

fn member_of(b: &Fields) -> Member {
    // QueueStatus says Location, the member events Interface.
    let interface = fields::get(b, "Location").or(fields::get(b, "Interface")).unwrap_or_default();
    Member {
        name: fields::cut(
            fields::get(b, "MemberName").or(fields::get(b, "Name")).unwrap_or_default(),
            NAME_MAX,
        )
        .to_owned(),
        interface: interface.to_owned(),
        state: device_state(fields::text(b, "Status")),
        paused: fields::text(b, "Paused") == "1",
        reason: fields::cut(fields::text(b, "PausedReason"), REASON_MAX).to_owned(),
        calls: fields::text(b, "CallsTaken").to_owned(),
        in_call: fields::text(b, "InCall") == "1",
    }
}

/// The queue `name` out of a `QueueStatus` answer, or `None` when app_queue has no such queue.
pub fn queue_state(blocks: &[Fields], name: &str) -> Option<QueueState> {
    let mine = |b: &&Fields| fields::get(b, "Queue") == Some(name);
    let params = blocks.iter().filter(mine).find(|b| fields::event(b) == Some("QueueParams"))?;
    let mut state = QueueState {
        name: name.to_owned(),
        strategy: fields::text(params, "Strategy").to_owned(),
        holdtime: fields::text(params, "Holdtime").to_owned(),
        completed: fields::text(params, "Completed").to_owned(),
        abandoned: fields::text(params, "Abandoned").to_owned(),
        ..QueueState::default()
    };
    for b in blocks.iter().filter(mine) {
        match fields::event(b) {
            Some("QueueMember") => state.members.push(member_of(b)),
            Some("QueueEntry") => state.callers.push(Caller {
                position: fields::text(b, "Position").to_owned(),
                num: fields::caller_id(fields::text(b, "CallerIDNum")).to_owned(),
                name: fields::cut(fields::caller_id(fields::text(b, "CallerIDName")), NAME_MAX)
                    .to_owned(),
                wait: fields::text(b, "Wait").to_owned(),
            }),
            _ => {}
        }
    }
    Some(state)
}

fn member_element(m: &Member) -> Element {
    let mut e = Element::new("member")
        .attr("name", m.name.as_str())
        .attr("interface", m.interface.as_str())
        .attr("state", m.state)
        .attr("paused", if m.paused { "1" } else { "0" });
    if !m.reason.is_empty() {
        e = e.attr("reason", m.reason.as_str());
    }
    e.attr("calls", m.calls.as_str()).attr("incall", if m.in_call { "1" } else { "0" })
}

/// The `queue.status` reply for a phone with `app`: the queue's counts, the phone's own membership
/// (`<self …/>`, absent when it is not a member), and with details every member and caller. It fits
/// one MESSAGE body: callers, then members, are left out from the end, counted in
/// `<more members= callers=/>`.
pub fn status_reply(id: &str, method: &str, state: &QueueState, app: &QueueApp) -> Response {
    let own = state.members.iter().find(|m| m.interface.eq_ignore_ascii_case(&app.interface));
    let paused = state.members.iter().filter(|m| m.paused).count();
    let head = Element::new("queue")
        .attr("name", state.name.as_str())
        .attr("strategy", state.strategy.as_str())
        .attr("members", state.members.len().to_string())
        .attr("paused", paused.to_string())
        .attr("callers", state.callers.len().to_string())
        .attr("holdtime", state.holdtime.as_str())
        .attr("completed", state.completed.as_str())
        .attr("abandoned", state.abandoned.as_str())
        .attr("permission", if app.details { "details" } else { "status" });
    let build = |members: usize, callers: usize| {
        let mut children = vec![head.clone()];
        if let Some(m) = own {
            let mut e = member_element(m);
            e.name = "self".into();
            children.push(e);
        }
        if app.details {
            children.extend(state.members.iter().take(members).map(member_element));
            children.extend(state.callers.iter().take(callers).map(|c| {
                Element::new("caller")
                    .attr("position", c.position.as_str())
                    .attr("num", c.num.as_str())
                    .attr("name", c.name.as_str())
                    .attr("wait", c.wait.as_str())
            }));
            let (mm, mc) = (state.members.len() - members, state.callers.len() - callers);
            if mm + mc > 0 {
                children.push(
                    Element::new("more")
                        .attr("members", mm.to_string())
                        .attr("callers", mc.to_string()),
                );
            }
        }
        Response::ok(id, method, children)
    };
    let (mut members, mut callers) = (state.members.len(), state.callers.len());
    loop {
        let reply = build(members, callers);
        if reply.to_xml().len() <= MAX_BODY || (members == 0 && callers == 0) {
            return reply;
        }
        if callers > 0 {
            callers -= 1;
        } else {
            members -= 1;
        }
    }
}

/// What a live app_queue event tells phones: `(queue, <member …/> or <caller …/>, interface)`; the
/// interface is set for member events, which only phones with details or that member see.
pub fn change(event: &Fields) -> Option<(String, Element, Option<String>)> {
    let name = fields::event(event)?;
    let queue = fields::get(event, "Queue")?.to_owned();
    let member = match name {
        "QueueMemberStatus" => Some("status"),
        "QueueMemberAdded" => Some("added"),
        "QueueMemberRemoved" => Some("removed"),
        "QueueMemberPause" => Some("pause"),
        _ => None,
    };
    if let Some(kind) = member {
        let m = member_of(event);
        let mut e = member_element(&m);
        e.attrs.insert(0, ("event".into(), kind.into()));
        e.attrs.insert(1, ("queue".into(), queue.clone()));
        return Some((queue, e, Some(m.interface)));
    }
    let kind = match name {
        "QueueCallerJoin" => "join",
        "QueueCallerLeave" => "leave",
        "QueueCallerAbandon" => "abandon",
        _ => return None,
    };
    let e = Element::new("caller")
        .attr("event", kind)
        .attr("queue", queue.as_str())
        .attr("position", fields::text(event, "Position"))
        .attr("count", fields::text(event, "Count"));
    Some((queue, e, None))
}

/// One plain line per element of a `queue.status` reply, for the simulator and the CLI.
pub fn lines(result: &[Element]) -> Vec<String> {
    let a = |e: &Element, k: &str| e.get(k).unwrap_or_default().to_owned();
    let member = |e: &Element, label: &str| {
        let reason = e.get("reason").map(|r| format!(" reason {r:?}")).unwrap_or_default();
        format!(
            "{label} {} {:?} {} {}{reason} calls {}{}",
            a(e, "interface"),
            a(e, "name"),
            a(e, "state"),
            if a(e, "paused") == "1" { "paused" } else { "unpaused" },
            a(e, "calls"),
            if a(e, "incall") == "1" { " in call" } else { "" }
        )
    };
    result
        .iter()
        .filter_map(|e| match e.name.as_str() {
            "queue" => Some(format!(
                "queue {} members {} paused {} callers {} strategy {} permission {}",
                a(e, "name"),
                a(e, "members"),
                a(e, "paused"),
                a(e, "callers"),
                a(e, "strategy"),
                a(e, "permission")
            )),
            "self" => Some(member(e, "self")),
            "member" => Some(member(e, "member")),
            "caller" => Some(format!(
                "caller {} {:?} {:?} waiting {}s",
                a(e, "position"),
                a(e, "num"),
                a(e, "name"),
                a(e, "wait")
            )),
            "more" => Some(format!("more members {} callers {}", a(e, "members"), a(e, "callers"))),
            _ => None,
        })
        .collect()
}

/// `digium_phones show queues <phone>`: each of the phone's queues with its counts and the phone's
/// permission, then every member, then every waiting caller, as tables (admins see everything).
pub fn admin_text(queues: &[(QueueState, &QueueApp)]) -> String {
    use crate::table::render;
    let mut rows = Vec::new();
    let mut members = Vec::new();
    let mut callers = Vec::new();
    for (state, app) in queues {
        rows.push(vec![
            state.name.clone(),
            state.strategy.clone(),
            state.members.len().to_string(),
            state.members.iter().filter(|m| m.paused).count().to_string(),
            state.callers.len().to_string(),
            app.interface.clone(),
            if app.details { "details" } else { "status" }.to_owned(),
        ]);
        for m in &state.members {
            members.push(vec![
                state.name.clone(),
                m.interface.clone(),
                m.name.clone(),
                m.state.to_owned(),
                if m.paused { "yes" } else { "no" }.to_owned(),
                if m.reason.is_empty() { "-".to_owned() } else { m.reason.clone() },
                m.calls.clone(),
                if m.in_call { "yes" } else { "no" }.to_owned(),
            ]);
        }
        for c in &state.callers {
            callers.push(vec![
                state.name.clone(),
                c.position.clone(),
                crate::apps::parking::caller_id_text(&c.name, &c.num),
                format!("{}s", c.wait),
            ]);
        }
    }
    let mut out = render(
        &["Queue", "Strategy", "Members", "Paused", "Callers", "Phone's Interface", "Permission"],
        &rows,
    );
    out.push('\n');
    out.push_str(&render(
        &["Queue", "Member", "Name", "State", "Paused", "Reason", "Calls", "In Call"],
        &members,
    ));
    out.push('\n');
    out.push_str(&render(&["Queue", "Position", "Caller ID", "Wait"], &callers));
    out.push_str(&format!("\nObjects found: {}\n", queues.len()));
    out
}
