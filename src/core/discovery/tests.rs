use super::dns::{CLASS_IN, TYPE_A, TYPE_ANY, TYPE_PTR, TYPE_SRV, TYPE_TXT, parse};
use super::*;
use crate::model::build;
use crate::raw::RawConfig;

fn model(sections: &[(&str, &[(&str, &str)])]) -> Model {
    let raw = RawConfig::of(sections);
    let built = build(&raw, None);
    assert_eq!(built.errors(), 0, "{:?}", built.findings);
    built.model
}

fn advert() -> Advert {
    plan(&model(&[("general", &[("mdns_address", "192.0.2.10")])]), "pbx").unwrap()
}

fn name(text: &str) -> Name {
    Name::from_dotted(text).unwrap()
}

fn query(questions: &[(Name, u16)]) -> Message {
    Message::query(questions.iter().map(|(n, t)| Question::new(n.clone(), *t)).collect())
}

fn instance() -> Name {
    instance_name(dns::truncate_utf8(DEFAULT_SERVICE_NAME, 63))
}

#[test]
fn plans_from_mdns_options_with_the_documented_defaults() {
    let a = advert();
    assert_eq!(a.instance, "Digium Phones Config Server");
    assert_eq!(a.host, "pbx.local");
    assert_eq!(a.address, Ipv4Addr::new(192, 0, 2, 10));
    assert_eq!((a.port, a.transport), (5060, "udp"));
    assert_eq!(a.sip_url(), "sip:proxy@192.0.2.10:5060;transport=udp");
    assert_eq!(a.txt, ["sipUrl=sip:proxy@192.0.2.10:5060;transport=udp", "serviceType=asterisk"]);
    let m = model(&[(
        "general",
        &[
            ("mdns_address", " 10.1.2.3 "),
            ("mdns_port", "5070"),
            ("mdns_transport", "tcp"),
            ("service_name", "Office PBX"),
            ("registration_address", "10.9.9.9"),
            ("registration_port", "5080"),
        ],
    )]);
    let a = plan(&m, "pbx").unwrap();
    assert_eq!(a.sip_url(), "sip:proxy@10.1.2.3:5070;transport=tcp");
    assert_eq!(a.instance, "Office PBX");
}

#[test]
fn falls_back_to_the_registration_options_of_a_network() {
    // [general]'s own network options (DPMA 1.x) come first.
    let m = model(&[
        ("general", &[("registration_address", "10.0.0.5"), ("registration_port", "5061")]),
        ("lan", &[("type", "network"), ("registration_address", "10.0.0.6"), ("transport", "tcp")]),
    ]);
    assert_eq!(plan(&m, "pbx").unwrap().sip_url(), "sip:proxy@10.0.0.5:5061;transport=udp");
    // Else the first network section that names an address, with its port and transport.
    let m = model(&[
        ("general", &[("service_name", "x")]),
        ("wan", &[("type", "network"), ("registration_port", "5090")]),
        (
            "lan",
            &[
                ("type", "network"),
                ("registration_address", "10.0.0.6"),
                ("registration_port", "5062"),
                ("transport", "tcp"),
            ],
        ),
    ]);
    assert_eq!(plan(&m, "pbx").unwrap().sip_url(), "sip:proxy@10.0.0.6:5062;transport=tcp");
    // mdns_address with a network that has none: that network still gives port and transport.
    let m = model(&[(
        "general",
        &[("mdns_address", "10.0.0.7"), ("registration_port", "5063"), ("transport", "tls")],
    )]);
    assert_eq!(plan(&m, "pbx").unwrap().sip_url(), "sip:proxy@10.0.0.7:5063;transport=tls");
}

#[test]
fn explains_why_nothing_is_advertised() {
    let off =
        model(&[("general", &[("service_discovery_enabled", "no"), ("mdns_address", "10.0.0.1")])]);
    assert_eq!(plan(&off, "pbx"), Err(NotAdvertised::Disabled));
    assert_eq!(plan(&model(&[("general", &[])]), "pbx"), Err(NotAdvertised::NoAddress));
    assert_eq!(plan(&Model::default(), "pbx"), Err(NotAdvertised::NoAddress));
    let named = model(&[("lan", &[("type", "network"), ("registration_address", "pbx.lan")])]);
    let why = plan(&named, "pbx").unwrap_err();
    assert_eq!(
        why,
        NotAdvertised::NotAnAddress {
            option: "registration_address in [lan]".into(),
            value: "pbx.lan".into()
        }
    );
    assert!(why.to_string().contains("set mdns_address in [general]"), "{why}");
    for bad in ["0.0.0.0", "224.0.0.251", "255.255.255.255", "::1"] {
        let m = Model {
            general: General { mdns_address: Some(bad.into()), ..General::default() },
            ..Model::default()
        };
        assert!(matches!(plan(&m, "pbx"), Err(NotAdvertised::NotAnAddress { .. })), "{bad}");
    }
    assert!(NotAdvertised::NoAddress.to_string().contains("mdns_address"));
}

use crate::model::General;

#[test]
fn instance_names_keep_utf8_and_fit_one_label() {
    let long = format!("Zentrale {}", "ü".repeat(40));
    let m = model(&[("general", &[("mdns_address", "10.0.0.1"), ("service_name", &long)])]);
    let a = plan(&m, "pbx").unwrap();
    assert!(a.instance.len() <= 63 && a.instance.len() >= 62, "{}", a.instance.len());
    assert!(long.starts_with(&a.instance));
    assert_eq!(instance_label("  Front desk.\u{7}  "), "Front desk.");
    assert_eq!(instance_label("\t"), DEFAULT_SERVICE_NAME);
    // The label with its dot and UTF-8 survives the wire.
    let a = Advert { instance: "Büro 2.OG".into(), ..advert() };
    let reply = a.answers(&query(&[(name(SERVICE), TYPE_PTR)])).unwrap();
    let mut browser = Browser::new();
    browser.add(&parse(&reply).unwrap());
    assert_eq!(browser.servers()[0].instance, "Büro 2.OG");
}

#[test]
fn host_labels_are_made_valid() {
    assert_eq!(host_label_of("pbx-digium-phones"), "pbx-digium-phones");
    assert_eq!(host_label_of("my_pbx.example"), "my-pbx-example");
    assert_eq!(host_label_of("-ü-"), "asterisk-digium-phones");
    assert_eq!(host_label_of(&"a".repeat(80)).len(), 63);
}

#[test]
fn answers_a_ptr_query_with_everything_a_phone_needs() {
    let a = advert();
    let reply = parse(&a.answers(&query(&[(name(SERVICE), TYPE_PTR)])).unwrap()).unwrap();
    assert_eq!((reply.id, reply.flags), (0, dns::FLAG_QR | dns::FLAG_AA));
    assert!(reply.questions.is_empty());
    assert_eq!(reply.answers.len(), 1);
    let ptr = &reply.answers[0];
    assert_eq!((ptr.name.clone(), ptr.ttl, ptr.cache_flush), (name(SERVICE), TTL_OTHER, false));
    assert_eq!(ptr.data, RData::Ptr(instance()));
    let types: Vec<(u16, u32, bool)> =
        reply.additionals.iter().map(|r| (r.rtype(), r.ttl, r.cache_flush)).collect();
    assert_eq!(
        types,
        [(TYPE_SRV, TTL_HOST, true), (TYPE_TXT, TTL_OTHER, true), (TYPE_A, TTL_HOST, true)]
    );
    assert_eq!(
        reply.additionals[0].data,
        RData::Srv { priority: 0, weight: 0, port: 5060, target: name("pbx.local") }
    );
    assert_eq!(reply.additionals[2].name, name("pbx.local"));
    assert_eq!(reply.additionals[2].data, RData::A(a.address));
    assert!(reply.records().all(|r| r.class == CLASS_IN));
}

#[test]
fn answers_each_kind_of_question_about_us() {
    let a = advert();
    let types = |q: Message| -> (Vec<u16>, Vec<u16>) {
        let reply = parse(&a.answers(&q).unwrap()).unwrap();
        (
            reply.answers.iter().map(Record::rtype).collect(),
            reply.additionals.iter().map(Record::rtype).collect(),
        )
    };
    assert_eq!(types(query(&[(name(SERVICES_META), TYPE_PTR)])), (vec![TYPE_PTR], vec![]));
    assert_eq!(types(query(&[(instance(), TYPE_SRV)])), (vec![TYPE_SRV], vec![TYPE_A]));
    assert_eq!(types(query(&[(instance(), TYPE_TXT)])), (vec![TYPE_TXT], vec![]));
    assert_eq!(types(query(&[(instance(), TYPE_ANY)])), (vec![TYPE_SRV, TYPE_TXT], vec![TYPE_A]));
    assert_eq!(types(query(&[(name("PBX.local"), TYPE_A)])), (vec![TYPE_A], vec![]));
    assert_eq!(types(query(&[(name("pbx.local"), TYPE_ANY)])), (vec![TYPE_A], vec![]));
    // Several questions: one answer each, additionals not repeated.
    assert_eq!(
        types(query(&[
            (name(SERVICE), TYPE_PTR),
            (instance(), TYPE_SRV),
            (name(SERVICE), TYPE_ANY)
        ])),
        (vec![TYPE_PTR, TYPE_SRV], vec![TYPE_TXT, TYPE_A])
    );
    // The meta-query answer points at our service type.
    let reply = parse(&a.answers(&query(&[(name(SERVICES_META), TYPE_PTR)])).unwrap()).unwrap();
    assert_eq!(reply.answers[0].data, RData::Ptr(name(SERVICE)));
}

#[test]
fn ignores_what_is_not_about_us() {
    let a = advert();
    for q in [
        query(&[(name("_http._tcp.local"), TYPE_PTR)]),
        query(&[(name(SERVICE), TYPE_SRV)]),
        query(&[(instance(), TYPE_A)]),
        query(&[(name("pbx.local"), dns::TYPE_AAAA)]),
        query(&[(name("other.local"), TYPE_A)]),
        query(&[]),
    ] {
        assert_eq!(a.answers(&q), None, "{q:?}");
    }
    // Our own announcement, looping back, is a response.
    assert_eq!(a.answers(&parse(&a.announcement()).unwrap()), None);
    let mut q = query(&[(name(SERVICE), TYPE_PTR)]);
    q.flags = 1 << 11;
    assert_eq!(a.answers(&q), None, "opcode 1");
    let mut q = query(&[(name(SERVICE), TYPE_PTR)]);
    q.questions[0].qclass = 3;
    assert_eq!(a.answers(&q), None, "class CH");
}

#[test]
fn suppresses_answers_the_querier_already_knows() {
    let a = advert();
    let mut q = query(&[(name(SERVICE), TYPE_PTR)]);
    q.answers.push(Record { ttl: TTL_OTHER / 2, ..a.ptr() });
    assert_eq!(a.answers(&q), None);
    // Half the TTL gone: answer again.
    q.answers[0].ttl = TTL_OTHER / 2 - 1;
    assert!(a.answers(&q).is_some());
    // A known answer naming another instance does not matter.
    let mut q = query(&[(name(SERVICE), TYPE_PTR)]);
    let other = instance_name("Other");
    q.answers.push(Record::new(name(SERVICE), TTL_OTHER, false, RData::Ptr(other)));
    assert!(a.answers(&q).is_some());
}

#[test]
fn legacy_unicast_answers_look_like_plain_dns() {
    let a = advert();
    let mut q = query(&[(name(SERVICE), TYPE_PTR)]);
    q.id = 0x1234;
    q.questions[0].unicast_response = true;
    let reply = parse(&a.legacy_answers(&q).unwrap()).unwrap();
    assert_eq!(reply.id, 0x1234);
    assert!(reply.is_response());
    assert_eq!(reply.questions, vec![Question::new(name(SERVICE), TYPE_PTR)]);
    assert_eq!(reply.answers.len(), 1);
    assert_eq!(reply.additionals.len(), 3);
    assert!(reply.records().all(|r| !r.cache_flush && r.ttl == TTL_LEGACY_MAX));
    assert_eq!(a.legacy_answers(&query(&[(name("x.local"), TYPE_A)])), None);
}

#[test]
fn announces_and_says_goodbye_with_the_same_records() {
    let a = advert();
    let hello = parse(&a.announcement()).unwrap();
    let bye = parse(&a.goodbye()).unwrap();
    assert!(hello.is_response() && bye.is_response() && hello.id == 0);
    let types: Vec<u16> = hello.answers.iter().map(Record::rtype).collect();
    assert_eq!(types, [TYPE_PTR, TYPE_SRV, TYPE_TXT, TYPE_A]);
    assert_eq!(hello.answers.iter().map(|r| r.ttl).collect::<Vec<_>>(), [4500, 120, 4500, 120]);
    assert_eq!(hello.answers.len(), bye.answers.len());
    for (h, b) in hello.answers.iter().zip(&bye.answers) {
        assert!(h.same_record(b) && h.cache_flush == b.cache_flush);
        assert_eq!(b.ttl, 0);
    }
    // A browser that saw the announcement forgets the server on goodbye.
    let mut browser = Browser::new();
    browser.add(&hello);
    assert_eq!(browser.servers().len(), 1);
    browser.add(&bye);
    assert!(browser.servers().is_empty());
}

#[test]
fn query_answer_parse_back_agree_end_to_end() {
    let a = Advert { instance: "Front Desk".into(), port: 5070, ..advert() };
    let a =
        Advert { txt: vec![format!("sipUrl={}", a.sip_url()), "serviceType=asterisk".into()], ..a };
    let q = parse(&Browser::query(true)).unwrap();
    assert!(q.questions[0].unicast_response);
    let reply = parse(&a.answers(&q).unwrap()).unwrap();
    let mut browser = Browser::new();
    browser.add(&reply);
    assert_eq!(browser.follow_up(), None);
    assert_eq!(
        browser.servers(),
        [Discovered {
            instance: "Front Desk".into(),
            sip_url: "sip:proxy@192.0.2.10:5070;transport=udp".into(),
            service_type: Some("asterisk".into()),
        }]
    );
    // The records themselves agree with the advert.
    let inst = instance_name("Front Desk");
    assert_eq!(reply.answers[0].data, RData::Ptr(inst.clone()));
    let srv = reply.additionals.iter().find(|r| r.rtype() == TYPE_SRV).unwrap();
    assert_eq!(srv.name, inst);
    let RData::Srv { port, target, .. } = &srv.data else { panic!() };
    assert_eq!(*port, 5070);
    let a_record = reply.additionals.iter().find(|r| r.name == *target).unwrap();
    assert_eq!(a_record.data, RData::A(a.address));
}

#[test]
fn every_built_packet_reads_back() {
    let a = Advert { instance: "x".repeat(63), ..advert() };
    for packet in [a.announcement(), a.goodbye(), Browser::query(false)] {
        let m = parse(&packet).unwrap();
        assert_eq!(m.to_bytes(), packet);
    }
    for q in [
        query(&[(name(SERVICE), TYPE_PTR)]),
        query(&[(name(SERVICES_META), TYPE_PTR)]),
        query(&[(instance_name(&a.instance), TYPE_ANY)]),
        query(&[(name("pbx.local"), TYPE_A)]),
    ] {
        for packet in [a.answers(&q).unwrap(), a.legacy_answers(&q).unwrap()] {
            assert_eq!(parse(&packet).unwrap().to_bytes(), packet);
        }
    }
}

#[test]
fn a_browser_asks_again_when_a_ptr_comes_alone() {
    let a = advert();
    let mut browser = Browser::new();
    browser.add(&Message::response(vec![a.ptr()], vec![]));
    assert!(browser.servers().is_empty());
    let follow = parse(&browser.follow_up().unwrap()).unwrap();
    let asked: Vec<u16> = follow.questions.iter().map(|q| q.qtype).collect();
    assert_eq!(asked, [TYPE_TXT, TYPE_SRV]);
    // Our responder answers that follow-up.
    browser.add(&parse(&a.answers(&follow).unwrap()).unwrap());
    assert_eq!(browser.servers()[0].sip_url, a.sip_url());
}

#[test]
fn a_browser_makes_a_url_from_srv_and_a_without_txt() {
    let a = advert();
    let mut browser = Browser::new();
    browser.add(&Message::response(vec![a.ptr(), a.srv()], vec![]));
    let follow = parse(&browser.follow_up().unwrap()).unwrap();
    assert_eq!(follow.questions[0], Question::new(name("pbx.local"), TYPE_A));
    browser.add(&Message::response(vec![a.a()], vec![]));
    assert_eq!(browser.servers()[0].sip_url, "sip:proxy@192.0.2.10:5060");
    assert_eq!(browser.servers()[0].service_type, None);
    // Queries and records of other services are ignored.
    browser.add(&query(&[(name(SERVICE), TYPE_PTR)]));
    let other = Name::new(["Printer", "_ipp", "_tcp", "local"]).unwrap();
    browser.add(&Message::response(
        vec![Record::new(name(SERVICE), 10, false, RData::Ptr(other))],
        vec![],
    ));
    assert_eq!(browser.servers().len(), 1);
}

#[test]
fn a_browser_keeps_a_bounded_number_of_records() {
    let mut browser = Browser::new();
    let records: Vec<Record> = (0..2000)
        .map(|i| {
            let n = Name::new([format!("s{i}").as_str(), "_digiumproxy", "_udp", "local"]).unwrap();
            Record::new(name(SERVICE), 10, false, RData::Ptr(n))
        })
        .collect();
    browser.add(&Message::response(records, vec![]));
    assert_eq!(browser.records.len(), Browser::MAX_RECORDS);
}
