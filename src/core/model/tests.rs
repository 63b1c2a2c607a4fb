use super::*;
use crate::raw::RawEntry;

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
                                key: (*k).into(),
                                value: (*v).into(),
                                file: "t.conf".into(),
                                line,
                                inherited: false,
                            }
                        })
                        .collect(),
                    ..Default::default()
                }
            })
            .map(std::sync::Arc::new)
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
    let b = build(
        &raw(&[
            ("l", &[("type", "line"), ("exten", "1")]),
            ("l", &[("type", "line"), ("exten", "2")]),
        ]),
        None,
    );
    assert!(
        errors(&b)[0].contains("a line named 'l' is already defined at t.conf:2"),
        "{:?}",
        errors(&b)
    );
    assert_eq!(b.model.lines.len(), 1);
    assert_eq!(b.model.line("l").unwrap().exten.as_deref(), Some("1"));
}

#[test]
fn identical_repeat_of_a_section_is_only_a_warning() {
    // FreePBX writes a line once for every phone using it.
    let b = build(&raw(&[("l", &[("type", "line")]), ("l", &[("type", "line")])]), None);
    assert_eq!(b.errors(), 0);
    assert!(b.findings[0].message.contains("defined again, identically"), "{:?}", b.findings);
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
    std::sync::Arc::make_mut(&mut r.sections[0]).is_template = true;
    let b = build(&r, None);
    assert!(b.model.phones.is_empty());
    assert!(b.findings.is_empty());
}

fn warnings(b: &Built) -> Vec<String> {
    b.findings.iter().filter(|f| !f.is_error()).map(ToString::to_string).collect()
}

const EVERY_TYPE: &[(&str, &[(&str, &str)])] = &[
    ("general", &[("registration_address", "pbx.example.com"), ("ntp_server", "ntp.example.com")]),
    (
        "office",
        &[
            ("type", "network"),
            ("alias", "Office"),
            ("cidr", "10.0.0.0/8"),
            ("registration_port", "5070"),
            ("network_vlan_discovery_mode", "MANUAL"),
        ],
    ),
    ("100", &[("type", "line"), ("digit_map", "[0-8]xxx|911|9.T3")]),
    (
        "ext",
        &[
            ("type", "external_line"),
            ("server_address", "sip.example.net"),
            ("secondary_server_address", "backup.example.net"),
        ],
    ),
    ("vm-de", &[("type", "translation"), ("INBOX", "Eingang"), ("Old", "Alt")]),
    (
        "vm",
        &[
            ("type", "application"),
            ("application", "voicemail"),
            ("translation", "vm-de"),
            ("require_password", "yes"),
        ],
    ),
    ("lot", &[("type", "application"), ("application", "parking"), ("parkinglot", "sales")]),
    (
        "q",
        &[
            ("type", "application"),
            ("application", "queue"),
            ("queue", "support"),
            ("member", "false"),
        ],
    ),
    (
        "dnd",
        &[
            ("type", "application"),
            ("application", "status"),
            ("status", "dnd"),
            ("send486", "yes"),
            ("substatus", "In a meeting, back at 3"),
            ("substatus", "Out"),
        ],
    ),
    (
        "app",
        &[
            ("type", "application"),
            ("application", "custom"),
            ("name", "Conf"),
            ("filename", "conf.zip"),
            ("md5sum", "d41d8cd98f00b204e9800998ecf8427e"),
            ("room", "7"),
        ],
    ),
    ("tone", &[("type", "ringtone"), ("alias", "Bells"), ("filename", "bells.raw")]),
    (
        "intercom",
        &[
            ("type", "alert"),
            ("alert_info", "intercom"),
            ("ring_type", "answer"),
            ("ringtone", "tone"),
        ],
    ),
    ("vip", &[("type", "alert"), ("alert_info", "vip"), ("ringtone", "Chimes")]),
    (
        "fw40",
        &[
            ("type", "firmware"),
            ("model", "D40"),
            ("version", "2_9_7"),
            ("file", "2_9_7_D40_firmware.eff"),
        ],
    ),
    (
        "all-call",
        &[
            ("type", "multicastpage"),
            ("address", "239.1.1.1"),
            ("port", "5000"),
            ("priority", "1"),
            ("interrupt", "yes"),
        ],
    ),
    (
        "p",
        &[
            ("type", "phone"),
            ("line", "100"),
            ("external_line", "ext"),
            ("network", "office"),
            ("application", "vm, lot"),
            ("application", "q"),
            ("application", "dnd"),
            ("application", "app"),
            ("ringtone", "tone"),
            ("active_ringtone", "tone"),
            ("alert", "intercom"),
            ("alert", "vip"),
            ("firmware", "fw40"),
            ("multicastpage", "all-call"),
            ("contact", "a.xml,b.xml"),
            ("8021x_password", "pw"),
            ("pin", "4321"),
        ],
    ),
    ("bare", &[("type", "phone"), ("line", "100")]),
];

#[test]
fn every_section_type_is_modelled() {
    let b = build(&raw(EVERY_TYPE), None);
    assert!(b.findings.is_empty(), "{:#?}", b.findings);
    let m = &b.model;
    let office = m.network("office").unwrap();
    assert_eq!(
        (office.registration_port, office.transport, office.network_vlan_discovery_mode),
        (5070, "udp", "MANUAL")
    );
    assert!(
        office.matches("10.1.2.3".parse().unwrap())
            && !office.matches("192.0.2.1".parse().unwrap())
    );
    assert_eq!(m.line("100").unwrap().digit_map.as_deref(), Some("[0-8]xxx|911|9.T3"));
    let ext = m.external_line("ext").unwrap();
    assert_eq!((ext.secondary_server_port, ext.secondary_transport), (Some(5060), Some("udp")));
    assert_eq!(m.translation("vm-de").unwrap().label("inbox"), Some("Eingang"));
    assert!(matches!(
        m.application("vm").unwrap().kind,
        AppKind::Voicemail { require_password: true, .. }
    ));
    assert!(
        matches!(&m.application("q").unwrap().kind, AppKind::Queue { member: false, queue, .. } if queue == "support")
    );
    match &m.application("dnd").unwrap().kind {
        AppKind::Status { statuses, substatuses, send486 } => {
            assert_eq!((statuses.as_slice(), substatuses.len(), *send486), (&["dnd"][..], 2, true));
            assert_eq!(substatuses[0], "In a meeting, back at 3");
        }
        other => panic!("{other:?}"),
    }
    match &m.application("app").unwrap().kind {
        AppKind::Custom { settings, .. } => {
            assert_eq!(settings, &[("room".to_string(), "7".to_string())])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.ringtone("tone").unwrap().filename, "bells.raw");
    assert_eq!(m.alert("intercom").unwrap().ring_type, "answer");
    assert_eq!(m.alert("vip").unwrap().ring_type, "normal");
    assert_eq!(m.firmware("fw40").unwrap().model, "D40");
    assert_eq!(m.multicastpage("all-call").unwrap().address, Some("239.1.1.1".parse().unwrap()));
    let p = m.phone("p").unwrap();
    let apps: Vec<&str> = p.applications.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(apps, ["vm", "lot", "q", "dnd", "app"]);
    assert_eq!(p.contacts, ["a.xml", "b.xml"]);
    assert_eq!(p.default_ringtone(), "tone");
    assert_eq!(m.networks_of(p)[0].name, "office");
    // A phone naming no network uses the one [general] describes.
    let implicit = m.networks_of(m.phone("bare").unwrap());
    assert_eq!(implicit[0].registration_address.as_deref(), Some("pbx.example.com"));
    assert_eq!(implicit[0].ntp_server.as_deref(), Some("ntp.example.com"));
}

#[test]
fn documented_defaults() {
    let b = build(
        &raw(&[("l", &[("type", "line")]), ("p", &[("type", "phone"), ("line", "l")])]),
        None,
    );
    let p = b.model.phone("p").unwrap();
    assert_eq!(
        (p.brightness, p.ringer_volume, p.backlight_dim_level, p.ntp_resync),
        (5, 5, 2, 86_400)
    );
    assert_eq!((p.handset_sidetone_db, p.headset_sidetone_db), (-25, -15));
    assert_eq!(
        (p.name_format, p.parking_transfer_type, p.contacts_max_subscriptions),
        ("first_last", "blind", 40)
    );
    assert!(
        !p.web_ui_enabled && p.display_mc_notification && p.dim_backlight && !p.blf_unused_linekeys
    );
    assert_eq!(p.default_ringtone(), "Digium");
    assert_eq!(b.model.general.service_name, general::DEFAULT_SERVICE_NAME);
    assert_eq!(b.model.general.file_directory.as_deref(), Some(general::DEFAULT_FILE_DIRECTORY));
    assert!(b.model.implicit_network.is_none());
}

#[test]
fn dpma_1_ringtone_names_a_builtin() {
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            ("p", &[("type", "phone"), ("line", "l"), ("ringtone", "GuitarStrum")]),
        ]),
        None,
    );
    assert_eq!(b.errors(), 0, "{:?}", b.findings);
    assert_eq!(b.model.phone("p").unwrap().default_ringtone(), "GuitarStrum");
}

#[test]
fn dangling_references_of_every_kind_are_refused() {
    let mut sections = EVERY_TYPE.to_vec();
    sections.push((
        "q2",
        &[
            ("type", "phone"),
            ("line", "100"),
            ("network", "nowhere"),
            ("alert", "nope"),
            ("ringtone", "Kazoo"),
            ("application", "100"),
        ],
    ));
    let b = build(&raw(&sections), None);
    let e = errors(&b);
    assert!(
        e.iter()
            .any(|m| m
                .contains("[q2] network: no network section named 'nowhere'; phone not served")),
        "{e:?}"
    );
    assert!(e.iter().any(|m| m.contains("[q2] alert: no alert section named 'nope'")), "{e:?}");
    assert!(
        e.iter()
            .any(|m| m
                .contains("[q2] ringtone: no ringtone section or built-in ringtone named 'Kazoo'")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.contains(
            "[q2] application: no application section named '100' ('100' is a line section)"
        )),
        "{e:?}"
    );
    assert!(b.model.phone("q2").is_none() && b.model.phone("p").is_some());
}

#[test]
fn refusal_carries_through_to_who_names_the_refused_section() {
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            (
                "vm",
                &[
                    ("type", "application"),
                    ("application", "voicemail"),
                    ("translation", "missing"),
                ],
            ),
            ("a", &[("type", "alert"), ("alert_info", "x"), ("ringtone", "gone")]),
            ("p", &[("type", "phone"), ("line", "l"), ("application", "vm"), ("alert", "a")]),
        ]),
        None,
    );
    let e = errors(&b);
    assert!(
        e.iter().any(|m| m.contains(
            "[vm] translation: no translation section named 'missing'; application not served"
        )),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m
                .contains("[a] ringtone: no ringtone section or built-in ringtone named 'gone'")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.contains(
            "[p] application: the application section 'vm' has errors and is not served"
        )),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("[p] alert: the alert section 'a' has errors and is not served")),
        "{e:?}"
    );
    assert!(
        b.model.phones.is_empty() && b.model.applications.is_empty() && b.model.alerts.is_empty()
    );
}

#[test]
fn last_good_definitions_for_every_type() {
    let good = build(&raw(EVERY_TYPE), None).model;
    let broken: Vec<(&str, &[(&str, &str)])> = vec![
        ("office", &[("type", "network"), ("cidr", "10.0.0.0/99")]),
        ("ext", &[("type", "external_line")]),
        ("vm", &[("type", "application"), ("application", "vocemail")]),
        ("tone", &[("type", "ringtone")]),
        ("fw40", &[("type", "firmware"), ("model", "D40")]),
        ("all-call", &[("type", "multicastpage"), ("address", "10.0.0.1"), ("port", "5000")]),
        ("intercom", &[("type", "alert")]),
    ];
    let mut sections = EVERY_TYPE.to_vec();
    for (name, entries) in &broken {
        let i = sections.iter().position(|(n, _)| n == name).unwrap();
        sections[i] = (name, entries);
    }
    let b = build(&raw(&sections), Some(&good));
    let kept = errors(&b)
        .iter()
        .filter(|e| e.contains("its last good definition stays in service"))
        .count();
    assert_eq!(kept, broken.len(), "{:#?}", errors(&b));
    assert_eq!(b.model.network("office"), good.network("office"));
    assert_eq!(b.model.application("vm"), good.application("vm"));
    assert_eq!(b.model.multicastpage("all-call"), good.multicastpage("all-call"));
    // With everything it names kept, the phone is still served.
    assert_eq!(b.model.phone("p").unwrap().applications.len(), 5);
}

#[test]
fn phone_with_a_dangling_name_falls_back_to_its_last_good_definition() {
    let good = build(&raw(GOOD), None).model;
    let mut sections = GOOD.to_vec();
    sections[4] = ("phone100", &[("type", "phone"), ("line", "100"), ("line", "typo")]);
    let b = build(&raw(&sections), Some(&good));
    assert!(
        errors(&b)[0].contains(
            "no line section named 'typo'; phone 'phone100' keeps its last good definition"
        ),
        "{:?}",
        errors(&b)
    );
    assert_eq!(b.model.phone("phone100"), good.phone("phone100"));
}

#[test]
fn digit_map_errors_name_the_character() {
    let b = build(&raw(&[("l", &[("type", "line"), ("digit_map", "911|9a1")])]), None);
    assert_eq!(
        errors(&b)[0],
        "t.conf:3: error: [l] digit_map: at character 6: 'a' is not allowed (use digits, *, #, x, ., [ranges] and a final T timer)"
    );
    assert!(b.model.lines.is_empty());
}

#[test]
fn external_primary_line_is_warned_about() {
    let b = build(
        &raw(&[
            ("x", &[("type", "external_line"), ("server_address", "h")]),
            ("p", &[("type", "phone"), ("external_line", "x")]),
        ]),
        None,
    );
    assert_eq!(b.errors(), 0);
    assert!(
        warnings(&b)[0].contains("[p] external_line: the primary line is an external line"),
        "{:?}",
        warnings(&b)
    );
    assert!(b.model.phone("p").unwrap().primary_is_external());
}

#[test]
fn application_options_of_another_subtype_are_warned_about() {
    let b = build(
        &raw(&[(
            "a",
            &[
                ("type", "application"),
                ("application", "parking"),
                ("queue", "x"),
                ("parkinglot", "p"),
                ("colour", "red"),
            ],
        )]),
        None,
    );
    let w = warnings(&b);
    assert!(
        w[0].contains("[a] queue: applies to application=queue, not parking; ignored"),
        "{w:?}"
    );
    assert!(w[1].contains("[a] colour: unknown option; ignored"), "{w:?}");
    assert_eq!(w.len(), 2);
}

#[test]
fn required_options_and_ranges() {
    let b = build(
        &raw(&[
            (
                "n",
                &[
                    ("type", "network"),
                    ("sip_dscp", "64"),
                    ("network_vlan_discovery_mode", "lldp"),
                    ("cidr", "10.0.0.0"),
                ],
            ),
            ("m", &[("type", "multicastpage"), ("address", "10.1.1.1")]),
            ("f", &[("type", "firmware"), ("model", "D99"), ("version", "1"), ("file", "x.eff")]),
            ("a", &[("type", "application")]),
        ]),
        None,
    );
    let e = errors(&b);
    assert!(e.iter().any(|m| m.contains("[n] sip_dscp: 64 is out of range (0 to 63)")), "{e:?}");
    assert!(
        e.iter().any(|m| m
            .contains("[n] network_vlan_discovery_mode: 'lldp' must be written exactly 'LLDP'")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.contains("[n] cidr: '10.0.0.0' is not a network in CIDR notation")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m.contains("[m] address: 10.1.1.1 is not a multicast address")),
        "{e:?}"
    );
    assert!(e.iter().any(|m| m.contains("[m] port: port must be set")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("[a] application: application must be set")), "{e:?}");
    assert!(warnings(&b).iter().any(|m| m.contains("[f] model: 'D99' is not a known model")));
    assert!(b.model.firmware("f").is_some());
}

#[test]
fn empty_values_mean_unset() {
    // Generators write `parking_exten=` for "none".
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            ("p", &[("type", "phone"), ("line", "l"), ("parking_exten", ""), ("brightness", "")]),
        ]),
        None,
    );
    assert_eq!(b.errors(), 0);
    let p = b.model.phone("p").unwrap();
    assert_eq!((p.parking_exten.as_deref(), p.brightness), (None, 5));
}

#[test]
fn effective_options_mask_secrets_and_show_defaults() {
    let b = build(&raw(EVERY_TYPE), None);
    let opts = b.model.options("phone", "p").unwrap();
    let get = |k: &str| {
        opts.iter().filter(|(key, _)| key == k).map(|(_, v)| v.as_str()).collect::<Vec<_>>()
    };
    assert_eq!(opts[0], ("type".to_string(), "phone".to_string()));
    assert_eq!(get("pin"), [crate::secret::MASK]);
    assert_eq!(get("8021x_password"), [crate::secret::MASK]);
    assert_eq!(get("application"), ["vm", "lot", "q", "dnd", "app"]);
    assert_eq!(get("brightness"), ["5"]);
    assert!(get("mac").is_empty());
    let ext = b.model.options("external_line", "ext").unwrap();
    assert!(
        ext.contains(&("userid".into(), "ext".into()))
            && ext.contains(&("authname".into(), "ext".into()))
    );
    let line = build(&raw(GOOD), None).model;
    assert!(
        line.options("line", "100")
            .unwrap()
            .contains(&("secret".into(), crate::secret::MASK.into()))
    );
    let app = b.model.options("application", "app").unwrap();
    assert!(app.contains(&("room".into(), "7".into())) && !app.iter().any(|(k, _)| k == "queue"));
    assert!(
        b.model
            .options("translation", "vm-de")
            .unwrap()
            .contains(&("INBOX".into(), "Eingang".into()))
    );
    assert!(
        b.model
            .options("general", "")
            .unwrap()
            .contains(&("registration_address".into(), "pbx.example.com".into()))
    );
    assert!(b.model.options("phone", "nobody").is_none());
    assert!(b.model.options("gadget", "p").is_none());
}

#[test]
fn globalpin_is_masked_in_general() {
    let b =
        build(&raw(&[("general", &[("globalpin", "1234"), ("config_auth", "globalpin")])]), None);
    let opts = b.model.options("general", "").unwrap();
    assert!(opts.contains(&("globalpin".into(), crate::secret::MASK.into())));
}

/// Every option of every table that is marked secret, as `table key`.
fn secret_options() -> Vec<String> {
    let tables = std::iter::once(("general", general::OPTIONS))
        .chain(SectionType::ALL.into_iter().map(|t| (t.name(), t.options())));
    tables
        .flat_map(|(name, table)| {
            table.iter().filter(|o| o.is_secret()).map(move |o| format!("{name} {}", o.key))
        })
        .collect()
}

#[test]
fn the_option_tables_mark_every_secret() {
    assert_eq!(
        secret_options(),
        [
            "general globalpin",
            "general http_password",
            "phone pin",
            "phone group_pin",
            "phone login_password",
            "phone 8021x_password",
            "line secret",
            "external_line secret",
        ]
    );
    // An option added later whose name says it holds a secret must be marked too (a yes/no such as
    // require_password holds none).
    let looks_secret = |o: &spec::OptionSpec| {
        o.kind != spec::Kind::Bool
            && o.key.split('_').any(|w| {
                w.ends_with("pin")
                    || w.contains("password")
                    || w.contains("secret")
                    || w == "passwd"
            })
    };
    for table in options::every_table() {
        for o in table.iter().filter(|o| looks_secret(o)) {
            assert!(o.is_secret(), "{} is not marked secret", o.key);
        }
    }
}

#[test]
fn every_secret_is_masked_when_shown_and_dumped() {
    let values = [
        ("general", "globalpin", "24680"),
        ("p", "pin", "13579"),
        ("p", "group_pin", "97531"),
        ("p", "login_password", "86420"),
        ("p", "8021x_password", "dot1x-hush"),
        ("100", "secret", "line-hush"),
        ("ext", "secret", "trunk-hush"),
    ];
    let mut config = raw(&[
        ("general", &[("globalpin", "24680")]),
        ("100", &[("type", "line"), ("secret", "line-hush")]),
        ("ext", &[("type", "external_line"), ("server_address", "x"), ("secret", "trunk-hush")]),
        ("tmpl", &[("pin", "13579")]),
        (
            "p",
            &[
                ("type", "phone"),
                ("line", "100"),
                ("pin", "13579"),
                ("group_pin", "97531"),
                ("login_password", "86420"),
                ("8021x_password", "dot1x-hush"),
            ],
        ),
    ]);
    std::sync::Arc::make_mut(&mut config.sections[3]).is_template = true;
    let b = build(&config, None);
    assert_eq!(b.errors(), 0, "{:?}", b.findings);
    let kind = |section: &str| match section {
        "general" => "general",
        "100" => "line",
        "ext" => "external_line",
        _ => "phone",
    };
    for (section, key, value) in values {
        let shown = b.model.options(kind(section), section).unwrap();
        assert!(shown.contains(&(key.to_string(), crate::secret::MASK.into())), "{section} {key}");
        assert!(!shown.iter().any(|(_, v)| v.contains(value)), "{section} {key}: {shown:?}");
    }
    // login_password's documented default is masked like a value that is set.
    let bare = build(
        &raw(&[("100", &[("type", "line")]), ("q", &[("type", "phone"), ("line", "100")])]),
        None,
    );
    let shown = bare.model.options("phone", "q").unwrap();
    assert!(shown.contains(&("login_password".into(), crate::secret::MASK.into())));

    let dump = options::mask_secrets(&config).dump("");
    for (_, _, value) in values {
        assert!(!dump.contains(value), "{value} in:\n{dump}");
    }
    // A template without type= is masked by any table that marks the key secret.
    assert!(dump.contains("[tmpl] template\n  pin = ********"), "{dump}");
    assert!(dump.contains("server_address = x"), "{dump}");
}

#[test]
fn config_auth_pin_without_pin_is_warned_about() {
    let b = build(
        &raw(&[
            ("general", &[("config_auth", "pin")]),
            ("l", &[("type", "line")]),
            ("p", &[("type", "phone"), ("line", "l")]),
        ]),
        None,
    );
    assert!(
        warnings(&b)
            .iter()
            .any(|w| w.contains("[p] pin: config_auth = pin but the phone has no pin="))
    );
}

#[test]
fn every_option_has_a_valid_default() {
    for t in SectionType::ALL {
        for o in t.options() {
            if let spec::Fallback::Value(v) = o.fallback {
                assert_eq!(values::check(o.kind, v), Ok(()), "{}.{}", t.name(), o.key);
            }
        }
    }
    for o in general::OPTIONS {
        if let spec::Fallback::Value(v) = o.fallback {
            assert_eq!(values::check(o.kind, v), Ok(()), "general.{}", o.key);
        }
    }
}

const SAMPLE: &str = include_str!("../../../configs/res_digium_phone.conf.sample");

/// Whether `text` has a line setting `key`, in use or as a commented-out example.
fn mentions(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        let l = l.strip_prefix(';').unwrap_or(l);
        l.split_once('=').is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(key))
    })
}

#[test]
fn sample_documents_every_option() {
    let tables = SectionType::ALL
        .iter()
        .map(|t| (t.name(), t.options()))
        .chain([("general", general::OPTIONS)]);
    let missing: Vec<String> = tables
        .flat_map(|(t, options)| {
            options
                .iter()
                .filter(|o| !mentions(SAMPLE, o.key))
                .map(move |o| format!("{t}.{}", o.key))
        })
        .collect();
    assert!(missing.is_empty(), "not in the sample: {missing:?}");
}

#[test]
fn sample_examples_are_valid_when_uncommented() {
    // `;key = value` and `;[section]` are examples; `; text` is prose.
    let uncommented: String = SAMPLE
        .lines()
        .map(|l| match l.strip_prefix(';') {
            Some(rest) if !rest.is_empty() && !rest.starts_with([' ', ';']) => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let path = std::env::temp_dir().join(format!("rdp-sample-{}.conf", std::process::id()));
    std::fs::write(&path, &uncommented).unwrap();
    let loaded = crate::conf::read(&path);
    let _ = std::fs::remove_file(&path);
    let loaded = loaded.unwrap();
    assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    let b = build(&loaded.config, None);
    assert!(b.findings.is_empty(), "{:#?}", b.findings);
    let m = &b.model;
    assert_eq!((m.phones.len(), m.networks.len(), m.applications.len()), (2, 1, 5));
    assert_eq!(m.phone("reception").unwrap().applications.len(), 3);
}

#[test]
fn presence_options_default_and_parse() {
    let b = build(&raw(&[]), None);
    // Unset: each line's hints go where its endpoint subscribes.
    assert_eq!(b.model.general.hint_context, None);
    assert!(!b.model.general.presence_all_lines);
    let shown = b.model.options("general", "").unwrap();
    assert!(!shown.iter().any(|(k, _)| k == "hint_context"), "{shown:?}");
    assert!(shown.contains(&("presence_all_lines".into(), "no".into())));

    let b = build(
        &raw(&[("general", &[("hint_context", "office-hints"), ("presence_all_lines", "yes")])]),
        None,
    );
    assert!(b.findings.is_empty(), "{:?}", b.findings);
    assert_eq!(b.model.general.hint_context.as_deref(), Some("office-hints"));
    assert!(b.model.general.presence_all_lines);
}

#[test]
fn presence_options_are_validated() {
    let b = build(
        &raw(&[("general", &[("hint_context", "my hints"), ("presence_all_lines", "maybe")])]),
        None,
    );
    assert_eq!(
        errors(&b),
        [
            "t.conf:3: error: [general] presence_all_lines: 'maybe' is not yes or no",
            "t.conf:2: error: [general] hint_context: 'my hints' is not a usable context name: \
             letters, digits and - _ . + only; digium_phones_hints is used",
        ]
    );
    // Nothing unusable reaches the module.
    assert_eq!(b.model.general.hint_context.as_deref(), Some(general::DEFAULT_HINT_CONTEXT));
    assert!(!b.model.general.presence_all_lines);

    let long = "h".repeat(80);
    let b = build(&raw(&[("general", &[("hint_context", long.as_str())])]), None);
    assert!(errors(&b)[0].contains("at most 79 bytes"), "{:?}", errors(&b));
}

#[test]
fn lookups_by_name_and_mac_use_the_index_and_survive_changes_by_hand() {
    let b = build(
        &raw(&[
            ("l1", &[("type", "line")]),
            ("l2", &[("type", "line")]),
            ("p1", &[("type", "phone"), ("line", "l1"), ("mac", "000FD3000001")]),
            ("p2", &[("type", "phone"), ("line", "l2"), ("mac", "000fd3000002")]),
        ]),
        None,
    );
    assert_eq!(errors(&b), Vec::<String>::new());
    let mut m = b.model;
    let mac2: mac::Mac = "000fd3000002".parse().unwrap();
    assert_eq!(m.phone("p2").map(|p| p.name.as_str()), Some("p2"));
    assert_eq!(m.phone_with_mac(mac2).map(|p| p.name.as_str()), Some("p2"));
    assert_eq!(m.line("l1").map(|l| l.name.as_str()), Some("l1"));
    assert!(m.phone("p3").is_none() && m.line("nope").is_none());
    // Moved and renamed after the index was built: hits are checked, misses scanned.
    m.phones.swap(0, 1);
    m.lines[0].name = "renamed".into();
    assert_eq!(m.phone("p1").map(|p| p.name.as_str()), Some("p1"));
    assert_eq!(m.phone_with_mac(mac2).map(|p| p.name.as_str()), Some("p2"));
    assert_eq!(m.line("renamed").map(|l| l.name.as_str()), Some("renamed"));
    assert!(m.line("l1").is_none());
}

#[test]
fn pass_through_settings_are_checked_and_kept_in_order() {
    let b = build(
        &raw(&[
            ("100", &[("type", "line")]),
            (
                "p",
                &[
                    ("type", "phone"),
                    ("line", "100"),
                    ("setting", "use_secure_labels=1"),
                    ("setting", " server_environment = "),
                    ("setting", "allow_insecure_ssl=0"),
                ],
            ),
        ]),
        None,
    );
    assert!(b.findings.is_empty(), "{:?}", b.findings);
    let p = b.model.phone("p").unwrap();
    let pairs: Vec<(&str, &str)> =
        p.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        pairs,
        [("use_secure_labels", "1"), ("server_environment", ""), ("allow_insecure_ssl", "0")]
    );
}

#[test]
fn a_pass_through_of_a_modelled_setting_points_at_its_option() {
    let b = build(
        &raw(&[
            ("100", &[("type", "line")]),
            (
                "p",
                &[
                    ("type", "phone"),
                    ("line", "100"),
                    ("setting", "ehs=auto"),
                    ("setting", "network_vlan_qos=3"),
                    ("setting", "locale=de_DE"),
                    ("setting", "Use-Labels=1"),
                    ("setting", "no equals sign"),
                ],
            ),
        ]),
        None,
    );
    assert_eq!(
        errors(&b),
        [
            "t.conf:9: error: [p] setting: 'Use-Labels' is not a setting id: lower-case letters, \
             digits and _ only (as in use_secure_labels)",
            "t.conf:10: error: [p] setting: 'no equals sign' is not <id>=<value> (as in use_secure_labels=1)",
            "t.conf:6: error: [p] setting: 'ehs' is sent from the option ehs; set ehs = … instead",
            "t.conf:7: error: [p] setting: 'network_vlan_qos' is sent from the network option sip_qos \
             (of the phone's network, or [general]); set it there",
            "t.conf:8: error: [p] setting: 'locale' is sent from the option active_locale; set \
             active_locale = … instead",
            "t.conf:4: error: [p]: phone 'p' has errors and is not served",
        ]
    );
}

#[test]
fn an_application_named_but_never_written_is_left_out_with_a_warning() {
    let b = build(
        &raw(&[
            ("l", &[("type", "line")]),
            ("vm", &[("type", "application"), ("application", "voicemail")]),
            (
                "p",
                &[
                    ("type", "phone"),
                    ("line", "l"),
                    ("application", "vm"),
                    ("application", "parking-app-default"),
                ],
            ),
        ]),
        None,
    );
    assert_eq!(b.errors(), 0, "{:?}", b.findings);
    assert_eq!(
        warnings(&b),
        ["t.conf:10: warning: [p] application: no application section named \
          'parking-app-default'; the phone is served without it"]
    );
    let p = b.model.phone("p").unwrap();
    assert_eq!(p.applications.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["vm"]);
}

#[test]
fn http_authentication_options_default_and_parse() {
    let b = build(&raw(&[]), None);
    let g = &b.model.general;
    assert_eq!(g.http_auth, general::HttpAuth::No);
    assert!(!g.http_phone_credentials && !g.useragent_mac_binding);
    assert_eq!(g.limits, general::Limits::default());
    assert_eq!(
        (g.limits.probe_max_macs, g.limits.probe_window, g.limits.lockout_duration),
        (20, 600, 600)
    );
    let shown = b.model.options("general", "").unwrap();
    assert!(shown.contains(&("http_auth".into(), "no".into())));
    assert!(shown.contains(&("probe_max_macs".into(), "20".into())));

    let b = build(
        &raw(&[(
            "general",
            &[
                ("http_auth", "digest"),
                ("http_username", "prov"),
                ("http_password", "s1te"),
                ("useragent_mac_binding", "yes"),
                ("probe_max_macs", "50"),
                ("lockout_duration", "60"),
            ],
        )]),
        None,
    );
    assert!(b.findings.is_empty(), "{:?}", b.findings);
    let g = &b.model.general;
    assert_eq!(
        (g.http_auth, g.http_username.as_deref()),
        (general::HttpAuth::Digest, Some("prov"))
    );
    assert_eq!(g.http_password.expose(), "s1te");
    assert!(g.useragent_mac_binding);
    assert_eq!((g.limits.probe_max_macs, g.limits.lockout_duration), (50, 60));
    let shown = b.model.options("general", "").unwrap();
    assert!(shown.contains(&("http_password".into(), crate::secret::MASK.into())), "{shown:?}");
}

#[test]
fn http_authentication_options_are_validated() {
    let b = build(&raw(&[("general", &[("http_auth", "digest")])]), None);
    assert_eq!(
        errors(&b),
        [
            "t.conf:2: error: [general] http_auth: HTTP authentication is required but no credential \
          is set (http_username and http_password, or http_phone_credentials = yes): every request \
          will be refused"
        ]
    );
    // Required stays required: nothing is served unauthenticated.
    assert_eq!(b.model.general.http_auth, general::HttpAuth::Digest);

    let b = build(
        &raw(&[(
            "general",
            &[("http_auth", "basic"), ("http_username", "a:b"), ("http_phone_credentials", "yes")],
        )]),
        None,
    );
    assert_eq!(
        errors(&b),
        ["t.conf:3: error: [general] http_username: a user name cannot hold ':', '\"', '\\' or \
          control characters"]
    );
    let b = build(&raw(&[("general", &[("http_auth", "sometimes")])]), None);
    assert!(
        errors(&b)[0].contains("'sometimes' is not one of: no, digest, basic"),
        "{:?}",
        errors(&b)
    );
    let b = build(&raw(&[("general", &[("http_username", "prov")])]), None);
    assert_eq!(
        errors(&b),
        ["t.conf:2: error: [general] http_password: http_username is set but http_password is not"]
    );
    let b = build(&raw(&[("general", &[("http_username", "prov"), ("http_password", "x")])]), None);
    assert_eq!(
        warnings(&b),
        ["t.conf:2: warning: [general] http_auth: HTTP credentials are set but http_auth = no: \
          they are not asked for"]
    );
    let b = build(
        &raw(&[("general", &[("lockout_duration", "900"), ("lockout_max_duration", "300")])]),
        None,
    );
    assert_eq!(
        errors(&b),
        [
            "t.conf:3: error: [general] lockout_max_duration: 300 s is shorter than lockout_duration \
          (900 s); 900 s is used"
        ]
    );
    assert_eq!(b.model.general.limits.lockout_max_duration, 900);
    let b = build(&raw(&[("general", &[("probe_max_macs", "0")])]), None);
    assert!(
        errors(&b)[0].contains("probe_max_macs: 0 is out of range (1 to 100000)"),
        "{:?}",
        errors(&b)
    );
}
