//! `mdns_packet`: a datagram from the LAN through `discovery::dns::parse`, then through what reads
//! parsed packets: the responder's answers and the phone-side browser.

use std::net::Ipv4Addr;

use digium_phones_core::discovery::dns;
use digium_phones_core::discovery::{Advert, Browser, SERVICE_TYPE};

pub fn mdns_packet(data: &[u8]) {
    let Ok(message) = dns::parse(data) else { return };

    // Written and read again: the same message, and (names keep their case) the same bytes.
    let bytes = message.to_bytes();
    let again = dns::parse(&bytes).expect("a written message reads back");
    assert_eq!(again, message);
    assert_eq!(again.to_bytes(), bytes);

    let advert = advert();
    if let Some(reply) = advert.answers(&message) {
        let reply = dns::parse(&reply).expect("an answer reads back");
        assert!(reply.is_response() && !reply.answers.is_empty());
        assert_eq!(reply.id, 0);
    }
    if let Some(reply) = advert.legacy_answers(&message) {
        let reply = dns::parse(&reply).expect("a legacy answer reads back");
        assert!(reply.is_response() && !reply.answers.is_empty());
        // RFC 6762 §6.7: the query's id and questions, short TTLs, no cache-flush.
        assert_eq!(reply.id, message.id);
        assert_eq!(reply.questions.len(), message.questions.len());
        assert!(reply.records().all(|r| r.ttl <= 10 && !r.cache_flush));
    }

    // Twice: records seen again replace the ones kept.
    let mut browser = Browser::new();
    browser.add(&message);
    browser.add(&message);
    for server in browser.servers() {
        assert!(!server.sip_url.is_empty());
    }
    if let Some(query) = browser.follow_up() {
        let query = dns::parse(&query).expect("a follow-up query reads back");
        assert!(!query.is_response() && !query.questions.is_empty());
    }
}

/// A fixed advertisement: a query must name its service, instance or host to be answered.
fn advert() -> Advert {
    Advert {
        instance: "Front Desk".into(),
        host: "pbx-digium-phones.local".into(),
        address: Ipv4Addr::new(192, 0, 2, 1),
        port: 5060,
        transport: "udp",
        txt: vec![
            "sipUrl=sip:proxy@192.0.2.1:5060;transport=udp".into(),
            format!("serviceType={SERVICE_TYPE}"),
        ],
    }
}
