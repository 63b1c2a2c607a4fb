use super::*;
use crate::core::raw::RawEntry;

/// `[name]` sections from `(name, [(key, value)])`, each entry on its own line of `t.conf`.
fn raw(sections: &[(&str, &[(&str, &str)])]) -> RawConfig {
    let mut line = 0;
    RawConfig {
        sections: sections
            .iter()
            .map(|(name, entries)| {
                line += 1;
                RawSection {
                    name: name.to_string(),
                    entries: entries
                        .iter()
                        .map(|(k, v)| {
                            line += 1;
                            RawEntry {
                                key: k.to_string(),
                                value: v.to_string(),
                                file: "t.conf".into(),
                                line,
                                inherited: false,
                            }
                        })
                        .collect(),
                    ..Default::default()
                }
            })
            .collect(),
    }
}

fn errors(b: &Built) -> Vec<String> {
    b.findings.iter().filter(|f| f.is_error()).map(ToString::to_string).collect()
}

const GOOD: &[(&str, &[(&str, &str)])] = &[
    ("general", &[("config_auth", "pin"), ("service_name", "Office")]),
    ("100", &[("type", "line"), ("exten", "100"), ("secret", "s3cret")]),
    ("101", &[("type", "line"), ("exten", "101")]),
    ("ext", &[("type", "external_line"), ("server_address", "sip.example.com")]),
    (
        "phone100",
        &[
            ("type", "phone"),
            ("full_name", "Ann"),
            ("mac", "01:23:45:67:89:AB"),
            ("line", "100"),
            ("line", "101"),
            ("external_line", "ext"),
            ("pin", "1234"),
        ],
    ),
];

#[test]
fn good_config_has_no_findings() {
    let b = build(&raw(GOOD), None);
    assert!(b.findings.is_empty(), "{:?}", b.findings);
    let p = b.model.phone("phone100").unwrap();
    assert_eq!(p.mac.unwrap().to_string(), "0123456789ab");
    assert_eq!(p.lines.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["100", "101"]);
    assert_eq!(p.primary_line(), Some("100"));
    assert_eq!(b.model.general.config_auth, general::ConfigAuth::Pin);
    assert_eq!(b.model.general.service_name, "Office");
    assert_eq!(b.model.external_line("ext").unwrap().userid, "ext");
}

#[test]
fn line_values_may_be_comma_lists() {
    let b = build(
        &raw(&[
            ("a", &[("type", "line")]),
            ("b", &[("type", "line")]),
            ("p", &[("type", "phone"), ("line", "a, b")]),
        ]),
        None,
    );
    assert_eq!(b.model.phone("p").unwrap().lines.len(), 2);
}

#[test]
fn missing_and_unknown_types() {
    let b = build(&raw(&[("x", &[("exten", "1")]), ("y", &[("type", "phnoe")])]), None);
    let e = errors(&b);
    assert!(e[0].starts_with("t.conf:2: error: [x] type: no type= option"), "{e:?}");
    assert_eq!(
        e[1],
        "t.conf:4: error: [y] type: unknown section type 'phnoe' (did you mean 'phone'?); section ignored"
    );
}

#[test]
fn unknown_option_warns_with_suggestion() {
    let b = build(
        &raw(&[
            ("p", &[("type", "phone"), ("fullname", "A"), ("line", "l")]),
            ("l", &[("type", "line")]),
        ]),
        None,
    );
    assert_eq!(b.errors(), 0);
    assert_eq!(
        b.findings[0].to_string(),
        "t.conf:3: warning: [p] fullname: unknown option (did you mean 'full_name'?); ignored"
    );
    assert!(b.model.phone("p").is_some());
}

#[test]
fn dangling_line_refuses_phone() {
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            ("p", &[("type", "phone"), ("line", "l"), ("line", "nope")]),
        ]),
        None,
    );
    assert_eq!(
        errors(&b),
        ["t.conf:6: error: [p] line: no line section named 'nope'; phone not served"]
    );
    assert!(b.model.phone("p").is_none());
}

#[test]
fn external_line_named_as_line_gets_a_hint() {
    let b = build(
        &raw(&[
            ("x", &[("type", "external_line"), ("server_address", "h")]),
            ("p", &[("type", "phone"), ("line", "x")]),
        ]),
        None,
    );
    assert!(errors(&b)[0].contains("('x' is an external_line section)"), "{:?}", errors(&b));
}

#[test]
fn bad_values_name_the_option() {
    let b = build(
        &raw(&[
            ("general", &[("config_auth", "bogus"), ("mdns_port", "99999")]),
            ("p", &[("type", "phone"), ("mac", "zz"), ("pin", "12a")]),
        ]),
        None,
    );
    let e = errors(&b);
    assert!(
        e.iter().any(|m| m.contains(
            "[general] config_auth: 'bogus' is not one of: disabled, mac, pin, globalpin"
        )),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.contains("[general] mdns_port: 99999 is out of range (1 to 65535)")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.starts_with("t.conf:6: error: [p] mac: 'zz' is not a MAC address")),
        "{e:?}"
    );
    assert!(e.iter().any(|m| m.contains("[p] pin: a PIN must be digits only")), "{e:?}");
    assert!(b.model.phone("p").is_none());
}

#[test]
fn globalpin_required_when_selected() {
    let b = build(&raw(&[("general", &[("userlist_auth", "globalpin")])]), None);
    assert!(errors(&b)[0].contains("no globalpin is set"));
}

#[test]
fn duplicate_mac_refuses_second_phone() {
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            ("a", &[("type", "phone"), ("line", "l"), ("mac", "0123456789ab")]),
            ("b", &[("type", "phone"), ("line", "l"), ("mac", "01-23-45-67-89-ab")]),
        ]),
        None,
    );
    assert_eq!(
        errors(&b),
        [
            "t.conf:10: error: [b] mac: MAC 0123456789ab is already used by phone 'a'; phone not served"
        ]
    );
    assert!(b.model.phone("a").is_some() && b.model.phone("b").is_none());
}

#[test]
fn duplicate_section_name_of_same_type() {
    let b = build(&raw(&[("l", &[("type", "line")]), ("l", &[("type", "line")])]), None);
    assert!(
        errors(&b)[0].contains("a line named 'l' is already defined at t.conf:2"),
        "{:?}",
        errors(&b)
    );
    assert_eq!(b.model.lines.len(), 1);
}

#[test]
fn broken_section_keeps_its_last_good_definition() {
    let good = build(&raw(GOOD), None).model;
    let mut broken = GOOD.to_vec();
    broken[4] = ("phone100", &[("type", "phone"), ("mac", "not-a-mac"), ("line", "100")]);
    let b = build(&raw(&broken), Some(&good));
    assert!(errors(&b).iter().any(|e| {
        e.contains("phone 'phone100' has errors; its last good definition stays in service")
    }));
    assert_eq!(b.model.phone("phone100"), good.phone("phone100"));
    // Without a last good configuration the phone is simply not served.
    let b = build(&raw(&broken), None);
    assert!(b.model.phone("phone100").is_none());
    assert!(errors(&b).iter().any(|e| e.contains("has errors and is not served")));
}

#[test]
fn templates_are_not_sections() {
    let mut r = raw(&[("tmpl", &[("type", "phone")]), ("l", &[("type", "line")])]);
    r.sections[0].is_template = true;
    let b = build(&r, None);
    assert!(b.model.phones.is_empty());
    assert!(b.findings.is_empty());
}

#[test]
fn other_section_types_are_kept() {
    let b = build(&raw(&[("office", &[("type", "network"), ("cidr", "10.0.0.0/8")])]), None);
    assert!(b.findings.is_empty());
    assert_eq!(b.model.other_sections[0].name, "office");
}
