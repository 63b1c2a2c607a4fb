//! AMI actions.

use crate::ffi::manager::{self, Action, Reply};
use digium_phones_core::admin;

use super::{config, provision};

/// Every action of the module.
pub(crate) static ACTIONS: [Action; 2] = [
    Action {
        name: c"DigiumPhonesReconfigure",
        synopsis: c"Make connected Digium phones fetch their configuration again",
        description: c"Phone: the name of a phone profile, or 'all'. Every session of the profile (or of every profile) is sent event.reconfigure; the reply says how many.",
        authority: manager::CONFIGURE,
        headers: &[c"Phone"],
        run: reconfigure,
    },
    // FreePBX shows its Digium Phones pages and writes res_digium_phone_*.conf only when this
    // answers Success; it reads nothing but the Response header.
    Action {
        name: c"DPMALicenseStatus",
        synopsis: c"Whether the Digium Phone Module may run (always: it needs no licence)",
        description: c"Answers Success: res_digium_phone is open source and needs no licence, whatever the number of phones.",
        authority: manager::STATUS,
        headers: &[],
        run: licence_status,
    },
];

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

fn licence_status(_: &[Option<String>]) -> Reply {
    Ok(admin::NO_LICENCE_NEEDED.to_string())
}
