//! `digium-phones phone` against a fake server written here: a UDP socket that plays Asterisk's part
//! (202 Accepted, then the reply as a MESSAGE of its own) and a small HTTP server for the documents.
//! Bodies are written and read by hand, independently of the codec the simulator uses.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const MAC: &str = "000fd3aabb01";
const WAIT: Duration = Duration::from_secs(10);

/// A SIP message as the fake server sees it.
#[derive(Debug, Clone)]
struct Sip {
    start_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Sip {
    fn parse(datagram: &[u8]) -> Self {
        let text = String::from_utf8(datagram.to_vec()).expect("SIP is UTF-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("a blank line ends the headers");
        let mut lines = head.split("\r\n");
        let start_line = lines.next().unwrap().to_owned();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        Self { start_line, headers, body: body.to_owned() }
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no {name} in {self:?}"))
    }

    /// `id`, `method` and so on from the body's root element.
    fn body_attr(&self, name: &str) -> String {
        attr(&self.body, name).unwrap_or_else(|| panic!("no {name}= in {}", self.body))
    }

    fn param(&self, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{name}>"))? + start;
        Some(self.body[start..end].to_owned())
    }
}

fn attr(xml: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = xml.find(&key)? + key.len();
    let end = xml[start..].find('"')? + start;
    Some(xml[start..end].to_owned())
}

/// The SIP side of the fake server.
struct FakeSip {
    socket: UdpSocket,
    /// Requests from the phone that arrived while waiting for something else.
    queued: VecDeque<(Sip, SocketAddr)>,
    sent: u32,
}

impl FakeSip {
    fn new() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        Self { socket, queued: VecDeque::new(), sent: 0 }
    }

    fn port(&self) -> u16 {
        self.socket.local_addr().unwrap().port()
    }

    fn receive(&self, deadline: Instant) -> Option<(Sip, SocketAddr)> {
        let mut buffer = vec![0u8; 65_535];
        while Instant::now() < deadline {
            if let Ok((length, source)) = self.socket.recv_from(&mut buffer) {
                return Some((Sip::parse(&buffer[..length]), source));
            }
        }
        None
    }

    /// The phone's next MESSAGE, not yet answered.
    fn next_request(&mut self) -> (Sip, SocketAddr) {
        if let Some(queued) = self.queued.pop_front() {
            return queued;
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let (message, source) = self.receive(deadline).expect("the phone sent no MESSAGE");
            if message.start_line.starts_with("MESSAGE ") {
                return (message, source);
            }
        }
    }

    /// Answers as Asterisk does when it takes a MESSAGE in.
    fn accept(&self, request: &Sip, source: SocketAddr) {
        self.answer(request, source, "202 Accepted");
    }

    fn answer(&self, request: &Sip, source: SocketAddr, status: &str) {
        let reply = format!(
            "SIP/2.0 {status}\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=fake\r\nCall-ID: {}\r\nCSeq: {}\r\n\
             Content-Length: 0\r\n\r\n",
            request.header("Via"),
            request.header("From"),
            request.header("To"),
            request.header("Call-ID"),
            request.header("CSeq"),
        );
        self.socket.send_to(reply.as_bytes(), source).unwrap();
    }

    /// Takes the phone's next request in and checks it names `method`.
    fn expect(&mut self, method: &str) -> (Sip, SocketAddr) {
        let (request, source) = self.next_request();
        assert_eq!(request.body_attr("method"), method, "{}", request.body);
        self.accept(&request, source);
        (request, source)
    }

    /// Sends `body` to the phone in a MESSAGE and waits for its 200 OK. Returns the Call-ID so a
    /// test can send the very same MESSAGE again.
    fn deliver(&mut self, to: SocketAddr, body: &str) -> String {
        self.sent += 1;
        let call_id = format!("fake-{}@127.0.0.1", self.sent);
        self.deliver_as(to, body, &call_id);
        call_id
    }

    fn deliver_as(&mut self, to: SocketAddr, body: &str, call_id: &str) {
        let branch = format!("z9hG4bK-fake-{call_id}");
        let message = format!(
            "MESSAGE sip:{MAC}@{to} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};rport;branch={branch}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:proxy@127.0.0.1:{port}>;tag=fakeserver\r\n\
             To: <sip:{MAC}@{to}>\r\nCall-ID: {call_id}\r\nCSeq: 1 MESSAGE\r\n\
             Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {length}\r\n\r\n{body}",
            port = self.port(),
            length = body.len(),
        );
        let deadline = Instant::now() + WAIT;
        self.socket.send_to(message.as_bytes(), to).unwrap();
        loop {
            let (reply, source) = self.receive(deadline).expect("the phone did not answer");
            if reply.start_line.starts_with("MESSAGE ") {
                self.queued.push_back((reply, source));
                continue;
            }
            if reply.header("Call-ID") != call_id {
                continue;
            }
            assert_eq!(reply.start_line, "SIP/2.0 200 OK");
            assert!(reply.header("Via").contains(&branch), "{reply:?}");
            assert!(reply.header("To").contains(";tag="), "{reply:?}");
            assert_eq!(reply.header("CSeq"), "1 MESSAGE");
            return;
        }
    }

    fn respond_ok(&mut self, request: &Sip, to: SocketAddr, result: &str) {
        let body = format!(
            r#"<response v="1" id="{}" method="{}" status="ok"><result>{result}</result></response>"#,
            request.body_attr("id"),
            request.body_attr("method"),
        );
        self.deliver(to, &body);
    }
}

/// The HTTP side of the fake server: documents by path, and the User-Agent of every GET.
struct FakeHttp {
    port: u16,
    documents: Arc<Mutex<HashMap<String, String>>>,
    user_agents: Arc<Mutex<Vec<String>>>,
}

impl FakeHttp {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let documents: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let user_agents: Arc<Mutex<Vec<String>>> = Arc::default();
        let (served, seen) = (documents.clone(), user_agents.clone());
        // The thread ends with the test process.
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&request).into_owned();
                let path = request.split(' ').nth(1).unwrap_or_default().to_owned();
                if let Some(agent) =
                    request.split("\r\n").find_map(|line| line.strip_prefix("User-Agent: "))
                {
                    seen.lock().unwrap().push(agent.to_owned());
                }
                let document = served.lock().unwrap().get(&path).cloned();
                let response = match document {
                    Some(body) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned(),
                };
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Self { port, documents, user_agents }
    }

    /// Serves `body` at `path` and returns the reply element naming it, with its true MD5.
    fn publish(&self, element: &str, path: &str, body: &str, extra: &str) -> String {
        self.documents.lock().unwrap().insert(path.to_owned(), body.to_owned());
        format!(
            r#"<{element} url="http://127.0.0.1:{}{path}" md5="{:x}" size="{}"{extra}/>"#,
            self.port,
            md5::compute(body),
            body.len()
        )
    }
}

const CONFIG: &str = r#"<config><lines><line index="1" reg_address="200"/></lines></config>"#;
const CONFIG_2: &str = r#"<config><lines><line index="1" reg_address="201"/></lines></config>"#;
const USERLIST: &str = r#"<userlist>
  <user id="alice" name="Alice Smith" line="200" auth="pin"/>
  <user id="bob" name="Bob" line="201" auth="none"/>
</userlist>
"#;

/// The simulator as a child process, killed if a test fails before it ends.
struct Phone(Option<Child>);

impl Phone {
    fn start(sip: &FakeSip, extra: &[&str]) -> Self {
        Self::start_with_timeout(sip, "5", extra)
    }

    fn start_with_timeout(sip: &FakeSip, timeout: &str, extra: &[&str]) -> Self {
        let server = format!("sip:proxy@127.0.0.1:{}", sip.port());
        let child = Command::new(env!("CARGO_BIN_EXE_digium-phones"))
            .args(["phone", "--server", &server, "--mac", "00:0F:D3:AA:BB:01", "--model", "D70"])
            .args(["--timeout", timeout])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Self(Some(child))
    }

    /// Waits for the exit, bounded, and returns what it printed.
    fn finish(mut self) -> Output {
        let mut child = self.0.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the simulator did not exit");
            thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Answers a provision.config with a configuration served over HTTP.
fn serve_config(
    sip: &mut FakeSip,
    http: &FakeHttp,
    config: &str,
    session: &str,
) -> (Sip, SocketAddr) {
    let (request, phone) = sip.expect("provision.config");
    let path = format!("/digium_phones/session/{session}/config.xml");
    let pointer = http.publish("config", &path, config, "");
    sip.respond_ok(&request, phone, &format!(r#"{pointer}<session id="{session}"/>"#));
    (request, phone)
}

#[test]
fn provisions_a_profile() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone =
        Phone::start(&sip, &["--profile", "alice", "--pin", "97531", "--firmware", "1.4.2.0"]);

    let (request, source) = sip.next_request();
    // The SIP request, header by header.
    assert_eq!(request.start_line, format!("MESSAGE sip:proxy@127.0.0.1:{} SIP/2.0", sip.port()));
    let via = request.header("Via");
    assert!(via.starts_with(&format!("SIP/2.0/UDP 127.0.0.1:{}", source.port())), "{via}");
    assert!(via.contains(";rport") && via.contains(";branch=z9hG4bK"), "{via}");
    let from = request.header("From");
    assert!(from.starts_with(&format!("<sip:{MAC}@127.0.0.1:{}>;tag=", source.port())), "{from}");
    assert_eq!(request.header("To"), format!("<sip:proxy@127.0.0.1:{}>", sip.port()));
    assert!(request.header("CSeq").ends_with(" MESSAGE"));
    assert_eq!(request.header("Max-Forwards"), "70");
    assert_eq!(request.header("User-Agent"), "Digium D70 1_4_2_0 (simulated)");
    assert_eq!(request.header("Content-Type"), "text/plain;charset=UTF-8");
    assert_eq!(request.header("Content-Length"), request.body.len().to_string());
    // The body.
    assert!(request.body.starts_with(r#"<request v="1" id=""#), "{}", request.body);
    assert_eq!(request.body_attr("method"), "provision.config");
    assert_eq!(request.param("mac").as_deref(), Some(MAC));
    assert_eq!(request.param("model").as_deref(), Some("D70"));
    assert_eq!(request.param("firmware").as_deref(), Some("1.4.2.0"));
    assert_eq!(request.param("profile").as_deref(), Some("alice"));
    assert_eq!(request.param("pin").as_deref(), Some("97531"));
    sip.accept(&request, source);

    let pointer = http.publish("config", "/digium_phones/session/t1/config.xml", CONFIG, "");
    let reply = format!(
        r#"<response v="1" id="{}" method="provision.config" status="ok"><result>{pointer}<session id="s1"/></result></response>"#,
        request.body_attr("id")
    );
    // A reply to some earlier request is answered and otherwise ignored.
    sip.deliver(
        source,
        r#"<response v="1" id="earlier-1" method="provision.config" status="error"><error code="404">stale</error></response>"#,
    );
    sip.deliver(source, &reply);

    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
    assert!(text(&output.stderr).contains("session s1"), "{}", text(&output.stderr));
    assert_eq!(*http.user_agents.lock().unwrap(), ["Digium D70 1_4_2_0 (simulated)"]);
}

#[test]
fn an_error_reply_is_a_refusal() {
    let mut sip = FakeSip::new();
    let phone = Phone::start(&sip, &["--profile", "alice"]);
    let (request, source) = sip.expect("provision.config");
    assert_eq!(request.param("pin"), None);
    let reply = format!(
        r#"<response v="1" id="{}" method="provision.config" status="error"><error code="401" need="pin">a PIN is needed &amp; missing</error></response>"#,
        request.body_attr("id")
    );
    sip.deliver(source, &reply);
    let output = phone.finish();
    assert_exit(&output, 1);
    assert!(output.stdout.is_empty());
    assert!(
        text(&output.stderr).contains("refused: 401 need=pin a PIN is needed & missing"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_wrong_md5_is_detected() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &[]);
    let (request, source) = sip.expect("provision.config");
    assert_eq!(request.param("profile"), None);
    http.publish("config", "/c.xml", CONFIG, "");
    let wrong = format!("{:x}", md5::compute("something else"));
    let pointer = format!(
        r#"<config url="http://127.0.0.1:{}/c.xml" md5="{wrong}" size="{}"/><session id="s"/>"#,
        http.port,
        CONFIG.len()
    );
    sip.respond_ok(&request, source, &pointer);
    let output = phone.finish();
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());
    assert!(text(&output.stderr).contains("md5 mismatch"), "{}", text(&output.stderr));
}

#[test]
fn an_unanswered_message_is_retransmitted() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &[]);
    let (first, _) = sip.next_request();
    // Not answered: the same transaction must come again.
    let (again, source) = sip.next_request();
    assert_eq!(again.header("Call-ID"), first.header("Call-ID"));
    assert_eq!(again.header("Via"), first.header("Via"));
    assert_eq!(again.header("CSeq"), first.header("CSeq"));
    assert_eq!(again.body, first.body);
    sip.accept(&again, source);
    let pointer = http.publish("config", "/c.xml", CONFIG, "");
    sip.respond_ok(&again, source, &format!(r#"{pointer}<session id="s"/>"#));
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
}

#[test]
fn lists_profiles() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--userlist", "--globalpin", "4242"]);
    let (request, source) = sip.expect("provision.userlist");
    assert_eq!(request.param("globalpin").as_deref(), Some("4242"));
    assert_eq!(request.param("mac").as_deref(), Some(MAC));
    let pointer = http.publish("userlist", "/u.xml", USERLIST, r#" count="2""#);
    sip.respond_ok(&request, source, &pointer);
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), USERLIST);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("user alice \"Alice Smith\" line=200 auth=pin"), "{stderr}");
    assert!(stderr.contains("user bob \"Bob\" line=201 auth=none"), "{stderr}");
}

#[test]
fn lists_profiles_then_claims_one_and_logs_out() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--userlist", "--profile", "bob", "--logout"]);
    let (request, source) = sip.expect("provision.userlist");
    let pointer = http.publish("userlist", "/u.xml", USERLIST, r#" count="2""#);
    sip.respond_ok(&request, source, &pointer);
    let (config, _) = serve_config(&mut sip, &http, CONFIG, "s7");
    assert_eq!(config.param("profile").as_deref(), Some("bob"));
    assert_ne!(config.body_attr("id"), request.body_attr("id"));
    let (logout, source) = sip.expect("provision.logout");
    assert_eq!(logout.param("session").as_deref(), Some("s7"));
    sip.respond_ok(&logout, source, "<ok/>");
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
    assert!(text(&output.stderr).contains("logged out"));
}

#[test]
fn reconfigures_on_the_event() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--profile", "alice", "--wait-reconfigure", "10"]);
    let (_, source) = serve_config(&mut sip, &http, CONFIG, "s1");
    let event = r#"<event v="1" id="ev1" method="event.reconfigure"><data><reason>config</reason></data></event>"#;
    let call_id = sip.deliver(source, event);
    // A SIP retransmission of it, and the same event in a second MESSAGE: acted on once.
    sip.deliver_as(source, event, &call_id);
    sip.deliver(source, event);
    let (again, _) = serve_config(&mut sip, &http, CONFIG_2, "s2");
    assert_eq!(again.param("profile").as_deref(), Some("alice"));
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n--- reconfigured\n{CONFIG_2}\n"));
}

#[test]
fn no_reconfigure_event_exits_3() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--wait-reconfigure", "0.5"]);
    serve_config(&mut sip, &http, CONFIG, "s1");
    let output = phone.finish();
    assert_exit(&output, 3);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
}

#[test]
fn a_silent_server_is_a_timeout() {
    let sip = FakeSip::new();
    let phone = Phone::start_with_timeout(&sip, "1", &[]);
    let output = phone.finish();
    assert_exit(&output, 2);
    assert!(text(&output.stderr).contains("no final response"), "{}", text(&output.stderr));
}

#[test]
fn a_sip_error_to_the_message_is_a_failure() {
    let mut sip = FakeSip::new();
    let phone = Phone::start(&sip, &[]);
    let (request, source) = sip.next_request();
    sip.answer(&request, source, "404 Not Found");
    let output = phone.finish();
    assert_exit(&output, 2);
    assert!(text(&output.stderr).contains("404 Not Found"), "{}", text(&output.stderr));
}

#[test]
fn sets_a_status_after_provisioning() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let message = "Back at 2,\nthen in room 4 & <b>";
    let phone = Phone::start(
        &sip,
        &[
            "--profile",
            "alice",
            "--status",
            "away",
            "--substatus",
            "Lunch, 1h",
            "--status-message",
            message,
        ],
    );
    serve_config(&mut sip, &http, CONFIG, "s1");
    let (request, source) = sip.expect("presence.set");
    assert_eq!(request.param("session").as_deref(), Some("s1"));
    assert_eq!(request.param("status").as_deref(), Some("away"));
    assert_eq!(request.param("substatus").as_deref(), Some("Lunch, 1h"));
    // Element text: a newline is written as is, the markup characters escaped.
    assert_eq!(
        request.param("message").as_deref(),
        Some("Back at 2,\nthen in room 4 &amp; &lt;b&gt;")
    );
    assert_eq!(request.param("mac"), None);
    sip.respond_ok(
        &request,
        source,
        r#"<presence line="200" state="away" subtype="Lunch, 1h" message="Back at 2,&#10;then in room 4 &amp; &lt;b&gt;"/><presence line="201" state="away" subtype="Lunch, 1h" message="Back" truncated="1"/>"#,
    );
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "presence 200 away \"Lunch, 1h\" \"Back at 2,\\nthen in room 4 & <b>\"\n\
             presence 201 away \"Lunch, 1h\" \"Back\" truncated\n"
        ),
        "{stderr}"
    );
}

#[test]
fn reads_the_presence_of_lines() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--get-presence", "200,201,300", "--logout"]);
    serve_config(&mut sip, &http, CONFIG, "s9");
    let (request, source) = sip.expect("presence.get");
    assert_eq!(request.param("session").as_deref(), Some("s9"));
    assert_eq!(request.param("lines").as_deref(), Some("200,201,300"));
    sip.respond_ok(
        &request,
        source,
        r#"<presence line="200" state="dnd" subtype="" message="In a meeting"/><presence line="201" state="not_set" subtype="" message=""/><presence line="300" state="invalid" subtype="" message=""/>"#,
    );
    let (logout, source) = sip.expect("provision.logout");
    sip.respond_ok(&logout, source, "<ok/>");
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(
        text(&output.stdout),
        format!(
            "{CONFIG}\npresence 200 dnd \"\" \"In a meeting\"\npresence 201 not_set \"\" \"\"\n\
             presence 300 invalid \"\" \"\"\n"
        )
    );
}

#[test]
fn status_then_presence_and_lines_left_out() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--status", "chat", "--get-presence", "200"]);
    serve_config(&mut sip, &http, CONFIG, "s2");
    let (set, source) = sip.expect("presence.set");
    assert_eq!((set.param("substatus"), set.param("message")), (None, None));
    sip.respond_ok(&set, source, r#"<presence line="200" state="chat" subtype="" message=""/>"#);
    let (get, source) = sip.expect("presence.get");
    sip.respond_ok(
        &get,
        source,
        r#"<presence line="200" state="chat" subtype="" message=""/><more count="3"/>"#,
    );
    let output = phone.finish();
    assert_exit(&output, 0);
    assert_eq!(text(&output.stdout), format!("{CONFIG}\npresence 200 chat \"\" \"\"\n"));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("presence 200 chat \"\" \"\"\n"), "{stderr}");
    assert!(stderr.contains("warning: 3 more lines did not fit in the reply"), "{stderr}");
}

#[test]
fn a_refused_status_exits_1() {
    for (status, code, reason) in [
        ("unavailable", "400", "status 'unavailable' is not supported"),
        ("chat", "403", "this phone's status application does not offer 'chat'"),
    ] {
        let mut sip = FakeSip::new();
        let http = FakeHttp::start();
        let phone = Phone::start(&sip, &["--status", status, "--get-presence", "200"]);
        serve_config(&mut sip, &http, CONFIG, "s3");
        let (request, source) = sip.expect("presence.set");
        assert_eq!(request.param("status").as_deref(), Some(status));
        let reply = format!(
            r#"<response v="1" id="{}" method="presence.set" status="error"><error code="{code}">{reason}</error></response>"#,
            request.body_attr("id")
        );
        sip.deliver(source, &reply);
        let output = phone.finish();
        assert_exit(&output, 1);
        // The configuration was printed; nothing after the refusal was asked.
        assert_eq!(text(&output.stdout), format!("{CONFIG}\n"));
        let stderr = text(&output.stderr);
        assert!(stderr.contains(&format!("refused: {code} {reason}")), "{stderr}");
    }
}

#[test]
fn an_unknown_session_refuses_presence_get() {
    let mut sip = FakeSip::new();
    let http = FakeHttp::start();
    let phone = Phone::start(&sip, &["--get-presence", "200"]);
    serve_config(&mut sip, &http, CONFIG, "gone");
    let (request, source) = sip.expect("presence.get");
    let reply = format!(
        r#"<response v="1" id="{}" method="presence.get" status="error"><error code="404">no such session</error></response>"#,
        request.body_attr("id")
    );
    sip.deliver(source, &reply);
    let output = phone.finish();
    assert_exit(&output, 1);
    assert!(text(&output.stderr).contains("refused: 404 no such session"));
}
