//! Custom phone apps and their app servers: a third-party AMI client (panoramisk, from PyPI, run
//! by tests/support/app_server.py) registers methods, answers simulated phones' requests and pushes
//! to them, through the module in a real Asterisk.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::support::{Asterisk, digium_phones, fixture, phone, repo, sandbox_dir, start};
use digium_phones_core::provision::documents::md5_hex;

/// An app server process, and the lines it printed (see tests/support/app_server.py).
struct AppServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

/// The venv contrib/sandbox.sh makes for the app server; `None` (after saying why) outside CI.
fn python() -> Option<String> {
    let python = std::env::var("RDP_APP_SERVER_PYTHON")
        .unwrap_or_else(|_| sandbox_dir().join("venv/bin/python").display().to_string());
    let ok = Command::new(&python)
        .args(["-c", "import panoramisk"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!("{python} cannot import panoramisk (run contrib/sandbox.sh setup)");
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("SKIPPED: {why}");
    None
}

impl AppServer {
    fn start(ast: &Asterisk, mode: &str, methods: &[&str]) -> Option<Self> {
        let mut child = Command::new(python()?)
            .arg(repo().join("tests/support/app_server.py"))
            .args([&ast.ami_port.to_string(), "sandbox", "sandbox", mode])
            .args(methods)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the app server");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut server = Self { child, stdin, lines, seen: Vec::new() };
        server.expect("ready");
        for method in methods {
            server.expect(&format!("registered {method} Success"));
        }
        Some(server)
    }

    /// The first line (seen or still to come, within 20 s) that starts with `prefix`.
    fn expect(&mut self, prefix: &str) -> String {
        self.expect_where(prefix, |l| l.starts_with(prefix))
    }

    /// The first line (seen or still to come, within 20 s) that `wanted` picks.
    fn expect_where(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.seen.iter().find(|l| wanted(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("the app server never printed '{what}'; it printed {:#?}", self.seen)
                }
            }
        }
    }

    /// Every line printed so far.
    fn drain(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    fn count(&mut self, prefix: &str) -> usize {
        self.drain().iter().filter(|l| l.starts_with(prefix)).count()
    }

    /// Sends an action through the library and returns its reply line (`reply Success|Error ...`).
    fn action(&mut self, headers: &[(&str, &str)]) -> String {
        let object: Vec<String> = headers
            .iter()
            .map(|(k, v)| format!("{}: {}", json_string(k), json_string(v)))
            .collect();
        // Earlier replies must not be mistaken for this one.
        self.drain();
        self.seen.retain(|l| !l.starts_with("reply "));
        let stdin = self.stdin.as_mut().expect("the app server's stdin");
        writeln!(stdin, "action {{{}}}", object.join(", ")).unwrap();
        stdin.flush().unwrap();
        self.expect("reply ")
    }

    /// Logs off and waits for the process to end.
    fn quit(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the app server");
        assert!(status.success(), "the app server failed: {status}; it printed {:#?}", self.seen);
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mac(n: u32) -> String {
    format!("000fd3ee00{n:02x}")
}

/// The simulator's arguments for phone `pNN` (claimed by its MAC).
fn as_phone(n: u32, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--mac", &mac(n), "--model", "D70"].map(String::from).to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_phone(ast: &Asterisk, n: u32, extra: &[&str]) -> crate::support::PhoneRun {
    let args = as_phone(n, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    phone(ast, &args)
}

/// `Requests waiting: N` and the number of methods, from `digium_phones show appservers`.
fn bridge_tables(ast: &Asterisk) -> (usize, usize) {
    let shown = ast.cli("digium_phones show appservers");
    let number = |label: &str| {
        shown
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no '{label}' in {shown}"))
    };
    (number("Methods registered: "), number("Requests waiting: "))
}

/// Polls (up to 10 s) until `digium_phones show appservers` says `methods` and `waiting`.
fn await_tables(ast: &Asterisk, methods: usize, waiting: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while bridge_tables(ast) != (methods, waiting) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        bridge_tables(ast),
        (methods, waiting),
        "{}",
        ast.cli("digium_phones show appservers")
    );
}

/// The `app-response` lines of a run.
fn responses(stdout: &str) -> Vec<&str> {
    stdout.lines().filter_map(|l| l.strip_prefix("app-response ")).collect()
}

#[test]
fn an_app_server_answers_and_pushes_to_phone_apps() {
    let Some(ast) = start("ab-bridge", &fixture("app_bridge.conf")) else { return };
    let Some(mut server) = AppServer::start(&ast, "echo", &["digium.confapp", "digium.other"])
    else {
        return;
    };
    await_tables(&ast, 2, 0);
    // The module's debug level only: at a global debug level Asterisk's manager.c logs every AMI
    // event whole (docs/protocol.md).
    ast.cli("core set debug 10 res_digium_phone.so");

    // A phone app's request reaches the server as DPMAMessage; its answer is the phone's result.
    let run = run_phone(
        &ast,
        1,
        &[
            "--app-request",
            "digium.confapp",
            r#"{"action": "register", "phonename": "p01", "cid": "601"}"#,
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let answer = responses(&run.stdout);
    assert_eq!(answer.len(), 1, "{}", run.stdout);
    assert!(
        answer[0].contains(r#""echo":{"action":"register","cid":"601","phonename":"p01"}"#)
            && answer[0].contains(r#""method":"digium.confapp""#),
        "{}",
        answer[0]
    );
    let request = server.expect("request ");
    assert_eq!(server.expect("event-fields "), "event-fields agent,all JSON");
    let fields: Vec<&str> = request.splitn(4, ' ').collect();
    assert_eq!(fields[2], "digium.confapp", "{request}");
    assert_eq!(fields[3], r#"{"action":"register","cid":"601","phonename":"p01"}"#, "{request}");
    assert!(answer[0].contains(&format!(r#""requestid":"{}""#, fields[1])), "{}", answer[0]);
    assert!(server.expect(&format!("answered {} ", fields[1])).contains("Success"));
    // Even at the module's debug level, only sizes are logged, never the parameters or the answer.
    let size = r#"{"action":"register","cid":"601","phonename":"p01"}"#.len();
    assert!(ast.wait_for_log(&format!("from 'p01': {size} bytes of parameters")), "no debug line");
    assert!(ast.wait_for_log(" answered: "), "no debug line for the answer in the log");
    let log = ast.log();
    assert!(!log.contains("phonename") && !log.contains("\"echo\""), "JSON reached the log");

    // Phones get clear errors.
    let unregistered = run_phone(&ast, 1, &["--app-request", "nobody.listens", "{}"]);
    assert_eq!(unregistered.code, 1, "{}", unregistered.stderr);
    assert!(
        unregistered.stderr.contains("refused: 503 no app server is registered for nobody.listens"),
        "{}",
        unregistered.stderr
    );
    let broken = run_phone(&ast, 1, &["--app-request", "digium.confapp", "{\"a\":"]);
    assert!(
        broken.stderr.contains("refused: 400 the json parameter: not JSON"),
        "{}",
        broken.stderr
    );
    let bad_name = run_phone(&ast, 1, &["--app-request", "no spaces", "{}"]);
    assert!(bad_name.stderr.contains("refused: 400 the method parameter"), "{}", bad_name.stderr);

    // An answer too large for a MESSAGE: the phone is told, the app server too.
    let large = format!("{{\"pad\":\"{}\"}}", "x".repeat(470));
    let run = run_phone(&ast, 1, &["--app-request", "digium.confapp", &large]);
    assert!(
        run.stderr.contains("refused: 502 the app server's answer is too large"),
        "{}",
        run.stderr
    );
    let request = server
        .expect_where("the padded request", |l| l.starts_with("request ") && l.contains("pad"));
    let id = request.split(' ').nth(1).unwrap().to_string();
    let refused = server.expect(&format!("answered {id} "));
    assert!(
        refused.contains("Error Response:") && refused.contains("the phone was told"),
        "{refused}"
    );

    // So do app servers.
    for (headers, error) in [
        (vec![("Action", "DPMAMessageRegister")], "Method: header missing"),
        (
            vec![("Action", "DPMAMessageRegister"), ("Method", "a b")],
            "Method: must be 1-64 characters",
        ),
        (
            vec![("Action", "DPMAMessageResponse"), ("RequestID", "nope1"), ("Response", "{}")],
            "RequestID: no request nope1 waits for an answer",
        ),
        (
            vec![("Action", "DPMAMessageResponse"), ("RequestID", "x"), ("Response", "{oops")],
            "Response: not JSON",
        ),
        (
            vec![
                ("Action", "DPMAMessageResponse"),
                ("RequestID", "x"),
                ("Format", "XML"),
                ("Response", "{}"),
            ],
            "Format: only JSON is supported",
        ),
        (
            vec![
                ("Action", "DPMAMessageSend"),
                ("PhoneName", "nobody"),
                ("Method", "m"),
                ("Message", "{}"),
            ],
            "PhoneName: no phone named 'nobody'",
        ),
        (
            vec![
                ("Action", "DPMAMessageSend"),
                ("PhoneName", "p03"),
                ("Method", "m"),
                ("Message", "{}"),
            ],
            "Phone 'p03' has no session",
        ),
        (
            vec![
                ("Action", "DPMAMessageSend"),
                ("PhoneName", "p03"),
                ("Method", "m"),
                ("Message", "[1,"),
            ],
            "Message: not JSON",
        ),
    ] {
        let reply = server.action(&headers);
        assert!(reply.starts_with("reply Error") && reply.contains(error), "{headers:?}: {reply}");
    }
    let big = format!("\"{}\"", "x".repeat(600));
    let reply = server.action(&[
        ("Action", "DPMAMessageSend"),
        ("PhoneName", "p02"),
        ("Method", "m"),
        ("Message", &big),
    ]);
    assert!(reply.contains("Message: 602 bytes; a JSON value carries at most 512"), "{reply}");

    // DPMAMessageSend reaches every session of a listening phone, as an event named after Method.
    let listener = Command::new(digium_phones())
        .args(["phone", "--server", &ast.proxy_url(), "--timeout", "10"])
        .args(as_phone(2, &["--wait-events", "8"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a listening phone");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ast.cli("digium_phones show sessions").contains("p02") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let reply = server.action(&[
        ("Action", "DPMAMessageSend"),
        ("PhoneName", "p02"),
        ("Method", "digium.confapp.update"),
        ("Message", r#"{"muted": true, "cid": "602"}"#),
    ]);
    assert!(reply.starts_with("reply Success") && reply.contains("Sent to 1 session"), "{reply}");
    let heard = listener.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&heard.stdout);
    assert!(heard.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&heard.stderr));
    assert!(
        stdout
            .lines()
            .any(|l| l == r#"app-event digium.confapp.update {"cid":"602","muted":true}"#),
        "{stdout}"
    );

    // A later registration of a method wins: every session reading agent events sees the request,
    // only the second server's answer is taken.
    let Some(mut second) = AppServer::start(&ast, "echo", &["digium.confapp"]) else { return };
    assert!(ast.wait_for_log("digium.confapp, replacing the registration of another AMI session"));
    let run = run_phone(&ast, 3, &["--app-request", "digium.confapp", "{\"n\":2}"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request = second.expect("request ");
    let id = request.split(' ').nth(1).unwrap().to_string();
    assert!(second.expect(&format!("answered {id} ")).contains("Success"));
    // Refused whether it came before the winner's (see the silent server's test) or after.
    let refused = server.expect(&format!("answered {id} "));
    assert!(
        refused.contains("Error")
            && (refused.contains("relayed to another app server's registration")
                || refused.contains("waits for an answer")),
        "{refused}"
    );

    // The app server going away ends its registrations with its AMI session: the next request gets
    // an error at once, not a timeout.
    second.quit();
    await_tables(&ast, 1, 0);
    assert!(ast.wait_for_log("methods withdrawn: digium.confapp"));
    let gone = run_phone(&ast, 3, &["--app-request", "digium.confapp", "{}"]);
    assert!(
        gone.stderr.contains("refused: 503 no app server is registered for digium.confapp"),
        "{}",
        gone.stderr
    );
    server.quit();
    await_tables(&ast, 0, 0);
}

#[test]
fn a_silent_app_server_times_out_every_request() {
    let Some(ast) = start("ab-silent", &fixture("app_bridge.conf")) else { return };
    let Some(mut server) = AppServer::start(&ast, "silent", &["silent.app"]) else { return };
    // Another app server sees the requests too (AMI events go to every session that reads them), and
    // answers them: refused, the requests were relayed to the silent one.
    let Some(mut bystander) = AppServer::start(&ast, "echo", &["other.app"]) else { return };
    let phones: Vec<_> = (1..=10)
        .map(|n| {
            let args = as_phone(n, &["--app-request", "silent.app", &format!("{{\"phone\":{n}}}")]);
            let url = ast.proxy_url();
            std::thread::spawn(move || {
                Command::new(digium_phones())
                    .args(["phone", "--server", &url, "--timeout", "15"])
                    .args(args)
                    .output()
                    .expect("run a phone")
            })
        })
        .collect();
    // While they wait, the requests are in the table and nothing else is blocked: another phone is
    // provisioned and answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.count("request ") < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.count("request "), 10, "{:#?}", server.drain());
    assert_eq!(bridge_tables(&ast), (2, 10));
    let other = run_phone(&ast, 11, &["--app-request", "nobody.listens", "{}"]);
    assert!(other.stderr.contains("refused: 503"), "{}", other.stderr);
    for handle in phones {
        let out = handle.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("refused: 504 the app server did not answer within 5 s"),
            "{stderr}"
        );
    }
    await_tables(&ast, 2, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while bystander.count("answered ") < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let refused: Vec<String> =
        bystander.drain().iter().filter(|l| l.starts_with("answered ")).cloned().collect();
    assert_eq!(refused.len(), 10, "{refused:#?}");
    assert!(
        refused.iter().all(|l| l.contains("Error RequestID: request")
            && l.contains("was relayed to another app server's registration")),
        "{refused:#?}"
    );
    bystander.quit();
    await_tables(&ast, 1, 0);
    // A late answer finds nothing waiting.
    let late = server.drain().iter().find(|l| l.starts_with("request ")).cloned().unwrap();
    let id = late.split(' ').nth(1).unwrap().to_string();
    let reply = server.action(&[
        ("Action", "DPMAMessageResponse"),
        ("RequestID", &id),
        ("Format", "JSON"),
        ("Response", "{}"),
    ]);
    assert!(reply.contains(&format!("no request {id} waits for an answer")), "{reply}");
    assert!(ast.wait_for_log("app request(s) not answered within 5000 ms"));
    server.quit();
    await_tables(&ast, 0, 0);
}

#[test]
fn five_hundred_requests_from_twenty_phones_lose_none() {
    let Some(ast) = start("ab-load", &fixture("app_bridge.conf")) else { return };
    let Some(mut server) = AppServer::start(&ast, "echo", &["load.echo"]) else { return };
    let started = Instant::now();
    let phones: Vec<_> = (1..=20)
        .map(|n| {
            let json = format!("{{\"phone\":\"p{n:02}\"}}");
            let args = as_phone(n, &["--app-request", "load.echo", &json, "--app-repeat", "25"]);
            let url = ast.proxy_url();
            std::thread::spawn(move || {
                let out = Command::new(digium_phones())
                    .args(["phone", "--server", &url, "--timeout", "10"])
                    .args(args)
                    .output()
                    .expect("run a phone");
                (n, out)
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for handle in phones {
        let (n, out) = handle.join().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "p{n:02}: {}", String::from_utf8_lossy(&out.stderr));
        let answers = responses(&stdout);
        assert_eq!(answers.len(), 25, "p{n:02}");
        for answer in answers {
            assert!(
                answer.contains(&format!(r#""echo":{{"phone":"p{n:02}"}}"#)),
                "p{n:02}: {answer}"
            );
            let id = answer.split(r#""requestid":""#).nth(1).and_then(|r| r.split('"').next());
            ids.insert(id.expect("a requestid in the answer").to_string());
        }
    }
    eprintln!("500 app requests from 20 phones in {:?}", started.elapsed());
    assert_eq!(ids.len(), 500, "every answer is for a request of its own");
    assert_eq!(server.count("request "), 500);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.count("answered ") < 500 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let answered =
        server.drain().iter().filter(|l| l.starts_with("answered ")).cloned().collect::<Vec<_>>();
    assert_eq!(answered.len(), 500);
    assert!(answered.iter().all(|l| l.contains(" Success ")), "{answered:#?}");
    await_tables(&ast, 1, 0);
    server.quit();
    await_tables(&ast, 0, 0);
    assert!(ast.is_alive());
}

#[test]
fn unload_with_app_servers_connected_and_requests_waiting() {
    let Some(ast) = start("ab-unload", &fixture("app_bridge.conf")) else { return };
    let Some(mut server) = AppServer::start(&ast, "silent", &["u.app"]) else { return };
    let args = as_phone(1, &["--app-request", "u.app", "{}"]);
    let url = ast.proxy_url();
    let waiting = std::thread::spawn(move || {
        Command::new(digium_phones())
            .args(["phone", "--server", &url, "--timeout", "15"])
            .args(args)
            .output()
            .expect("run a phone")
    });
    server.expect("request ");
    // The session's datastore outlives the module: nothing of the module may run when it goes.
    let out = ast.cli("module unload res_digium_phone.so");
    assert!(out.contains("Unloaded"), "{out}");
    assert!(!ast.module_mapped(), "the .so is still mapped with an app server connected");
    let out = waiting.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused: 503 the server is unloading"), "{stderr}");
    let reply = server.action(&[("Action", "DPMAMessageRegister"), ("Method", "u.app")]);
    assert!(reply.starts_with("reply Error"), "{reply}");
    server.quit();
    assert!(ast.is_alive(), "Asterisk died when the app server's session ended after unload");

    // Loaded again, a new app server registers and is answered as before.
    let out = ast.cli("module load res_digium_phone.so");
    assert!(out.contains("Loaded"), "{out}");
    let Some(mut again) = AppServer::start(&ast, "echo", &["u.app"]) else { return };
    let run = run_phone(&ast, 2, &["--app-request", "u.app", "{\"again\":1}"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(responses(&run.stdout)[0].contains(r#""echo":{"again":1}"#), "{}", run.stdout);
    again.expect("answered ");
    // Ten sessions register and leave while phones ask: the tables end empty, Asterisk runs on.
    for round in 0..10 {
        let Some(s) = AppServer::start(&ast, "echo", &["u.app", &format!("round.{round}")]) else {
            return;
        };
        let run = run_phone(&ast, 3, &["--app-request", "u.app", "{}"]);
        assert_eq!(run.code, 0, "round {round}: {}", run.stderr);
        s.quit();
    }
    again.quit();
    await_tables(&ast, 0, 0);
    assert!(ast.is_alive());
}

#[test]
fn custom_apps_reach_phones_with_their_zip_and_md5() {
    let Some(ast) = start("ab-custom", &fixture("app_bridge.conf")) else { return };
    let files = ast.host_dir().join("lib/files");
    std::fs::create_dir_all(&files).unwrap();
    let zip = "PK\u{3}\u{4} the conference app";
    std::fs::write(files.join("confapp.zip"), zip).unwrap();
    let md5 = md5_hex(zip.as_bytes());
    let conf = std::fs::read_to_string(fixture("app_bridge.conf")).unwrap();
    ast.write_config(&format!("{conf}\n[general](+)\nfile_directory = {}/lib/files\n", ast.dir()));
    assert!(ast.cli("module reload res_digium_phone.so").contains("reloaded successfully"));

    let run = run_phone(&ast, 4, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let appconfig = run
        .stdout
        .lines()
        .find(|l| l.contains(r#"<appconfig id="confapp""#))
        .unwrap_or_else(|| panic!("no appconfig for the custom app in\n{}", run.stdout));
    let url = format!("http://127.0.0.1:{}/digium_phones/files/confapp.zip", ast.http_port);
    for part in [
        r#"name="Conference""#.to_string(),
        format!(r#"url="{url}""#),
        format!(r#"md5sum="{md5}""#),
        r#"autostart="1""#.to_string(),
    ] {
        assert!(appconfig.contains(&part), "no {part} in {appconfig}");
    }
    assert!(run.stdout.contains(r#"<settings exten="601"/>"#), "{}", run.stdout);
    let (status, body) = ast.http_get("/digium_phones/files/confapp.zip", "Digium D70");
    assert_eq!((status, md5_hex(body.as_bytes())), (200, md5.clone()));

    // digium-phones check finds a wrong md5sum and a missing zip.
    let checked = ast.host_dir().join("etc/check.conf");
    std::fs::write(
        &checked,
        format!(
            "{conf}\n[general](+)\nfile_directory = {}\n[confapp](+)\nmd5sum = {}\n\
             [gone]\ntype = application\napplication = custom\nfilename = gone.zip\n",
            files.display(),
            "0".repeat(32)
        ),
    )
    .unwrap();
    let out = Command::new(digium_phones()).arg("check").arg(&checked).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(&format!(
            "[confapp] md5sum: {} is not the MD5 of confapp.zip ({md5}): phones refuse the download",
            "0".repeat(32)
        )),
        "{report}"
    );
    assert!(
        report.contains("[gone] filename: 'gone.zip' does not exist in file_directory"),
        "{report}"
    );
}

/// A phone's SIP side reduced to one UDP socket, to send the same request more than once.
struct RawPhone {
    sock: std::net::UdpSocket,
    sip_port: u16,
    cseq: u32,
}

impl RawPhone {
    fn new(ast: &Asterisk) -> Self {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        Self { sock, sip_port: ast.sip_port, cseq: 0 }
    }

    /// Sends `body` as a new MESSAGE (a new CSeq: a retransmission by the phone, not by SIP).
    fn send(&mut self, body: &str) {
        self.cseq += 1;
        let local = self.sock.local_addr().unwrap();
        let request = format!(
            "MESSAGE sip:proxy@127.0.0.1:{port} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bKab{cseq}x{lp};rport\r\n\
             From: <sip:000fd3ee0005@{local}>;tag=ab{lp}\r\nTo: <sip:proxy@127.0.0.1:{port}>\r\n\
             Call-ID: ab-{lp}@127.0.0.1\r\nCSeq: {cseq} MESSAGE\r\nMax-Forwards: 70\r\n\
             User-Agent: Digium D70 test\r\nContent-Type: text/plain;charset=UTF-8\r\n\
             Content-Length: {len}\r\n\r\n{body}",
            port = self.sip_port,
            lp = local.port(),
            cseq = self.cseq,
            len = body.len(),
        );
        self.sock.send_to(request.as_bytes(), ("127.0.0.1", self.sip_port)).expect("send");
    }

    /// The bodies of the MESSAGEs the server sends within `wait` (each answered 200 OK).
    fn replies(&mut self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut bodies = Vec::new();
        let mut buf = vec![0u8; 65536];
        while Instant::now() < deadline {
            let Ok((n, from)) = self.sock.recv_from(&mut buf) else { continue };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text.starts_with("MESSAGE ") {
                let _ = self.sock.send_to(crate::support::sip_ok(&text).as_bytes(), from);
                bodies.push(text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string());
            }
        }
        bodies
    }
}

#[test]
fn a_retransmitted_request_waits_with_the_first_and_gets_its_answer() {
    let Some(ast) = start("ab-retx", &fixture("app_bridge.conf")) else { return };
    // Silent: the test answers in its place, when it chooses, through the same AMI session.
    let Some(mut server) = AppServer::start(&ast, "silent", &["retx.app"]) else { return };
    let claimed = run_phone(&ast, 5, &[]);
    assert_eq!(claimed.code, 0, "{}", claimed.stderr);
    let session = claimed
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("session "))
        .unwrap_or_else(|| panic!("no session in {}", claimed.stderr))
        .to_string();
    let body = digium_phones_core::protocol::Request::new("retx-1", "app.request")
        .with_param("session", &session)
        .with_param("method", "retx.app")
        .with_param("json", r#"{"n":1}"#)
        .to_xml();
    let mut raw = RawPhone::new(&ast);
    raw.send(&body);
    let request = server.expect("request ");
    raw.send(&body);
    raw.send(&body);
    // The repeats reach a worker and wait with the first: one request, no answer yet.
    assert!(raw.replies(Duration::from_secs(1)).is_empty());
    assert_eq!(server.count("request "), 1, "{:#?}", server.drain());
    assert_eq!(bridge_tables(&ast), (1, 1));

    let id = request.split(' ').nth(1).unwrap().to_string();
    let reply = server.action(&[
        ("Action", "DPMAMessageResponse"),
        ("RequestID", &id),
        ("Format", "JSON"),
        ("Response", r#"{"ok": true}"#),
    ]);
    assert!(reply.starts_with("reply Success"), "{reply}");
    let answers = raw.replies(Duration::from_secs(3));
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert!(
        answers[0].contains(r#"id="retx-1""#)
            && answers[0].contains("<json>{&quot;ok&quot;:true}</json>"),
        "{}",
        answers[0]
    );
    // Asked again after the answer: the same answer, from the replies kept, not a new request.
    raw.send(&body);
    let again = raw.replies(Duration::from_secs(3));
    assert_eq!(again, answers);
    assert_eq!(server.count("request "), 1);
    assert_eq!(bridge_tables(&ast), (1, 0));
    server.quit();
}

#[test]
fn app_servers_coming_and_going_while_phones_ask() {
    let Some(ast) = start("ab-churn", &fixture("app_bridge.conf")) else { return };
    if python().is_none() {
        return;
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let phones: Vec<_> = (1..=10)
        .map(|n| {
            let url = ast.proxy_url();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let args =
                        as_phone(n, &["--app-request", "churn.app", "{}", "--app-repeat", "5"]);
                    let out = Command::new(digium_phones())
                        .args(["phone", "--server", &url, "--timeout", "10"])
                        .args(args)
                        .output()
                        .expect("run a phone");
                    outcomes.push((
                        out.status.code(),
                        String::from_utf8_lossy(&out.stdout).matches("app-response ").count(),
                        String::from_utf8_lossy(&out.stderr).into_owned(),
                    ));
                    std::thread::sleep(Duration::from_millis(20));
                }
                outcomes
            })
        })
        .collect();
    for round in 0..8 {
        let Some(server) = AppServer::start(&ast, "echo", &["churn.app", &format!("r{round}")])
        else {
            return;
        };
        std::thread::sleep(Duration::from_millis(400));
        server.quit();
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut answered, mut refused) = (0, 0);
    for handle in phones {
        for (code, answers, stderr) in handle.join().unwrap() {
            answered += answers;
            match code {
                Some(0) => assert_eq!(answers, 5),
                // Every request ends with an answer or an immediate 503, never a timeout.
                Some(1) => {
                    assert!(stderr.contains("refused: 503"), "{stderr}");
                    refused += 1;
                }
                other => panic!("a phone ended with {other:?}: {stderr}"),
            }
        }
    }
    eprintln!("{answered} answers, {refused} refusals while app servers came and went");
    assert!(answered > 0, "no request was answered while servers were registered");
    await_tables(&ast, 0, 0);
    assert!(ast.is_alive());
}
