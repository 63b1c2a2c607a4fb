use super::recording::{self, LineChannel, PickError};
use super::wire::{self, FolderCount};
use super::*;
use crate::protocol::{self, Element, MAX_BODY, Request};
use crate::raw::{RawConfig, RawSection};

fn block(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn detail(folder: &str, id: &str, duration: &str) -> Vec<(String, String)> {
    block(&[
        ("Event", "VoicemailBoxDetail"),
        ("Folder", folder),
        ("CallerID", "\"Bob\" <200>"),
        ("Date", "Sun Dec  6 06:20:00 AM UTC 2026"),
        ("Duration", duration),
        ("Flag", ""),
        ("ID", id),
    ])
}

#[test]
fn folders_parse_in_any_case_and_recordings_is_cust5() {
    assert_eq!(Folder::parse("inbox"), Ok(Folder::Inbox));
    assert_eq!(Folder::parse("CUST5"), Ok(Folder::Cust5));
    assert_eq!(Folder::parse("Recordings"), Ok(Folder::Cust5));
    assert!(matches!(Folder::parse("Spam"), Err(VoicemailError::BadFolder(_))));
    assert_eq!(Folder::ALL.len(), 12);
    assert_eq!(Folder::listed().count(), 11);
    assert!(Folder::listed().all(|f| f != Folder::Deleted));
}

#[test]
fn mailboxes_parse_with_the_default_context_and_refuse_header_breakers() {
    assert_eq!(Mailbox::parse("100").unwrap().to_string(), "100@default");
    assert_eq!(Mailbox::parse("100@sales").unwrap().context, "sales");
    for bad in ["", "@x", "100@", "1 0", "100\r\nAction: Logoff", "100@a/b", "a,b", "../x"] {
        assert!(Mailbox::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(Mailbox::first_of(" , 101@x & 102").unwrap().to_string(), "101@x");
}

#[test]
fn resolution_goes_line_then_endpoint_then_voicemail_conf() {
    let named = || Some(Mailbox::parse("300@other").unwrap());
    let (m, s) = resolve(Some("100@default"), Some("200@default"), named).unwrap();
    assert_eq!((m.to_string(), s), ("100@default".into(), MailboxSource::Line));
    let (m, s) = resolve(None, Some("200@default,201"), named).unwrap();
    assert_eq!((m.to_string(), s), ("200@default".into(), MailboxSource::Endpoint));
    let (m, s) = resolve(Some(" "), None, named).unwrap();
    assert_eq!((m.to_string(), s), ("300@other".into(), MailboxSource::VoicemailConf));
    assert_eq!(resolve(None, None, || None), None);
    // A typo does not fall through to another box.
    assert_eq!(resolve(Some("1 00"), Some("200"), named), None);
}

fn vm_conf(sections: &[(&str, &[&str])]) -> RawConfig {
    let section = |(name, keys): &(&str, &[&str])| {
        let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "1234,Someone")).collect();
        RawSection::of(name, &pairs)
    };
    RawConfig { sections: sections.iter().map(section).collect() }
}

#[test]
fn a_box_named_after_the_line_prefers_the_default_context() {
    let conf = vm_conf(&[
        ("general", &["100"]),
        ("sales", &["100", "101"]),
        ("default", &["100"]),
        ("zonemessages", &["102"]),
    ]);
    assert_eq!(voicemail_conf_box(&conf, "100").unwrap().to_string(), "100@default");
    assert_eq!(voicemail_conf_box(&conf, "101").unwrap().to_string(), "101@sales");
    assert_eq!(voicemail_conf_box(&conf, "102"), None);
    assert_eq!(voicemail_conf_box(&conf, "103"), None);
}

#[test]
fn box_summary_events_become_messages_and_counts() {
    let blocks = vec![
        block(&[("Response", "Success"), ("EventList", "start")]),
        detail("INBOX", "1733466000-00000000", "7"),
        detail("Cust5", "1733466001-00000001", "12"),
        detail("INBOX", "", "3"),
        detail("Nowhere", "1733466002-00000002", "3"),
        block(&[("Event", "VoicemailBoxDetailComplete")]),
    ];
    let messages = messages_from_blocks(&blocks);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].duration, 7);
    assert_eq!(messages[0].callerid, "\"Bob\" <200>");
    assert_eq!(messages[1].folder, Folder::Cust5);
    let counts = count_by_folder(&messages);
    assert_eq!(counts[&Folder::Inbox], 1);
    assert_eq!(counts[&Folder::Old], 0);
    assert_eq!(counts.len(), 12);
}

#[test]
fn message_ids_refuse_anything_that_could_split_a_header() {
    assert!(check_message_id("1733466000-0000000a").is_ok());
    for bad in ["", "a b", "x\r\nAction: Logoff", "a:b", &"1".repeat(65)] {
        assert!(check_message_id(bad).is_err(), "{bad:?}");
    }
}

fn messages(n: usize) -> Vec<Message> {
    (0..n)
        .map(|i| Message {
            id: format!("17334660{i:02}-{i:08x}"),
            folder: Folder::Inbox,
            callerid: format!("\"Caller number {i}\" <{i:04}>"),
            date: "Sun Dec  6 06:20:00 AM UTC 2026".into(),
            duration: i as u32,
            flag: String::new(),
        })
        .collect()
}

#[test]
fn message_lists_page_to_fit_one_body_and_read_back() {
    let all = messages(20);
    let mut offset = 0;
    let mut seen = Vec::new();
    loop {
        let reply = wire::messages_reply("r1", wire::MESSAGES, &all, offset);
        let xml = reply.to_xml();
        assert!(xml.len() <= MAX_BODY, "{} bytes", xml.len());
        let protocol::Message::Response(parsed) = protocol::parse(&xml).unwrap() else {
            panic!("not a response")
        };
        let (page, more) = wire::read_messages(parsed.result.as_ref().unwrap());
        assert!(!page.is_empty());
        seen.extend(page);
        match more {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(seen, all);
    // An offset past the end is an empty page, not an error.
    let empty = wire::messages_reply("r2", wire::MESSAGES, &all, 99);
    let protocol::Message::Response(parsed) = protocol::parse(&empty.to_xml()).unwrap() else {
        panic!()
    };
    assert_eq!(wire::read_messages(parsed.result.as_ref().unwrap()), (vec![], None));
}

#[test]
fn folder_replies_fit_and_read_back() {
    let folders: Vec<FolderCount> = Folder::listed()
        .map(|f| FolderCount { folder: f, label: f.default_label().into(), count: 3 })
        .collect();
    let mailbox = Mailbox::parse("100@default").unwrap();
    let xml = wire::folders_reply("f1", wire::FOLDERS, &mailbox, &folders).to_xml();
    assert!(xml.len() <= MAX_BODY);
    let protocol::Message::Response(parsed) = protocol::parse(&xml).unwrap() else { panic!() };
    assert_eq!(wire::read_folders(parsed.result.as_ref().unwrap()), folders);
}

#[test]
fn request_parameters_are_checked() {
    let req = Request::new("1", wire::MOVE).with_param("id", "a-1").with_param("folder", "work");
    assert_eq!(wire::message_id(&req), Ok("a-1"));
    assert_eq!(wire::folder(&req, "folder"), Ok(Folder::Work));
    assert_eq!(wire::folder(&req, "to"), Err(VoicemailError::Missing("to")));
    let bad = Request::new("1", wire::PLAY).with_param("mode", "stream").with_param("offset", "x");
    assert!(matches!(wire::play_mode(&bad), Err(VoicemailError::BadPlayMode(_))));
    assert!(matches!(wire::offset(&bad), Err(VoicemailError::BadNumber(_))));
    let plain = Request::new("1", wire::PLAY);
    assert_eq!(wire::play_mode(&plain), Ok(wire::PlayMode::Call));
    assert_eq!(wire::mailbox(&plain), Ok(None));
    assert_eq!(wire::call_id(&plain), Ok(None));
    let spaced = Request::new("1", wire::RECORD_START).with_param("callid", "a b");
    assert!(wire::call_id(&spaced).is_err());
}

fn channel(name: &str, bridged: bool) -> LineChannel {
    LineChannel { name: name.into(), uniqueid: format!("u-{name}"), bridged, up: true }
}

#[test]
fn line_channels_match_the_endpoint_and_not_its_prefix_twins() {
    let show = |name: &str, bridge: &str| {
        block(&[
            ("Event", "CoreShowChannel"),
            ("Channel", name),
            ("Uniqueid", "1.1"),
            ("ChannelStateDesc", "Up"),
            ("BridgeId", bridge),
        ])
    };
    let blocks = vec![
        show("PJSIP/100-00000001", "b1"),
        show("PJSIP/1000-00000002", ""),
        show("Local/100@x-0001;1", ""),
        block(&[("Event", "CoreShowChannelsComplete")]),
    ];
    let found = recording::line_channels(&blocks, "100");
    assert_eq!(found.len(), 1);
    assert!(found[0].bridged && found[0].up);
}

#[test]
fn the_call_to_record_is_the_one_named_or_the_only_connected_one() {
    let none: Vec<LineChannel> = vec![];
    assert_eq!(recording::pick(&none, None, |_| None), Err(PickError::NoCall));
    let two = vec![channel("PJSIP/100-1", true), channel("PJSIP/100-2", false)];
    assert_eq!(recording::pick(&two, None, |_| None).unwrap().name, "PJSIP/100-1");
    let by_id = recording::pick(&two, Some("cid-2"), |c| Some(format!("cid-{}", &c.name[10..])));
    assert_eq!(by_id.unwrap().name, "PJSIP/100-2");
    assert_eq!(recording::pick(&two, Some("nope"), |_| None), Err(PickError::NoSuchCall));
    let both = vec![channel("PJSIP/100-1", true), channel("PJSIP/100-2", true)];
    assert_eq!(recording::pick(&both, None, |_| None), Err(PickError::Ambiguous(2)));
}

#[test]
fn recordings_go_to_cust5_under_files_of_their_own() {
    let mailbox = Mailbox::parse("100@default").unwrap();
    assert_eq!(
        recording::mixmonitor_options(&mailbox),
        "i(DIGIUM_PHONES_MIXMON_ID)m(100@default/Cust5)"
    );
    let a = recording::recording_file("100", "1733466000.12", 1);
    let b = recording::recording_file("100", "1733466000.12", 2);
    assert_ne!(a, b);
    assert!(a.ends_with(".wav") && !a.contains('/'));
}

#[test]
fn result_helper_reads_elements() {
    let reply = wire::message_reply("1", wire::MOVE, "a-1", Some(Folder::Old));
    let xml = reply.to_xml();
    let protocol::Message::Response(parsed) = protocol::parse(&xml).unwrap() else { panic!() };
    let result: &[Element] = parsed.result.as_ref().unwrap();
    assert_eq!(result[0].get("folder"), Some("Old"));
}

#[test]
fn show_lists_each_line_its_source_and_counts() {
    use super::show::{ShowLine, render};
    let mut counts = std::collections::BTreeMap::new();
    counts.insert(Folder::Inbox, 2);
    let lines = vec![
        ShowLine {
            line: "100".into(),
            mailbox: Some((Mailbox::parse("100@default").unwrap(), MailboxSource::Endpoint)),
            voicemail_uri: false,
            counts: Ok(counts),
        },
        ShowLine {
            line: "101".into(),
            mailbox: None,
            voicemail_uri: false,
            counts: Ok(Default::default()),
        },
        ShowLine {
            line: "102".into(),
            mailbox: Some((Mailbox::parse("102").unwrap(), MailboxSource::Line)),
            voicemail_uri: false,
            counts: Err("app_voicemail is not loaded".into()),
        },
    ];
    let text = render("alice", &lines);
    assert!(text.contains("Line 100: mailbox 100@default (from endpoint mailboxes)"), "{text}");
    assert!(text.contains("INBOX=2 Old=0"), "{text}");
    assert!(!text.contains("Deleted="), "{text}");
    assert!(text.contains("Line 101: no mailbox"), "{text}");
    assert!(text.contains("messages unavailable: app_voicemail is not loaded"), "{text}");
}

/// The replies as phones get them, against tests/golden/voicemail/ (`UPDATE_GOLDEN=1` rewrites
/// them), each read back.
#[test]
fn replies_match_their_golden_files_and_read_back() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/voicemail");
    let mailbox = Mailbox::parse("100@default").unwrap();
    let folders: Vec<FolderCount> = Folder::listed()
        .map(|f| FolderCount {
            folder: f,
            label: if f == Folder::Inbox {
                "Eingang & <Neu>".into()
            } else {
                f.default_label().into()
            },
            count: usize::from(f == Folder::Inbox) * 2,
        })
        .collect();
    let mut hostile = messages(3);
    hostile[0].callerid = "\"O'Brien & Sons\" <200>".into();
    hostile[1].flag = "Urgent".into();
    let cases = [
        ("folders.xml", wire::folders_reply("f1", wire::FOLDERS, &mailbox, &folders)),
        ("messages.xml", wire::messages_reply("m1", wire::MESSAGES, &hostile, 0)),
        ("messages-paged.xml", wire::messages_reply("m2", wire::MESSAGES, &messages(20), 0)),
        (
            "moved.xml",
            wire::message_reply("v1", wire::MOVE, "1733466000-0000000a", Some(Folder::Work)),
        ),
    ];
    for (name, reply) in cases {
        let xml = reply.to_xml();
        let path = dir.join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, format!("{xml}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(expected.trim_end(), xml, "{name}");
        let protocol::Message::Response(parsed) = protocol::parse(expected.trim_end()).unwrap()
        else {
            panic!("{name}: not a response")
        };
        let result = parsed.result.as_ref().unwrap();
        match name {
            "folders.xml" => assert_eq!(wire::read_folders(result), folders),
            "messages.xml" => assert_eq!(wire::read_messages(result), (hostile.clone(), None)),
            "messages-paged.xml" => {
                let (page, more) = wire::read_messages(result);
                assert_eq!(more, Some(page.len()));
                assert!(expected.len() <= MAX_BODY);
            }
            _ => assert_eq!(result[0].get("folder"), Some("Work")),
        }
    }
}
