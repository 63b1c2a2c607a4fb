//! `digium-phones phone --discover` against a fake mDNS responder on 127.0.0.1 (reached with the
//! hidden `--mdns-target`, so no multicast is needed). Packets are written and read by hand here,
//! independently of the codec the simulator uses.

use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const SERVICE: &[&str] = &["_digiumproxy", "_udp", "local"];
const TYPE_A: u16 = 1;
const TYPE_PTR: u16 = 12;
const TYPE_TXT: u16 = 16;
const TYPE_SRV: u16 = 33;

fn name(labels: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for label in labels {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn instance(label: &str) -> Vec<&str> {
    [label].iter().chain(SERVICE).copied().collect()
}

fn record(owner: &[u8], rtype: u16, cache_flush: bool, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut out = owner.to_vec();
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&(if cache_flush { 0x8001u16 } else { 1 }).to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
    out
}

fn ptr(label: &str) -> Vec<u8> {
    record(&name(SERVICE), TYPE_PTR, false, 4500, &name(&instance(label)))
}

fn srv(label: &str, port: u16, host: &[&str]) -> Vec<u8> {
    let mut rdata = vec![0, 0, 0, 0];
    rdata.extend_from_slice(&port.to_be_bytes());
    rdata.extend_from_slice(&name(host));
    record(&name(&instance(label)), TYPE_SRV, true, 120, &rdata)
}

fn txt(label: &str, strings: &[&str]) -> Vec<u8> {
    let mut rdata = Vec::new();
    for s in strings {
        rdata.push(s.len() as u8);
        rdata.extend_from_slice(s.as_bytes());
    }
    record(&name(&instance(label)), TYPE_TXT, true, 4500, &rdata)
}

fn a(host: &[&str], ip: [u8; 4]) -> Vec<u8> {
    record(&name(host), TYPE_A, true, 120, &ip)
}

/// A response (QR, AA) with `answers` then `additionals`.
fn response(id: u16, answers: &[Vec<u8>], additionals: &[Vec<u8>]) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x84, 0, 0, 0]);
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(additionals.len() as u16).to_be_bytes());
    for r in answers.iter().chain(additionals) {
        out.extend_from_slice(r);
    }
    out
}

/// A query as the fake responder sees it: id, flags and `(labels, type, class)` per question.
#[derive(Debug)]
struct Query {
    id: u16,
    flags: u16,
    questions: Vec<(Vec<String>, u16, u16)>,
}

/// Reads a query; its names must be uncompressed or point at an earlier name's start.
fn read_query(p: &[u8]) -> Query {
    let u16_at = |i: usize| u16::from_be_bytes([p[i], p[i + 1]]);
    let mut pos = 12;
    let mut questions = Vec::new();
    for _ in 0..u16_at(4) {
        let mut labels = Vec::new();
        let mut at = pos;
        let mut end = None;
        loop {
            let len = p[at] as usize;
            if len == 0 {
                end.get_or_insert(at + 1);
                break;
            }
            if len & 0xc0 == 0xc0 {
                end.get_or_insert(at + 2);
                at = (u16_at(at) & 0x3fff) as usize;
                continue;
            }
            labels.push(String::from_utf8(p[at + 1..at + 1 + len].to_vec()).unwrap());
            at += 1 + len;
        }
        pos = end.unwrap();
        questions.push((labels, u16_at(pos), u16_at(pos + 2)));
        pos += 4;
    }
    Query { id: u16_at(0), flags: u16_at(2), questions }
}

/// A fake responder: for each query it receives, `answer` gives the datagrams to send back.
struct Responder {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<Vec<Query>>,
}

impl Responder {
    fn start(mut answer: impl FnMut(usize, &Query) -> Vec<Vec<u8>> + Send + 'static) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = thread::spawn(move || {
            let mut queries = Vec::new();
            let mut buf = [0u8; 9000];
            while !stopped.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let query = read_query(&buf[..n]);
                for datagram in answer(queries.len(), &query) {
                    socket.send_to(&datagram, from).unwrap();
                }
                queries.push(query);
            }
            queries
        });
        Self { addr, stop, thread }
    }

    /// The queries received, once the simulator is done.
    fn finish(self) -> Vec<Query> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

fn phone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digium-phones"))
        .arg("phone")
        .args(args)
        .output()
        .expect("run digium-phones")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HOST: &[&str] = &["pbx-digium-phones", "local"];
const URL: &str = "sip:proxy@127.0.0.1:5070;transport=udp";

fn is_ptr_query(q: &Query) -> bool {
    q.questions.len() == 1
        && q.questions[0].0 == SERVICE
        && q.questions[0].1 == TYPE_PTR
        && q.questions[0].2 == 1
}

#[test]
fn discover_only_prints_the_server_found() {
    let label = "Büro 2. Stock";
    let responder = Responder::start(move |_, q| {
        if !is_ptr_query(q) {
            return vec![];
        }
        vec![
            // Noise first: garbage, and another service's answer.
            vec![0xff; 40],
            response(
                0,
                &[record(&name(&["x", "_http", "_tcp", "local"]), TYPE_A, true, 1, &[1; 4])],
                &[],
            ),
            response(
                q.id,
                &[ptr(label)],
                &[
                    srv(label, 5070, HOST),
                    txt(label, &[&format!("sipUrl={URL}"), "serviceType=asterisk"]),
                    a(HOST, [127, 0, 0, 1]),
                ],
            ),
        ]
    });
    let target = responder.addr.to_string();
    let out = phone(&["--discover-only", "--mdns-target", &target, "--discover-timeout", "5"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout), format!("{label}\t{URL}\n"));
    assert!(stderr.contains(&format!("discovered \"{label}\" {URL}")), "{stderr}");
    let queries = responder.finish();
    // One mDNS query (flags 0) for the service's PTR, class IN, the QU bit clear.
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert_eq!(queries[0].flags, 0);
    assert!(is_ptr_query(&queries[0]), "{queries:?}");
}

#[test]
fn asks_for_srv_and_txt_when_the_ptr_comes_alone() {
    let label = "Front Desk";
    let responder = Responder::start(move |n, q| match n {
        0 => vec![response(0, &[ptr(label)], &[])],
        _ if q.questions.iter().any(|(l, t, _)| *l == instance(label) && *t == TYPE_TXT) => {
            vec![response(
                0,
                &[srv(label, 5071, HOST), txt(label, &["sipUrl=sip:proxy@127.0.0.1:5071"])],
                &[],
            )]
        }
        _ => vec![],
    });
    let target = responder.addr.to_string();
    let out = phone(&["--discover-only", "--mdns-target", &target, "--discover-timeout", "5"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Front Desk\tsip:proxy@127.0.0.1:5071\n");
    let queries = responder.finish();
    let types: Vec<u16> = queries[1].questions.iter().map(|q| q.1).collect();
    assert_eq!(types, [TYPE_TXT, TYPE_SRV], "{queries:?}");
}

#[test]
fn a_lost_query_is_sent_again() {
    let responder = Responder::start(|n, q| match n {
        0 => vec![],
        _ if is_ptr_query(q) => {
            vec![response(0, &[ptr("Late")], &[srv("Late", 5060, HOST), a(HOST, [127, 0, 0, 2])])]
        }
        _ => vec![],
    });
    let target = responder.addr.to_string();
    let started = Instant::now();
    let out = phone(&["--discover-only", "--mdns-target", &target, "--discover-timeout", "5"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Without TXT, the URL is made from SRV and A.
    assert_eq!(text(&out.stdout), "Late\tsip:proxy@127.0.0.2:5060\n");
    assert!(started.elapsed() >= Duration::from_millis(900), "retried after about a second");
    assert_eq!(responder.finish().len(), 2);
}

#[test]
fn no_answer_exits_2() {
    // Bound, so no ICMP error comes back: the query is simply never answered.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = silent.local_addr().unwrap().to_string();
    let started = Instant::now();
    let out = phone(&["--discover-only", "--mdns-target", &target, "--discover-timeout", "0.5"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("timed out") && stderr.contains("_digiumproxy._udp.local"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn discover_hands_the_url_to_the_phone() {
    // A SIP "server" that receives but never answers: the phone must try it, then time out.
    let sip = UdpSocket::bind("127.0.0.1:0").unwrap();
    sip.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let url = format!("sip:proxy@127.0.0.1:{};transport=udp", sip.local_addr().unwrap().port());
    let sip_url = format!("sipUrl={url}");
    let responder = Responder::start(move |_, q| {
        if !is_ptr_query(q) {
            return vec![];
        }
        vec![response(0, &[ptr("PBX")], &[txt("PBX", &[&sip_url, "serviceType=asterisk"])])]
    });
    let target = responder.addr.to_string();
    let out = phone(&[
        "--discover",
        "--mdns-target",
        &target,
        "--mac",
        "00:0f:d3:aa:bb:01",
        "--model",
        "D70",
        "--timeout",
        "0.5",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("discovered \"PBX\" {url}")), "{stderr}");
    assert!(stderr.contains("no final response"), "{stderr}");
    let mut buf = [0u8; 4096];
    let (n, _) = sip.recv_from(&mut buf).expect("the phone sent a MESSAGE");
    let request_line = text(&buf[..n]).lines().next().unwrap_or_default().to_owned();
    let port = sip.local_addr().unwrap().port();
    assert_eq!(request_line, format!("MESSAGE sip:proxy@127.0.0.1:{port} SIP/2.0"));
}

#[test]
fn discover_and_server_exclude_each_other() {
    let out = phone(&["--discover", "--server", "sip:proxy@127.0.0.1", "--mac", "000fd3aabb01"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("'--discover' cannot be used with '--server <URI>'"), "{stderr}");
}
