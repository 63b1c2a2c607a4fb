use super::json::{JsonError, MAX_JSON, compact};
use super::pending::{Admitted, Done, Full as PendingFull, Pending};
use super::registry::{Full as RegistryFull, Registered, Registry};
use super::*;
use crate::protocol::{Message, parse};

fn origin(address: &str, id: &str) -> (String, String) {
    (address.to_owned(), id.to_owned())
}

#[test]
fn json_is_checked_and_made_compact() {
    assert_eq!(
        compact("{ \"a\" : [1, 2],\n \"b\": \"x\\ny\" }").unwrap(),
        r#"{"a":[1,2],"b":"x\ny"}"#
    );
    assert_eq!(compact("\"text\"").unwrap(), "\"text\"");
    assert!(!compact("{\"a\":\"line\\r\\nbreak\"}").unwrap().contains('\n'));
    assert!(matches!(compact("{\"a\":"), Err(JsonError::Invalid(_))));
    assert!(matches!(compact(""), Err(JsonError::Invalid(_))));
    assert!(matches!(compact("{} {}"), Err(JsonError::Invalid(_))));
    let big = format!("\"{}\"", "x".repeat(MAX_JSON));
    assert_eq!(
        compact(&big),
        Err(JsonError::TooLarge { size: MAX_JSON + 2, max: MAX_JSON, what: "JSON value" })
    );
    // Spaces that compacting removes do not count.
    let spaced = format!("[{}1]", " ".repeat(MAX_JSON * 2));
    assert_eq!(compact(&spaced).unwrap(), "[1]");
}

#[test]
fn method_names_are_tokens() {
    assert!(is_method("digium.confapp"));
    assert!(is_method("a-b_c.9"));
    for bad in ["", "has space", "new\nline", "a:b", &"m".repeat(65)] {
        assert!(!is_method(bad), "{bad:?}");
    }
}

#[test]
fn the_ami_event_is_one_header_per_line() {
    assert_eq!(
        ami_event_body("rdp1", "digium.confapp", r#"{"action":"mute"}"#),
        "RequestID: rdp1\r\nMethod: digium.confapp\r\nFormat: JSON\r\nParameters: {\"action\":\"mute\"}\r\n"
    );
}

#[test]
fn replies_and_pushes_read_back() {
    let json = r#"{"a":"<&>\"'"}"#;
    let Ok(Message::Response(r)) = parse(&reply("7", json).to_xml()) else { panic!() };
    assert_eq!((r.id.as_str(), r.method.as_str()), ("7", REQUEST));
    let result = r.result.unwrap();
    assert_eq!(result[0].name, "json");
    assert_eq!(result[0].text, json);
    let event = Event::new("s1", EVENT).with_data(push_data("digium.confapp.update", json));
    let Ok(Message::Event(e)) = parse(&event.to_xml()) else { panic!() };
    assert_eq!(e.data[0].get("method"), Some("digium.confapp.update"));
    assert_eq!(e.data[0].text, json);
}

#[test]
fn the_largest_json_fits_a_message_unless_it_is_all_escapes() {
    let plain = format!("\"{}\"", "x".repeat(MAX_JSON - 2));
    assert_eq!(reply_fits(&"i".repeat(64), &plain), Ok(()));
    assert_eq!(push_fits(&"m".repeat(64), &plain), Ok(()));
    let escapes = format!("\"{}\"", "<".repeat(MAX_JSON - 2));
    assert!(matches!(reply_fits("1", &escapes), Err(JsonError::TooLarge { .. })));
    assert!(matches!(push_fits("m", &escapes), Err(JsonError::TooLarge { .. })));
}

#[test]
fn the_later_registration_wins() {
    let mut r = Registry::with_capacity(3);
    assert_eq!(r.register("a", 1), Ok(Registered::New));
    assert_eq!(r.register("b", 1), Ok(Registered::New));
    assert_eq!(r.register("a", 1), Ok(Registered::Again));
    assert_eq!(r.register("a", 2), Ok(Registered::Replaced(1)));
    assert_eq!(r.owner("a"), Some(2));
    assert_eq!(r.owner("b"), Some(1));
    assert!(r.serves(1) && r.serves(2));
    assert_eq!(r.withdraw(1), vec!["b".to_string()]);
    assert!(!r.serves(1));
    assert_eq!(r.all(), vec![("a".to_string(), 2)]);
    assert_eq!(r.withdraw(2), vec!["a".to_string()]);
    assert!(r.is_empty());
}

#[test]
fn registrations_are_bounded() {
    let mut r = Registry::with_capacity(2);
    r.register("a", 1).unwrap();
    r.register("b", 1).unwrap();
    assert_eq!(r.register("c", 1), Err(RegistryFull(2)));
    // Taking over a method that exists needs no room.
    assert_eq!(r.register("b", 2), Ok(Registered::Replaced(1)));
    assert_eq!(r.len(), 2);
}

#[test]
fn a_request_waits_once_and_is_answered_once() {
    let mut p: Pending<u8, &str> = Pending::with_limits("t", 4, 100);
    let Ok(Admitted::New(id)) = p.admit(origin("1.2.3.4:5060", "9"), 1, 0, "first") else {
        panic!()
    };
    assert_eq!(id, "t1");
    assert_eq!(p.server(&id), Some(1));
    assert_eq!(p.server("t2"), None);
    // The phone asks again: still one request.
    assert_eq!(p.admit(origin("1.2.3.4:5060", "9"), 1, 10, "again"), Ok(Admitted::Waiting));
    assert_eq!(p.len(), 1);
    let done = p.take(&id).unwrap();
    assert_eq!(
        done,
        Done { request_id: id.clone(), origin: origin("1.2.3.4:5060", "9"), data: "first" }
    );
    assert!(p.take(&id).is_none());
    assert!(p.is_empty());
    // Another phone with the same request id is another request.
    assert!(matches!(p.admit(origin("1.2.3.4:5061", "9"), 1, 0, "x"), Ok(Admitted::New(_))));
}

#[test]
fn requests_time_out_and_are_bounded() {
    let mut p: Pending<u8, u32> = Pending::with_limits("t", 2, 100);
    p.admit(origin("a", "1"), 1, 0, 1).unwrap();
    p.admit(origin("a", "2"), 1, 50, 2).unwrap();
    assert_eq!(p.admit(origin("a", "3"), 1, 50, 3), Err(PendingFull(2)));
    assert_eq!(p.next_deadline(), Some(100));
    assert!(p.expire(99).is_empty());
    let gone: Vec<u32> = p.expire(100).into_iter().map(|d| d.data).collect();
    assert_eq!(gone, vec![1]);
    assert_eq!(p.next_deadline(), Some(150));
    // Room again, and the timed-out request's origin is free.
    assert!(matches!(p.admit(origin("a", "1"), 1, 120, 4), Ok(Admitted::New(_))));
    assert_eq!(p.expire(u64::MAX).len(), 2);
    assert!(p.is_empty());
    assert_eq!(p.next_deadline(), None);
}

#[test]
fn a_server_gone_abandons_only_its_requests() {
    let mut p: Pending<u8, u32> = Pending::with_limits("t", 8, 100);
    p.admit(origin("a", "1"), 1, 0, 1).unwrap();
    p.admit(origin("a", "2"), 2, 0, 2).unwrap();
    p.admit(origin("b", "1"), 1, 0, 3).unwrap();
    assert!(p.waits_for(1) && p.waits_for(2) && !p.waits_for(3));
    let gone: Vec<u32> = p.abandon(1).into_iter().map(|d| d.data).collect();
    assert_eq!(gone, vec![1, 3]);
    assert!(!p.waits_for(1));
    assert_eq!(p.len(), 1);
}

#[test]
fn request_ids_differ_between_tables() {
    let mut a: Pending<u8, ()> = Pending::new("x1y");
    let mut b: Pending<u8, ()> = Pending::new("x2y");
    let Ok(Admitted::New(ia)) = a.admit(origin("a", "1"), 1, 0, ()) else { panic!() };
    let Ok(Admitted::New(ib)) = b.admit(origin("a", "1"), 1, 0, ()) else { panic!() };
    assert_ne!(ia, ib);
}
