use super::*;
use crate::model::{self, Model};
use crate::protocol::{self, MAX_BODY, Message, Request, method};
use crate::raw::{RawConfig, RawEntry, RawSection};

/// `[name]` sections from `(name, [(key, value)])`, each entry on its own line of `t.conf`.
fn config(sections: &[(&str, &[(&str, &str)])]) -> Model {
    let mut line = 0;
    let raw = RawConfig {
        sections: sections
            .iter()
            .map(|(name, entries)| {
                line += 1;
                RawSection {
                    name: name.to_string(),
                    entries: entries
                        .iter()
                        .map(|(key, value)| {
                            line += 1;
                            RawEntry {
                                key: (*key).into(),
                                value: (*value).into(),
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
    };
    let built = model::build(&raw, None);
    assert_eq!(built.errors(), 0, "{:?}", built.findings);
    built.model
}

const OFFICE: &[(&str, &[(&str, &str)])] = &[
    ("200", &[("type", "line")]),
    ("201", &[("type", "line"), ("exten", "1201")]),
    ("202", &[("type", "line"), ("exten", "200")]),
    ("trunk", &[("type", "external_line"), ("server_address", "sip.example.com")]),
    (
        "away",
        &[
            ("type", "application"),
            ("application", "status"),
            ("status", "away, unavailable"),
            ("substatus", "Lunch, back at 2"),
            ("substatus", "Meeting"),
        ],
    ),
    (
        "quiet",
        &[
            ("type", "application"),
            ("application", "status"),
            ("status", "DND"),
            ("status", "away"),
            ("substatus", "Meeting"),
            ("substatus", "Focus"),
            ("send486", "yes"),
        ],
    ),
    ("vm", &[("type", "application"), ("application", "voicemail")]),
    (
        "alice",
        &[
            ("type", "phone"),
            ("line", "200"),
            ("line", "201, 200"),
            ("external_line", "trunk"),
            ("application", "vm, away, quiet"),
        ],
    ),
    ("bob", &[("type", "phone"), ("line", "202"), ("application", "vm")]),
    ("lobby", &[("type", "phone"), ("external_line", "trunk")]),
];

fn office(all_lines: bool) -> Model {
    let all = if all_lines { "yes" } else { "no" };
    let general: (&str, &[(&str, &str)]) = ("general", &[("presence_all_lines", all)]);
    config(&[&[general], OFFICE].concat())
}

fn status(state: State, subtype: &str, message: &str) -> Status {
    Status { state, subtype: subtype.into(), message: message.into() }
}

// ---- states ----

#[test]
fn states_parse_without_regard_to_case() {
    for state in State::ALL {
        assert_eq!(state.as_str().parse::<State>(), Ok(state));
        assert_eq!(state.as_str().to_uppercase().parse::<State>(), Ok(state));
        assert_eq!(state.to_string(), state.as_str());
    }
    assert_eq!(" Dnd ".parse::<State>(), Ok(State::Dnd));
    assert_eq!("XA".parse::<State>(), Ok(State::Xa));
}

#[test]
fn only_the_states_phones_support_can_be_set() {
    for refused in ["unavailable", "not_set", "NOT_SET", "invalid", "busy", "away,lunch"] {
        let error = refused.parse::<State>().unwrap_err();
        assert_eq!(error, PresenceError::Unsupported(refused.into()));
        assert_eq!(error.code(), 400);
        assert!(error.to_string().contains("phones set available, away, xa, chat or dnd"));
    }
    assert_eq!(
        "unavailable".parse::<State>().unwrap_err().to_string(),
        "status 'unavailable' is not supported: phones set available, away, xa, chat or dnd \
         (unavailable and not_set are Asterisk's own)"
    );
    assert_eq!("  ".parse::<State>(), Err(PresenceError::Missing("status")));
}

#[test]
fn reported_states_keep_what_asterisk_says() {
    let names: Vec<&str> = (-1..=8).map(|code| Reported::from_code(code).as_str()).collect();
    assert_eq!(
        names,
        [
            "invalid",
            "not_set",
            "unavailable",
            "available",
            "away",
            "xa",
            "chat",
            "dnd",
            "invalid",
            "invalid"
        ]
    );
    assert_eq!(Reported::from_name("not_set"), Reported::NotSet);
    assert_eq!(Reported::from_name("UNAVAILABLE"), Reported::Unavailable);
    assert_eq!(Reported::from_name("away"), Reported::Set(State::Away));
    // ast_presence_state2str gives "" for AST_PRESENCE_INVALID.
    assert_eq!(Reported::from_name(""), Reported::Invalid);
    assert_eq!(Reported::from_name("gone fishing"), Reported::Invalid);
    assert!("gone fishing".parse::<Reported>().is_err());
    assert_eq!("invalid".parse::<Reported>(), Ok(Reported::Invalid));
}

// ---- the stored value ----

#[test]
fn encodes_as_func_presencestate_reads_with_the_e_option() {
    assert_eq!(
        encode(&status(State::Away, "lunch", "Out to lunch")).unwrap(),
        "away,bHVuY2g=,T3V0IHRvIGx1bmNo,e"
    );
    assert_eq!(encode(&Status::new(State::Dnd)).unwrap(), "dnd,,,e");
    assert_eq!(encode(&status(State::Xa, "", "On vacation")).unwrap(), "xa,,T24gdmFjYXRpb24=,e");
}

#[test]
fn commas_newlines_and_utf8_survive_a_round_trip() {
    for (subtype, message) in [
        ("Lunch, back at 2", "Back at 2pm,\nthen in room 4.\r\nCall Josh, or \"Bob\""),
        ("Café", "Geschäftsreise bis 11.10. — 5 € 🙂\n\tTabs too"),
        (",,,", "e,e,e"),
        ("", ""),
        ("=", "a"),
    ] {
        for state in State::ALL {
            let set = status(state, subtype, message);
            let value = encode(&set).unwrap();
            // The value keeps the four fields func_presencestate splits on commas.
            assert_eq!(value.matches(',').count(), 3, "{value}");
            assert!(!value.contains(['\n', '\r', '\0']), "{value}");
            assert_eq!(decode(&value).unwrap(), Reading::from(set));
        }
    }
}

#[test]
fn text_lengths_are_bounded() {
    let at = |subtype: usize, message: usize| {
        encode(&status(State::Away, &"s".repeat(subtype), &"m".repeat(message)))
    };
    assert!(at(MAX_SUBTYPE, MAX_MESSAGE).is_ok());
    let error = at(MAX_SUBTYPE + 1, 0).unwrap_err();
    assert_eq!(error.to_string(), "substatus is 129 bytes; at most 128");
    assert_eq!(error.code(), 400);
    assert_eq!(
        at(0, MAX_MESSAGE + 1).unwrap_err().to_string(),
        "message is 256 bytes; at most 255"
    );
    // Bytes, not characters: what Asterisk's buffers hold.
    let euros = status(State::Away, "", &"€".repeat(86));
    assert_eq!(encode(&euros).unwrap_err().to_string(), "message is 258 bytes; at most 255");
    // The longest value stays well inside the 1300 bytes func_presencestate reads back.
    assert!(at(MAX_SUBTYPE, MAX_MESSAGE).unwrap().len() < 600);
    assert_eq!(
        encode(&status(State::Away, "a\0b", "")).unwrap_err(),
        PresenceError::Nul("substatus")
    );
}

#[test]
fn decodes_stored_values_as_func_presencestate_parses_them() {
    let reading = |state, subtype: &str, message: &str| Reading {
        state,
        subtype: subtype.into(),
        message: message.into(),
    };
    let away = Reported::Set(State::Away);
    assert_eq!(decode("away").unwrap(), reading(away, "", ""));
    assert_eq!(decode("away,down the hall").unwrap(), reading(away, "down the hall", ""));
    assert_eq!(decode("away,,Quarterly meeting").unwrap(), reading(away, "", "Quarterly meeting"));
    assert_eq!(decode("away,,,e").unwrap(), reading(away, "", ""));
    assert_eq!(decode("xa,T24gdmFjYXRpb24=,,e").unwrap().subtype, "On vacation");
    assert_eq!(decode("unavailable,,").unwrap().state, Reported::Unavailable);
    assert_eq!(decode("not_set").unwrap().state, Reported::NotSet);
    for bad in ["", "bored", "invalid", "away,,,i", "away,!!,,e", "away,,/w==,e"] {
        let error = decode(bad).unwrap_err();
        assert!(matches!(error, PresenceError::Value(_)), "{bad}: {error:?}");
        assert_eq!(error.code(), 500);
    }
}

#[test]
fn readings_from_ast_presence_state() {
    assert_eq!(
        decode_reading("away", Some("lunch"), Some("Out, back at 2\nCall Bob")),
        Reading {
            state: Reported::Set(State::Away),
            subtype: "lunch".into(),
            message: "Out, back at 2\nCall Bob".into()
        }
    );
    assert_eq!(decode_reading("not_set", None, None).state, Reported::NotSet);
    assert_eq!(decode_reading("unavailable", None, Some("x")).message, "x");
    assert_eq!(decode_reading("", None, None), Reading::invalid());
}

// ---- lines, choices, hints ----

#[test]
fn a_status_goes_to_the_primary_line_or_to_every_internal_line() {
    let m = office(false);
    assert_eq!(lines_for(&m, m.phone("alice").unwrap()), ["200"]);
    assert_eq!(lines_for(&m, m.phone("bob").unwrap()), ["202"]);
    assert!(lines_for(&m, m.phone("lobby").unwrap()).is_empty());
    let m = office(true);
    // Every line= once, in order; never the external line.
    assert_eq!(lines_for(&m, m.phone("alice").unwrap()), ["200", "201"]);
    assert!(lines_for(&m, m.phone("lobby").unwrap()).is_empty());
    assert_eq!(provider("200"), "CustomPresence:200");
}

#[test]
fn status_applications_decide_what_may_be_set() {
    let m = office(false);
    let alice = m.phone("alice").unwrap();
    let choices = status_choices(&m, alice).unwrap();
    // Merged over both applications, in the order first named; unavailable left out.
    assert_eq!(
        choices,
        [
            StatusChoice {
                state: State::Away,
                substatuses: vec!["Lunch, back at 2".into(), "Meeting".into(), "Focus".into()],
                send486: true,
            },
            StatusChoice {
                state: State::Dnd,
                substatuses: vec!["Meeting".into(), "Focus".into()],
                send486: true,
            },
        ]
    );
    assert!(status_allowed(&m, alice, State::Away));
    assert!(status_allowed(&m, alice, State::Dnd));
    assert!(!status_allowed(&m, alice, State::Available));
    assert!(!status_allowed(&m, alice, State::Chat));
    // No status application: every supported state.
    let bob = m.phone("bob").unwrap();
    assert_eq!(status_choices(&m, bob), None);
    assert!(State::ALL.into_iter().all(|state| status_allowed(&m, bob, state)));
}

#[test]
fn a_set_is_planned_or_refused_with_its_code() {
    let m = office(true);
    let alice = m.phone("alice").unwrap();
    let plan = plan_set(&m, alice, status(State::Away, "Meeting", "Room 4")).unwrap();
    assert_eq!(plan.lines, ["200", "201"]);
    assert_eq!(plan.value, encode(&plan.status).unwrap());

    let refused = plan_set(&m, alice, Status::new(State::Chat)).unwrap_err();
    assert_eq!(refused, PresenceError::NotAllowed(State::Chat));
    assert_eq!(refused.code(), 403);
    assert_eq!(refused.to_string(), "this phone's status application does not offer 'chat'");

    let lobby = m.phone("lobby").unwrap();
    let refused = plan_set(&m, lobby, Status::new(State::Dnd)).unwrap_err();
    assert_eq!((refused.clone(), refused.code()), (PresenceError::NoInternalLine, 403));

    let long = status(State::Away, "", &"x".repeat(MAX_MESSAGE + 1));
    assert_eq!(plan_set(&m, alice, long).unwrap_err().code(), 400);
}

fn no_endpoints(_: &str) -> Option<Endpoint> {
    None
}

#[test]
fn one_hint_per_line_and_clashes_reported() {
    let m = office(false);
    let plan = hint_plan(&m, &no_endpoints);
    let shown: Vec<(&str, &str, &str)> = plan
        .hints
        .iter()
        .map(|h| (h.context.as_str(), h.exten.as_str(), h.hint.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("digium_phones_hints", "200", "PJSIP/200,CustomPresence:200"),
            ("digium_phones_hints", "auto_hint_200", "PJSIP/200,CustomPresence:200"),
            ("digium_phones_hints", "1201", "PJSIP/201,CustomPresence:201"),
            ("digium_phones_hints", "auto_hint_201", "PJSIP/201,CustomPresence:201"),
            ("digium_phones_hints", "auto_hint_202", "PJSIP/202,CustomPresence:202"),
        ]
    );
    assert_eq!(plan.hints[2].owner, HintOwner::Line("201".into()));
    // 202's exten=200 is taken by line 200, which comes first; its auto_hint_ is its own.
    let findings: Vec<String> = plan.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        findings,
        ["t.conf:10: warning: [202] exten: extension 200 in context digium_phones_hints \
             already hints line '200'; no hint there for this line"]
    );
    assert!(plan.findings.iter().all(|f| !f.is_error()));
}

#[test]
fn hints_go_where_the_lines_endpoint_subscribes() {
    let lines = [
        ("200", &[("type", "line")][..]),
        ("201", &[("type", "line"), ("exten", "1201")][..]),
        ("202", &[("type", "line")][..]),
        ("p", &[("type", "phone"), ("line", "200"), ("line", "201"), ("line", "202")][..]),
    ];
    let endpoints = |name: &str| match name {
        "200" => Some(Endpoint { context: "from-internal".into(), subscribe_context: "".into() }),
        "201" => {
            Some(Endpoint { context: "from-internal".into(), subscribe_context: "blf".into() })
        }
        _ => None,
    };
    let where_ = |m: &crate::model::Model| {
        hint_plan(m, &endpoints)
            .hints
            .into_iter()
            .map(|h| format!("{}@{}", h.exten, h.context))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        where_(&config(&lines)),
        [
            "200@from-internal",
            "auto_hint_200@from-internal",
            "1201@blf",
            "auto_hint_201@blf",
            "202@digium_phones_hints",
            "auto_hint_202@digium_phones_hints",
        ]
    );
    // hint_context, set, wins over the endpoints.
    let mut fixed = lines.to_vec();
    fixed.insert(0, ("general", &[("hint_context", "office-hints")][..]));
    assert!(where_(&config(&fixed)).iter().all(|h| h.ends_with("@office-hints")));
}

#[test]
fn hints_go_to_hint_context_and_skip_what_a_hint_cannot_hold() {
    let m = config(&[
        ("general", &[("hint_context", "office-hints")]),
        ("a&b", &[("type", "line")]),
        ("300", &[("type", "line"), ("exten", "_3XX")]),
        ("301", &[("type", "line")]),
        ("p", &[("type", "phone"), ("line", "a&b"), ("line", "301")]),
    ]);
    let plan = hint_plan(&m, &no_endpoints);
    let hint = |exten: &str, line: &str| Hint {
        context: "office-hints".into(),
        exten: exten.into(),
        hint: format!("PJSIP/{line},CustomPresence:{line}"),
        owner: HintOwner::Line(line.into()),
    };
    assert_eq!(
        plan.hints,
        [hint("auto_hint_300", "300"), hint("301", "301"), hint("auto_hint_301", "301")]
    );
    let findings: Vec<String> = plan.findings.iter().map(ToString::to_string).collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(findings[0].starts_with("t.conf:4: warning: [a&b]: the line name cannot be written"));
    assert_eq!(
        findings[1],
        "t.conf:7: warning: [300] exten: extension '_3XX' is a pattern; only auto_hint_300 is \
         hinted for this line"
    );
    // Nor does a status go to such a line.
    assert!(lines_for(&m, m.phone("p").unwrap()).is_empty());
    assert!(!usable_line_name("a,b") && !usable_line_name("a b") && !usable_line_name(""));
    assert!(usable_line_name("alice-200") && usable_line_name("200"));
}

// ---- protocol bodies ----

fn request(method: &str, params: &[(&str, &str)]) -> Request {
    params.iter().fold(Request::new("r1", method), |r, (k, v)| r.with_param(*k, *v))
}

#[test]
fn set_parameters() {
    let r = request(
        method::PRESENCE_SET,
        &[("session", "s"), ("status", "Away"), ("substatus", "Lunch, 1h"), ("message", "a\nb")],
    );
    assert_eq!(set_params(&r), Ok(status(State::Away, "Lunch, 1h", "a\nb")));
    let r = request(method::PRESENCE_SET, &[("status", "dnd")]);
    assert_eq!(set_params(&r), Ok(Status::new(State::Dnd)));
    for (params, code) in [
        (&[("session", "s")][..], 400),
        (&[("status", "unavailable")][..], 400),
        (&[("status", "")][..], 400),
        (&[("status", "away"), ("substatus", &"x".repeat(129))][..], 400),
    ] {
        let error = set_params(&request(method::PRESENCE_SET, params)).unwrap_err();
        assert_eq!(error.code(), code, "{params:?}");
        assert_eq!(ErrorReply::from(&error).code, code);
    }
    assert_eq!(
        set_params(&request(method::PRESENCE_SET, &[])).unwrap_err().to_string(),
        "parameter status is missing"
    );
}

#[test]
fn get_parameters() {
    let lines = |text: &str| get_lines(&request(method::PRESENCE_GET, &[("lines", text)]));
    assert_eq!(lines("200, 201,,200 ,alice-1").unwrap(), ["200", "201", "alice-1"]);
    assert_eq!(lines(" , ").unwrap_err().to_string(), "lines: no line named");
    assert_eq!(lines("a b").unwrap_err().code(), 400);
    assert_eq!(lines(&"x".repeat(81)).unwrap_err().code(), 400);
    let many: Vec<String> = (0..=MAX_GET_LINES).map(|n| n.to_string()).collect();
    assert_eq!(
        lines(&many.join(",")).unwrap_err().to_string(),
        "lines: 17 lines asked for; at most 16 per request"
    );
    assert!(lines(&many[..MAX_GET_LINES].join(",")).is_ok());
    assert_eq!(
        get_lines(&request(method::PRESENCE_GET, &[])),
        Err(PresenceError::Missing("lines"))
    );
}

/// The reply as the phone receives it: written, parsed as a body, read back.
fn over_the_wire(response: &protocol::Response) -> (Vec<LinePresence>, usize, usize) {
    let xml = response.to_xml();
    let Ok(Message::Response(parsed)) = protocol::parse(&xml) else { panic!("{xml}") };
    let (entries, more) = read_reply(&parsed.result.unwrap()).unwrap();
    (entries, more, xml.len())
}

#[test]
fn replies_carry_texts_exactly() {
    let entries = vec![
        LinePresence::new("200", decode_reading("away", Some("Lunch, \"1h\""), Some("a\nb & <c>"))),
        LinePresence::new("201", decode_reading("", None, None)),
        LinePresence::new("202", decode_reading("not_set", None, None)),
    ];
    let response = fit_reply("r1", method::PRESENCE_GET, entries.clone());
    assert!(response.to_xml().contains(
        r#"<presence line="200" state="away" subtype="Lunch, &quot;1h&quot;" message="a&#10;b &amp; &lt;c&gt;"/>"#
    ));
    assert!(
        response
            .to_xml()
            .contains(r#"<presence line="201" state="invalid" subtype="" message=""/>"#)
    );
    let (read, more, _) = over_the_wire(&response);
    assert_eq!((read, more), (entries, 0));
}

#[test]
fn long_replies_are_cut_to_fit_one_message() {
    // Four lines with long messages of multi-byte characters and newlines cannot all fit whole.
    let message = "Geschäftsreise — zurück am 11.10.\n".repeat(6);
    assert!(message.len() <= MAX_MESSAGE);
    let entries: Vec<LinePresence> = ["200", "201", "202", "203"]
        .iter()
        .map(|line| LinePresence::new(*line, Reading::from(status(State::Xa, "travel", &message))))
        .collect();
    let response = fit_reply("sim-1234abcd-9", method::PRESENCE_SET, entries);
    let (read, more, size) = over_the_wire(&response);
    assert!(size <= MAX_BODY, "{size}");
    assert_eq!(more, 0);
    // The first lines whole; the last ones cut (at a character boundary), and marked.
    for whole in &read[..2] {
        assert_eq!((whole.reading.message.as_str(), whole.truncated), (message.as_str(), false));
    }
    assert!(read[3].truncated && read[3].reading.message.is_empty());
    assert_eq!(read[3].reading.subtype, "travel");
    assert!(read[2].truncated && message.starts_with(&read[2].reading.message));
    assert!(!read[2].reading.message.is_empty());
    // Not one character more would have fitted.
    let mut longer = read.clone();
    let next = message[read[2].reading.message.len()..].chars().next().unwrap();
    longer[2].reading.message.push(next);
    let elements = longer.iter().map(LinePresence::to_element).collect();
    let whole = protocol::Response::ok("sim-1234abcd-9", method::PRESENCE_SET, elements);
    assert!(whole.to_xml().len() > MAX_BODY);
}

#[test]
fn lines_that_do_not_fit_are_counted() {
    let name = "l".repeat(80);
    let entries: Vec<LinePresence> = (0..MAX_GET_LINES)
        .map(|n| LinePresence::new(format!("{name}{n}"), decode_reading("unavailable", None, None)))
        .collect();
    let response = fit_reply(&"i".repeat(64), method::PRESENCE_GET, entries.clone());
    let (read, more, size) = over_the_wire(&response);
    assert!(size <= MAX_BODY, "{size}");
    assert!(more > 0 && !read.is_empty());
    assert_eq!(read.len() + more, MAX_GET_LINES);
    assert_eq!(read, entries[..read.len()]);
}

#[test]
fn unreadable_presence_elements_are_refused() {
    use crate::protocol::Element;
    let element = |attrs: &[(&str, &str)]| {
        attrs.iter().fold(Element::new(ELEMENT), |e, (k, v)| e.attr(*k, *v))
    };
    assert!(LinePresence::from_element(&element(&[("state", "away")])).is_err());
    assert!(LinePresence::from_element(&element(&[("line", "1"), ("state", "busy")])).is_err());
    let bare = LinePresence::from_element(&element(&[("line", "1"), ("state", "DND")])).unwrap();
    assert_eq!(bare.reading, Reading::from(Status::new(State::Dnd)));
    assert!(read_reply(&[Element::new(MORE)]).is_err());
    assert_eq!(read_reply(&[Element::new("other")]).unwrap(), (vec![], 0));
}

#[test]
fn subtypes_are_cut_only_after_every_message() {
    let entries: Vec<LinePresence> = (0..6)
        .map(|n| {
            let reading = Reading::from(status(State::Away, &"s".repeat(MAX_SUBTYPE), "m"));
            LinePresence::new(format!("20{n}"), reading)
        })
        .collect();
    let (read, more, size) = over_the_wire(&fit_reply("r1", method::PRESENCE_GET, entries.clone()));
    assert!(size <= MAX_BODY && more == 0, "{size} {more}");
    assert!(read.iter().all(|entry| entry.reading.message.is_empty() && entry.truncated));
    assert_eq!(read[0].reading.subtype, entries[0].reading.subtype);
    assert!(read[5].reading.subtype.len() < MAX_SUBTYPE);
}
