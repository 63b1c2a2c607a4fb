//! Bare SIP user agents for what the simulator never sends: SUBSCRIBEs, raw MESSAGEs, answers.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use super::Asterisk;

/// Subscribes to `exten`'s presence as user `from_user` with a Digium User-Agent and returns the body
/// of the first NOTIFY that contains `needle` (answering every NOTIFY with 200 OK), if one comes.
pub fn subscribe_presence(
    ast: &Asterisk,
    from_user: &str,
    exten: &str,
    needle: &str,
) -> Option<String> {
    Watcher::subscribe(ast, from_user, exten).notify_with(needle)
}

/// A presence subscription held open (Event: presence, a Digium User-Agent, as a phone's BLF key),
/// answering every NOTIFY with 200 OK.
pub struct Watcher {
    sock: UdpSocket,
    /// The status lines of the responses to the SUBSCRIBE, as they came.
    pub responses: Vec<String>,
}

impl Watcher {
    pub fn subscribe(ast: &Asterisk, from_user: &str, exten: &str) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let local = sock.local_addr().unwrap();
        let request = format!(
            "SUBSCRIBE sip:{exten}@127.0.0.1:{port} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bKsub{lp};rport\r\n\
             From: <sip:{from_user}@127.0.0.1>;tag=sub{lp}\r\n\
             To: <sip:{exten}@127.0.0.1:{port}>\r\n\
             Call-ID: sub-{lp}@127.0.0.1\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\n\
             Contact: <sip:{from_user}@{local}>\r\nEvent: presence\r\nAccept: application/pidf+xml\r\n\
             Expires: 120\r\nUser-Agent: Digium D70 2_9_11_0\r\nContent-Length: 0\r\n\r\n",
            port = ast.sip_port,
            lp = local.port(),
        );
        sock.send_to(request.as_bytes(), ("127.0.0.1", ast.sip_port)).expect("send");
        Self { sock, responses: Vec::new() }
    }

    /// The body of the next NOTIFY that contains `needle`, waiting up to 10 s.
    pub fn notify_with(&mut self, needle: &str) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = vec![0u8; 65536];
        while Instant::now() < deadline {
            let Ok((n, from)) = self.sock.recv_from(&mut buf) else { continue };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.starts_with("SIP/2.0 ") {
                self.responses.push(text.lines().next().unwrap_or_default().to_string());
                continue;
            }
            if !text.starts_with("NOTIFY ") {
                continue;
            }
            let _ = self.sock.send_to(sip_ok(&text).as_bytes(), from);
            let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
            if body.contains(needle) {
                return Some(body.to_string());
            }
        }
        None
    }
}

/// A bare SIP user agent for requests the simulator would never send: one MESSAGE with `body` to
/// `sip:proxy@`, then the body of the server's reply MESSAGE (answered with 200 OK), if one comes.
pub fn raw_message(ast: &Asterisk, from_user: &str, body: &str) -> Option<String> {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let local = sock.local_addr().unwrap();
    let branch = format!("z9hG4bK{}", std::process::id() ^ u32::from(local.port()));
    let call_id = format!("raw-{}-{}@127.0.0.1", std::process::id(), local.port());
    let request = format!(
        "MESSAGE sip:proxy@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
         From: <sip:{from_user}@{local}>;tag=raw{lp}\r\n\
         To: <sip:proxy@127.0.0.1:{port}>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n\
         User-Agent: Digium D70 test\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: {len}\r\n\r\n{body}",
        port = ast.sip_port,
        lp = local.port(),
        len = body.len(),
    );
    sock.send_to(request.as_bytes(), ("127.0.0.1", ast.sip_port)).expect("send");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = vec![0u8; 65536];
    while Instant::now() < deadline {
        let Ok((n, from)) = sock.recv_from(&mut buf) else { continue };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("MESSAGE ") {
            continue; // a response to our request (202 Accepted)
        }
        let _ = sock.send_to(sip_ok(&text).as_bytes(), from);
        return Some(text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string());
    }
    None
}

/// The `200 OK` a user agent answers an in-coming SIP request with (a To tag added when missing).
pub fn sip_ok(request: &str) -> String {
    let head = request.split_once("\r\n\r\n").map_or(request, |(h, _)| h);
    let header = |name: &str| {
        head.lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap_or_default()
            .to_string()
    };
    let to = header("to");
    let to = if to.contains(";tag=") { to } else { format!("{to};tag=ua") };
    format!(
        "SIP/2.0 200 OK\r\n{}\r\n{}\r\n{to}\r\n{}\r\n{}\r\nContent-Length: 0\r\n\r\n",
        header("via"),
        header("from"),
        header("call-id"),
        header("cseq")
    )
}
