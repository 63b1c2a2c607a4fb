//! The parking application: the lots a phone may see, their parked calls, retrieval requests and the
//! live changes, from what res_parking reports over its manager actions and events.

use crate::apps::fields::{self, Fields};
use crate::model::{AppKind, Model};
use crate::protocol::{Element, MAX_BODY, Request, Response};

pub mod hints;

#[cfg(test)]
mod tests;

pub const LIST: &str = "parking.list";
pub const RETRIEVE: &str = "parking.retrieve";
pub const CLOSE: &str = "parking.close";
/// Server → phone: a call was parked, picked up, timed out or gave up.
pub const UPDATE: &str = "parking.update";

/// Caller ID names are cut to this many bytes, so a list keeps room for calls.
const NAME_MAX: usize = 40;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParkingError {
    #[error("parameter {0} is missing")]
    Missing(&'static str),
    #[error("{0} '{1}' is not valid")]
    Invalid(&'static str, String),
}

/// A parking lot as `Parkinglots` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub name: String,
    pub start: String,
    pub stop: String,
    /// Seconds a call stays parked.
    pub timeout: String,
}

/// A parked call as `ParkedCalls` (and the `ParkedCall` event) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    pub lot: String,
    pub space: String,
    pub channel: String,
    pub num: String,
    pub name: String,
    /// Seconds parked so far.
    pub duration: String,
    /// Seconds left before it times out.
    pub left: String,
}

/// The lots of `Parkinglot` events, in the order reported.
pub fn lots(blocks: &[Fields]) -> Vec<Lot> {
    blocks
        .iter()
        .filter(|b| fields::event(b) == Some("Parkinglot"))
        .map(|b| Lot {
            name: fields::text(b, "Name").to_owned(),
            start: fields::text(b, "StartSpace").to_owned(),
            stop: fields::text(b, "StopSpace").to_owned(),
            timeout: fields::text(b, "Timeout").to_owned(),
        })
        .collect()
}

/// The parked calls of `ParkedCall` events, by lot then space.
pub fn parked(blocks: &[Fields]) -> Vec<Parked> {
    let mut calls: Vec<Parked> =
        blocks.iter().filter(|b| fields::event(b) == Some("ParkedCall")).map(parked_of).collect();
    calls.sort_by(|a, b| {
        (a.lot.as_str(), a.space.parse::<u64>().unwrap_or(u64::MAX))
            .cmp(&(b.lot.as_str(), b.space.parse().unwrap_or(u64::MAX)))
    });
    calls
}

fn parked_of(b: &Fields) -> Parked {
    Parked {
        lot: fields::text(b, "Parkinglot").to_owned(),
        space: fields::text(b, "ParkingSpace").to_owned(),
        channel: fields::text(b, "ParkeeChannel").to_owned(),
        num: fields::caller_id(fields::text(b, "ParkeeCallerIDNum")).to_owned(),
        name: fields::cut(fields::caller_id(fields::text(b, "ParkeeCallerIDName")), NAME_MAX)
            .to_owned(),
        duration: fields::text(b, "ParkingDuration").to_owned(),
        left: fields::text(b, "ParkingTimeout").to_owned(),
    }
}

/// The lots a phone's parking application shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// The phone has no parking application.
    None,
    All,
    Only(Vec<String>),
}

impl Visible {
    /// From the phone's `application=parking` sections: all lots when one of them names none, else
    /// the lots they name.
    pub fn of(model: &Model, profile: &str) -> Self {
        let Some(phone) = model.phone(profile) else { return Self::None };
        if phone.primary_is_external() {
            return Self::None;
        }
        let mut lots: Vec<String> = Vec::new();
        let mut any = false;
        for r in &phone.applications {
            let Some(app) = model.application(&r.name) else { continue };
            if let AppKind::Parking { parkinglot } = &app.kind {
                any = true;
                match parkinglot {
                    None => return Self::All,
                    Some(lot) if !lots.contains(lot) => lots.push(lot.clone()),
                    Some(_) => {}
                }
            }
        }
        if any { Self::Only(lots) } else { Self::None }
    }

    pub fn allows(&self, lot: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Only(lots) => lots.iter().any(|l| l == lot),
        }
    }
}

/// `parking.list`'s optional `lot`.
pub fn list_params(req: &Request) -> Result<Option<String>, ParkingError> {
    match req.param("lot") {
        None => Ok(None),
        Some(lot) if fields::is_plain_name(lot) => Ok(Some(lot.to_owned())),
        Some(lot) => Err(ParkingError::Invalid("lot", lot.to_owned())),
    }
}

/// `parking.retrieve`'s `lot` and `space`.
pub fn retrieve_params(req: &Request) -> Result<(String, String), ParkingError> {
    let lot = req.param("lot").ok_or(ParkingError::Missing("lot"))?;
    if !fields::is_plain_name(lot) {
        return Err(ParkingError::Invalid("lot", lot.to_owned()));
    }
    let space = req.param("space").ok_or(ParkingError::Missing("space"))?;
    if space.is_empty() || space.len() > 10 || !space.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParkingError::Invalid("space", space.to_owned()));
    }
    Ok((lot.to_owned(), space.to_owned()))
}

fn call_element(call: &Parked) -> Element {
    Element::new("call")
        .attr("space", call.space.as_str())
        .attr("num", call.num.as_str())
        .attr("name", call.name.as_str())
        .attr("parked", call.duration.as_str())
        .attr("left", call.left.as_str())
}

/// The `parking.list` reply: each lot with its calls. It fits one MESSAGE body: when it would not,
/// calls are left out from the end and `<more count="N"/>` says how many (ask for one lot with
/// `lot=`).
pub fn list_reply(id: &str, method: &str, lots: &[Lot], calls: &[Parked]) -> Response {
    let build = |shown: usize, more: usize| {
        let mut left = shown;
        let mut children: Vec<Element> = Vec::new();
        for lot in lots {
            let mut e = Element::new("lot")
                .attr("name", lot.name.as_str())
                .attr("start", lot.start.as_str())
                .attr("stop", lot.stop.as_str())
                .attr("timeout", lot.timeout.as_str());
            for call in calls.iter().filter(|c| c.lot == lot.name) {
                if left == 0 {
                    break;
                }
                left -= 1;
                e = e.child(call_element(call));
            }
            children.push(e);
        }
        if more > 0 {
            children.push(Element::new("more").attr("count", more.to_string()));
        }
        Response::ok(id, method, children)
    };
    let total = calls.iter().filter(|c| lots.iter().any(|l| l.name == c.lot)).count();
    let mut shown = total;
    loop {
        let reply = build(shown, total - shown);
        if shown == 0 || reply.to_xml().len() <= MAX_BODY {
            return reply;
        }
        shown -= 1;
    }
}

/// What a live parking event tells a phone: `(lot, <parked …/>)` for the events phones follow.
pub fn change(event: &Fields) -> Option<(String, Element)> {
    let kind = match fields::event(event)? {
        "ParkedCall" => "parked",
        "UnParkedCall" => "unparked",
        "ParkedCallTimeOut" => "timeout",
        "ParkedCallGiveUp" => "giveup",
        "ParkedCallSwap" => "swap",
        _ => return None,
    };
    let call = parked_of(event);
    let mut e = Element::new("parked")
        .attr("event", kind)
        .attr("lot", call.lot.as_str())
        .attr("space", call.space.as_str())
        .attr("num", call.num.as_str())
        .attr("name", call.name.as_str());
    if kind == "parked" {
        e = e.attr("left", call.left.as_str());
    }
    if let Some(by) = fields::get(event, "RetrieverCallerIDNum") {
        e = e.attr("by", fields::caller_id(by));
    }
    Some((call.lot, e))
}

/// One plain line per lot and call, for the simulator and the CLI.
pub fn lines(result: &[Element]) -> Vec<String> {
    let mut out = Vec::new();
    for e in result {
        match e.name.as_str() {
            "lot" => {
                let a = |k| e.get(k).unwrap_or_default();
                out.push(format!(
                    "lot {} spaces {}-{} timeout {}",
                    a("name"),
                    a("start"),
                    a("stop"),
                    a("timeout")
                ));
                let lot = a("name");
                for c in e.find_all("call") {
                    let a = |k| c.get(k).unwrap_or_default();
                    out.push(format!(
                        "parked {lot} {} {:?} {:?} parked {}s left {}s",
                        a("space"),
                        a("num"),
                        a("name"),
                        a("parked"),
                        a("left")
                    ));
                }
            }
            "more" => out.push(format!("more {}", e.get("count").unwrap_or_default())),
            _ => {}
        }
    }
    out
}

/// `digium_phones show parking`: the lots, then the parked calls, then the sessions that follow
/// parking or queues (`(session, profile, what)`), as tables.
pub fn admin_text(
    lots: &[Lot],
    calls: &[Parked],
    following: &[(String, String, String)],
    hints: &[crate::presence::Hint],
) -> String {
    use crate::table::render;
    let rows: Vec<Vec<String>> = lots
        .iter()
        .map(|l| {
            let count = calls.iter().filter(|c| c.lot == l.name).count();
            vec![
                l.name.clone(),
                format!("{}-{}", l.start, l.stop),
                l.timeout.clone(),
                count.to_string(),
            ]
        })
        .collect();
    let mut out = render(&["Lot", "Spaces", "Timeout", "Calls"], &rows);
    let rows: Vec<Vec<String>> = calls
        .iter()
        .map(|c| {
            vec![
                c.lot.clone(),
                c.space.clone(),
                caller_id_text(&c.name, &c.num),
                c.channel.clone(),
                format!("{}s", c.duration),
                format!("{}s", c.left),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&render(&["Lot", "Space", "Caller ID", "Channel", "Parked", "Left"], &rows));
    if !following.is_empty() {
        let rows: Vec<Vec<String>> =
            following.iter().map(|(s, p, w)| vec![p.clone(), s.clone(), w.clone()]).collect();
        out.push('\n');
        out.push_str(&render(&["Following", "Session", "Applications"], &rows));
    }
    if !hints.is_empty() {
        let rows: Vec<Vec<String>> = hints
            .iter()
            .map(|h| {
                vec![format!("{}@{}", h.exten, h.context), h.hint.clone(), h.owner.to_string()]
            })
            .collect();
        out.push('\n');
        out.push_str(&render(&["Hint", "Device", "For"], &rows));
    }
    out.push_str(&format!("\nObjects found: {}\n", calls.len()));
    out
}

/// `"name" <num>`, or whichever of the two there is.
pub fn caller_id_text(name: &str, num: &str) -> String {
    match (name.is_empty(), num.is_empty()) {
        (false, false) => format!("\"{name}\" <{num}>"),
        (false, true) => format!("\"{name}\""),
        (true, false) => format!("<{num}>"),
        (true, true) => "-".into(),
    }
}
