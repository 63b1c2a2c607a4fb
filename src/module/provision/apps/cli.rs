//! `digium_phones show parking` and `digium_phones show queues <phone>`: what phones' parking and
//! queue applications see, for admins (every lot, every member and caller).

use digium_phones_core::apps::parking;
use digium_phones_core::apps::queues::{self, QueueApp};
use digium_phones_core::model::SectionType;
use digium_phones_core::protocol::{Request, Response};

use super::{live, parking as parking_app, queues as queues_app};
use crate::ffi::cli::{Args, Command, Outcome};
use crate::module::{config, presence};

pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new(
            "digium_phones show parking",
            "Show the parking lots and parked calls phones see",
            "Usage: digium_phones show parking\n       Lists res_parking's lots, the calls parked in them, and the sessions that follow\n       parking or queue changes.\n",
            show_parking,
        ),
        Command::new(
            "digium_phones show queues",
            "Show a phone's queues",
            "Usage: digium_phones show queues <phone>\n       Shows each queue of the phone's application=queue sections as app_queue reports it:\n       members with state and pause, callers waiting with their wait.\n",
            show_queues,
        )
        .completing(|pos| {
            if pos != 3 {
                return Vec::new();
            }
            let snapshot = config::current();
            snapshot
                .model
                .sections(SectionType::Phone)
                .into_iter()
                .map(|s| s.name().to_string())
                .collect()
        }),
    ]
}

fn failure(reply: &Response) -> String {
    match &reply.result {
        Err(e) => format!("{}\n", e.message),
        Ok(_) => String::new(),
    }
}

fn show_parking(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let req = Request::new("cli", parking::LIST);
    let (lots, calls) = match parking_app::state(&req) {
        Ok(state) => state,
        Err(reply) => {
            a.print(&failure(&reply));
            return Outcome::Failure;
        }
    };
    let text = parking::admin_text(&lots, &calls, &live::list(), &presence::parking_hints());
    a.print(&text);
    Outcome::Success
}

fn show_queues(a: &mut Args) -> Outcome {
    let [_, _, _, phone] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    if snapshot.model.phone(phone).is_none() {
        a.print(&format!("No phone named '{phone}'.\n"));
        return Outcome::Failure;
    }
    let apps = QueueApp::all(&snapshot.model, phone);
    if apps.is_empty() {
        a.print(&format!("Phone '{phone}' has no queue application.\n"));
        return Outcome::Success;
    }
    let mut states = Vec::new();
    for app in &apps {
        let req = Request::new("cli", queues::STATUS);
        match queues_app::state(&req, &app.queue) {
            Ok(state) => states.push((state, app)),
            Err(reply) => {
                a.print(&failure(&reply));
                return Outcome::Failure;
            }
        }
    }
    let text = queues::admin_text(&states);
    a.print(&text);
    Outcome::Success
}
