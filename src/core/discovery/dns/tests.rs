use super::*;

fn name(text: &str) -> Name {
    Name::from_dotted(text).unwrap()
}

fn sample() -> Message {
    let service = name("_digiumproxy._udp.local");
    let instance = Name::new(["Front desk. Büro", "_digiumproxy", "_udp", "local"]).unwrap();
    let host = name("pbx.local");
    Message {
        id: 7,
        flags: FLAG_QR | FLAG_AA,
        questions: vec![Question {
            name: service.clone(),
            qtype: TYPE_PTR,
            qclass: CLASS_IN,
            unicast_response: true,
        }],
        answers: vec![Record::new(service, 4500, false, RData::Ptr(instance.clone()))],
        authorities: vec![Record::new(
            instance.clone(),
            120,
            false,
            RData::Other { rtype: 47, data: vec![0xc0, 0x0c, 0, 1, 0x40] },
        )],
        additionals: vec![
            Record::new(
                instance.clone(),
                120,
                true,
                RData::Srv { priority: 0, weight: 0, port: 5060, target: host.clone() },
            ),
            Record::new(
                instance,
                4500,
                true,
                RData::Txt(vec![b"sipUrl=sip:proxy@10.0.0.1:5060".to_vec(), b"x".to_vec()]),
            ),
            Record::new(host.clone(), 120, true, RData::A(Ipv4Addr::new(10, 0, 0, 1))),
            Record::new(host, 120, true, RData::Aaaa(Ipv6Addr::LOCALHOST)),
        ],
    }
}

#[test]
fn round_trips_every_section_and_type() {
    let message = sample();
    let bytes = message.to_bytes();
    assert_eq!(parse(&bytes).unwrap(), message);
    assert!(message.is_response());
    assert_eq!((message.opcode(), message.rcode()), (0, 0));
}

#[test]
fn compresses_repeated_names() {
    let bytes = sample().to_bytes();
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    // The service name is written once, right after the header, and so is the instance label.
    assert_eq!(count(b"\x0c_digiumproxy"), 1);
    assert_eq!(count("Front desk. Büro".as_bytes()), 1);
    assert_eq!(count(b"\x03pbx"), 1);
}

#[test]
fn reads_the_qu_and_cache_flush_bits() {
    let bytes = sample().to_bytes();
    // The question's class, after the header, its name and its type.
    let at = 12 + name("_digiumproxy._udp.local").wire_len() + 2;
    assert_eq!(&bytes[at..at + 2], &[0x80, 0x01]);
    let message = parse(&bytes).unwrap();
    assert!(message.questions[0].unicast_response);
    assert_eq!(message.questions[0].qclass, CLASS_IN);
    assert!(!message.answers[0].cache_flush);
    assert!(message.additionals.iter().all(|r| r.cache_flush && r.class == CLASS_IN));
}

#[test]
fn builds_queries_and_responses_as_rfc_6762_wants() {
    let q = Message::query(vec![Question::new(name("_digiumproxy._udp.local"), TYPE_PTR)]);
    let bytes = q.to_bytes();
    assert_eq!(&bytes[..12], &[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert!(!parse(&bytes).unwrap().questions[0].unicast_response);
    let r = Message::response(vec![], vec![]);
    assert_eq!(&r.to_bytes()[..4], &[0, 0, 0x84, 0]);
}

#[test]
fn names_compare_without_ascii_case_and_keep_dots_in_labels() {
    assert_eq!(name("_DigiumProxy._UDP.local."), name("_digiumproxy._udp.local"));
    assert_ne!(name("a.b"), name("a.b.c"));
    let instance = Name::new(["a.b", "local"]).unwrap();
    assert_ne!(instance, name("a.b.local"));
    assert_eq!(instance.to_string(), "a\\.b.local");
    assert_eq!(Name::root().to_string(), ".");
    assert_eq!(instance.parent(), name("local"));
    assert_eq!(instance.first_label(), Some(&b"a.b"[..]));
}

#[test]
fn refuses_invalid_names() {
    assert!(Name::from_dotted("a..b").is_err());
    assert!(Name::new(["x".repeat(64)]).is_err());
    assert!(Name::new(vec!["x".repeat(63); 4]).is_err());
    assert!(Name::new(vec!["x".repeat(63); 3]).is_ok());
}

#[test]
fn lossy_names_are_always_valid() {
    let long = "é".repeat(40);
    let n = Name::lossy([long.as_str(), "", "local"]);
    let labels: Vec<&[u8]> = n.labels().collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0].len(), 62);
    assert!(std::str::from_utf8(labels[0]).is_ok());
    let many = vec!["abcdefgh"; 40];
    let n = Name::lossy(many.iter().copied().chain(["local"]));
    assert!(n.wire_len() <= MAX_NAME);
    assert_eq!(n.labels().last(), Some(&b"local"[..]));
}

#[test]
fn truncates_utf8_at_a_boundary() {
    assert_eq!(truncate_utf8("abc", 5), "abc");
    assert_eq!(truncate_utf8("aé", 2), "a");
    assert_eq!(truncate_utf8("aé", 3), "aé");
}

#[test]
fn cuts_long_txt_strings_when_writing() {
    let r = Record::new(name("x.local"), 1, false, RData::Txt(vec![vec![b'a'; 300], vec![]]));
    let bytes = Message::response(vec![r], vec![]).to_bytes();
    let RData::Txt(strings) = &parse(&bytes).unwrap().answers[0].data else { panic!() };
    assert_eq!(strings[0].len(), 255);
    assert!(strings[1].is_empty());
    let empty = Record::new(name("x.local"), 1, false, RData::Txt(vec![]));
    let bytes = Message::response(vec![empty.clone()], vec![]).to_bytes();
    assert_eq!(&bytes[bytes.len() - 3..], &[0, 1, 0], "one empty string");
    assert_eq!(parse(&bytes).unwrap().answers[0], empty);
}

/// Header with the given counts, then `body`.
fn packet(counts: [u16; 4], body: &[u8]) -> Vec<u8> {
    let mut p = vec![0, 0, 0x84, 0];
    for c in counts {
        p.extend_from_slice(&c.to_be_bytes());
    }
    p.extend_from_slice(body);
    p
}

#[test]
fn refuses_compression_loops() {
    // A name that points at itself.
    let p = packet([1, 0, 0, 0], &[0xc0, 12, 0, 12, 0, 1]);
    assert_eq!(parse(&p), Err(DnsError::BadPointer(12)));
    // Two names pointing at each other: the second is fine (points back), the first is not.
    let p = packet([2, 0, 0, 0], &[0xc0, 18, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(parse(&p), Err(DnsError::BadPointer(12)));
    // A label followed by a pointer back to the start of its own name.
    let p = packet([1, 0, 0, 0], &[1, b'a', 0xc0, 12, 0, 12, 0, 1]);
    assert_eq!(parse(&p), Err(DnsError::BadPointer(14)));
}

#[test]
fn follows_pointer_chains_backwards() {
    // "a" at 12, "b.<a>" at 15, then a question naming "c.<b.a>".
    let p = packet(
        [3, 0, 0, 0],
        &[
            1, b'a', 0, 0, 1, 0, 1, //
            1, b'b', 0xc0, 12, 0, 1, 0, 1, //
            1, b'c', 0xc0, 19, 0, 1, 0, 1,
        ],
    );
    let m = parse(&p).unwrap();
    assert_eq!(m.questions[2].name, name("c.b.a"));
}

#[test]
fn refuses_names_over_255_bytes() {
    let mut body = Vec::new();
    for _ in 0..5 {
        body.push(63);
        body.extend_from_slice(&[b'x'; 63]);
    }
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(parse(&packet([1, 0, 0, 0], &body)), Err(DnsError::NameTooLong));
}

#[test]
fn refuses_bad_label_types_and_bad_rdata() {
    assert!(matches!(
        parse(&packet([1, 0, 0, 0], &[0x40, 0, 1, 0, 1])),
        Err(DnsError::BadLabel(..))
    ));
    // An A record with 3 bytes of data.
    let a = [0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 1, 2, 3];
    assert_eq!(parse(&packet([0, 1, 0, 0], &a)), Err(DnsError::BadRdata("A")));
    // A TXT string longer than the record data.
    let txt = [0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, b'a'];
    assert_eq!(parse(&packet([0, 1, 0, 0], &txt)), Err(DnsError::BadRdata("TXT")));
    // A PTR whose name runs past its record data.
    let ptr = [0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 1, b'a', 0];
    assert_eq!(parse(&packet([0, 1, 0, 0], &ptr)), Err(DnsError::BadRdata("PTR")));
    // Counts larger than the message.
    assert_eq!(parse(&packet([0, 1000, 0, 0], &[])), Err(DnsError::Truncated("a name")));
    assert_eq!(parse(&[0; 11]), Err(DnsError::Truncated("the header")));
}

#[test]
fn ignores_trailing_bytes_and_keeps_unknown_types() {
    let mut p = packet([0, 1, 0, 0], &[0, 0, 41, 0x05, 0xa0, 0, 0, 0, 0, 0, 1, 9]);
    p.extend_from_slice(&[1, 2, 3]);
    let m = parse(&p).unwrap();
    assert_eq!(m.answers[0].data, RData::Other { rtype: 41, data: vec![9] });
    assert_eq!(m.answers[0].class, 0x05a0);
}

/// A tiny deterministic generator, so the mutation test needs no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn never_panics_on_truncated_or_mutated_packets() {
    let valid = [sample().to_bytes(), {
        let mut m = sample();
        m.id = 0;
        m.questions.clear();
        m.to_bytes()
    }];
    for bytes in &valid {
        for end in 0..bytes.len() {
            let _ = parse(&bytes[..end]);
        }
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() as usize) % mutated.len();
                mutated[at] = match rng.next() % 4 {
                    0 => rng.next() as u8,
                    1 => 0xc0 | (rng.next() as u8 & 0x3f),
                    2 => 0xff,
                    _ => 0,
                };
            }
            let cut = mutated.len() - (rng.next() as usize) % 8;
            if let Ok(m) = parse(&mutated[..cut]) {
                // Whatever parses must write and read back to the same message.
                assert_eq!(parse(&m.to_bytes()).as_ref(), Ok(&m));
            }
        }
    }
}
