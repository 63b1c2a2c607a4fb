//! The XML files a phone fetches beside its configuration: the Smart BLF sheet (`blf_items=`) and the
//! contacts display rules (`contacts_display_rules=`), checked against the element and attribute
//! names the DPMA pages document (wiki.asterisk.org "Smart BLF" and "Contacts" page history; the
//! FusionPBX and FS PBX sheets use the same). Each finding carries the line of the file it is about.
//!
//! Errors are what a phone cannot read: a file that is not well-formed XML, an element outside the
//! documented tree, a missing or malformed required attribute. Values outside the documented lists
//! are warnings: firmware versions add values (FusionPBX's sheets use `all` and `hold`, which the
//! documentation does not list).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::finding::Severity;

/// A finding about one line of a checked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFinding {
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

/// An element a sheet may hold: where it may appear and the attributes it takes.
struct Element {
    name: &'static str,
    /// The element it sits in; `None`: the root.
    parent: Option<&'static str>,
    attrs: &'static [&'static str],
}

const BLF_TREE: &[Element] = &[
    Element { name: "config", parent: None, attrs: &[] },
    Element { name: "smart_blf", parent: Some("config"), attrs: &[] },
    Element { name: "blf_items", parent: Some("smart_blf"), attrs: &[] },
    Element {
        name: "blf_item",
        parent: Some("blf_items"),
        attrs: &["location", "index", "paging", "node", "contact_id", "app_id", "blank"],
    },
    Element { name: "behaviors", parent: Some("blf_item"), attrs: &[] },
    Element {
        name: "behavior",
        parent: Some("behaviors"),
        attrs: &[
            "phone_state",
            "target_status",
            "press_action",
            "press_function",
            "long_press_action",
            "long_press_function",
        ],
    },
    Element { name: "indicators", parent: Some("blf_item"), attrs: &[] },
    Element {
        name: "indicator",
        parent: Some("indicators"),
        attrs: &[
            "target_status",
            "ring",
            "ringtone_id",
            "led_color",
            "led_state",
            "line_label_fgcolor",
            "line_label_bgcolor",
        ],
    },
];

const RULES_TREE: &[Element] = &[
    Element { name: "display_rules", parent: None, attrs: &[] },
    Element {
        name: "display_rule",
        parent: Some("display_rules"),
        attrs: &["id", "action_id", "phone_state", "target_status", "show"],
    },
];

/// Documented values, per (element, attribute).
const BLF_VALUES: &[(&str, &str, &[&str])] = &[
    ("blf_item", "location", &["main", "side", "expansion"]),
    ("blf_item", "paging", &["0", "1"]),
    ("blf_item", "blank", &["0", "1"]),
    (
        "behavior",
        "phone_state",
        &["all", "idle", "connected", "incoming", "incoming/transfer", "hold", "hold/transfer"],
    ),
    ("behavior", "target_status", &["idle", "ringing", "on_the_phone", "on_hold"]),
    ("behavior", "press_function", &["dial", "transfer"]),
    ("behavior", "long_press_function", &["dial", "transfer"]),
    (
        "indicator",
        "target_status",
        &["all", "unknown", "idle", "on_hold", "hold", "ringing", "on_the_phone"],
    ),
    ("indicator", "ring", &["0", "1"]),
    ("indicator", "led_color", &["green", "red"]),
    ("indicator", "led_state", &["on", "off", "slow", "fast"]),
];

const RULES_VALUES: &[(&str, &str, &[&str])] = &[
    (
        "display_rule",
        "phone_state",
        &[
            "idle",
            "hold",
            "transfer",
            "incoming/transfer",
            "incoming",
            "connected",
            "dialing",
            "calling",
            "failed",
        ],
    ),
    (
        "display_rule",
        "target_status",
        &["unknown", "idle", "on_hold", "ringing", "on_the_phone", "on_hold_ringing"],
    ),
    ("display_rule", "show", &["yes", "no", "true", "false", "1", "0"]),
];

/// One element as read: its name, line and attributes.
struct Read {
    name: String,
    line: u32,
    attrs: Vec<(String, String)>,
}

impl Read {
    fn get(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The line of byte `offset` of `text`.
fn line_of(text: &str, offset: u64) -> u32 {
    let end = usize::try_from(offset).unwrap_or(usize::MAX).min(text.len());
    let newlines = text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

fn finding(line: u32, severity: Severity, message: String) -> LineFinding {
    LineFinding { line, severity, message }
}

fn attributes(e: &BytesStart, line: u32, out: &mut Vec<LineFinding>) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        match a {
            Ok(a) => {
                let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                    Ok(v) => attrs.push((key, v.into_owned())),
                    Err(e) => {
                        out.push(finding(line, Severity::Error, format!("attribute {key}: {e}")))
                    }
                }
            }
            Err(e) => out.push(finding(line, Severity::Error, format!("not well-formed: {e}"))),
        }
    }
    attrs
}

/// Reads `text` against `tree` and `values`: every element with its line, and the findings.
fn read(
    text: &str,
    tree: &[Element],
    values: &[(&str, &str, &[&str])],
) -> (Vec<Read>, Vec<LineFinding>) {
    let mut out = Vec::new();
    let mut elements = Vec::new();
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let root = tree.iter().find(|e| e.parent.is_none()).map_or("", |e| e.name);
    let mut seen_root = false;
    loop {
        let at = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let line = line_of(text, reader.error_position());
                out.push(finding(line, Severity::Error, format!("not well-formed XML: {e}")));
                return (elements, out);
            }
        };
        let line = line_of(text, at);
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Text(t) => {
                if !t.iter().all(u8::is_ascii_whitespace) {
                    out.push(finding(line, Severity::Warning, "text is ignored here".into()));
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let attrs = attributes(&e, line, &mut out);
        let parent = stack.last().map(String::as_str);
        match tree.iter().find(|t| t.name == name) {
            _ if parent.is_none() && seen_root => {
                out.push(finding(line, Severity::Error, format!("a second root element <{name}>")))
            }
            _ if parent.is_none() && name != root => out.push(finding(
                line,
                Severity::Error,
                format!("the root element is <{name}>; it must be <{root}>"),
            )),
            None => out.push(finding(
                line,
                Severity::Error,
                format!(
                    "<{name}> is not an element of this file (documented: {})",
                    tree.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                ),
            )),
            Some(t) if t.parent != parent => out.push(finding(
                line,
                Severity::Error,
                format!(
                    "<{name}> belongs in <{}>, not in <{}>",
                    t.parent.unwrap_or("(the root)"),
                    parent.unwrap_or("(the root)")
                ),
            )),
            Some(t) => {
                for (key, value) in &attrs {
                    if !t.attrs.contains(&key.as_str()) {
                        let known =
                            if t.attrs.is_empty() { "none".into() } else { t.attrs.join(", ") };
                        out.push(finding(
                            line,
                            Severity::Warning,
                            format!(
                                "<{name}> has no documented attribute {key} (documented: {known})"
                            ),
                        ));
                    } else if let Some((_, _, allowed)) =
                        values.iter().find(|(el, at, _)| *el == name && at == key)
                    {
                        if !allowed.contains(&value.as_str()) {
                            out.push(finding(
                                line,
                                Severity::Warning,
                                format!(
                                    "{name} {key}=\"{value}\" is not a documented value ({})",
                                    allowed.join(", ")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        if parent.is_none() {
            seen_root = true;
        }
        elements.push(Read { name: name.clone(), line, attrs });
        if !empty {
            stack.push(name);
        }
    }
    if !seen_root {
        out.push(finding(line_of(text, 0), Severity::Error, format!("no <{root}> element")));
    }
    (elements, out)
}

/// The checks of a Smart BLF sheet. `contact_ids`: the contact ids of the phone's contact lists, when
/// they could be read, so that a key naming no contact is found.
pub fn smart_blf(text: &str, contact_ids: Option<&[String]>) -> Vec<LineFinding> {
    let (elements, mut out) = read(text, BLF_TREE, BLF_VALUES);
    for item in elements.iter().filter(|e| e.name == "blf_item") {
        let line = item.line;
        for required in ["location", "index"] {
            if item.get(required).is_none() {
                out.push(finding(line, Severity::Error, format!("blf_item has no {required}")));
            }
        }
        for (key, what) in [("index", "index"), ("node", "node")] {
            if let Some(v) = item.get(key).filter(|v| v.parse::<u32>().is_err()) {
                out.push(finding(
                    line,
                    Severity::Error,
                    format!("blf_item {what}=\"{v}\" is not a whole number"),
                ));
            }
        }
        let targets: Vec<&str> = ["contact_id", "app_id", "blank"]
            .into_iter()
            .filter(|k| item.get(k).is_some())
            .collect();
        if targets.len() > 1 {
            out.push(finding(
                line,
                Severity::Error,
                format!(
                    "blf_item has {}: a key maps one of contact_id, app_id, blank",
                    targets.join(" and ")
                ),
            ));
        }
        if let (Some(id), Some(ids)) = (item.get("contact_id"), contact_ids) {
            if !ids.iter().any(|c| c == id) {
                out.push(finding(
                    line,
                    Severity::Warning,
                    format!(
                        "contact_id \"{id}\" is in none of the phone's contact lists (contact=)"
                    ),
                ));
            }
        }
    }
    for colour in elements.iter().filter(|e| e.name == "indicator") {
        for key in ["line_label_fgcolor", "line_label_bgcolor"] {
            if let Some(v) = colour.get(key).filter(|v| !is_rgb(v)) {
                out.push(finding(
                    colour.line,
                    Severity::Warning,
                    format!("indicator {key}=\"{v}\" is not a #RRGGBB colour"),
                ));
            }
        }
    }
    sorted(out)
}

/// The checks of a contacts display-rules file.
pub fn display_rules(text: &str) -> Vec<LineFinding> {
    let (elements, mut out) = read(text, RULES_TREE, RULES_VALUES);
    let mut ids: Vec<&str> = Vec::new();
    for rule in elements.iter().filter(|e| e.name == "display_rule") {
        for required in ["id", "action_id"] {
            if rule.get(required).is_none() {
                out.push(finding(
                    rule.line,
                    Severity::Error,
                    format!("display_rule has no {required}"),
                ));
            }
        }
        if let Some(id) = rule.get("id") {
            if ids.contains(&id) {
                out.push(finding(
                    rule.line,
                    Severity::Error,
                    format!("display_rule id \"{id}\" is used twice"),
                ));
            }
            ids.push(id);
        }
    }
    sorted(out)
}

/// The ids of the `<contact>` elements of a contact list (unreadable lists give none).
pub fn contact_ids(text: &str) -> Vec<String> {
    contact_attribute(text, "id")
}

/// Attribute `name` of each `<contact>` element of a contact list that has it, in order; a list that
/// stops being readable gives what came before.
pub fn contact_attribute(text: &str, name: &str) -> Vec<String> {
    let mut reader = Reader::from_str(text);
    let mut values = Vec::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"contact" => {
                if let Ok(Some(attr)) = e.try_get_attribute(name) {
                    if let Ok(v) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                        values.push(v.into_owned());
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    values
}

fn is_rgb(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn sorted(mut findings: Vec<LineFinding>) -> Vec<LineFinding> {
    findings.sort_by_key(|f| f.line);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FusionPBX's D70 sheet shape, with the values of the Smart BLF page.
    const GOOD_BLF: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<config>
  <smart_blf>
    <blf_items>
      <blf_item location="side" index="0" paging="1" contact_id="sd-1">
        <behaviors>
          <behavior phone_state="idle" target_status="idle" press_action="primary" press_function="dial"/>
          <behavior phone_state="connected" press_action="primary" press_function="transfer"/>
        </behaviors>
        <indicators>
          <indicator target_status="ringing" ring="1" led_color="red" led_state="fast" line_label_fgcolor="#FF0000"/>
        </indicators>
      </blf_item>
      <blf_item location="main" index="1" app_id="voicemail"/>
      <blf_item location="main" index="2" blank="1"/>
    </blf_items>
  </smart_blf>
</config>
"##;

    fn lines(found: &[LineFinding]) -> Vec<(u32, Severity, &str)> {
        found.iter().map(|f| (f.line, f.severity, f.message.as_str())).collect()
    }

    #[test]
    fn a_documented_sheet_passes() {
        let ids = vec!["sd-1".to_string()];
        assert_eq!(smart_blf(GOOD_BLF, Some(&ids)), []);
        assert_eq!(smart_blf(GOOD_BLF, None), []);
    }

    #[test]
    fn a_malformed_sheet_is_reported_at_its_line() {
        let broken = "<config>\n  <smart_blf>\n    <blf_items>\n      <blf_item location=\"main\" index=\"1\">\n    </blf_items>\n";
        let found = smart_blf(broken, None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 5);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].message.starts_with("not well-formed XML"), "{}", found[0].message);
    }

    #[test]
    fn names_and_values_are_those_documented() {
        let sheet = "<config>\n<smart_blf>\n<blf_items>\n\
                     <blf_item location=\"top\" index=\"x\" contact_id=\"a\" app_id=\"b\" colour=\"1\">\n\
                     <indicators><indicator led_color=\"blue\" line_label_bgcolor=\"red\"/></indicators>\n\
                     <behavior/>\n\
                     <key/>\n\
                     </blf_item>\n</blf_items>\n</smart_blf>\n</config>\n";
        let ids = vec!["z".to_string()];
        let found = smart_blf(sheet, Some(&ids));
        assert_eq!(
            lines(&found),
            [
                (
                    4,
                    Severity::Warning,
                    "blf_item location=\"top\" is not a documented value (main, side, expansion)"
                ),
                (
                    4,
                    Severity::Warning,
                    "<blf_item> has no documented attribute colour (documented: location, index, paging, node, contact_id, app_id, blank)"
                ),
                (4, Severity::Error, "blf_item index=\"x\" is not a whole number"),
                (
                    4,
                    Severity::Error,
                    "blf_item has contact_id and app_id: a key maps one of contact_id, app_id, blank"
                ),
                (
                    4,
                    Severity::Warning,
                    "contact_id \"a\" is in none of the phone's contact lists (contact=)"
                ),
                (
                    5,
                    Severity::Warning,
                    "indicator led_color=\"blue\" is not a documented value (green, red)"
                ),
                (
                    5,
                    Severity::Warning,
                    "indicator line_label_bgcolor=\"red\" is not a #RRGGBB colour"
                ),
                (6, Severity::Error, "<behavior> belongs in <behaviors>, not in <blf_item>"),
                (
                    7,
                    Severity::Error,
                    "<key> is not an element of this file (documented: config, smart_blf, blf_items, blf_item, behaviors, behavior, indicators, indicator)"
                ),
            ]
        );
    }

    #[test]
    fn the_root_and_required_attributes() {
        let found = smart_blf("<blf_items>\n<blf_item/>\n</blf_items>\n", None);
        assert_eq!(found[0].message, "the root element is <blf_items>; it must be <config>");
        assert_eq!(smart_blf("", None)[0].message, "no <config> element");
        let found = smart_blf(
            "<config><smart_blf><blf_items>\n<blf_item/></blf_items></smart_blf></config>",
            None,
        );
        assert_eq!(
            lines(&found),
            [
                (2, Severity::Error, "blf_item has no location"),
                (2, Severity::Error, "blf_item has no index")
            ]
        );
    }

    #[test]
    fn display_rules_are_checked() {
        let good = "<display_rules>\n  <display_rule id=\"0\" action_id=\"intercom\" show=\"no\"/>\n  \
                    <display_rule id=\"1\" action_id=\"intercom\" phone_state=\"idle\" target_status=\"idle\" show=\"yes\"/>\n\
                    </display_rules>\n";
        assert_eq!(display_rules(good), []);
        let bad = "<display_rules>\n<display_rule id=\"0\" show=\"maybe\"/>\n<display_rule id=\"0\" action_id=\"x\" phone_state=\"asleep\"/>\n<rule/>\n</display_rules>\n";
        assert_eq!(
            lines(&display_rules(bad)),
            [
                (
                    2,
                    Severity::Warning,
                    "display_rule show=\"maybe\" is not a documented value (yes, no, true, false, 1, 0)"
                ),
                (2, Severity::Error, "display_rule has no action_id"),
                (
                    3,
                    Severity::Warning,
                    "display_rule phone_state=\"asleep\" is not a documented value (idle, hold, transfer, incoming/transfer, incoming, connected, dialing, calling, failed)"
                ),
                (3, Severity::Error, "display_rule id \"0\" is used twice"),
                (
                    4,
                    Severity::Error,
                    "<rule> is not an element of this file (documented: display_rules, display_rule)"
                ),
            ]
        );
    }

    #[test]
    fn contact_ids_of_a_list() {
        let list = "<contacts><contact id=\"sd-1\" first_name=\"A\"/><contact id=\"b&amp;c\"><numbers/></contact></contacts>";
        assert_eq!(contact_ids(list), ["sd-1", "b&c"]);
        assert!(contact_ids("<contacts><contact").is_empty());
    }
}
