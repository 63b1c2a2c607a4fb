//! `parking.*`: the lots a phone may see with their parked calls, retrieval, and closing the live
//! updates. State comes from res_parking's own manager actions, run inside Asterisk.
//!
//! Retrieval calls the phone: the module originates the phone's primary line straight into
//! `ParkedCall(<lot>,<space>)`. It needs nothing from the phone's dialplan context (which may not
//! include the lot's context, and AMI does not say what that context is), and the phone only has
//! to answer.

use digium_phones_core::ami::Block;
use digium_phones_core::apps::parking::{self, Lot, Parked, Visible};
use digium_phones_core::apps::watch::App;
use digium_phones_core::protocol::{Element, Request, Response, code};

use super::super::Shared;
use super::super::inbound::Origin;
use super::{Caller, actions, error, live};

const MODULE: &str = "res_parking";

pub(super) fn answer(shared: &Shared, _origin: &Origin, req: &Request) -> Response {
    let caller = match Caller::of(shared, req) {
        Ok(c) => c,
        Err(refusal) => return refusal,
    };
    let visible = Visible::of(caller.model(), &caller.profile);
    if visible == Visible::None {
        return error(req, code::FORBIDDEN, "this phone has no parking application");
    }
    let session = req.param("session").unwrap_or_default();
    match req.method.as_str() {
        parking::LIST => list(req, &visible, session, &caller.profile),
        parking::RETRIEVE => retrieve(req, &visible, &caller),
        parking::CLOSE => {
            live::close(session, &App::Parking);
            Response::ok(&req.id, &req.method, vec![Element::new("ok")])
        }
        _ => error(req, code::NOT_FOUND, "unknown method"),
    }
}

/// Every lot res_parking has and every call parked in them.
pub(crate) fn state(req: &Request) -> Result<(Vec<Lot>, Vec<Parked>), Response> {
    let lots = parking::lots(&actions::list(req, MODULE, "Parkinglots", &[])?);
    let calls = parking::parked(&actions::list(req, MODULE, "ParkedCalls", &[])?);
    Ok((lots, calls))
}

fn list(req: &Request, visible: &Visible, session: &str, profile: &str) -> Response {
    let only = match parking::list_params(req) {
        Ok(only) => only,
        Err(e) => return error(req, code::BAD_REQUEST, e.to_string()),
    };
    let (mut lots, calls) = match state(req) {
        Ok(state) => state,
        Err(reply) => return reply,
    };
    lots.retain(|l| visible.allows(&l.name) && only.as_ref().is_none_or(|o| *o == l.name));
    if let Some(lot) = &only
        && lots.is_empty()
    {
        return error(req, code::NOT_FOUND, format!("no parking lot '{lot}' for this phone"));
    }
    live::open(session, profile, App::Parking);
    parking::list_reply(&req.id, &req.method, &lots, &calls)
}

fn retrieve(req: &Request, visible: &Visible, caller: &Caller) -> Response {
    let (lot, space) = match parking::retrieve_params(req) {
        Ok(p) => p,
        Err(e) => return error(req, code::BAD_REQUEST, e.to_string()),
    };
    if !visible.allows(&lot) {
        return error(
            req,
            code::FORBIDDEN,
            format!("parking lot '{lot}' is not shown to this phone"),
        );
    }
    let Some(line) = caller
        .model()
        .phone(&caller.profile)
        .filter(|p| !p.primary_is_external())
        .and_then(|p| p.primary_line())
        .map(str::to_owned)
    else {
        return error(req, code::FORBIDDEN, "this phone has no internal line to call");
    };
    let parked: Vec<Block> = match actions::run(req, MODULE, "ParkedCalls", &[("ParkingLot", &lot)])
    {
        Ok(blocks) => blocks,
        // res_parking refuses a lot it does not have.
        Err(reply) if reply.result.as_ref().is_err_and(|e| e.code == actions::CONFLICT) => {
            return error(req, code::NOT_FOUND, format!("no parking lot '{lot}'"));
        }
        Err(reply) => return reply,
    };
    if !parking::parked(&parked).iter().any(|c| c.lot == lot && c.space == space) {
        return error(req, code::NOT_FOUND, format!("no call is parked at {space} in '{lot}'"));
    }
    let channel = format!("PJSIP/{line}");
    let data = format!("{lot},{space}");
    let caller_id = format!("\"Parked {space}\" <{space}>");
    let headers = [
        ("Channel", channel.as_str()),
        ("Application", "ParkedCall"),
        ("Data", data.as_str()),
        ("CallerID", caller_id.as_str()),
        ("Timeout", "30000"),
        ("Async", "true"),
    ];
    if let Err(reply) = actions::run(req, "the PBX core", "Originate", &headers) {
        return reply;
    }
    Response::ok(
        &req.id,
        &req.method,
        vec![
            Element::new("retrieving")
                .attr("lot", lot.as_str())
                .attr("space", space.as_str())
                .attr("line", line.as_str()),
        ],
    )
}
