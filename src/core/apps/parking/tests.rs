use super::*;
use crate::apps::fields::Fields;
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
    let text = admin_text(&[lot("default"), lot("sales")], &calls, &following);
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
         Objects found: 1\n"
    );
    assert_eq!(caller_id_text("", ""), "-");
}
