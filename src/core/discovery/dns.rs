//! DNS messages as Multicast DNS uses them: the RFC 1035 wire format with the two RFC 6762 meanings of
//! the class field's top bit (QU in questions, cache-flush in records).
//!
//! Parsing is bounded by the input: no count from the header preallocates anything, compression
//! pointers must point strictly backwards (so decompression ends), and a name may not exceed 255
//! bytes. Hostile bytes give an error, never a panic.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

pub const TYPE_A: u16 = 1;
pub const TYPE_PTR: u16 = 12;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_SRV: u16 = 33;
pub const TYPE_ANY: u16 = 255;
pub const CLASS_IN: u16 = 1;
pub const CLASS_ANY: u16 = 255;

/// Header flags.
pub const FLAG_QR: u16 = 0x8000;
pub const FLAG_AA: u16 = 0x0400;

/// QU in a question's class, cache-flush in a record's class (RFC 6762 §5.4, §10.2).
const CLASS_TOP_BIT: u16 = 0x8000;

pub const MAX_LABEL: usize = 63;
/// On the wire, length bytes and the root label included (RFC 1035 §2.3.4).
pub const MAX_NAME: usize = 255;
/// A TXT string's length is one byte.
pub const MAX_TXT_STRING: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("the message ends inside {0}")]
    Truncated(&'static str),
    #[error("a compression pointer at byte {0} does not point backwards")]
    BadPointer(usize),
    #[error("a name is longer than 255 bytes")]
    NameTooLong,
    #[error("label type {0:#04x} at byte {1} is not supported")]
    BadLabel(u8, usize),
    #[error("malformed {0} record data")]
    BadRdata(&'static str),
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
}

/// A domain name as a list of labels. Labels are bytes: DNS-SD instance labels may hold any UTF-8,
/// dots included, so a dotted string cannot stand for a name. Comparison ignores ASCII case, as DNS
/// does (RFC 4343).
#[derive(Clone, Default)]
pub struct Name {
    labels: Vec<Vec<u8>>,
}

impl Name {
    /// The root name.
    pub fn root() -> Self {
        Self::default()
    }

    /// A name from its labels; each must be 1 to 63 bytes and the whole at most 255 on the wire.
    pub fn new<L: AsRef<[u8]>>(labels: impl IntoIterator<Item = L>) -> Result<Self, DnsError> {
        let mut name = Self::root();
        for label in labels {
            let label = label.as_ref();
            if label.is_empty() {
                return Err(DnsError::InvalidName("empty label"));
            }
            if label.len() > MAX_LABEL {
                return Err(DnsError::InvalidName("label longer than 63 bytes"));
            }
            name.labels.push(label.to_vec());
        }
        if name.wire_len() > MAX_NAME {
            return Err(DnsError::NameTooLong);
        }
        Ok(name)
    }

    /// `a.b.local` (a trailing dot is allowed; no escapes: for names whose labels hold no dot).
    pub fn from_dotted(text: &str) -> Result<Self, DnsError> {
        let text = text.strip_suffix('.').unwrap_or(text);
        if text.is_empty() {
            return Ok(Self::root());
        }
        Self::new(text.split('.'))
    }

    /// Always a valid name: each label cut to 63 bytes at a UTF-8 boundary, empty labels dropped,
    /// and leading labels dropped while the name exceeds 255 bytes (the domain part is kept).
    pub fn lossy<'a>(labels: impl IntoIterator<Item = &'a str>) -> Self {
        let mut labels: Vec<Vec<u8>> = labels
            .into_iter()
            .map(|l| truncate_utf8(l, MAX_LABEL).as_bytes().to_vec())
            .filter(|l| !l.is_empty())
            .collect();
        while labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1 > MAX_NAME {
            labels.remove(0);
        }
        Self { labels }
    }

    pub fn labels(&self) -> impl Iterator<Item = &[u8]> {
        self.labels.iter().map(Vec::as_slice)
    }

    pub fn first_label(&self) -> Option<&[u8]> {
        self.labels.first().map(Vec::as_slice)
    }

    /// The name without its first label.
    pub fn parent(&self) -> Self {
        Self { labels: self.labels.iter().skip(1).cloned().collect() }
    }

    /// Bytes on the wire, uncompressed.
    pub fn wire_len(&self) -> usize {
        self.labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1
    }
}

/// The longest prefix of `text` that fits in `max` bytes and ends on a character boundary.
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.labels.len() == other.labels.len()
            && self.labels.iter().zip(&other.labels).all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

impl Eq for Name {}

impl fmt::Display for Name {
    /// Labels joined by dots; a dot or backslash inside a label is escaped with a backslash, as dig
    /// shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.labels.is_empty() {
            return f.write_str(".");
        }
        for (i, label) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            for c in String::from_utf8_lossy(label).chars() {
                if matches!(c, '.' | '\\') {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub qtype: u16,
    /// Without the QU bit.
    pub qclass: u16,
    /// The QU bit: the querier asks for a unicast answer (RFC 6762 §5.4).
    pub unicast_response: bool,
}

impl Question {
    pub fn new(name: Name, qtype: u16) -> Self {
        Self { name, qtype, qclass: CLASS_IN, unicast_response: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Ptr(Name),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: Name,
    },
    /// Each string at most 255 bytes; longer ones are cut when written.
    Txt(Vec<Vec<u8>>),
    /// A type this codec does not read, kept opaque.
    Other {
        rtype: u16,
        data: Vec<u8>,
    },
}

impl RData {
    pub fn rtype(&self) -> u16 {
        match self {
            Self::A(_) => TYPE_A,
            Self::Aaaa(_) => TYPE_AAAA,
            Self::Ptr(_) => TYPE_PTR,
            Self::Srv { .. } => TYPE_SRV,
            Self::Txt(_) => TYPE_TXT,
            Self::Other { rtype, .. } => *rtype,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: Name,
    /// Without the cache-flush bit.
    pub class: u16,
    /// Set on records this responder alone owns (RFC 6762 §10.2).
    pub cache_flush: bool,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    pub fn new(name: Name, ttl: u32, cache_flush: bool, data: RData) -> Self {
        Self { name, class: CLASS_IN, cache_flush, ttl, data }
    }

    pub fn rtype(&self) -> u16 {
        self.data.rtype()
    }

    /// Same name, class, type and data: the same record whatever its TTL.
    pub fn same_record(&self, other: &Self) -> bool {
        self.name == other.name && self.class == other.class && self.data == other.data
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub id: u16,
    pub flags: u16,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
}

impl Message {
    /// An mDNS query: id 0, no flags (RFC 6762 §18.1).
    pub fn query(questions: Vec<Question>) -> Self {
        Self { questions, ..Self::default() }
    }

    /// An mDNS response: id 0, QR and AA, no questions (RFC 6762 §6, §18).
    pub fn response(answers: Vec<Record>, additionals: Vec<Record>) -> Self {
        Self { flags: FLAG_QR | FLAG_AA, answers, additionals, ..Self::default() }
    }

    pub fn is_response(&self) -> bool {
        self.flags & FLAG_QR != 0
    }

    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }

    pub fn rcode(&self) -> u8 {
        (self.flags & 0x0f) as u8
    }

    /// Answer, authority and additional records, in that order.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.answers.iter().chain(&self.authorities).chain(&self.additionals)
    }

    /// The wire form, with name compression. Never fails: a TXT string over 255 bytes is cut, TXT
    /// strings that would push record data past 65535 bytes are dropped, and each section keeps at
    /// most 65535 entries.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        let limit = usize::from(u16::MAX);
        let (q, an, ns, ar) = (
            &self.questions[..self.questions.len().min(limit)],
            &self.answers[..self.answers.len().min(limit)],
            &self.authorities[..self.authorities.len().min(limit)],
            &self.additionals[..self.additionals.len().min(limit)],
        );
        w.u16(self.id);
        w.u16(self.flags);
        for count in [q.len(), an.len(), ns.len(), ar.len()] {
            w.u16(u16::try_from(count).unwrap_or(u16::MAX));
        }
        for question in q {
            w.name(&question.name);
            w.u16(question.qtype);
            w.u16(question.qclass | if question.unicast_response { CLASS_TOP_BIT } else { 0 });
        }
        for record in an.iter().chain(ns).chain(ar) {
            w.record(record);
        }
        w.buf
    }
}

#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
    /// Name suffixes already written and where, for compression pointers. Matched byte for byte,
    /// so a name is read back with the case it was given.
    suffixes: Vec<(Vec<Vec<u8>>, u16)>,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    fn name(&mut self, name: &Name) {
        let labels = &name.labels;
        for i in 0..labels.len() {
            let suffix = &labels[i..];
            if let Some((_, at)) = self.suffixes.iter().find(|(s, _)| s == suffix) {
                self.u16(0xc000 | at);
                return;
            }
            // Pointers have 14 bits.
            if let Ok(at) = u16::try_from(self.buf.len()) {
                if at < 0x4000 {
                    self.suffixes.push((suffix.to_vec(), at));
                }
            }
            let label = &labels[i];
            self.buf.push(label.len() as u8);
            self.buf.extend_from_slice(label);
        }
        self.buf.push(0);
    }

    fn record(&mut self, r: &Record) {
        self.name(&r.name);
        self.u16(r.rtype());
        self.u16(r.class | if r.cache_flush { CLASS_TOP_BIT } else { 0 });
        self.buf.extend_from_slice(&r.ttl.to_be_bytes());
        let length_at = self.buf.len();
        self.u16(0);
        match &r.data {
            RData::A(a) => self.buf.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => self.buf.extend_from_slice(&a.octets()),
            RData::Ptr(target) => self.name(target),
            RData::Srv { priority, weight, port, target } => {
                self.u16(*priority);
                self.u16(*weight);
                self.u16(*port);
                self.name(target);
            }
            RData::Txt(strings) => {
                let mut written = 0usize;
                for s in strings {
                    let s = &s[..s.len().min(MAX_TXT_STRING)];
                    if written + s.len() + 1 > usize::from(u16::MAX) {
                        break;
                    }
                    self.buf.push(s.len() as u8);
                    self.buf.extend_from_slice(s);
                    written += s.len() + 1;
                }
                // An empty TXT record is one empty string (RFC 6763 §6.1).
                if written == 0 {
                    self.buf.push(0);
                }
            }
            RData::Other { data, .. } => {
                self.buf.extend_from_slice(&data[..data.len().min(usize::from(u16::MAX))]);
            }
        }
        let length = u16::try_from(self.buf.len() - length_at - 2).unwrap_or(u16::MAX);
        self.buf[length_at..length_at + 2].copy_from_slice(&length.to_be_bytes());
    }
}

/// Reads a message. Unknown record types are kept as [`RData::Other`]; bytes after the last
/// record are ignored.
pub fn parse(bytes: &[u8]) -> Result<Message, DnsError> {
    let mut r = Reader { bytes, pos: 0 };
    let id = r.u16("the header")?;
    let flags = r.u16("the header")?;
    let qd = r.u16("the header")?;
    let an = r.u16("the header")?;
    let ns = r.u16("the header")?;
    let ar = r.u16("the header")?;
    let mut message = Message { id, flags, ..Message::default() };
    for _ in 0..qd {
        let name = r.name()?;
        let qtype = r.u16("a question")?;
        let class = r.u16("a question")?;
        message.questions.push(Question {
            name,
            qtype,
            qclass: class & !CLASS_TOP_BIT,
            unicast_response: class & CLASS_TOP_BIT != 0,
        });
    }
    for (count, section) in
        [(an, &mut message.answers), (ns, &mut message.authorities), (ar, &mut message.additionals)]
    {
        for _ in 0..count {
            section.push(r.record()?);
        }
    }
    Ok(message)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DnsError> {
        let end = self.pos.checked_add(n).ok_or(DnsError::Truncated(what))?;
        let slice = self.bytes.get(self.pos..end).ok_or(DnsError::Truncated(what))?;
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, DnsError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DnsError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A possibly compressed name at the current position; the position moves past its in-place
    /// bytes.
    fn name(&mut self) -> Result<Name, DnsError> {
        let bytes = self.bytes;
        let mut labels = Vec::new();
        let mut wire_len = 1;
        let mut pos = self.pos;
        // Where the labels being read started: a pointer must go below it, so each jump lands
        // strictly earlier and decompression cannot loop.
        let mut run_start = self.pos;
        let mut resume = None;
        loop {
            let len = *bytes.get(pos).ok_or(DnsError::Truncated("a name"))?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    pos += 1;
                    break;
                }
                0x00 => {
                    let len = usize::from(len);
                    let label =
                        bytes.get(pos + 1..pos + 1 + len).ok_or(DnsError::Truncated("a name"))?;
                    wire_len += len + 1;
                    if wire_len > MAX_NAME {
                        return Err(DnsError::NameTooLong);
                    }
                    labels.push(label.to_vec());
                    pos += len + 1;
                }
                0xc0 => {
                    let low = *bytes.get(pos + 1).ok_or(DnsError::Truncated("a name"))?;
                    let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                    if target >= run_start {
                        return Err(DnsError::BadPointer(pos));
                    }
                    resume.get_or_insert(pos + 2);
                    run_start = target;
                    pos = target;
                }
                _ => return Err(DnsError::BadLabel(len, pos)),
            }
        }
        self.pos = resume.unwrap_or(pos);
        Ok(Name { labels })
    }

    fn record(&mut self) -> Result<Record, DnsError> {
        let name = self.name()?;
        let rtype = self.u16("a record")?;
        let class = self.u16("a record")?;
        let ttl = self.u32("a record")?;
        let length = usize::from(self.u16("a record")?);
        let start = self.pos;
        let data = self.take(length, "record data")?;
        let end = self.pos;
        let data = match rtype {
            TYPE_A => RData::A(Ipv4Addr::from(
                <[u8; 4]>::try_from(data).map_err(|_| DnsError::BadRdata("A"))?,
            )),
            TYPE_AAAA => RData::Aaaa(Ipv6Addr::from(
                <[u8; 16]>::try_from(data).map_err(|_| DnsError::BadRdata("AAAA"))?,
            )),
            TYPE_PTR => RData::Ptr(self.name_in(start, end, "PTR")?),
            TYPE_SRV => {
                if data.len() < 7 {
                    return Err(DnsError::BadRdata("SRV"));
                }
                let field = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
                let (priority, weight, port) = (field(0), field(2), field(4));
                RData::Srv { priority, weight, port, target: self.name_in(start + 6, end, "SRV")? }
            }
            TYPE_TXT => {
                let mut strings = Vec::new();
                let mut rest = data;
                while let Some((&len, tail)) = rest.split_first() {
                    let len = usize::from(len);
                    let s = tail.get(..len).ok_or(DnsError::BadRdata("TXT"))?;
                    strings.push(s.to_vec());
                    rest = &tail[len..];
                }
                // One empty string is how an empty TXT record is written (RFC 6763 §6.1).
                if strings.len() == 1 && strings[0].is_empty() {
                    strings.clear();
                }
                RData::Txt(strings)
            }
            _ => RData::Other { rtype, data: data.to_vec() },
        };
        Ok(Record {
            name,
            class: class & !CLASS_TOP_BIT,
            cache_flush: class & CLASS_TOP_BIT != 0,
            ttl,
            data,
        })
    }

    /// A name that must fill record data from `start` to `end` exactly (compression allowed: RFC
    /// 6762 §18.14).
    fn name_in(&self, start: usize, end: usize, what: &'static str) -> Result<Name, DnsError> {
        let mut r = Reader { bytes: &self.bytes[..end], pos: start };
        let name = r.name().map_err(|_| DnsError::BadRdata(what))?;
        if r.pos != end {
            return Err(DnsError::BadRdata(what));
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests;
