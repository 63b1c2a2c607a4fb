use super::*;
use crate::apps::fields::Fields;
use crate::presence::{Endpoint, Hint, HintOwner, HintPlan};
use crate::protocol::{Message, parse};

fn block(pairs: &[(&str, &str)]) -> Fields {
    Fields { fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

fn parked_event(lot: &str, space: &str, name: &str) -> Fields {
    block(&[
        ("Event", "ParkedCall"),
        ("ParkeeChannel", "Local/music@parking-test-00000001;2"),
        ("ParkeeCallerIDNum", "5551234"),
        ("ParkeeCallerIDName", name),
        ("Parkinglot", lot),
        ("ParkingSpace", space),
        ("ParkingTimeout", "40"),
        ("ParkingDuration", "5"),
    ])
}

fn lot(name: &str) -> Lot {
    Lot { name: name.into(), start: "701".into(), stop: "720".into(), timeout: "45".into() }
}

#[test]
fn reads_lots_and_calls() {
    let blocks = vec![
        block(&[("Response", "Success")]),
        block(&[
            ("Event", "Parkinglot"),
            ("Name", "default"),
            ("StartSpace", "701"),
            ("StopSpace", "720"),
            ("Timeout", "45"),
        ]),
        block(&[("Event", "ParkinglotsComplete")]),
    ];
    assert_eq!(lots(&blocks), [lot("default")]);
    let calls = parked(&[
        parked_event("b", "702", "x"),
        parked_event("a", "710", "y"),
        parked_event("a", "9", "<unknown>"),
    ]);
    let order: Vec<(&str, &str)> =
        calls.iter().map(|c| (c.lot.as_str(), c.space.as_str())).collect();
    assert_eq!(order, [("a", "9"), ("a", "710"), ("b", "702")]);
    assert_eq!(calls[0].name, "");
}

#[test]
fn lists_fit_one_message() {
    let lots = [lot("default"), lot("sales")];
    let calls: Vec<Parked> = (0..40)
        .map(|i| parked_of(&parked_event("default", &(701 + i).to_string(), &"n".repeat(60))))
        .collect();
    let reply = list_reply("1", LIST, &lots, &calls);
    let xml = reply.to_xml();
    assert!(xml.len() <= MAX_BODY, "{}", xml.len());
    let Ok(Message::Response(back)) = parse(&xml) else { panic!("{xml}") };
    let result = back.result.unwrap();
    let shown: usize = result.iter().map(|e| e.find_all("call").count()).sum();
    let more: usize =
        result.iter().find(|e| e.name == "more").unwrap().get("count").unwrap().parse().unwrap();
    assert_eq!(shown + more, 40);
    assert!(shown > 0);
    // Names are cut to keep room.
    assert!(result[0].find("call").unwrap().get("name").unwrap().len() <= NAME_MAX);
    // Every lot is listed even when its calls are not.
    assert!(result.iter().any(|e| e.get("name") == Some("sales")));
}

#[test]
fn small_lists_are_whole_and_print_as_lines() {
    let calls = [parked_of(&parked_event("default", "701", "Music"))];
    let reply = list_reply("1", LIST, &[lot("default")], &calls);
    let result = reply.result.unwrap();
    assert!(!result.iter().any(|e| e.name == "more"));
    assert_eq!(
        lines(&result),
        [
            "lot default spaces 701-720 timeout 45",
            "parked default 701 \"5551234\" \"Music\" parked 5s left 40s"
        ]
    );
}

#[test]
fn checks_parameters() {
    let req = |pairs: &[(&str, &str)]| {
        pairs.iter().fold(Request::new("1", RETRIEVE), |r, (k, v)| r.with_param(*k, *v))
    };
    assert_eq!(
        retrieve_params(&req(&[("lot", "default"), ("space", "701")])),
        Ok(("default".into(), "701".into()))
    );
    assert_eq!(retrieve_params(&req(&[("space", "701")])), Err(ParkingError::Missing("lot")));
    assert_eq!(retrieve_params(&req(&[("lot", "a")])), Err(ParkingError::Missing("space")));
    assert!(retrieve_params(&req(&[("lot", "a,b"), ("space", "701")])).is_err());
    assert!(retrieve_params(&req(&[("lot", "a"), ("space", "70a")])).is_err());
    assert_eq!(list_params(&req(&[])), Ok(None));
    assert!(list_params(&req(&[("lot", "x y")])).is_err());
}

#[test]
fn live_events_become_changes() {
    let (lot, e) = change(&parked_event("sales", "801", "Bob")).unwrap();
    assert_eq!(lot, "sales");
    assert_eq!(e.get("event"), Some("parked"));
    assert_eq!(e.get("left"), Some("40"));
    let mut gone = parked_event("sales", "801", "Bob");
    gone.fields[0].1 = "UnParkedCall".into();
    gone.fields.push(("RetrieverCallerIDNum".into(), "700".into()));
    let (_, e) = change(&gone).unwrap();
    assert_eq!((e.get("event"), e.get("by")), (Some("unparked"), Some("700")));
    assert!(change(&block(&[("Event", "Newchannel")])).is_none());
}

#[test]
fn visible_lots_follow_the_applications() {
    use crate::model::build;
    use crate::raw::{RawConfig, RawSection};
    let mut raw = RawConfig::default();
    let mut add =
        |name: &str, pairs: &[(&str, &str)]| raw.sections.push(RawSection::of(name, pairs));
    add("l1", &[("type", "line")]);
    add("lot_a", &[("type", "application"), ("application", "parking"), ("parkinglot", "a")]);
    add("all", &[("type", "application"), ("application", "parking")]);
    add("one", &[("type", "phone"), ("line", "l1"), ("application", "lot_a")]);
    add("every", &[("type", "phone"), ("line", "l1"), ("application", "lot_a,all")]);
    add("none", &[("type", "phone"), ("line", "l1")]);
    let model = build(&raw, None).model;
    let one = Visible::of(&model, "one");
    assert_eq!(one, Visible::Only(vec!["a".into()]));
    assert!(one.allows("a") && !one.allows("b"));
    assert_eq!(Visible::of(&model, "every"), Visible::All);
    assert_eq!(Visible::of(&model, "none"), Visible::None);
    assert!(!Visible::None.allows("a"));
}

#[test]
fn admin_text_is_tables() {
    let calls = [parked_of(&parked_event("default", "701", "Music"))];
    let following = [("s1".to_string(), "desk".to_string(), "parking".to_string())];
    let hints = [Hint {
        context: "phones".into(),
        exten: "801".into(),
        hint: "park:801@parkedsales".into(),
        owner: HintOwner::ParkingLot("sales".into()),
    }];
    let text = admin_text(&[lot("default"), lot("sales")], &calls, &following, &hints);
    assert_eq!(
        text,
        "Lot      Spaces   Timeout  Calls\n\
         =======  =======  =======  =====\n\
         default  701-720  45       1\n\
         sales    701-720  45       0\n\
         \n\
         Lot      Space  Caller ID          Channel                              Parked  Left\n\
         =======  =====  =================  ===================================  ======  ====\n\
         default  701    \"Music\" <5551234>  Local/music@parking-test-00000001;2  5s      40s\n\
         \n\
         Following  Session  Applications\n\
         =========  =======  ============\n\
         desk       s1       parking\n\
         \n\
         Hint        Device                For\n\
         ==========  ====================  ==============================\n\
         801@phones  park:801@parkedsales  a space of parking lot 'sales'\n\
         \n\
         Objects found: 1\n"
    );
    assert_eq!(caller_id_text("", ""), "-");
}

mod parking_hints {
    use super::*;
    use crate::apps::parking::hints::{
        ContactLists, LotSpaces, add_parking_hints, configured_lots, subscribed_users,
    };
    use crate::model::build;
    use crate::raw::{RawConfig, RawSection};

    fn lots() -> Vec<LotSpaces> {
        let mut conf = RawConfig::default();
        conf.sections.push(RawSection::of("general", &[("parkeddynamic", "no")]));
        conf.sections
            .push(RawSection::of("sales", &[("parkpos", "801-820"), ("context", "parkedsales")]));
        conf.sections.push(RawSection::of("odd", &[("parkpos", "9-1")]));
        configured_lots(&conf)
    }

    #[test]
    fn lots_come_from_res_parking_conf_with_its_defaults() {
        let lot = |name: &str, context: &str, first, last| LotSpaces {
            name: name.into(),
            context: context.into(),
            first,
            last,
        };
        assert_eq!(
            lots(),
            [lot("sales", "parkedsales", 801, 820), lot("default", "parkedcalls", 701, 750),]
        );
        assert_eq!(lots()[0].device(801), "park:801@parkedsales");
    }

    #[test]
    fn subscribe_to_gives_the_user_part() {
        let list = r#"<contacts group_name="x">
            <contact id="1" subscribe_to="sip:801@pbx.example.com"/>
            <contact id="2" subscribe_to="sips:702@pbx;transport=tls"></contact>
            <contact id="3" subscribe_to="auto_hint_700"/>
            <contact id="4"/>
        </contacts>"#;
        assert_eq!(subscribed_users(list), ["801", "702", "auto_hint_700"]);
        assert!(subscribed_users("<contacts><contact subscribe_to=").is_empty());
    }

    fn model() -> crate::model::Model {
        let mut raw = RawConfig::default();
        let mut add =
            |name: &str, pairs: &[(&str, &str)]| raw.sections.push(RawSection::of(name, pairs));
        add("700", &[("type", "line")]);
        add("701", &[("type", "line")]);
        add("702", &[("type", "line")]);
        add(
            "lot_sales",
            &[("type", "application"), ("application", "parking"), ("parkinglot", "sales")],
        );
        add("all", &[("type", "application"), ("application", "parking")]);
        add(
            "desk",
            &[
                ("type", "phone"),
                ("line", "700"),
                ("application", "lot_sales"),
                ("contact", "desk.xml"),
            ],
        );
        add(
            "boss",
            &[
                ("type", "phone"),
                ("line", "701"),
                ("line", "702"),
                ("application", "all"),
                ("contact", "boss.xml"),
            ],
        );
        add("plain", &[("type", "phone"), ("line", "700"), ("contact", "boss.xml")]);
        build(&raw, None).model
    }

    fn plan_for(model: &crate::model::Model) -> HintPlan {
        let endpoint = |line: &str| {
            (line == "702").then(|| Endpoint { context: "other".into(), ..Default::default() })
        };
        let mut plan = crate::presence::hint_plan(model, &endpoint);
        let mut subscriptions = |p: &crate::model::Phone| -> Vec<String> {
            let users: &[&str] = match p.name.as_str() {
                // 703 is in a lot desk may not see; 9999 and 0801 are in no lot; 700 is a line.
                "desk" => &["801", "703", "9999", "0801", "700"],
                _ => &["705", "803", "801"],
            };
            users.iter().map(|u| u.to_string()).collect()
        };
        add_parking_hints(&mut plan, model, &lots(), &mut subscriptions, &endpoint);
        plan
    }

    #[test]
    fn hints_for_watched_spaces_of_visible_lots_in_each_lines_context() {
        let model = model();
        let plan = plan_for(&model);
        let parking: Vec<(String, String, String)> = plan
            .hints
            .iter()
            .filter(|h| matches!(h.owner, HintOwner::ParkingLot(_)))
            .map(|h| (format!("{}@{}", h.exten, h.context), h.hint.clone(), h.owner.to_string()))
            .collect();
        let row = |at: &str, device: &str, lot: &str| {
            (at.to_string(), device.to_string(), format!("a space of parking lot '{lot}'"))
        };
        assert_eq!(
            parking,
            [
                row("801@digium_phones_hints", "park:801@parkedsales", "sales"),
                row("705@digium_phones_hints", "park:705@parkedcalls", "default"),
                row("803@digium_phones_hints", "park:803@parkedsales", "sales"),
                row("705@other", "park:705@parkedcalls", "default"),
                row("803@other", "park:803@parkedsales", "sales"),
                row("801@other", "park:801@parkedsales", "sales"),
            ]
        );
        // boss's 801 in the shared context is desk's hint already (the same device): nothing to say.
        let findings: Vec<String> = plan.findings.iter().map(ToString::to_string).collect();
        assert_eq!(findings.len(), 0, "{findings:?}");
    }

    #[test]
    fn a_space_that_is_a_line_extension_stays_the_lines() {
        let mut raw = RawConfig::default();
        let mut add =
            |name: &str, pairs: &[(&str, &str)]| raw.sections.push(RawSection::of(name, pairs));
        add("701", &[("type", "line")]);
        add("all", &[("type", "application"), ("application", "parking")]);
        add(
            "p",
            &[("type", "phone"), ("line", "701"), ("application", "all"), ("contact", "c.xml")],
        );
        let model = build(&raw, None).model;
        let mut plan = crate::presence::hint_plan(&model, &|_| None);
        let before = plan.hints.clone();
        add_parking_hints(&mut plan, &model, &lots(), &mut |_| vec!["701".into()], &|_| None);
        assert_eq!(plan.hints, before);
        let findings: Vec<String> = plan.findings.iter().map(ToString::to_string).collect();
        assert_eq!(
            findings,
            [
                "t.conf:1: warning: [p] contact: parking space 701 of lot 'default' is watched by the phone's \
              contacts, but 701@digium_phones_hints already hints line '701'; no parking hint there"
            ]
        );
    }

    #[test]
    fn contact_lists_are_read_from_file_directory_once() {
        let dir = std::env::temp_dir().join(format!("rdp-parking-hints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("c.xml"),
            r#"<contacts><contact subscribe_to="sip:801@x"/></contacts>"#,
        )
        .unwrap();
        let mut raw = RawConfig::default();
        raw.sections.push(RawSection::of("general", &[("file_directory", dir.to_str().unwrap())]));
        raw.sections.push(RawSection::of("l", &[("type", "line")]));
        raw.sections.push(RawSection::of(
            "p",
            &[("type", "phone"), ("line", "l"), ("contact", "c.xml,../escape.xml,http://x/y.xml")],
        ));
        let model = build(&raw, None).model;
        let phone = model.phone("p").unwrap();
        let mut lists = ContactLists::new(&model);
        assert_eq!(lists.subscriptions(phone), ["801"]);
        std::fs::remove_file(dir.join("c.xml")).unwrap();
        assert_eq!(lists.subscriptions(phone), ["801"], "read once");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
