//! What the `digium_phones show ...` commands print, built from the model and the module's tables.
//! The CLI handlers only fetch what is shown and print this text; its forms are documented in the
//! README as stable, for scripts.

use crate::discovery::{self, Advert};
use crate::model::phone::Reference;
use crate::model::{Model, SectionType};
use crate::presence::Reading;
use crate::provision::Session;
use crate::table;

/// What the licence checks of DPMA-era tools are told: no licence is needed.
pub const NO_LICENCE_NEEDED: &str = "No licence is needed: res_digium_phone is open-source software \
     (GPL-2.0) and serves any number of phones";

/// `license status`: a first line with `OK, Valid` (what DPMA-era scripts look for) and the plain
/// statement, then `Key: Value` lines.
pub fn licence_status(module_version: &str) -> String {
    let pairs = [
        ("Status", "Valid".to_string()),
        ("Licence", "none needed (open source, GPL-2.0)".to_string()),
        ("Phones", "unlimited".to_string()),
        ("Module", format!("res_digium_phone {module_version}")),
        ("Compatible with", format!("DPMA {}", crate::version::DPMA_COMPATIBILITY)),
    ];
    let details: String = pairs.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    format!("OK, Valid. {NO_LICENCE_NEEDED}.\n{details}")
}

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
                l.exten.as_deref().unwrap_or_default().to_string(),
                l.line_label.as_deref().unwrap_or_default().to_string(),
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

/// `show sessions`: the phones that claimed a profile, one line each. `now` is the sessions' clock.
///
/// FreePBX finds a phone's MAC with `/:<ip>:.*MAC:([a-fA-F0-9]{12})$/` applied to each line, so the
/// address is written as a SIP contact (`sip:<ip>:<port>`, a colon on each side of the IP) and every
/// line ends with `MAC:<12 lower-case hex digits>`, the last column.
pub fn sessions(sessions: &[Session], now: u64) -> String {
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| {
            let mac = if s.mac.is_empty() { "-".to_string() } else { s.mac.to_ascii_lowercase() };
            let contact =
                if s.address.is_empty() { "-".into() } else { format!("sip:{}", s.address) };
            vec![
                s.profile.clone(),
                s.model.clone(),
                s.firmware.clone(),
                contact,
                format!("{}s ago", now.saturating_sub(s.last_seen)),
                format!("MAC:{mac}"),
            ]
        })
        .collect();
    let mut out =
        table::render(&["Profile", "Model", "Firmware", "Contact", "Last Seen", "MAC"], &rows);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(profile: &str, mac: &str, address: &str, firmware: &str) -> Session {
        Session {
            id: "id".into(),
            profile: profile.into(),
            mac: mac.into(),
            model: "D65".into(),
            firmware: firmware.into(),
            reply_to: String::new(),
            address: address.into(),
            server: "192.0.2.10".into(),
            last_seen: 95,
        }
    }

    #[test]
    fn session_lines_end_with_the_mac_after_a_sip_contact() {
        let text = sessions(
            &[
                session("201", "000FD3A1B201", "10.0.0.5:5060", "2_9_7_0"),
                session("a much longer profile", "000fd3a1b202", "10.0.0.51:5062", ""),
            ],
            100,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Profile                Model  Firmware  Contact             Last Seen  MAC"
        );
        assert!(
            lines[2].starts_with("201 ")
                && lines[2].contains(" D65 ")
                && lines[2].contains("2_9_7_0")
        );
        assert!(lines[2].contains(" sip:10.0.0.5:5060 ") && lines[2].contains(" 5s ago "));
        assert!(lines[2].ends_with("MAC:000fd3a1b201"), "{text}");
        assert!(lines[3].ends_with("MAC:000fd3a1b202"), "{text}");
        assert!(text.lines().all(|l| l == l.trim_end()), "trailing blanks:\n{text}");
        assert!(text.ends_with("Objects found: 2\n"));
    }

    #[test]
    fn licence_status_satisfies_both_kinds_of_script() {
        let text = licence_status("0.1.0");
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("OK, Valid") && first.contains("No licence is needed"), "{text}");
        // Every other line is `Key: Value`, which the status-line parsers skip.
        for line in text.lines().skip(1) {
            let (key, value) = line.split_once(": ").expect(line);
            assert!(
                key.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') && !value.is_empty()
            );
        }
        assert!(text.contains("Status: Valid\n"));
    }
}
