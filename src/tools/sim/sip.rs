//! Just enough of a SIP user agent over UDP for the phone protocol: send out-of-dialog MESSAGEs as a
//! UAC (retransmitting as RFC 3261 §17.1.2 asks) and answer every MESSAGE the server sends.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// RFC 3261 timers: retransmit after T1, doubling up to T2; give up after 64·T1 (Timer F).
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
const TIMER_F: Duration = Duration::from_secs(32);
const MAX_DATAGRAM: usize = 65_535;

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("no final response to the MESSAGE from {0}")]
    NoAnswer(SocketAddr),
    #[error("the server answered the MESSAGE with {code} {reason}")]
    Rejected { code: u16, reason: String },
    #[error("UDP: {0}")]
    Io(#[from] io::Error),
}

/// A random hex string for tags, branches and Call-IDs: unique enough for one run of a test tool,
/// without a dependency for it.
pub fn random_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(since) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}

/// One SIP message as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipMessage {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SipMessage {
    pub fn parse(datagram: &[u8]) -> Option<Self> {
        let (head, rest) = split_head(datagram)?;
        let head = std::str::from_utf8(head).ok()?;
        let mut lines = head.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
        let start_line = lines.next()?.trim().to_owned();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // A folded header goes on from the previous line.
                let (_, value) = headers.last_mut()?;
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut message = Self { start_line, headers, body: rest.to_vec() };
        if let Some(length) = message.header("Content-Length").and_then(|l| l.parse::<usize>().ok())
        {
            message.body.truncate(length);
        }
        Some(message)
    }

    /// The first value of a header, by full or compact name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| is_header(key, name)).map(|(_, value)| value.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(key, _)| is_header(key, name)).map(|(_, v)| v.as_str())
    }

    /// `Some((code, reason))` for a response.
    pub fn status(&self) -> Option<(u16, &str)> {
        let rest = self.start_line.strip_prefix("SIP/2.0 ")?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        Some((code.parse().ok()?, reason))
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&str> {
        if self.status().is_some() {
            return None;
        }
        self.start_line.split(' ').next().filter(|method| !method.is_empty())
    }

    fn top_branch(&self) -> Option<&str> {
        let via = self.header("Via")?;
        let first = via.split(',').next()?;
        first.split(';').skip(1).find_map(|param| param.trim().strip_prefix("branch="))
    }

    fn cseq_method(&self) -> Option<&str> {
        self.header("CSeq")?.split_whitespace().nth(1)
    }
}

fn split_head(datagram: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(at) = datagram.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some((&datagram[..at], &datagram[at + 4..]));
    }
    let at = datagram.windows(2).position(|w| w == b"\n\n")?;
    Some((&datagram[..at], &datagram[at + 2..]))
}

fn is_header(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name)
        || compact_form(name).is_some_and(|c| key.eq_ignore_ascii_case(c))
}

fn compact_form(name: &str) -> Option<&'static str> {
    const FORMS: [(&str, &str); 8] = [
        ("Via", "v"),
        ("From", "f"),
        ("To", "t"),
        ("Call-ID", "i"),
        ("Content-Length", "l"),
        ("Content-Type", "c"),
        ("Contact", "m"),
        ("Subject", "s"),
    ];
    FORMS.iter().find(|(full, _)| full.eq_ignore_ascii_case(name)).map(|(_, short)| *short)
}

/// Who the phone is and whom it talks to.
pub struct Identity {
    /// `sip:proxy@host:port`, the Request-URI and To of every request.
    pub server_uri: String,
    pub server: SocketAddr,
    /// The user part of From (the phone's MAC).
    pub user: String,
    pub user_agent: String,
}

pub struct UserAgent {
    socket: UdpSocket,
    local: SocketAddr,
    identity: Identity,
    cseq: u32,
    /// The answer sent to each request ("Call-ID CSeq"), sent again when the request is retransmitted.
    answered: HashMap<String, Vec<u8>>,
    /// MESSAGE bodies received and not yet read.
    inbox: VecDeque<Vec<u8>>,
}

impl UserAgent {
    /// Binds `listen`, or an ephemeral port on the local address that routes to the server.
    pub fn bind(identity: Identity, listen: Option<SocketAddr>) -> io::Result<Self> {
        let local = match listen {
            Some(address) => address,
            None => SocketAddr::new(route_to(identity.server)?, 0),
        };
        let socket = UdpSocket::bind(local)?;
        let local = socket.local_addr()?;
        Ok(Self {
            socket,
            local,
            identity,
            cseq: 0,
            answered: HashMap::new(),
            inbox: VecDeque::new(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends `body` in a new out-of-dialog MESSAGE and waits for its final response, answering the
    /// server's own MESSAGEs meanwhile (they may overtake the 202).
    pub fn send_message(&mut self, body: &str, deadline: Instant) -> Result<(), SipError> {
        let branch = format!("z9hG4bK{}", random_token());
        self.cseq += 1;
        let packet = self.build_message(&branch, body);
        let deadline = deadline.min(Instant::now() + TIMER_F);
        let mut interval = T1;
        let mut next_send = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(SipError::NoAnswer(self.identity.server));
            }
            if now >= next_send {
                self.socket.send_to(&packet, self.identity.server)?;
                next_send = now + interval;
                interval = (interval * 2).min(T2);
            }
            let Some(response) = self.receive(next_send.min(deadline))? else { continue };
            if response.top_branch() != Some(branch.as_str())
                || response.cseq_method() != Some("MESSAGE")
            {
                continue;
            }
            match response.status() {
                // Provisional: the server has it; keep retransmitting, but at T2 (§17.1.2.2).
                Some((100..=199, _)) => interval = T2,
                Some((200..=299, _)) => return Ok(()),
                Some((code, reason)) => {
                    return Err(SipError::Rejected { code, reason: reason.to_owned() });
                }
                None => {}
            }
        }
    }

    /// The body of the next MESSAGE from the server, or `None` at the deadline.
    pub fn next_body(&mut self, deadline: Instant) -> Result<Option<Vec<u8>>, SipError> {
        loop {
            if let Some(body) = self.inbox.pop_front() {
                return Ok(Some(body));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            // Responses arriving now are late retransmissions of ones already handled.
            self.receive(deadline)?;
        }
    }

    fn build_message(&self, branch: &str, body: &str) -> Vec<u8> {
        let identity = &self.identity;
        let local = self.local;
        let host = host_port(local);
        format!(
            "MESSAGE {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {host};rport;branch={branch}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{host}>;tag={tag}\r\n\
             To: <{uri}>\r\n\
             Call-ID: {call_id}@{ip}\r\n\
             CSeq: {cseq} MESSAGE\r\n\
             User-Agent: {agent}\r\n\
             Content-Type: text/plain;charset=UTF-8\r\n\
             Content-Length: {length}\r\n\
             \r\n\
             {body}",
            uri = identity.server_uri,
            user = identity.user,
            tag = random_token(),
            call_id = random_token(),
            ip = host_only(local),
            cseq = self.cseq,
            agent = identity.user_agent,
            length = body.len(),
        )
        .into_bytes()
    }

    /// Waits for one datagram until `until`. Requests are answered here and their bodies queued;
    /// a response is handed back.
    fn receive(&mut self, until: Instant) -> Result<Option<SipMessage>, SipError> {
        let wait = until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        self.socket.set_read_timeout(Some(wait))?;
        let mut buffer = vec![0u8; MAX_DATAGRAM];
        let (length, source) = match self.socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(error)
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
            {
                return Ok(None);
            }
            // Linux reports an ICMP port unreachable from an earlier send here; the retransmission
            // timer decides when to give up.
            Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let Some(message) = SipMessage::parse(&buffer[..length]) else {
            eprintln!("warning: ignored an unreadable datagram from {source}");
            return Ok(None);
        };
        if message.status().is_some() {
            return Ok(Some(message));
        }
        self.answer(&message, source)?;
        Ok(None)
    }

    fn answer(&mut self, request: &SipMessage, source: SocketAddr) -> Result<(), SipError> {
        let method = request.method().unwrap_or_default().to_owned();
        if method == "ACK" {
            return Ok(());
        }
        let key = format!(
            "{} {}",
            request.header("Call-ID").unwrap_or_default(),
            request.header("CSeq").unwrap_or_default()
        );
        if let Some(previous) = self.answered.get(&key) {
            // A retransmission: the same answer again, and its body is not delivered twice.
            self.socket.send_to(previous, source)?;
            return Ok(());
        }
        let (code, reason) = match method.as_str() {
            "MESSAGE" | "OPTIONS" | "NOTIFY" => (200, "OK"),
            _ => (501, "Not Implemented"),
        };
        let answer = self.build_answer(request, code, reason);
        self.socket.send_to(&answer, source)?;
        self.answered.insert(key, answer);
        if method == "MESSAGE" {
            self.inbox.push_back(request.body.clone());
        }
        Ok(())
    }

    fn build_answer(&self, request: &SipMessage, code: u16, reason: &str) -> Vec<u8> {
        let mut answer = format!("SIP/2.0 {code} {reason}\r\n");
        for via in request.headers_named("Via") {
            answer.push_str(&format!("Via: {via}\r\n"));
        }
        let to = request.header("To").unwrap_or_default();
        let to = if to.contains(";tag=") {
            to.to_owned()
        } else {
            format!("{to};tag={}", random_token())
        };
        for (name, value) in [
            ("From", request.header("From").unwrap_or_default()),
            ("To", to.as_str()),
            ("Call-ID", request.header("Call-ID").unwrap_or_default()),
            ("CSeq", request.header("CSeq").unwrap_or_default()),
            ("User-Agent", self.identity.user_agent.as_str()),
        ] {
            answer.push_str(&format!("{name}: {value}\r\n"));
        }
        answer.push_str("Content-Length: 0\r\n\r\n");
        answer.into_bytes()
    }
}

/// The local address the system would use to reach `server`, found by connecting a throwaway UDP
/// socket (connecting sends nothing).
fn route_to(server: SocketAddr) -> io::Result<std::net::IpAddr> {
    let any: SocketAddr =
        if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let probe = UdpSocket::bind(any)?;
    probe.connect(server)?;
    Ok(probe.local_addr()?.ip())
}

fn host_only(address: SocketAddr) -> String {
    match address {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    }
}

fn host_port(address: SocketAddr) -> String {
    format!("{}:{}", host_only(address), address.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_request_with_compact_and_folded_headers() {
        let message = SipMessage::parse(
            b"MESSAGE sip:00@192.0.2.9:5062 SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\r\n\
              Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb\r\nSubject: one\r\n two\r\n\
              Content-Length: 3\r\n\r\nabcdef",
        )
        .unwrap();
        assert_eq!(message.method(), Some("MESSAGE"));
        assert_eq!(message.status(), None);
        assert_eq!(message.headers_named("via").count(), 2);
        assert_eq!(message.top_branch(), Some("z9hG4bKa"));
        assert_eq!(message.header("subject"), Some("one two"));
        assert_eq!(message.body, b"abc");
    }

    #[test]
    fn parses_a_response() {
        let message = SipMessage::parse(b"SIP/2.0 202 Accepted\nCSeq: 4 MESSAGE\n\n").unwrap();
        assert_eq!(message.status(), Some((202, "Accepted")));
        assert_eq!(message.cseq_method(), Some("MESSAGE"));
        assert_eq!(message.method(), None);
        assert!(SipMessage::parse(b"no blank line").is_none());
        assert!(SipMessage::parse(b"\xff\xfe\r\n\r\n").is_none());
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token(), random_token());
    }
}
