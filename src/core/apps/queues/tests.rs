use super::*;
use crate::apps::fields::Fields;
use crate::protocol::{Message, parse};

fn block(pairs: &[(&str, &str)]) -> Fields {
    Fields { fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

fn status_blocks(members: usize, callers: usize) -> Vec<Fields> {
    let mut blocks = vec![
        block(&[("Response", "Success")]),
        block(&[
            ("Event", "QueueParams"),
            ("Queue", "sales"),
            ("Strategy", "ringall"),
            ("Holdtime", "3"),
            ("Completed", "7"),
            ("Abandoned", "1"),
        ]),
        block(&[("Event", "QueueParams"), ("Queue", "other")]),
        block(&[("Event", "QueueMember"), ("Queue", "other"), ("Location", "PJSIP/9")]),
    ];
    for i in 0..members {
        blocks.push(block(&[
            ("Event", "QueueMember"),
            ("Queue", "sales"),
            ("Name", &format!("Agent {i}")),
            ("Location", &format!("PJSIP/{}", 700 + i)),
            ("Status", "1"),
            ("Paused", if i == 0 { "1" } else { "0" }),
            ("PausedReason", if i == 0 { "lunch" } else { "" }),
            ("CallsTaken", "2"),
            ("InCall", "0"),
        ]));
    }
    for i in 0..callers {
        blocks.push(block(&[
            ("Event", "QueueEntry"),
            ("Queue", "sales"),
            ("Position", &(i + 1).to_string()),
            ("CallerIDNum", "5551234"),
            ("CallerIDName", "Waiting Caller With A Long Name"),
            ("Wait", "12"),
        ]));
    }
    blocks.push(block(&[("Event", "QueueStatusComplete")]));
    blocks
}

fn app(details: bool) -> QueueApp {
    QueueApp {
        queue: "sales".into(),
        member: true,
        membername: None,
        interface: "PJSIP/700".into(),
        details,
        login: None,
        logout: None,
    }
}

#[test]
fn reads_one_queue() {
    let state = queue_state(&status_blocks(2, 1), "sales").unwrap();
    assert_eq!(state.members.len(), 2);
    assert_eq!(state.members[0].state, "not_inuse");
    assert!(state.members[0].paused && state.members[0].reason == "lunch");
    assert_eq!(state.callers[0].wait, "12");
    assert!(queue_state(&status_blocks(0, 0), "nosuch").is_none());
}

#[test]
fn details_only_with_the_details_permission() {
    let state = queue_state(&status_blocks(2, 1), "sales").unwrap();
    let plain = status_reply("1", STATUS, &state, &app(false)).result.unwrap();
    let names: Vec<&str> = plain.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["queue", "self"]);
    assert_eq!(plain[0].get("callers"), Some("1"));
    assert_eq!(plain[0].get("paused"), Some("1"));
    let full = status_reply("1", STATUS, &state, &app(true)).result.unwrap();
    let names: Vec<&str> = full.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["queue", "self", "member", "member", "caller"]);
    assert_eq!(
        lines(&full),
        [
            "queue sales members 2 paused 1 callers 1 strategy ringall permission details",
            "self PJSIP/700 \"Agent 0\" not_inuse paused reason \"lunch\" calls 2",
            "member PJSIP/700 \"Agent 0\" not_inuse paused reason \"lunch\" calls 2",
            "member PJSIP/701 \"Agent 1\" not_inuse unpaused calls 2",
            "caller 1 \"5551234\" \"Waiting Caller With A Long Name\" waiting 12s",
        ]
    );
}

#[test]
fn big_queues_fit_one_message() {
    let state = queue_state(&status_blocks(20, 20), "sales").unwrap();
    let reply = status_reply("1", STATUS, &state, &app(true));
    let xml = reply.to_xml();
    assert!(xml.len() <= MAX_BODY, "{}", xml.len());
    let Ok(Message::Response(back)) = parse(&xml) else { panic!("{xml}") };
    let result = back.result.unwrap();
    let more = result.iter().find(|e| e.name == "more").unwrap();
    let shown_members = result.iter().filter(|e| e.name == "member").count();
    let shown_callers = result.iter().filter(|e| e.name == "caller").count();
    let count = |k| more.get(k).unwrap().parse::<usize>().unwrap();
    assert_eq!(shown_members + count("members"), 20);
    assert_eq!(shown_callers + count("callers"), 20);
}

#[test]
fn checks_parameters() {
    let req = |pairs: &[(&str, &str)]| {
        pairs.iter().fold(Request::new("1", PAUSE), |r, (k, v)| r.with_param(*k, *v))
    };
    assert_eq!(queue_param(&req(&[("queue", "sales")])), Ok("sales".into()));
    assert_eq!(queue_param(&req(&[])), Err(QueueError::Missing("queue")));
    assert!(queue_param(&req(&[("queue", "a,b")])).is_err());
    assert!(queue_param(&req(&[("queue", "a/b")])).is_err());
    assert_eq!(reason_param(&req(&[("reason", "lunch")])), Ok(Some("lunch".into())));
    assert_eq!(reason_param(&req(&[])), Ok(None));
    assert_eq!(reason_param(&req(&[("reason", "a\r\nAction: x")])), Err(QueueError::ReasonControl));
    assert!(matches!(
        reason_param(&req(&[("reason", &"x".repeat(65))])),
        Err(QueueError::ReasonTooLong(65))
    ));
}

#[test]
fn live_events_become_changes() {
    let (q, e, iface) = change(&block(&[
        ("Event", "QueueMemberPause"),
        ("Queue", "sales"),
        ("MemberName", "Agent"),
        ("Interface", "PJSIP/700"),
        ("Status", "1"),
        ("Paused", "1"),
        ("PausedReason", "lunch"),
    ]))
    .unwrap();
    assert_eq!((q.as_str(), iface.as_deref()), ("sales", Some("PJSIP/700")));
    assert_eq!(e.get("event"), Some("pause"));
    assert_eq!(e.get("reason"), Some("lunch"));
    let (_, e, iface) = change(&block(&[
        ("Event", "QueueCallerJoin"),
        ("Queue", "sales"),
        ("Position", "1"),
        ("Count", "1"),
        ("CallerIDNum", "555"),
    ]))
    .unwrap();
    assert_eq!((e.name.as_str(), e.get("event"), iface), ("caller", Some("join"), None));
    assert_eq!(e.get("num"), None);
    assert!(change(&block(&[("Event", "QueueParams"), ("Queue", "x")])).is_none());
}

#[test]
fn a_phones_queue_sections() {
    use crate::model::build;
    use crate::raw::{RawConfig, RawSection};
    let mut raw = RawConfig::default();
    let mut add =
        |name: &str, pairs: &[(&str, &str)]| raw.sections.push(RawSection::of(name, pairs));
    add("700", &[("type", "line"), ("context", "office")]);
    add(
        "q1",
        &[
            ("type", "application"),
            ("application", "queue"),
            ("queue", "sales"),
            ("permission", "details"),
            ("login_exten", "*45"),
            ("logout_exten", "*46@agents"),
        ],
    );
    add(
        "q2",
        &[
            ("type", "application"),
            ("application", "queue"),
            ("queue", "support"),
            ("location", "Local/700@from-queue/n"),
            ("member", "no"),
        ],
    );
    add("desk", &[("type", "phone"), ("line", "700"), ("application", "q1,q2")]);
    let model = build(&raw, None).model;
    let sales = QueueApp::of(&model, "desk", "sales").unwrap();
    assert_eq!(sales.interface, "PJSIP/700");
    assert!(sales.details && sales.member);
    assert_eq!(sales.login, Some(("*45".into(), "office".into())));
    assert_eq!(sales.logout, Some(("*46".into(), "agents".into())));
    let support = QueueApp::of(&model, "desk", "support").unwrap();
    assert_eq!(support.interface, "Local/700@from-queue/n");
    assert!(!support.details && !support.member);
    assert!(QueueApp::of(&model, "desk", "other").is_none());
}

#[test]
fn admin_text_is_tables() {
    let state = queue_state(&status_blocks(1, 1), "sales").unwrap();
    let app = app(false);
    let text = admin_text(&[(state, &app)]);
    assert_eq!(
        text,
        "Queue  Strategy  Members  Paused  Callers  Phone's Interface  Permission\n\
         =====  ========  =======  ======  =======  =================  ==========\n\
         sales  ringall   1        1       1        PJSIP/700          status\n\
         \n\
         Queue  Member     Name     State      Paused  Reason  Calls  In Call\n\
         =====  =========  =======  =========  ======  ======  =====  =======\n\
         sales  PJSIP/700  Agent 0  not_inuse  yes     lunch   2      no\n\
         \n\
         Queue  Position  Caller ID                                    Wait\n\
         =====  ========  ===========================================  ====\n\
         sales  1         \"Waiting Caller With A Long Name\" <5551234>  12s\n\
         \n\
         Objects found: 1\n"
    );
}
