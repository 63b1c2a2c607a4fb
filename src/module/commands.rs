//! `digium_phones ...` CLI commands, named as DPMA names them so existing tools keep working.

use crate::core::model::{ExternalLine, Line, Phone};
use crate::core::raw::RawSection;
use crate::core::secret::MASK;
use crate::core::{table, version};
use crate::ffi::cli::{Args, Command, Outcome};
use crate::ffi::module::asterisk_version;

use super::config;

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
    let names = |refs: &[crate::core::model::phone::Reference]| {
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
    a.print(&details("phone", &p.raw));
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
    if let Some(l) = m.line(name) {
        a.print(&details("line", &l.raw));
    } else if let Some(l) = m.external_line(name) {
        a.print(&details("external_line", &l.raw));
    } else {
        a.print(&format!("No line named '{name}'.\n"));
        return Outcome::Failure;
    }
    Outcome::Success
}

const SECRET_KEYS: &[&str] = &["secret", "pin", "globalpin", "8021x_password"];
const LIST_KEYS: &[&str] = &[
    "line",
    "external_line",
    "application",
    "network",
    "firmware",
    "ringtone",
    "alert",
    "multicastpage",
    "contact",
    "status",
    "substatus",
];

/// `Key: Value` lines for the options in effect: repeated options once per value, single-valued ones
/// with the value that wins (a section's own over its template's).
pub(crate) fn details(kind: &str, raw: &RawSection) -> String {
    let mut pairs =
        vec![("name".to_string(), raw.name.clone()), ("type".to_string(), kind.to_string())];
    let is = |keys: &[&str], key: &str| keys.iter().any(|k| k.eq_ignore_ascii_case(key));
    for (i, e) in raw.entries.iter().enumerate() {
        let overridden =
            raw.entries[i + 1..].iter().any(|later| later.key.eq_ignore_ascii_case(&e.key));
        if e.key.eq_ignore_ascii_case("type") || (overridden && !is(LIST_KEYS, &e.key)) {
            continue;
        }
        let value = if is(SECRET_KEYS, &e.key) && !e.value.is_empty() {
            MASK.to_string()
        } else {
            e.value.clone()
        };
        pairs.push((e.key.clone(), value));
    }
    table::render_details(&pairs)
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
