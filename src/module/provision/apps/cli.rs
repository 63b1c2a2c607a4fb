//! `digium_phones show parking` and `digium_phones show queues <phone>`: what phones' parking and
//! queue applications see, for admins (every lot, every member and caller).

use digium_phones_core::apps::parking;
use digium_phones_core::apps::queues::{self, QueueApp};
use digium_phones_core::model::SectionType;
use digium_phones_core::protocol::{Request, Response};

use super::{live, parking as parking_app, queues as queues_app};
use crate::ffi::cli::{Args, Command, Outcome};
use crate::module::config;

pub(crate) fn commands() -> Vec<Command> {
    vec![
        Command::new(
            "digium_phones show parking",
            "Show the parking lots and parked calls phones see",
            "Usage: digium_phones show parking\n       Lists res_parking's lots and parked calls as phones' parking applications see them,\n       then the sessions that follow parking or queue changes.\n",
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
    let mut text = String::new();
    for lot in &lots {
        text.push_str(&format!(
            "lot {} spaces {}-{} timeout {}\n",
            lot.name, lot.start, lot.stop, lot.timeout
        ));
        for c in calls.iter().filter(|c| c.lot == lot.name) {
            text.push_str(&format!(
                "parked {} {} {:?} {:?} {} parked {}s left {}s\n",
                c.lot, c.space, c.num, c.name, c.channel, c.duration, c.left
            ));
        }
    }
    for (session, profile, what) in live::list() {
        text.push_str(&format!("following {profile} session {session}: {what}\n"));
    }
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
    let mut text = String::new();
    for app in apps {
        let req = Request::new("cli", queues::STATUS);
        match queues_app::state(&req, &app.queue) {
            Ok(state) => {
                // Admins see every member and caller, whatever the phone's permission.
                let full = QueueApp { details: true, ..app.clone() };
                let reply = queues::status_reply("cli", queues::STATUS, &state, &full);
                let mut lines = queues::lines(reply.result.as_deref().unwrap_or_default());
                if !app.details
                    && let Some(first) = lines.first_mut()
                {
                    *first = first.replace("permission details", "permission status");
                }
                for line in &lines {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            Err(reply) => {
                a.print(&format!("{text}{}", failure(&reply)));
                return Outcome::Failure;
            }
        }
    }
    a.print(&text);
    Outcome::Success
}
