//! What this server advertises over mDNS / DNS-SD so factory-fresh phones find it, and how a phone
//! reads such answers back.
//!
//! Phones browse `_digiumproxy._udp.local` and read the instance's TXT `sipUrl=` (the
//! `config_server_url` they then use) and `serviceType=asterisk`. This module decides the records
//! from the configuration ([`plan`]) and builds every packet a responder sends ([`Advert`]); the
//! socket lives elsewhere. [`Browser`] is the phone's side, for the simulator and tests.

pub mod dns;

use std::net::Ipv4Addr;

use crate::model::Model;
use crate::model::general::DEFAULT_SERVICE_NAME;
use dns::{Message, Name, Question, RData, Record};

/// The DNS-SD service type phones browse.
pub const SERVICE: &str = "_digiumproxy._udp.local";
/// The DNS-SD meta-query that lists service types (RFC 6763 §9).
pub const SERVICES_META: &str = "_services._dns-sd._udp.local";
/// For records that name a host or carry its address: SRV and A (RFC 6762 §10).
pub const TTL_HOST: u32 = 120;
/// For the other records: PTR and TXT (RFC 6762 §10).
pub const TTL_OTHER: u32 = 4500;
/// RFC 6762 §6.7: answers to a legacy unicast query should not be cached longer.
pub const TTL_LEGACY_MAX: u32 = 10;
/// `serviceType=` for DPMA; Switchvox says `switchvox`.
pub const SERVICE_TYPE: &str = "asterisk";

/// Everything the responder advertises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advert {
    /// `service_name`: the instance label, shown on the phone's screen. At most 63 bytes.
    pub instance: String,
    /// The host name the SRV record targets and the A record names, e.g. `pbx-digium-phones.local`.
    pub host: String,
    pub address: Ipv4Addr,
    pub port: u16,
    pub transport: &'static str,
    /// TXT strings, `key=value`.
    pub txt: Vec<String>,
}

/// Why nothing is advertised; the message tells an admin what to set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAdvertised {
    #[error("service_discovery_enabled is off in [general]")]
    Disabled,
    #[error(
        "no address to advertise: set mdns_address (or registration_address) in [general] to this \
         server's IPv4 address"
    )]
    NoAddress,
    #[error(
        "{option} is '{value}', not an IPv4 address; phones learn the server's address from mDNS, \
         so set mdns_address in [general] to this server's IPv4 address"
    )]
    NotAnAddress { option: String, value: String },
}

/// The advertisement `model` asks for. `host_label` becomes `<label>.local`, the name of the A
/// record (letters, digits and hyphens are kept; anything else becomes a hyphen).
///
/// The address is `mdns_address`, else the `registration_address` of `[general]`'s implicit
/// network, else that of the first `type=network` section that sets one. Port and transport are
/// `mdns_port` / `mdns_transport`, else those of that network (the implicit network when no network
/// names an address), else 5060 and udp. DPMA advertises only a known address, and an A record
/// needs a literal: a host name is refused.
pub fn plan(model: &Model, host_label: &str) -> Result<Advert, NotAdvertised> {
    let general = &model.general;
    if !general.service_discovery_enabled {
        return Err(NotAdvertised::Disabled);
    }
    let mut networks = model.implicit_network.iter().chain(&model.networks);
    let with_address = networks.find(|n| n.registration_address.is_some());
    let network = with_address.or(model.implicit_network.as_ref());
    let (value, option) = match (&general.mdns_address, with_address) {
        (Some(address), _) => (address.clone(), "mdns_address in [general]".to_string()),
        (None, Some(n)) => (
            n.registration_address.clone().unwrap_or_default(),
            format!("registration_address in [{}]", n.name),
        ),
        (None, None) => return Err(NotAdvertised::NoAddress),
    };
    let address = value
        .trim()
        .parse::<Ipv4Addr>()
        .ok()
        .filter(|a| !(a.is_unspecified() || a.is_multicast() || a.is_broadcast()))
        .ok_or(NotAdvertised::NotAnAddress { option, value })?;
    // The model fills in the documented defaults (5060, udp), so ask the section whether the admin
    // wrote the option: only then does it beat the network's.
    let written = |key: &str| general.raw.last(key).is_some_and(|e| !e.value.trim().is_empty());
    let port = written("mdns_port")
        .then_some(general.mdns_port)
        .flatten()
        .or(network.map(|n| n.registration_port))
        .unwrap_or(5060);
    let transport = written("mdns_transport")
        .then_some(general.mdns_transport)
        .flatten()
        .or(network.map(|n| n.transport))
        .unwrap_or("udp");
    let instance = instance_label(&general.service_name);
    let mut advert = Advert {
        instance,
        host: format!("{}.local", host_label_of(host_label)),
        address,
        port,
        transport,
        txt: Vec::new(),
    };
    advert.txt =
        vec![format!("sipUrl={}", advert.sip_url()), format!("serviceType={SERVICE_TYPE}")];
    Ok(advert)
}

/// A DNS-SD instance label: any UTF-8 but control characters, at most 63 bytes (RFC 6763 §4.1.1).
fn instance_label(name: &str) -> String {
    let clean: String = name.trim().chars().filter(|c| !c.is_control()).collect();
    let label = dns::truncate_utf8(&clean, dns::MAX_LABEL).trim_end();
    if label.is_empty() { DEFAULT_SERVICE_NAME.to_string() } else { label.to_string() }
}

/// A host label: letters, digits and inner hyphens, at most 63 bytes (RFC 1123).
fn host_label_of(label: &str) -> String {
    let mapped: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed =
        dns::truncate_utf8(mapped.trim_matches('-'), dns::MAX_LABEL).trim_end_matches('-');
    if trimmed.is_empty() { "asterisk-digium-phones".to_string() } else { trimmed.to_string() }
}

fn service_name() -> Name {
    Name::lossy(SERVICE.split('.'))
}

fn instance_name(instance: &str) -> Name {
    Name::lossy(std::iter::once(instance).chain(SERVICE.split('.')))
}

impl Advert {
    /// What phones store as `config_server_url`.
    pub fn sip_url(&self) -> String {
        format!("sip:proxy@{}:{};transport={}", self.address, self.port, self.transport)
    }

    fn instance_name(&self) -> Name {
        instance_name(&self.instance)
    }

    fn host_name(&self) -> Name {
        Name::lossy(self.host.split('.'))
    }

    /// Shared: other servers advertise the same service type, so no cache-flush.
    fn ptr(&self) -> Record {
        Record::new(service_name(), TTL_OTHER, false, RData::Ptr(self.instance_name()))
    }

    fn srv(&self) -> Record {
        let target = self.host_name();
        let data = RData::Srv { priority: 0, weight: 0, port: self.port, target };
        Record::new(self.instance_name(), TTL_HOST, true, data)
    }

    fn txt_record(&self) -> Record {
        let strings = self.txt.iter().map(|s| s.as_bytes().to_vec()).collect();
        Record::new(self.instance_name(), TTL_OTHER, true, RData::Txt(strings))
    }

    fn a(&self) -> Record {
        Record::new(self.host_name(), TTL_HOST, true, RData::A(self.address))
    }

    fn meta_ptr(&self) -> Record {
        let meta = Name::lossy(SERVICES_META.split('.'));
        Record::new(meta, TTL_OTHER, false, RData::Ptr(service_name()))
    }

    /// PTR, SRV, TXT and A: everything a browsing phone needs.
    fn all(&self) -> Vec<Record> {
        vec![self.ptr(), self.srv(), self.txt_record(), self.a()]
    }

    /// The answer and additional records for the questions of `query` that are about us, minus the
    /// answers the querier says it already knows (RFC 6762 §7.1). None when nothing is left.
    fn select(&self, query: &Message) -> Option<(Vec<Record>, Vec<Record>)> {
        // Responses (our own announcements looping back included), other opcodes and error codes
        // are not queries to answer (RFC 6762 §18.3, §18.11).
        if query.is_response() || query.opcode() != 0 || query.rcode() != 0 {
            return None;
        }
        let (service, instance, host) = (service_name(), self.instance_name(), self.host_name());
        let meta = Name::lossy(SERVICES_META.split('.'));
        let mut answers: Vec<Record> = Vec::new();
        for q in &query.questions {
            if !matches!(q.qclass, dns::CLASS_IN | dns::CLASS_ANY) {
                continue;
            }
            let asks = |t: u16| q.qtype == t || q.qtype == dns::TYPE_ANY;
            if q.name == service && asks(dns::TYPE_PTR) {
                answers.push(self.ptr());
            }
            if q.name == meta && asks(dns::TYPE_PTR) {
                answers.push(self.meta_ptr());
            }
            if q.name == instance {
                if asks(dns::TYPE_SRV) {
                    answers.push(self.srv());
                }
                if asks(dns::TYPE_TXT) {
                    answers.push(self.txt_record());
                }
            }
            if q.name == host && asks(dns::TYPE_A) {
                answers.push(self.a());
            }
        }
        dedup(&mut answers);
        answers.retain(|ours| {
            !query.answers.iter().any(|known| known.same_record(ours) && known.ttl >= ours.ttl / 2)
        });
        if answers.is_empty() {
            return None;
        }
        // RFC 6763 §12: a PTR answer brings SRV, TXT and A; an SRV answer brings A.
        let mut additionals = Vec::new();
        for answer in &answers {
            if answer.same_record(&self.ptr()) {
                additionals.extend([self.srv(), self.txt_record(), self.a()]);
            } else if answer.same_record(&self.srv()) {
                additionals.push(self.a());
            }
        }
        dedup(&mut additionals);
        additionals.retain(|extra| !answers.iter().any(|a| a.same_record(extra)));
        Some((answers, additionals))
    }

    /// The response to `query` when it asks about us (our service's PTR, the DNS-SD meta-query,
    /// our instance's SRV/TXT/ANY, our host's A/ANY): an mDNS response, id 0, for the multicast
    /// group or for a querier on port 5353 that set QU. None when the query is not about us.
    pub fn answers(&self, query: &Message) -> Option<Vec<u8>> {
        let (answers, additionals) = self.select(query)?;
        Some(Message::response(answers, additionals).to_bytes())
    }

    /// The response to a legacy unicast query (one whose source port is not 5353), sent back to
    /// that address and port: it repeats the query's id and questions, never sets cache-flush and
    /// caps TTLs at 10 s (RFC 6762 §6.7), because the querier is a plain DNS resolver.
    pub fn legacy_answers(&self, query: &Message) -> Option<Vec<u8>> {
        let (answers, additionals) = self.select(query)?;
        let legacy = |records: Vec<Record>| -> Vec<Record> {
            records
                .into_iter()
                .map(|r| Record { cache_flush: false, ttl: r.ttl.min(TTL_LEGACY_MAX), ..r })
                .collect()
        };
        let questions = query
            .questions
            .iter()
            .map(|q| Question { unicast_response: false, ..q.clone() })
            .collect();
        let mut message = Message::response(legacy(answers), legacy(additionals));
        message.id = query.id;
        message.questions = questions;
        Some(message.to_bytes())
    }

    /// The unsolicited response sent when advertising starts (twice, one second apart: RFC 6762
    /// §8.3) and when the advertisement changes.
    pub fn announcement(&self) -> Vec<u8> {
        Message::response(self.all(), Vec::new()).to_bytes()
    }

    /// The same records with TTL 0, sent when advertising stops so phones forget us (§10.1).
    pub fn goodbye(&self) -> Vec<u8> {
        let records = self.all().into_iter().map(|r| Record { ttl: 0, ..r }).collect();
        Message::response(records, Vec::new()).to_bytes()
    }
}

fn dedup(records: &mut Vec<Record>) {
    let mut kept: Vec<Record> = Vec::with_capacity(records.len());
    for r in records.drain(..) {
        if !kept.iter().any(|k| k.same_record(&r)) {
            kept.push(r);
        }
    }
    *records = kept;
}

/// A server a phone found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub instance: String,
    /// From TXT `sipUrl=`, else made from SRV and A as `sip:proxy@<a>:<port>`.
    pub sip_url: String,
    /// TXT `serviceType=`, when given.
    pub service_type: Option<String>,
}

/// The phone's side: collects records from responses and resolves PTR → SRV/TXT/A.
#[derive(Debug, Default)]
pub struct Browser {
    records: Vec<Record>,
}

impl Browser {
    /// Records kept at most, so a flood of answers cannot grow memory without bound.
    pub const MAX_RECORDS: usize = 512;

    pub fn new() -> Self {
        Self::default()
    }

    /// The PTR query for [`SERVICE`]; `unicast` sets the QU bit.
    pub fn query(unicast: bool) -> Vec<u8> {
        let mut question = Question::new(service_name(), dns::TYPE_PTR);
        question.unicast_response = unicast;
        Message::query(vec![question]).to_bytes()
    }

    /// Takes the records of a response; queries are ignored. A record with TTL 0 (a goodbye)
    /// removes what it names.
    pub fn add(&mut self, message: &Message) {
        if !message.is_response() {
            return;
        }
        for record in message.records() {
            self.records.retain(|r| !r.same_record(record));
            if record.ttl > 0 && self.records.len() < Self::MAX_RECORDS {
                self.records.push(record.clone());
            }
        }
    }

    fn find<'a>(&'a self, name: &'a Name) -> impl Iterator<Item = &'a RData> {
        self.records.iter().filter(move |r| r.name == *name).map(|r| &r.data)
    }

    /// The instances of [`SERVICE`] seen so far, in the order their PTR records came.
    fn instances(&self) -> Vec<Name> {
        let service = service_name();
        let mut out: Vec<Name> = Vec::new();
        for data in self.find(&service) {
            if let RData::Ptr(instance) = data {
                if instance.parent() == service && !out.contains(instance) {
                    out.push(instance.clone());
                }
            }
        }
        out
    }

    /// The servers fully resolved so far.
    pub fn servers(&self) -> Vec<Discovered> {
        self.instances().iter().filter_map(|i| self.resolve(i)).collect()
    }

    fn resolve(&self, instance: &Name) -> Option<Discovered> {
        let label = String::from_utf8_lossy(instance.first_label()?).into_owned();
        let mut txt: Vec<(String, String)> = Vec::new();
        for data in self.find(instance) {
            if let RData::Txt(strings) = data {
                txt.extend(strings.iter().map(|s| {
                    let s = String::from_utf8_lossy(s);
                    let (k, v) = s.split_once('=').unwrap_or((&s, ""));
                    (k.to_ascii_lowercase(), v.to_string())
                }));
            }
        }
        // RFC 6763 §6.4: keys ignore case, and only a key's first occurrence counts.
        let value = |key: &str| txt.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let sip_url = value("sipurl").filter(|u| !u.is_empty()).or_else(|| {
            let (port, target) = self.find(instance).find_map(|d| match d {
                RData::Srv { port, target, .. } => Some((*port, target)),
                _ => None,
            })?;
            let address = self.find(target).find_map(|d| match d {
                RData::A(a) => Some(*a),
                _ => None,
            })?;
            Some(format!("sip:proxy@{address}:{port}"))
        })?;
        Some(Discovered { instance: label, sip_url, service_type: value("servicetype") })
    }

    /// Follow-up questions for instances whose PTR came without enough to resolve them (a
    /// responder need not send additional records).
    pub fn follow_up(&self) -> Option<Vec<u8>> {
        let mut questions = Vec::new();
        for instance in self.instances().into_iter().filter(|i| self.resolve(i).is_none()) {
            for data in self.find(&instance) {
                if let RData::Srv { target, .. } = data {
                    questions.push(Question::new(target.clone(), dns::TYPE_A));
                }
            }
            questions.push(Question::new(instance.clone(), dns::TYPE_TXT));
            questions.push(Question::new(instance, dns::TYPE_SRV));
        }
        (!questions.is_empty()).then(|| Message::query(questions).to_bytes())
    }
}

#[cfg(test)]
mod tests;
