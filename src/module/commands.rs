//! `digium_phones ...` CLI commands, named as DPMA names them so existing tools keep working.

use crate::ffi::cli::{Args, Command, Outcome};
use crate::ffi::module::asterisk_version;
use digium_phones_core::model::{ExternalLine, Line, Model, Phone};
use digium_phones_core::{table, version};

use super::{config, discovery, presence, provision, sections};

pub(crate) static COMMANDS: &[Command] = &[
    Command {
        command: c"digium_phones show version",
        summary: c"Show the module version",
        usage: c"Usage: digium_phones show version\n       Shows the version as <asterisk major.minor>_<module version>.\n",
        run: show_version,
        complete: None,
    },
    Command {
        command: c"digium_phones show phones",
        summary: c"List the phone profiles",
        usage: c"Usage: digium_phones show phones\n       Lists the phone profiles being served.\n",
        run: show_phones,
        complete: None,
    },
    Command {
        command: c"digium_phones show phone",
        summary: c"Show one phone profile",
        usage: c"Usage: digium_phones show phone <name>\n       Shows every option of a phone profile (secrets masked).\n",
        run: show_phone,
        complete: Some(complete_phone),
    },
    Command {
        command: c"digium_phones show lines",
        summary: c"List the lines",
        usage: c"Usage: digium_phones show lines\n       Lists the lines and external lines being served.\n",
        run: show_lines,
        complete: None,
    },
    Command {
        command: c"digium_phones show line",
        summary: c"Show one line",
        usage: c"Usage: digium_phones show line <name>\n       Shows every option of a line or external line (secrets masked).\n",
        run: show_line,
        complete: Some(complete_line),
    },
    Command {
        command: c"digium_phones show networks",
        summary: c"List the networks sections",
        usage: c"Usage: digium_phones show networks\n       Lists the type=network sections being served.\n",
        run: |a| sections::list(a, &sections::NETWORK),
        complete: None,
    },
    Command {
        command: c"digium_phones show network",
        summary: c"Show one network section",
        usage: c"Usage: digium_phones show network <name>\n       Shows every option of a type=network section.\n",
        run: |a| sections::show(a, &sections::NETWORK),
        complete: Some(|pos| sections::complete(pos, &sections::NETWORK)),
    },
    Command {
        command: c"digium_phones show applications",
        summary: c"List the applications sections",
        usage: c"Usage: digium_phones show applications\n       Lists the type=application sections being served.\n",
        run: |a| sections::list(a, &sections::APPLICATION),
        complete: None,
    },
    Command {
        command: c"digium_phones show application",
        summary: c"Show one application section",
        usage: c"Usage: digium_phones show application <name>\n       Shows every option of a type=application section.\n",
        run: |a| sections::show(a, &sections::APPLICATION),
        complete: Some(|pos| sections::complete(pos, &sections::APPLICATION)),
    },
    Command {
        command: c"digium_phones show alerts",
        summary: c"List the alerts sections",
        usage: c"Usage: digium_phones show alerts\n       Lists the type=alert sections being served.\n",
        run: |a| sections::list(a, &sections::ALERT),
        complete: None,
    },
    Command {
        command: c"digium_phones show alert",
        summary: c"Show one alert section",
        usage: c"Usage: digium_phones show alert <name>\n       Shows every option of a type=alert section.\n",
        run: |a| sections::show(a, &sections::ALERT),
        complete: Some(|pos| sections::complete(pos, &sections::ALERT)),
    },
    Command {
        command: c"digium_phones show ringtones",
        summary: c"List the ringtones sections",
        usage: c"Usage: digium_phones show ringtones\n       Lists the type=ringtone sections being served.\n",
        run: |a| sections::list(a, &sections::RINGTONE),
        complete: None,
    },
    Command {
        command: c"digium_phones show ringtone",
        summary: c"Show one ringtone section",
        usage: c"Usage: digium_phones show ringtone <name>\n       Shows every option of a type=ringtone section.\n",
        run: |a| sections::show(a, &sections::RINGTONE),
        complete: Some(|pos| sections::complete(pos, &sections::RINGTONE)),
    },
    Command {
        command: c"digium_phones show translations",
        summary: c"List the translations sections",
        usage: c"Usage: digium_phones show translations\n       Lists the type=translation sections being served.\n",
        run: |a| sections::list(a, &sections::TRANSLATION),
        complete: None,
    },
    Command {
        command: c"digium_phones show translation",
        summary: c"Show one translation section",
        usage: c"Usage: digium_phones show translation <name>\n       Shows every option of a type=translation section.\n",
        run: |a| sections::show(a, &sections::TRANSLATION),
        complete: Some(|pos| sections::complete(pos, &sections::TRANSLATION)),
    },
    Command {
        command: c"digium_phones show multicastpages",
        summary: c"List the multicastpages sections",
        usage: c"Usage: digium_phones show multicastpages\n       Lists the type=multicastpage sections being served.\n",
        run: |a| sections::list(a, &sections::MULTICASTPAGE),
        complete: None,
    },
    Command {
        command: c"digium_phones show multicastpage",
        summary: c"Show one multicastpage section",
        usage: c"Usage: digium_phones show multicastpage <name>\n       Shows every option of a type=multicastpage section.\n",
        run: |a| sections::show(a, &sections::MULTICASTPAGE),
        complete: Some(|pos| sections::complete(pos, &sections::MULTICASTPAGE)),
    },
    Command {
        command: c"digium_phones show firmware",
        summary: c"List the firmware sections, or show one",
        usage: c"Usage: digium_phones show firmware [<name>]\n       Lists the type=firmware sections, or shows every option of one.\n",
        run: |a| {
            if a.argv.len() == 3 { sections::list(a, &sections::FIRMWARE) } else { sections::show(a, &sections::FIRMWARE) }
        },
        complete: Some(|pos| sections::complete(pos, &sections::FIRMWARE)),
    },
    Command {
        command: c"digium_phones check config",
        summary: c"Check res_digium_phone.conf without applying it",
        usage: c"Usage: digium_phones check config\n       Reads res_digium_phone.conf as a reload would and prints every finding; applies nothing.\n",
        run: sections::check_config,
        complete: None,
    },
    Command {
        command: c"digium_phones show config",
        summary: c"Show the configuration file as Asterisk read it",
        usage: c"Usage: digium_phones show config [<file>]\n       Prints res_digium_phone.conf (or <file>, relative to Asterisk's config directory) with\n       templates applied and includes followed, each option with its file and line.\n",
        run: sections::show_config,
        complete: None,
    },
    Command {
        command: c"digium_phones show discovery",
        summary: c"Show what mDNS advertises",
        usage: c"Usage: digium_phones show discovery\n       Shows the _digiumproxy._udp advertisement: name, address, port, TXT records, and why\n       nothing is advertised when that is the case.\n",
        run: show_discovery,
        complete: None,
    },
    Command {
        command: c"digium_phones show presence",
        summary: c"Show the presence of the lines",
        usage: c"Usage: digium_phones show presence [<line>]\n       Shows each internal line's CustomPresence state, subtype and message, and its hint.\n",
        run: show_presence,
        complete: Some(complete_internal_line),
    },
    Command {
        command: c"digium_phones show sessions",
        summary: c"List phones that claimed a profile",
        usage: c"Usage: digium_phones show sessions\n       Lists the phones that claimed a profile: profile, MAC, address, model, firmware, last seen.\n",
        run: show_sessions,
        complete: None,
    },
    Command {
        command: c"digium_phones reconfigure phone",
        summary: c"Make a phone fetch its configuration again",
        usage: c"Usage: digium_phones reconfigure phone <name>\n       Sends event.reconfigure to every phone that claimed the profile.\n",
        run: reconfigure_phone,
        complete: Some(complete_phone),
    },
    Command {
        command: c"digium_phones reconfigure all",
        summary: c"Make every phone fetch its configuration again",
        usage: c"Usage: digium_phones reconfigure all\n       Sends event.reconfigure to every phone that claimed a profile.\n",
        run: reconfigure_all,
        complete: None,
    },
];

/// Build identity: a fixed-size field so a rebuilt `.so` can be told apart from the one it replaced.
static BUILD_ID: [u8; 16] = build_id();

const fn build_id() -> [u8; 16] {
    let src = env!("RDP_BUILD_ID").as_bytes();
    let mut out = [b' '; 16];
    let mut i = 0;
    while i < src.len() && i < 16 {
        out[i] = src[i];
        i += 1;
    }
    out
}

fn show_version(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    // Read through black_box so the shown id is the bytes in the loaded file, not a folded constant.
    let id = std::hint::black_box(&BUILD_ID);
    let id = String::from_utf8_lossy(id);
    a.print(&format!(
        "{}\nBuild: {}\n",
        version::version_line(&asterisk_version(), env!("CARGO_PKG_VERSION")),
        id.trim_end()
    ));
    Outcome::Success
}

fn show_phones(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let snapshot = config::current();
    let rows: Vec<Vec<String>> = snapshot.model.phones.iter().map(phone_row).collect();
    a.print(&table::render(&["Phone", "Full Name", "MAC", "Lines", "External Lines"], &rows));
    a.print(&format!("\nObjects found: {}\n", rows.len()));
    if snapshot.errors + snapshot.warnings > 0 {
        a.print(&format!(
            "The configuration had {} errors and {} warnings when read; they are in Asterisk's log.\n",
            snapshot.errors, snapshot.warnings
        ));
    }
    Outcome::Success
}

fn phone_row(p: &Phone) -> Vec<String> {
    let names = |refs: &[digium_phones_core::model::phone::Reference]| {
        refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(",")
    };
    vec![
        p.name.clone(),
        p.full_name.clone().unwrap_or_default(),
        p.mac.map(|m| m.to_string()).unwrap_or_default(),
        names(&p.lines),
        names(&p.external_lines),
    ]
}

fn show_phone(a: &mut Args) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    let Some(p) = snapshot.model.phone(name) else {
        a.print(&format!("No phone named '{name}'.\n"));
        return Outcome::Failure;
    };
    a.print(&details(&snapshot.model, "phone", &p.name));
    Outcome::Success
}

fn show_lines(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let snapshot = config::current();
    let m = &snapshot.model;
    let phones_of = |line: &str| {
        m.phones_with_line(line).map(|p| p.name.as_str()).collect::<Vec<_>>().join(",")
    };
    let mut rows: Vec<Vec<String>> = m
        .lines
        .iter()
        .map(|l: &Line| {
            vec![
                l.name.clone(),
                "line".into(),
                l.exten.clone().unwrap_or_default(),
                l.line_label.clone().unwrap_or_default(),
                phones_of(&l.name),
            ]
        })
        .collect();
    rows.extend(m.external_lines.iter().map(|l: &ExternalLine| {
        let users = m
            .phones
            .iter()
            .filter(|p| p.external_lines.iter().any(|r| r.name == l.name))
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        vec![
            l.name.clone(),
            "external".into(),
            l.userid.clone(),
            format!("{}:{}", l.server_address, l.server_port),
            users,
        ]
    }));
    a.print(&table::render(&["Line", "Type", "Exten/User", "Label/Server", "Phones"], &rows));
    a.print(&format!("\nObjects found: {}\n", rows.len()));
    Outcome::Success
}

fn show_line(a: &mut Args) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    let m = &snapshot.model;
    if m.line(name).is_some() {
        a.print(&details(m, "line", name));
    } else if m.external_line(name).is_some() {
        a.print(&details(m, "external_line", name));
    } else {
        a.print(&format!("No line named '{name}'.\n"));
        return Outcome::Failure;
    }
    Outcome::Success
}

/// `Key: Value` lines for the options in effect (secrets masked by the model).
pub(crate) fn details(model: &Model, kind: &str, name: &str) -> String {
    let mut pairs =
        vec![("name".to_string(), name.to_string()), ("type".to_string(), kind.to_string())];
    pairs.extend(model.options(kind, name).unwrap_or_default());
    table::render_details(&pairs)
}

fn show_sessions(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let Some(shared) = provision::shared() else { return Outcome::Failure };
    let now = shared.now();
    let rows: Vec<Vec<String>> = shared
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .all()
        .iter()
        .map(|s| {
            vec![
                s.profile.clone(),
                s.mac.clone(),
                s.address.clone(),
                s.model.clone(),
                s.firmware.clone(),
                format!("{}s ago", now.saturating_sub(s.last_seen)),
            ]
        })
        .collect();
    a.print(&table::render(
        &["Profile", "MAC", "Address", "Model", "Firmware", "Last Seen"],
        &rows,
    ));
    a.print(&format!("\nObjects found: {}\n", rows.len()));
    let dropped = shared.queue.dropped.load(std::sync::atomic::Ordering::Relaxed);
    a.print(&format!(
        "Requests waiting: {}, dropped when the queue was full: {dropped}\n",
        shared.queue.len()
    ));
    Outcome::Success
}

fn show_discovery(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let advert_details = |advert: &digium_phones_core::discovery::Advert| {
        let mut pairs = vec![
            ("Service".to_string(), digium_phones_core::discovery::SERVICE.to_string()),
            ("Instance".to_string(), advert.instance.clone()),
            ("Host".to_string(), advert.host.clone()),
            ("Address".to_string(), advert.address.to_string()),
            ("Interface".to_string(), format!("the one carrying {}", advert.address)),
            ("Port".to_string(), advert.port.to_string()),
        ];
        pairs.extend(advert.txt.iter().map(|t| ("TXT".to_string(), t.clone())));
        table::render_details(&pairs)
    };
    match discovery::state() {
        Some(discovery::State::Advertising(advert)) => {
            a.print(&format!("Advertising over mDNS:\n{}", advert_details(&advert)));
        }
        Some(discovery::State::Failed(advert, why)) => {
            a.print(&format!(
                "Not advertising: {why}\nWould advertise:\n{}",
                advert_details(&advert)
            ));
        }
        Some(discovery::State::NotAdvertised(why)) => a.print(&format!("Not advertising: {why}\n")),
        None => a.print("Not advertising: the responder is not running.\n"),
    }
    Outcome::Success
}

fn show_presence(a: &mut Args) -> Outcome {
    let snapshot = config::current();
    let lines: Vec<String> = match a.argv.as_slice() {
        [_, _, _] => snapshot.model.lines.iter().map(|l| l.name.clone()).collect(),
        [_, _, _, line] if snapshot.model.line(line).is_some() => vec![line.clone()],
        [_, _, _, line] => {
            a.print(&format!("No line named '{line}'.\n"));
            return Outcome::Failure;
        }
        _ => return Outcome::ShowUsage,
    };
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|line| {
            let r = presence::read(line);
            vec![
                line.clone(),
                r.state.as_str().to_string(),
                r.subtype,
                r.message,
                presence::hint_of(line).unwrap_or_default(),
            ]
        })
        .collect();
    a.print(&table::render(&["Line", "State", "Subtype", "Message", "Hint"], &rows));
    a.print(&format!("\nObjects found: {}\n", rows.len()));
    Outcome::Success
}

fn complete_internal_line(pos: usize) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    config::current().model.lines.iter().map(|l| l.name.clone()).collect()
}

fn reconfigure_phone(a: &mut Args) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    if config::current().model.phone(name).is_none() {
        a.print(&format!("No phone named '{name}'.\n"));
        return Outcome::Failure;
    }
    let done = provision::reconfigure(Some(name));
    a.print(&format!("{done} of '{name}'.\n"));
    Outcome::Success
}

fn reconfigure_all(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    a.print(&format!("{}.\n", provision::reconfigure(None)));
    Outcome::Success
}

fn complete_phone(pos: usize) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    config::current().model.phones.iter().map(|p| p.name.clone()).collect()
}

fn complete_line(pos: usize) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    let snapshot = config::current();
    let m = &snapshot.model;
    m.lines
        .iter()
        .map(|l| l.name.clone())
        .chain(m.external_lines.iter().map(|l| l.name.clone()))
        .collect()
}
