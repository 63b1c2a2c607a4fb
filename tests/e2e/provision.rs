//! Provisioning through real PJSIP and HTTP: the simulator as a phone against the sandbox Asterisk.

use crate::support::{fixture, phone, start};

const BASIC: &str = include_str!("../fixtures/e2e/basic.conf");

fn assert_refused(run: &crate::support::PhoneRun, code: &str) {
    assert_eq!(
        run.code, 1,
        "expected a refusal, got exit {}:\n{}\n{}",
        run.code, run.stdout, run.stderr
    );
    assert!(run.stderr.contains(&format!("refused: {code}")), "{}", run.stderr);
}

#[test]
fn pin_authentication() {
    let Some(ast) = start("p-pin", &fixture("basic.conf")) else { return };
    let base = ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice"];

    let missing = phone(&ast, &base);
    assert_refused(&missing, "401");
    assert!(missing.stderr.contains("need=pin"), "{}", missing.stderr);

    let wrong = phone(&ast, &[&base[..], &["--pin", "11111"]].concat());
    assert_refused(&wrong, "403");
    assert!(!wrong.stdout.contains("s3cret") && !wrong.stderr.contains("s3cret"));

    let ok = phone(&ast, &[&base[..], &["--pin", "97531"]].concat());
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("<config"), "{}", ok.stdout);
    // The reply says when to fetch (a phone alone: at once), and the simulator waited as told.
    assert!(ok.stderr.contains("config after_ms "), "{}", ok.stderr);
    // XML-hostile values arrive escaped, so they read back intact.
    assert!(ok.stdout.contains("Sales &amp; Support"), "{}", ok.stdout);
    assert!(ok.stdout.contains("s3cret-line-200"), "the claimed phone gets its line secret");

    let sessions = ast.cli("digium_phones show sessions");
    assert!(
        sessions.contains("alice") && sessions.contains("000fd3aabb01") && sessions.contains("D70"),
        "{sessions}"
    );
}

#[test]
fn userlist_needs_the_global_pin() {
    let Some(ast) = start("p-userlist", &fixture("basic.conf")) else { return };
    let base = ["--mac", "000fd3aabb09", "--model", "D60", "--userlist"];
    let missing = phone(&ast, &base);
    assert_refused(&missing, "401");
    assert!(missing.stderr.contains("need=globalpin"), "{}", missing.stderr);
    assert_refused(&phone(&ast, &[&base[..], &["--globalpin", "1"]].concat()), "403");

    let list = phone(&ast, &[&base[..], &["--globalpin", "24681357"]].concat());
    assert_eq!(list.code, 0, "{}\n{}", list.stdout, list.stderr);
    assert!(
        list.stdout.contains(r#"id="alice""#) && list.stdout.contains(r#"id="bob""#),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("Alice &quot;Al&quot; &lt;Ops&gt;"), "{}", list.stdout);
    assert!(list.stderr.contains("userlist after_ms "), "{}", list.stderr);
    for secret in ["s3cret", "97531", "86420", "24681357"] {
        assert!(!list.stdout.contains(secret), "{secret} in the profile list");
    }
}

#[test]
fn mac_authentication_and_unknown_phones() {
    let Some(ast) = start("p-mac", &fixture("mac.conf")) else { return };
    let ok = phone(&ast, &["--mac", "000fd3cc0001", "--model", "D65"]);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("Warehouse &lt;North&gt; &amp; &quot;Dock&quot;"), "{}", ok.stdout);

    let unknown = phone(&ast, &["--mac", "000fd3cc0009", "--model", "D65"]);
    assert_refused(&unknown, "404");
    let stranger = phone(&ast, &["--mac", "000fd3cc0009", "--model", "D65", "--profile", "dock1"]);
    assert_refused(&stranger, "403");
    for run in [&unknown, &stranger] {
        assert!(
            !run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"),
            "secret to an unknown MAC"
        );
    }
}

#[test]
fn no_authentication() {
    let Some(ast) = start("p-open", &fixture("open.conf")) else { return };
    let ok = phone(&ast, &["--mac", "000fd3dd0001", "--model", "D40", "--profile", "lobby"]);
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains("s3cret-line-400"));
}

#[test]
fn stock_phones_fetch_mac_cfg_over_http() {
    let Some(ast) = start("p-stock", &fixture("mac.conf")) else { return };
    let (status, body) = ast.http_get("/digium_phones/000fd3cc0001.cfg", "Digium D65 2_9_11_0");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<config") && body.contains("s3cret-line-300"), "{body}");
    let (status, _) = ast.http_get("/digium_phones/000fd3cc0009.cfg", "Digium D65 2_9_11_0");
    assert_eq!(status, 404);
    assert!(ast.wait_for_log("stock phone 000fd3cc0001 fetched the configuration of 'dock1'"));

    // With PIN authentication a MAC is not enough.
    drop(ast);
    let Some(ast) = start("p-stock-pin", &fixture("basic.conf")) else { return };
    let (status, body) = ast.http_get("/digium_phones/000fd3aabb01.cfg", "Digium D70 2_9_11_0");
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("s3cret"));
}

#[test]
fn pin_guessing_locks_out_the_address_not_the_user() {
    let Some(ast) = start("p-guess", &fixture("basic.conf")) else { return };
    let base = ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice"];
    for guess in ["11111", "22222", "33333", "44444", "55555"] {
        assert_refused(&phone(&ast, &[&base[..], &["--pin", guess]].concat()), "403");
    }
    // Now even the right PIN is refused from this address…
    let locked = phone(&ast, &[&base[..], &["--pin", "97531"]].concat());
    assert_refused(&locked, "429");
    assert!(!locked.stdout.contains("s3cret"));
    assert!(ast.wait_for_log(
        "too many wrong PINs from 127.0.0.1 for profile 'alice': locked out for 600 s"
    ));
    // …while the phone at its own address still provisions.
    let elsewhere =
        phone(&ast, &[&base[..], &["--pin", "97531", "--listen", "127.0.0.2:0"]].concat());
    assert_eq!(elsewhere.code, 0, "{}", elsewhere.stderr);
}

#[test]
fn secrets_never_reach_the_log_at_any_level() {
    let Some(ast) = start("p-logs", &fixture("basic.conf")) else { return };
    ast.cli("core set debug 10 res_digium_phone.so");
    ast.cli("core set debug 10");
    let base = ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice"];
    phone(&ast, &[&base[..], &["--pin", "11111"]].concat());
    phone(
        &ast,
        &[&base[..], &["--pin", "97531", "--userlist", "--globalpin", "24681357"]].concat(),
    );
    phone(
        &ast,
        &[
            "--mac",
            "000fd3aabb02",
            "--model",
            "D50",
            "--profile",
            "bob",
            "--pin",
            "86420",
            "--logout",
        ],
    );
    let log = ast.log();
    assert!(log.contains("claimed profile 'alice'"), "the flows did not run");
    for secret in ["97531", "86420", "24681357", "11111", "s3cret"] {
        assert!(!contains_alone(&log, secret), "{secret} is in Asterisk's log");
    }
}

/// Whether `needle` occurs with no digit right before or after it (thread ids in the log are numbers
/// too, and must not be mistaken for a PIN).
fn contains_alone(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[test]
fn global_pin_authentication() {
    let Some(ast) = start("p-globalpin", &fixture("basic.conf")) else { return };
    ast.write_config(&BASIC.replace("config_auth = pin", "config_auth = globalpin"));
    ast.cli("module reload res_digium_phone.so");
    let base = ["--mac", "000fd3aabb02", "--model", "D50", "--profile", "bob"];
    let missing = phone(&ast, &base);
    assert_refused(&missing, "401");
    assert!(missing.stderr.contains("need=globalpin"), "{}", missing.stderr);
    assert_refused(&phone(&ast, &[&base[..], &["--globalpin", "86420"]].concat()), "403");
    // Typed once, the global PIN covers the profile list and the claim.
    let ok = phone(&ast, &[&base[..], &["--userlist", "--globalpin", "24681357"]].concat());
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("<config"), "{}", ok.stdout);
}

#[test]
fn the_offline_render_is_what_the_module_serves() {
    let Some(ast) = start("p-render", &fixture("basic.conf")) else { return };
    let served = phone(
        &ast,
        &["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"],
    );
    assert_eq!(served.code, 0, "{}", served.stderr);
    let files_url = format!("http://127.0.0.1:{}/digium_phones/files", ast.http_port);
    let rendered = std::process::Command::new(crate::support::digium_phones())
        .arg("render")
        .arg(fixture("basic.conf"))
        .args(["alice", "--model", "D70", "--ip", "127.0.0.1", "--server", "127.0.0.1"])
        .args(["--files-url", &files_url])
        .arg("--pjsip")
        .arg(ast.host_dir().join("etc/pjsip.conf"))
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    assert_eq!(String::from_utf8_lossy(&rendered.stdout), served.stdout);
}

#[test]
fn http_phones_get_check_sync_on_reconfigure() {
    let Some(ast) = start("p-checksync", &fixture("mac.conf")) else { return };
    // The phone's line registers as an endpoint; here its contact is static, on a test socket.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let port = sock.local_addr().unwrap().port();
    let pjsip = std::fs::read_to_string(ast.host_dir().join("etc/pjsip.conf")).unwrap();
    ast.write_etc(
        "pjsip.conf",
        &format!(
            "{pjsip}\n[300]\ntype = aor\ncontact = sip:300@127.0.0.1:{port}\n\n[300]\ntype = endpoint\naors = 300\ncontext = default\n"
        ),
    );
    ast.cli("module reload res_pjsip.so");
    let (status, _) =
        ast.http_get("/digium_phones/000000000000.cfg", "Digium D65 2_9_11_0 000fd3cc0001");
    assert_eq!(status, 200, "000000000000.cfg with the MAC in the User-Agent");
    assert_eq!(ast.http_get("/digium_phones/000000000000.cfg", "Digium D65 2_9_11_0").0, 404);
    let out = ast.cli("digium_phones reconfigure phone dock1");
    assert!(out.contains("check-sync NOTIFY sent to 1 phones provisioned over HTTP"), "{out}");
    let mut buf = [0u8; 4096];
    let (n, from) = sock.recv_from(&mut buf).expect("a NOTIFY");
    let notify = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(notify.starts_with("NOTIFY sip:300@127.0.0.1"), "{notify}");
    assert!(notify.to_ascii_lowercase().contains("event: check-sync"), "{notify}");
    // Answer it, as the phone would.
    sock.send_to(crate::support::sip_ok(&notify).as_bytes(), from).unwrap();
}

#[test]
fn files_stay_inside_their_directory() {
    let Some(ast) = start("p-files", &fixture("basic.conf")) else { return };
    let files = ast.host_dir().join("lib/files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("contacts.xml"), "<contacts/>").unwrap();
    ast.write_config(&format!("{BASIC}\n[general](+)\nfile_directory = {}/lib/files\n", ast.dir()));
    ast.cli("module reload res_digium_phone.so");
    assert_eq!(ast.http_get("/digium_phones/files/contacts.xml", "Digium D70").0, 200);
    // Every serving path refuses names that lead out of its directory.
    let firmware = ast.host_dir().join("lib/firmware");
    std::fs::create_dir_all(&firmware).unwrap();
    std::fs::write(firmware.join("2_9_11_0_D70_firmware.eff"), "eff").unwrap();
    std::os::unix::fs::symlink(
        ast.host_dir().join("etc/res_digium_phone.conf"),
        files.join("leak.xml"),
    )
    .unwrap();
    ast.write_config(&format!(
        "{BASIC}\n[general](+)\nfile_directory = {dir}/lib/files\nfirmware_package_directory = {dir}/lib/firmware\n",
        dir = ast.dir()
    ));
    ast.cli("module reload res_digium_phone.so");
    assert_eq!(
        ast.http_get("/digium_phones/firmware/2_9_11_0_D70_firmware.eff", "Digium D70").0,
        200
    );
    for path in [
        "/digium_phones/files/leak.xml",
        "/digium_phones/firmware/../etc/res_digium_phone.conf",
        "/digium_phones/firmware/%2e%2e/files/contacts.xml",
        "/digium_phones/session/../../etc/res_digium_phone.conf",
        "/digium_phones/session/00000000000000000000000000000000/config.xml",
        "/digium_phones/..%2fetc%2fres_digium_phone.conf.cfg",
    ] {
        let (status, body) = ast.http_get(path, "Digium D70");
        assert_ne!(status, 200, "{path} served");
        assert!(!body.contains("s3cret"), "{path}");
    }
    for path in [
        "/digium_phones/files/../etc/res_digium_phone.conf",
        "/digium_phones/files/%2e%2e/etc/res_digium_phone.conf",
        "/digium_phones/files//etc/passwd",
    ] {
        let (status, body) = ast.http_get(path, "Digium D70");
        assert_ne!(status, 200, "{path} served");
        assert!(!body.contains("s3cret"), "{path}");
    }
}

#[test]
fn reconfigure_reaches_a_connected_phone() {
    let Some(ast) = start("p-reconf", &fixture("basic.conf")) else { return };
    let exe = crate::support::digium_phones();
    let url = ast.proxy_url();
    let waiting = std::thread::spawn(move || {
        std::process::Command::new(exe)
            .args([
                "phone",
                "--server",
                &url,
                "--timeout",
                "10",
                "--mac",
                "000fd3aabb02",
                "--model",
                "D50",
            ])
            .args(["--profile", "bob", "--pin", "86420", "--wait-reconfigure", "20"])
            .output()
            .expect("simulator")
    });
    // Wait until the phone holds a session, then reconfigure it from the CLI.
    let mut listed = false;
    for _ in 0..100 {
        if ast.cli("digium_phones show sessions").contains("000fd3aabb02") {
            listed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(listed, "the phone never got a session");
    ast.write_config(&BASIC.replace("full_name = Bob", "full_name = Robert"));
    ast.cli("module reload res_digium_phone.so");
    let out = ast.cli("digium_phones reconfigure phone bob");
    assert!(out.contains("Reconfigure sent to 1 sessions"), "{out}");
    let run = waiting.join().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let (_, after) = stdout.split_once("--- reconfigured").expect("a second configuration");
    assert!(after.contains("<config"), "{stdout}");
}

#[test]
fn reconfigure_over_ami() {
    let Some(ast) = start("p-ami", &fixture("basic.conf")) else { return };
    let reply = ast.ami(&[("Action", "DigiumPhonesReconfigure"), ("Phone", "alice")]);
    assert!(
        reply.contains("Response: Success") && reply.contains("Reconfigure sent to 0 sessions"),
        "{reply}"
    );
    let reply = ast.ami(&[("Action", "DigiumPhonesReconfigure"), ("Phone", "nobody")]);
    assert!(
        reply.contains("Response: Error") && reply.contains("No phone named 'nobody'"),
        "{reply}"
    );
    let reply = ast.ami(&[("Action", "DigiumPhonesReconfigure")]);
    assert!(reply.contains("Response: Error"), "{reply}");
}

#[test]
fn a_line_takes_its_endpoints_password_from_pjsip_conf() {
    let Some(ast) = start("p-endpoint", &fixture("basic.conf")) else { return };
    let pjsip = std::fs::read_to_string(ast.host_dir().join("etc/pjsip.conf")).unwrap();
    ast.write_etc(
        "pjsip.conf",
        &format!("{pjsip}\n[200]\ntype = endpoint\nauth = 200-auth\n\n[200-auth]\ntype = auth\nusername = 200\npassword = pjsip-pass-200\n"),
    );
    ast.cli("module reload res_digium_phone.so");
    let run = phone(
        &ast,
        &["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("pjsip-pass-200"), "{}", run.stdout);
    assert!(!run.stdout.contains("s3cret-line-200"), "the line's own secret= should give way");
    assert!(run.stdout.contains("s3cret-line-201"), "a line without an endpoint keeps its secret=");
}

#[test]
fn a_reload_changes_what_the_next_fetch_returns() {
    let Some(ast) = start("p-reload", &fixture("basic.conf")) else { return };
    let args = ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"];
    assert!(phone(&ast, &args).stdout.contains("Sales &amp; Support"));
    ast.write_config(&BASIC.replace("line_label = Sales & Support", "line_label = Front <Desk>"));
    ast.cli("module reload res_digium_phone.so");
    let after = phone(&ast, &args);
    assert!(after.stdout.contains("Front &lt;Desk&gt;"), "{}", after.stdout);
}

#[test]
fn dpma_style_dialplan_is_answered_once() {
    let Some(ast) = start("p-dialplan", &fixture("basic.conf")) else { return };
    ast.write_etc(
        "extensions.conf",
        "[dpma_message_context]\n\
         exten => proxy,1,Set(MESSAGE_DATA(X-Digium-AppServer-Response-URI)=pjsip:${MESSAGE_DATA(PJSIP_RECVADDR)})\n \
         same => n,MessageSend(digium_phone:proxy)\n same => n,Hangup()\n[dpma-invalid]\n",
    );
    ast.cli("dialplan reload");
    assert!(ast.cli("dialplan show proxy@dpma_message_context").contains("MessageSend"));
    let ok = phone(
        &ast,
        &["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"],
    );
    assert_eq!(ok.code, 0, "{}\n{}", ok.stdout, ok.stderr);
    assert_eq!(ast.log().matches("claimed profile 'alice'").count(), 1, "answered twice");
}

#[test]
fn logout_ends_the_session() {
    let Some(ast) = start("p-logout", &fixture("basic.conf")) else { return };
    let run = phone(
        &ast,
        &[
            "--mac",
            "000fd3aabb01",
            "--model",
            "D70",
            "--profile",
            "alice",
            "--pin",
            "97531",
            "--logout",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!ast.cli("digium_phones show sessions").contains("000fd3aabb01"));
}

/// docs/protocol.md and the code agree: every documented method is answered as documented.
#[test]
fn every_documented_method_is_implemented() {
    let doc = std::fs::read_to_string(crate::support::repo().join("docs/protocol.md")).unwrap();
    let methods: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(
        methods,
        [
            "provision.userlist",
            "provision.config",
            "provision.logout",
            "presence.set",
            "presence.get",
            "voicemail.folders",
            "voicemail.messages",
            "voicemail.heard",
            "voicemail.move",
            "voicemail.delete",
            "voicemail.forward",
            "voicemail.play",
            "record.start",
            "record.stop",
            "event.reconfigure",
            "app.request",
            "app.event",
            "parking.list",
            "parking.retrieve",
            "parking.close",
            "parking.update",
            "queue.status",
            "queue.login",
            "queue.pause",
            "queue.close",
            "queue.update"
        ]
    );
    let Some(ast) = start("p-doc", &fixture("basic.conf")) else { return };
    let with = |extra: &[&str]| {
        let mut args = vec!["--mac", "000fd3aabb01", "--model", "D70", "--globalpin", "24681357"];
        args.extend_from_slice(extra);
        phone(&ast, &args)
    };
    assert_eq!(with(&["--userlist"]).code, 0, "provision.userlist");
    assert_eq!(with(&["--profile", "alice", "--pin", "97531"]).code, 0, "provision.config");
    assert_eq!(
        with(&["--profile", "alice", "--pin", "97531", "--logout"]).code,
        0,
        "provision.logout"
    );
    let set = with(&["--profile", "alice", "--pin", "97531", "--status", "dnd"]);
    assert_eq!(set.code, 0, "presence.set: {}", set.stderr);
    let get = with(&["--profile", "alice", "--pin", "97531", "--get-presence", "200"]);
    assert!(get.stdout.contains("presence 200 dnd"), "presence.get: {}", get.stdout);
    // Voicemail and recording: answered by their application (here alice has no mailbox and may not
    // record), never "unknown method"; voicemail.rs covers what they do.
    for extra in [
        &["--voicemail", "list"][..],
        &["--voicemail", "messages", "INBOX"],
        &["--voicemail", "heard", "1-a"],
        &["--voicemail", "move", "1-a", "Work"],
        &["--voicemail", "delete", "1-a"],
        &["--voicemail", "forward", "1-a", "201"],
        &["--voicemail", "play", "1-a"],
        &["--record", "start"],
        &["--record", "stop"],
    ] {
        let mut args = vec!["--profile", "alice", "--pin", "97531"];
        args.extend_from_slice(extra);
        let run = with(&args);
        assert_eq!(run.code, 1, "{extra:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("refused: 404 no line of this phone has a mailbox")
                || run.stderr.contains("refused: 403 this phone may not record"),
            "{extra:?}: {}",
            run.stderr
        );
    }
    // Parking and queues: answered by their application (alice has neither), never "unknown method";
    // parking.rs covers what they do, the updates and the closes.
    for extra in [
        &["--parking", "list"][..],
        &["--parking", "retrieve", "default", "701"],
        &["--queue", "status", "sales"],
        &["--queue", "login", "sales"],
        &["--queue", "logout", "sales"],
        &["--queue", "pause", "sales"],
        &["--queue", "unpause", "sales"],
    ] {
        let mut args = vec!["--profile", "alice", "--pin", "97531"];
        args.extend_from_slice(extra);
        let run = with(&args);
        assert_eq!(run.code, 1, "{extra:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("refused: 403 this phone has no parking application")
                || run.stderr.contains("refused: 403 queue 'sales' is not one of this phone's"),
            "{extra:?}: {}",
            run.stderr
        );
    }
    // event.reconfigure is covered by reconfigure_reaches_a_connected_phone, app.request and
    // app.event by app_bridge::an_app_server_answers_and_pushes_to_phone_apps.
}

#[test]
fn documented_errors_for_bad_requests() {
    let Some(ast) = start("p-errors", &fixture("basic.conf")) else { return };
    let ask = |body: &str| {
        crate::support::raw_message(&ast, "000fd3aabb07", body)
            .unwrap_or_else(|| panic!("no reply to {body:?}"))
    };
    let unknown =
        ask(r#"<request v="1" id="u1" method="provision.nothing"><parameters/></request>"#);
    assert!(unknown.contains(r#"id="u1""#) && unknown.contains(r#"code="404""#), "{unknown}");
    let version =
        ask(r#"<request v="2" id="v1" method="provision.config"><parameters/></request>"#);
    assert!(version.contains(r#"code="505""#), "{version}");
    let garbage = ask("this is not xml");
    assert!(garbage.contains(r#"code="400""#), "{garbage}");
    let dtd =
        ask(r#"<!DOCTYPE x [<!ENTITY a "b">]><request v="1" id="d1" method="provision.config"/>"#);
    assert!(dtd.contains(r#"code="400""#), "{dtd}");
    // Asterisk delivers a body of 1024 bytes or more empty: the phone is told so.
    let big = format!(
        r#"<request v="1" id="b1" method="provision.config"><parameters><x>{}</x></parameters></request>"#,
        "a".repeat(1100)
    );
    assert!(ask(&big).contains(r#"code="413""#));
    assert!(ast.is_alive());
}
