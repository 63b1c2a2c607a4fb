//! What the `digium_phones show ...` commands print, built from the model and the module's tables.
//! The CLI handlers only fetch what is shown and print this text; its forms are documented in the
//! README as stable, for scripts.

use crate::discovery::{self, Advert};
use crate::model::phone::Reference;
use crate::model::{Model, SectionType};
use crate::presence::Reading;
use crate::provision::Session;
use crate::table;

/// `Objects found: N`, after every list.
fn found(rows: usize) -> String {
    format!("\nObjects found: {rows}\n")
}

fn names(refs: &[Reference]) -> String {
    refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(",")
}

/// `show phones`: the phone profiles being served; `errors`/`warnings` of the configuration's last
/// reading are pointed out when there were any.
pub fn phones(model: &Model, errors: usize, warnings: usize) -> String {
    let rows: Vec<Vec<String>> = model
        .phones
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.full_name.clone().unwrap_or_default(),
                p.mac.map(|m| m.to_string()).unwrap_or_default(),
                names(&p.lines),
                names(&p.external_lines),
            ]
        })
        .collect();
    let mut out = table::render(&["Phone", "Full Name", "MAC", "Lines", "External Lines"], &rows);
    out.push_str(&found(rows.len()));
    if errors + warnings > 0 {
        out.push_str(&format!(
            "The configuration had {errors} errors and {warnings} warnings when read; they are in Asterisk's log.\n"
        ));
    }
    out
}

/// `show lines`: lines and external lines, with the phones that use each.
pub fn lines(model: &Model) -> String {
    let users = |line: &str, external: bool| {
        model
            .phones
            .iter()
            .filter(|p| {
                let refs = if external { &p.external_lines } else { &p.lines };
                refs.iter().any(|r| r.name == line)
            })
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut rows: Vec<Vec<String>> = model
        .lines
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                "line".into(),
                l.exten.clone().unwrap_or_default(),
                l.line_label.clone().unwrap_or_default(),
                users(&l.name, false),
            ]
        })
        .collect();
    rows.extend(model.external_lines.iter().map(|l| {
        vec![
            l.name.clone(),
            "external".into(),
            l.userid.clone(),
            format!("{}:{}", l.server_address, l.server_port),
            users(&l.name, true),
        ]
    }));
    let mut out = table::render(&["Line", "Type", "Exten/User", "Label/Server", "Phones"], &rows);
    out.push_str(&found(rows.len()));
    out
}

/// `show <list>` for a section type: its name and [`SectionType::list_columns`].
pub fn sections(model: &Model, t: SectionType) -> String {
    let rows: Vec<Vec<String>> = model
        .sections(t)
        .iter()
        .map(|s| {
            let options = model.options(t.name(), s.name()).unwrap_or_default();
            let value = |key: &str| {
                options
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let mut row = vec![s.name().to_string()];
            row.extend(t.list_columns().iter().map(|c| value(c)));
            row
        })
        .collect();
    let mut headers = vec![t.title()];
    headers.extend(t.list_columns());
    let mut out = table::render(&headers, &rows);
    out.push_str(&found(rows.len()));
    out
}

/// `Key: Value` lines of a served section's options in effect (secrets masked), `None` when no
/// section of `kind` is named `name`.
pub fn details(model: &Model, kind: &str, name: &str) -> Option<String> {
    let options = model.options(kind, name)?;
    let mut pairs =
        vec![("name".to_string(), name.to_string()), ("type".to_string(), kind.to_string())];
    // `options` starts with the type again.
    pairs.extend(options.into_iter().filter(|(k, _)| k != "type"));
    Some(table::render_details(&pairs))
}

/// `show sessions`: the phones that claimed a profile. `now` is the sessions' clock.
pub fn sessions(sessions: &[Session], now: u64) -> String {
    let rows: Vec<Vec<String>> = sessions
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
    let mut out =
        table::render(&["Profile", "MAC", "Address", "Model", "Firmware", "Last Seen"], &rows);
    out.push_str(&found(rows.len()));
    out
}

/// One row of `show presence`: a line, what Asterisk holds for it, and its hint (`exten@context`)
/// when the module installed one.
pub struct PresenceRow {
    pub line: String,
    pub reading: Reading,
    pub hint: Option<String>,
}

pub fn presence(rows: &[PresenceRow]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.line.clone(),
                r.reading.state.as_str().to_string(),
                r.reading.subtype.clone(),
                r.reading.message.clone(),
                r.hint.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut out = table::render(&["Line", "State", "Subtype", "Message", "Hint"], &rows);
    out.push_str(&found(rows.len()));
    out
}

/// What `show discovery` says of an advertisement.
pub fn advert(advert: &Advert) -> String {
    let mut pairs = vec![
        ("Service".to_string(), discovery::SERVICE.to_string()),
        ("Instance".to_string(), advert.instance.clone()),
        ("Host".to_string(), advert.host.clone()),
        ("Address".to_string(), advert.address.to_string()),
        ("Interface".to_string(), format!("the one carrying {}", advert.address)),
        ("Port".to_string(), advert.port.to_string()),
    ];
    pairs.extend(advert.txt.iter().map(|t| ("TXT".to_string(), t.clone())));
    table::render_details(&pairs)
}
