//! AMI actions.

use crate::ffi::manager::{Action, Reply, StaticAction};

use super::{config, provision};

pub(crate) struct Reconfigure;

static RECONFIGURE: Action = Action {
    name: c"DigiumPhonesReconfigure",
    synopsis: c"Make connected Digium phones fetch their configuration again",
    description: c"Phone: the name of a phone profile, or 'all'. Every session of the profile (or of every profile) is sent event.reconfigure; the reply says how many.",
    headers: &[c"Phone"],
    run: reconfigure,
};

impl StaticAction for Reconfigure {
    fn action() -> &'static Action {
        &RECONFIGURE
    }
}

fn reconfigure(headers: &[Option<String>]) -> Reply {
    let Some(Some(phone)) = headers.first() else {
        return Err("Phone: header missing (a profile name or 'all')".into());
    };
    if phone == "all" {
        return Ok(provision::reconfigure(None).to_string());
    }
    if config::current().model.phone(phone).is_none() {
        return Err(format!("No phone named '{phone}'"));
    }
    Ok(provision::reconfigure(Some(phone)).to_string())
}
