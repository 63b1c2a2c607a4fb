//! `digium_phones ...` CLI commands, named as DPMA names them so existing tools keep working.

use crate::ffi::cli::{Args, Command, Outcome};
use crate::ffi::module::asterisk_version;
use digium_phones_core::model::SectionType;
use digium_phones_core::{admin, version};

use super::{config, config_file, discovery, presence, provision, voicemail};

/// Every `digium_phones` command. The section types beyond phones and lines get `show <list>` and
/// `show <type> <name>` from the table of section types.
pub(crate) fn commands() -> Vec<Command> {
    let mut commands = vec![
        Command::new(
            "digium_phones show version",
            "Show the module version",
            "Usage: digium_phones show version\n       Shows Version <asterisk major.minor>_<DPMA compatibility level>+rdp<module version>,\n       then the module's build.\n",
            show_version,
        ),
        Command::new(
            "digium_phones license status",
            "Show the licence status (none is needed)",
            "Usage: digium_phones license status\n       Prints OK, Valid: res_digium_phone is open source and needs no licence.\n",
            license_status,
        ),
        Command::new(
            "digium_phones show phones",
            "List the phone profiles",
            "Usage: digium_phones show phones\n       Lists the phone profiles being served.\n",
            show_phones,
        ),
        Command::new(
            "digium_phones show phone",
            "Show one phone profile",
            "Usage: digium_phones show phone <name>\n       Shows every option of a phone profile (secrets masked).\n",
            show_phone,
        )
        .completing(|pos| names_at(pos, &[SectionType::Phone])),
        Command::new(
            "digium_phones show lines",
            "List the lines",
            "Usage: digium_phones show lines\n       Lists the lines and external lines being served.\n",
            show_lines,
        ),
        Command::new(
            "digium_phones show line",
            "Show one line",
            "Usage: digium_phones show line <name>\n       Shows every option of a line or external line (secrets masked).\n",
            show_line,
        )
        .completing(|pos| names_at(pos, &[SectionType::Line, SectionType::ExternalLine])),
    ];
    commands.extend(
        SectionType::ALL
            .into_iter()
            .filter(|t| {
                ![SectionType::Phone, SectionType::Line, SectionType::ExternalLine].contains(t)
            })
            .flat_map(section_commands),
    );
    commands.extend([
        Command::new(
            "digium_phones check config",
            "Check res_digium_phone.conf without applying it",
            "Usage: digium_phones check config\n       Reads res_digium_phone.conf as a reload would and prints every finding; applies nothing.\n",
            config_file::check_config,
        ),
        Command::new(
            "digium_phones show config",
            "Show the configuration file as Asterisk read it",
            "Usage: digium_phones show config [<file>]\n       Prints res_digium_phone.conf (or <file>, relative to Asterisk's config directory) with\n       templates applied and includes followed, each option with its file and line.\n",
            config_file::show_config,
        ),
        Command::new(
            "digium_phones show discovery",
            "Show what mDNS advertises",
            "Usage: digium_phones show discovery\n       Shows the _digiumproxy._udp advertisement: name, address, port, TXT records, and why\n       nothing is advertised when that is the case.\n",
            show_discovery,
        ),
        Command::new(
            "digium_phones show presence",
            "Show the presence of the lines",
            "Usage: digium_phones show presence [<line>]\n       Shows each internal line's CustomPresence state, subtype and message, and its hint.\n",
            show_presence,
        )
        .completing(|pos| names_at(pos, &[SectionType::Line])),
        Command::new(
            "digium_phones show voicemail",
            "Show a phone's mailboxes and their messages",
            "Usage: digium_phones show voicemail <phone>\n       Shows each line's mailbox, where it was found (mailbox, endpoint mailboxes,\n       voicemail.conf), and the messages in each folder.\n",
            show_voicemail,
        )
        .completing(|pos| names_at(pos, &[SectionType::Phone])),
        Command::new(
            "digium_phones show sessions",
            "List phones that claimed a profile",
            "Usage: digium_phones show sessions\n       Lists the phones that claimed a profile: profile, MAC, address, model, firmware, last seen.\n",
            show_sessions,
        ),
        Command::new(
            "digium_phones reconfigure phone",
            "Make a phone fetch its configuration again",
            "Usage: digium_phones reconfigure phone <name>\n       Sends event.reconfigure to every phone that claimed the profile.\n",
            reconfigure_phone,
        )
        .completing(|pos| names_at(pos, &[SectionType::Phone])),
        Command::new(
            "digium_phones reconfigure all",
            "Make every phone fetch its configuration again",
            "Usage: digium_phones reconfigure all\n       Sends event.reconfigure to every phone that claimed a profile.\n",
            reconfigure_all,
        ),
    ]);
    commands.push(provision::app_bridge_command());
    commands.extend(provision::app_commands());
    commands
}

/// `show <list>` and `show <type> <name>` of section type `t`; one command where DPMA uses one word
/// for both (`show firmware [<name>]`).
fn section_commands(t: SectionType) -> Vec<Command> {
    let (name, list) = (t.name(), t.list_word());
    let show_one = move |a: &mut Args| {
        let [_, _, _, wanted] = a.argv.as_slice() else { return Outcome::ShowUsage };
        let snapshot = config::current();
        match admin::details(&snapshot.model, name, wanted)
            .filter(|_| snapshot.model.section(t, wanted).is_some())
        {
            Some(text) => {
                a.print(&text);
                Outcome::Success
            }
            None => {
                a.print(&format!("No {name} named '{wanted}'.\n"));
                Outcome::Failure
            }
        }
    };
    let show_all = move |a: &mut Args| {
        if a.argv.len() != 3 {
            return Outcome::ShowUsage;
        }
        a.print(&admin::sections(&config::current().model, t));
        Outcome::Success
    };
    if name == list {
        return vec![
            Command::new(
                &format!("digium_phones show {list}"),
                &format!("List the {name} sections, or show one"),
                &format!("Usage: digium_phones show {list} [<name>]\n       Lists the type={name} sections, or shows every option of one.\n"),
                move |a| if a.argv.len() == 3 { show_all(a) } else { show_one(a) },
            )
            .completing(move |pos| names_at(pos, &[t])),
        ];
    }
    vec![
        Command::new(
            &format!("digium_phones show {list}"),
            &format!("List the {name} sections"),
            &format!("Usage: digium_phones show {list}\n       Lists the type={name} sections being served.\n"),
            show_all,
        ),
        Command::new(
            &format!("digium_phones show {name}"),
            &format!("Show one {name} section"),
            &format!("Usage: digium_phones show {name} <name>\n       Shows every option of a type={name} section.\n"),
            show_one,
        )
        .completing(move |pos| names_at(pos, &[t])),
    ]
}

/// The names of the served sections of `types`, as candidates for the fourth word.
fn names_at(pos: usize, types: &[SectionType]) -> Vec<String> {
    if pos != 3 {
        return Vec::new();
    }
    let snapshot = config::current();
    types
        .iter()
        .flat_map(|t| snapshot.model.sections(*t).into_iter().map(|s| s.name().to_string()))
        .collect()
}

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
    let sum = env!("RDP_BUILDOPT_SUM");
    let built_for = if sum.is_empty() {
        "any build (portable: no buildopt sum)".to_string()
    } else {
        format!("builds with buildopt sum {sum}")
    };
    a.print(&format!(
        "{}\nModule: res_digium_phone {} (open source)\nCompatible with: DPMA {}\nBuild: {}\n\
         Running in: Asterisk {}\nBuilt for: Asterisk {built_for}\n",
        version::version_line(&asterisk_version(), env!("CARGO_PKG_VERSION")),
        env!("CARGO_PKG_VERSION"),
        version::DPMA_COMPATIBILITY,
        id.trim_end(),
        asterisk_version(),
    ));
    Outcome::Success
}

fn license_status(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    a.print(&admin::licence_status(env!("CARGO_PKG_VERSION")));
    Outcome::Success
}

fn show_phones(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let snapshot = config::current();
    a.print(&admin::phones(&snapshot.model, snapshot.errors, snapshot.warnings));
    Outcome::Success
}

fn show_phone(a: &mut Args) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    if snapshot.model.phone(name).is_none() {
        a.print(&format!("No phone named '{name}'.\n"));
        return Outcome::Failure;
    }
    a.print(&admin::details(&snapshot.model, "phone", name).unwrap_or_default());
    Outcome::Success
}

fn show_lines(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    a.print(&admin::lines(&config::current().model));
    Outcome::Success
}

fn show_line(a: &mut Args) -> Outcome {
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    let m = &snapshot.model;
    let kind = if m.line(name).is_some() {
        "line"
    } else if m.external_line(name).is_some() {
        "external_line"
    } else {
        a.print(&format!("No line named '{name}'.\n"));
        return Outcome::Failure;
    };
    a.print(&admin::details(m, kind, name).unwrap_or_default());
    Outcome::Success
}

fn show_sessions(a: &mut Args) -> Outcome {
    if a.argv.len() != 3 {
        return Outcome::ShowUsage;
    }
    let Some(shared) = provision::shared() else { return Outcome::Failure };
    let sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner()).all().to_vec();
    a.print(&admin::sessions(&sessions, shared.now()));
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
    match discovery::state() {
        Some(discovery::State::Advertising(advert)) => {
            a.print(&format!("Advertising over mDNS:\n{}", admin::advert(&advert)));
        }
        Some(discovery::State::Failed(advert, why)) => {
            a.print(&format!(
                "Not advertising: {why}\nWould advertise:\n{}",
                admin::advert(&advert)
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
    let rows: Vec<admin::PresenceRow> = lines
        .into_iter()
        .map(|line| admin::PresenceRow {
            reading: presence::read(&line),
            hint: presence::hint_of(&line),
            line,
        })
        .collect();
    a.print(&admin::presence(&rows));
    Outcome::Success
}

/// Reads voicemail.conf, pjsip.conf and the boxes (app_voicemail's own action) on the CLI thread,
/// as other modules' `show` commands read their files.
fn show_voicemail(a: &mut Args) -> Outcome {
    use digium_phones_core::apps::voicemail::{count_by_folder, show};
    let [_, _, _, name] = a.argv.as_slice() else { return Outcome::ShowUsage };
    let snapshot = config::current();
    let Some(phone) = snapshot.model.phone(name) else {
        a.print(&format!("No phone named '{name}'.\n"));
        return Outcome::Failure;
    };
    let lines: Vec<show::ShowLine> = voicemail::line_boxes(&snapshot.model, phone)
        .into_iter()
        .map(|b| show::ShowLine {
            counts: match &b.mailbox {
                Some((m, _)) => voicemail::summary(m)
                    .map(|messages| count_by_folder(&messages))
                    .map_err(|e| e.to_string()),
                None => Ok(Default::default()),
            },
            line: b.line,
            mailbox: b.mailbox,
            voicemail_uri: b.voicemail_uri.is_some(),
        })
        .collect();
    a.print(&show::render(&phone.name, &lines));
    Outcome::Success
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
