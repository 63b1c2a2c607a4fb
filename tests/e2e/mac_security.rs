//! Secrets behind a MAC: probing for MACs is counted and locked out, HTTP authentication (Digest
//! through Debian's curl, Basic over Asterisk's TLS server), the User-Agent binding, and what
//! reaches Asterisk's security log.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::Command;

use crate::support::{Asterisk, PhoneRun, fixture, phone, start};

const PROTECTED: &str = include_str!("../fixtures/e2e/protected.conf");
const SITE: &str = "provisioning:pr0v-Pa55-9";
const UA: &str = "Digium D65 2_9_11_0";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn assert_refused(run: &PhoneRun, code: &str) {
    assert_eq!(
        run.code, 1,
        "expected a refusal, got exit {}:\n{}\n{}",
        run.code, run.stdout, run.stderr
    );
    assert!(run.stderr.contains(&format!("refused: {code}")), "{}", run.stderr);
    assert!(!run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"));
}

/// A finished curl: the last status, every response header it saw, the body.
struct Curl {
    status: u16,
    headers: String,
    body: String,
}

/// Debian's curl against `url`, with `args` before it.
fn curl(args: &[&str], url: &str) -> Curl {
    let dir = std::env::temp_dir();
    let tag = format!("rdp-curl-{}-{:?}", std::process::id(), std::thread::current().id());
    let (head, body) = (dir.join(format!("{tag}.head")), dir.join(format!("{tag}.body")));
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-w", "%{http_code}", "-D"])
        .arg(&head)
        .arg("-o")
        .arg(&body)
        .args(args)
        .arg(url)
        .output()
        .expect("run curl (Debian's curl package)");
    let status = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
    let run = Curl {
        status,
        headers: std::fs::read_to_string(&head).unwrap_or_default(),
        body: std::fs::read_to_string(&body).unwrap_or_default(),
    };
    let _ = std::fs::remove_file(head);
    let _ = std::fs::remove_file(body);
    assert_ne!(
        run.status,
        0,
        "curl did not get an answer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

fn cfg_url(ast: &Asterisk, mac: &str) -> String {
    format!("http://127.0.0.1:{}/digium_phones/{mac}.cfg", ast.http_port)
}

/// Whether `needle` occurs with no digit right before or after it (thread ids are numbers too).
fn contains_alone(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[test]
fn an_enumeration_is_locked_out_while_the_real_phone_still_provisions() {
    let Some(ast) = start("ms-enum", &fixture("mac.conf")) else { return };
    let prober = ip("127.0.0.2");
    // 200 MACs of Digium's OUI, none of them configured.
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let started = std::time::Instant::now();
    for i in 0..200u32 {
        let mac = format!("000fd3{:06x}", 0x50_0000 + i);
        let (status, body) =
            ast.http_get_from(Some(prober), &format!("/digium_phones/{mac}.cfg"), UA);
        assert!(!body.contains("s3cret"), "{mac}: {body}");
        *statuses.entry(status).or_default() += 1;
    }
    eprintln!("200 unknown MACs from {prober} in {:?}: {statuses:?}", started.elapsed());
    // probe_max_macs (20) distinct unknown MACs, then the address is locked out.
    assert_eq!(statuses, BTreeMap::from([(404, 20), (429, 180)]));
    // A real MAC from that address is refused too, over HTTP and over MESSAGE…
    let (status, body) = ast.http_get_from(Some(prober), "/digium_phones/000fd3cc0001.cfg", UA);
    assert_eq!(status, 429, "{body}");
    assert!(!body.contains("s3cret"));
    let claim =
        phone(&ast, &["--mac", "000fd3cc0001", "--model", "D65", "--listen", "127.0.0.2:0"]);
    assert_refused(&claim, "429");
    assert!(
        claim.stderr.contains("too many failed attempts from this address"),
        "{}",
        claim.stderr
    );
    // …while the phone at its own address still provisions, both ways.
    let (status, body) =
        ast.http_get_from(Some(ip("127.0.0.1")), "/digium_phones/000fd3cc0001.cfg", UA);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("s3cret-line-300"), "{body}");
    let own = phone(&ast, &["--mac", "000fd3cc0001", "--model", "D65"]);
    assert_eq!(own.code, 0, "{}\n{}", own.stdout, own.stderr);
    assert!(
        ast.wait_for_log("too many requests for unknown MACs from 127.0.0.2: locked out for 600 s")
    );
    // Asterisk's security log has each probe and the lockout, where fail2ban looks for them.
    let probe = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="InvalidAccountID""#,
            r#"Service="DigiumPhonesHTTP""#,
            r#"AccountID="000fd3500000""#,
            r#"RemoteAddress="IPV4/TCP/127.0.0.2/"#,
        ])
        .expect("a probe in the security log");
    assert!(probe.contains(r#"LocalAddress="IPV4/TCP/127.0.0.1/"#), "{probe}");
    assert!(probe.contains(r#"Module="res_digium_phone""#), "{probe}");
    let log = ast.security_log();
    assert_eq!(log.matches(r#"SecurityEvent="InvalidAccountID""#).count(), 20, "{log}");
    let lockout = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="FailedACL""#,
            r#"ACLName="digium_phones_lockout""#,
        ])
        .expect("the lockout in the security log");
    assert!(lockout.contains("IPV4/TCP/127.0.0.2/"), "{lockout}");
    // fail2ban's own Asterisk filter finds the prober there, and only the prober.
    let banned = fail2ban_hosts(&ast);
    assert_eq!(banned, BTreeMap::from([("127.0.0.2".to_string(), 21)]), "{log}");
}

/// The addresses Debian's fail2ban, with its stock `asterisk` filter, finds in the security log,
/// with how many lines each.
fn fail2ban_hosts(ast: &Asterisk) -> BTreeMap<String, usize> {
    let out = Command::new("fail2ban-regex")
        .args(["-o", "ip"])
        .arg(ast.host_dir().join("log/security.log"))
        .arg("/etc/fail2ban/filter.d/asterisk.conf")
        .output()
        .expect("run fail2ban-regex (Debian's fail2ban; contrib/sandbox.sh setup installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut hosts = BTreeMap::new();
    for ip in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        *hosts.entry(ip.to_string()).or_default() += 1;
    }
    hosts
}

#[test]
fn message_claims_for_unknown_macs_count_too() {
    let Some(ast) = start("ms-msg", &fixture("mac.conf")) else { return };
    let conf = std::fs::read_to_string(fixture("mac.conf")).unwrap();
    ast.write_config(&format!(
        "{conf}\n[general](+)\nprobe_max_macs = 3\nlockout_duration = 120\n"
    ));
    assert!(ast.cli("module reload res_digium_phone.so").contains("reloaded successfully"));
    let from = ["--listen", "127.0.0.3:0", "--model", "D65"];
    for mac in ["000fd3dd0001", "000fd3dd0002", "000fd3dd0002", "000fd3dd0003"] {
        assert_refused(&phone(&ast, &[&from[..], &["--mac", mac]].concat()), "404");
    }
    // The fourth claim repeated a MAC: three distinct ones lock the address, for every request.
    assert_refused(&phone(&ast, &[&from[..], &["--mac", "000fd3cc0001"]].concat()), "429");
    let (status, _) =
        ast.http_get_from(Some(ip("127.0.0.3")), "/digium_phones/000fd3cc0001.cfg", UA);
    assert_eq!(status, 429);
    let own = phone(&ast, &["--mac", "000fd3cc0001", "--model", "D65"]);
    assert_eq!(own.code, 0, "{}", own.stderr);
    assert!(
        ast.wait_for_log("too many requests for unknown MACs from 127.0.0.3: locked out for 120 s")
    );
    let probe = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="InvalidAccountID""#,
            r#"Service="DigiumPhonesSIP""#,
            r#"AccountID="000fd3dd0002""#,
            r#"RemoteAddress="IPV4/UDP/127.0.0.3/"#,
        ])
        .expect("a MESSAGE probe in the security log");
    assert!(probe.contains(r#"SessionID=""#), "{probe}");
    assert!(
        ast.wait_for_security_event(&[r#"SecurityEvent="SuccessfulAuth""#, r#"AccountID="dock1""#])
            .is_some()
    );
}

#[test]
fn failed_pins_and_their_lockout_reach_the_security_log() {
    let Some(ast) = start("ms-pin", &fixture("basic.conf")) else { return };
    let base = ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice"];
    for guess in ["11111", "22222", "33333", "44444", "55555"] {
        assert_refused(&phone(&ast, &[&base[..], &["--pin", guess]].concat()), "403");
    }
    let wrong = ast
        .wait_for_security_event(&[r#"SecurityEvent="InvalidPassword""#, r#"AccountID="alice""#])
        .expect("a wrong PIN in the security log");
    assert!(wrong.contains(r#"Service="DigiumPhonesSIP""#), "{wrong}");
    assert!(wrong.contains(r#"EventVersion="2""#), "{wrong}");
    let lockout = ast
        .wait_for_security_event(&[r#"SecurityEvent="FailedACL""#, r#"AccountID="alice""#])
        .expect("the lockout in the security log");
    assert!(lockout.contains("RemoteAddress=\"IPV4/UDP/127.0.0.1/"), "{lockout}");
    let log = ast.security_log();
    assert_eq!(log.matches(r#"SecurityEvent="InvalidPassword""#).count(), 5, "{log}");
    for pin in ["11111", "55555", "97531"] {
        assert!(!contains_alone(&log, pin), "{pin} in the security log");
    }
}

#[test]
fn digest_authentication_through_curl() {
    let Some(ast) = start("ms-digest", &fixture("protected.conf")) else { return };
    let files = ast.host_dir().join("lib/files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("contacts.xml"), "<contacts/>").unwrap();
    ast.write_config(&format!(
        "{PROTECTED}\n[general](+)\nfile_directory = {}/lib/files\n",
        ast.dir()
    ));
    assert!(ast.cli("module reload res_digium_phone.so").contains("reloaded successfully"));
    let dock1 = cfg_url(&ast, "000fd3cc0001");

    let anonymous = curl(&[], &dock1);
    assert_eq!(anonymous.status, 401, "{}", anonymous.headers);
    assert!(
        anonymous.headers.contains(
            r#"WWW-Authenticate: Digest realm="digium_phones", qop="auth", algorithm=MD5, nonce=""#
        ),
        "{}",
        anonymous.headers
    );
    assert!(!anonymous.body.contains("s3cret"));
    // With the site credential, curl answers the challenge and gets the configuration.
    let site = curl(&["--digest", "-u", SITE], &dock1);
    assert_eq!(site.status, 200, "{}", site.headers);
    assert!(site.body.contains("s3cret-line-300"), "{}", site.body);
    // A phone's own credential opens its own configuration, and no other.
    let own = curl(&["--digest", "-u", "000fd3cc0001:47110815"], &dock1);
    assert_eq!(own.status, 200, "{}", own.headers);
    let other = curl(&["--digest", "-u", "000fd3cc0001:47110815"], &cfg_url(&ast, "000fd3cc0002"));
    assert_eq!(other.status, 403, "{}", other.headers);
    assert!(!other.body.contains("s3cret"));
    // The files the configuration names are behind the same credentials.
    let contacts = format!("http://127.0.0.1:{}/digium_phones/files/contacts.xml", ast.http_port);
    assert_eq!(curl(&[], &contacts).status, 401);
    let fetched = curl(&["--digest", "-u", SITE], &contacts);
    assert_eq!((fetched.status, fetched.body.as_str()), (200, "<contacts/>"));
    // An unknown MAC behind a valid credential is still a probe.
    assert_eq!(curl(&["--digest", "-u", SITE], &cfg_url(&ast, "000fd3ee0001")).status, 404);

    // Wrong passwords from elsewhere: 401 each, reported, and after five that user is locked out
    // there (the right password too), while it still works from the phones' address.
    let elsewhere = ["--interface", "127.0.0.4", "--digest"];
    for _ in 0..5 {
        let wrong = curl(&[&elsewhere[..], &["-u", "provisioning:guess"]].concat(), &dock1);
        assert_eq!(wrong.status, 401, "{}", wrong.headers);
    }
    let right = curl(&[&elsewhere[..], &["-u", SITE]].concat(), &dock1);
    assert_eq!(right.status, 429, "{}", right.headers);
    assert!(right.headers.contains("Retry-After: "), "{}", right.headers);
    assert_eq!(curl(&["--digest", "-u", SITE], &dock1).status, 200);
    // Another user name from there is not locked out by those five (the address is, after 20).
    let unknown = curl(&[&elsewhere[..], &["-u", "admin:admin"]].concat(), &dock1);
    assert_eq!(unknown.status, 401, "{}", unknown.headers);
    assert!(
        ast.wait_for_security_event(&[
            r#"SecurityEvent="InvalidAccountID""#,
            r#"AccountID="admin""#
        ])
        .is_some()
    );

    let failed = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="ChallengeResponseFailed""#,
            r#"AccountID="provisioning""#,
            r#"RemoteAddress="IPV4/TCP/127.0.0.4/"#,
        ])
        .expect("a failed digest in the security log");
    assert!(failed.contains(r#"Response="",ExpectedResponse="""#), "no hash is reported: {failed}");
    assert!(
        ast.wait_for_security_event(&[
            r#"SecurityEvent="FailedACL""#,
            r#"AccountID="provisioning""#
        ])
        .is_some()
    );
    assert!(
        ast.wait_for_security_event(&[
            r#"SecurityEvent="SuccessfulAuth""#,
            r#"AccountID="provisioning""#
        ])
        .is_some()
    );
    let everything = format!("{}{}", ast.log(), ast.security_log());
    for secret in ["pr0v-Pa55-9", "s3cret"] {
        assert!(!everything.contains(secret), "{secret} logged");
    }
    assert!(!contains_alone(&everything, "47110815"), "a phone's pin logged");
}

#[test]
fn the_user_agent_binding_refuses_a_mismatch() {
    let Some(ast) = start("ms-ua", &fixture("protected.conf")) else { return };
    let dock1 = cfg_url(&ast, "000fd3cc0001");
    let as_phone = |mac: &str| format!("{UA} {mac}");
    let mismatch = curl(&["--digest", "-u", SITE, "-A", &as_phone("000fd3cc0002")], &dock1);
    assert_eq!(mismatch.status, 403, "{}", mismatch.headers);
    assert!(!mismatch.body.contains("s3cret"));
    let matching = curl(&["--digest", "-u", SITE, "-A", &as_phone("000fd3cc0001")], &dock1);
    assert_eq!(matching.status, 200, "{}", matching.headers);
    // 000000000000.cfg takes its MAC from the User-Agent.
    let zeros = curl(
        &["--digest", "-u", SITE, "-A", &as_phone("000fd3cc0002")],
        &cfg_url(&ast, "000000000000"),
    );
    assert_eq!(zeros.status, 200, "{}", zeros.headers);
    assert!(zeros.body.contains("s3cret-line-301"), "{}", zeros.body);
    let refused = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="RequestNotAllowed""#,
            r#"AccountID="000fd3cc0001""#,
        ])
        .expect("the mismatch in the security log");
    assert!(refused.contains(r#"RequestParams="User-Agent MAC 000fd3cc0002""#), "{refused}");
}

#[test]
fn basic_authentication_only_over_tls() {
    let Some(ast) = start("ms-tls", &fixture("protected.conf")) else { return };
    // Basic with no TLS server is refused at load: the finding names the option.
    let basic = PROTECTED.replace("http_auth = digest", "http_auth = basic");
    ast.write_config(&basic);
    ast.cli("module reload res_digium_phone.so");
    assert!(ast.wait_for_log(
        "error: [general] http_auth: Basic sends the password in clear, so it is accepted over TLS \
         only, and http.conf enables no TLS server (tlsenable)"
    ));
    // A plain request with Basic credentials is asked for Digest, and never checked.
    let dock1 = cfg_url(&ast, "000fd3cc0001");
    let plain_basic = curl(&["--basic", "-u", SITE], &dock1);
    assert_eq!(plain_basic.status, 401, "{}", plain_basic.headers);
    assert!(!plain_basic.headers.contains("WWW-Authenticate: Basic"), "{}", plain_basic.headers);
    assert!(ast.wait_for_log("sent Basic credentials over plain HTTP; they were not checked"));
    assert_eq!(curl(&["--digest", "-u", SITE], &dock1).status, 200);

    // Asterisk's TLS HTTP server, with a certificate made here.
    let tls_port = crate::support::free_port();
    let etc = ast.host_dir().join("etc");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(etc.join("http-key.pem"))
        .arg("-out")
        .arg(etc.join("http-cert.pem"))
        .output()
        .expect("run openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    Command::new("chroot")
        .arg(ast.host_dir().ancestors().nth(3).unwrap())
        .args(["chown", "asterisk:asterisk"])
        .arg(format!("{}/etc/http-key.pem", ast.dir()))
        .status()
        .unwrap();
    ast.write_etc(
        "http.conf",
        &format!(
            "[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = {}\ntlsenable = yes\n\
             tlsbindaddr = 127.0.0.1:{tls_port}\ntlscertfile = {dir}/etc/http-cert.pem\n\
             tlsprivatekey = {dir}/etc/http-key.pem\n",
            ast.http_port,
            dir = ast.dir()
        ),
    );
    ast.cli("module reload http");
    ast.write_config(&format!("{basic}\n"));
    ast.cli("module reload res_digium_phone.so");
    assert!(ast.wait_for_log(
        "warning: [general] http_auth: Basic is accepted over TLS only: requests to the plain HTTP server"
    ));
    let https = format!("https://127.0.0.1:{tls_port}/digium_phones/000fd3cc0001.cfg");
    let challenged = curl(&["-k"], &https);
    assert_eq!(challenged.status, 401, "{}", challenged.headers);
    assert!(
        challenged.headers.contains("WWW-Authenticate: Digest realm="),
        "{}",
        challenged.headers
    );
    assert!(challenged.headers.contains(r#"WWW-Authenticate: Basic realm="digium_phones""#));
    let over_tls = curl(&["-k", "--basic", "-u", SITE], &https);
    assert_eq!(over_tls.status, 200, "{}", over_tls.headers);
    assert!(over_tls.body.contains("s3cret-line-300"));
    let wrong = curl(&["-k", "--basic", "-u", "provisioning:guess"], &https);
    assert_eq!(wrong.status, 401);
    let event = ast
        .wait_for_security_event(&[
            r#"SecurityEvent="InvalidPassword""#,
            r#"AccountID="provisioning""#,
        ])
        .expect("a wrong Basic password in the security log");
    assert!(event.contains(r#"Service="DigiumPhonesHTTP""#), "{event}");
    assert!(!format!("{}{}", ast.log(), ast.security_log()).contains("pr0v-Pa55-9"));
}
