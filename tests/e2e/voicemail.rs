//! Visual voicemail and one-touch recording against app_voicemail and MixMonitor: messages are left
//! by Asterisk's own VoiceMail() on a Local channel playing a sound, and checked on disk, through
//! MWI (`MailboxCount`) and through the phone simulator.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{Asterisk, PhoneRun, Ua, fixture, phone, start};

/// What the tests load on top of the sandbox's modules.conf: audio formats and codecs for the
/// sounds and the spool, Playback, VoiceMail, MixMonitor, and media for real calls.
const MODULES: &[&str] = &[
    "res_rtp_asterisk.so",
    "res_pjsip_sdp_rtp.so",
    "res_pjsip_registrar.so",
    "format_wav.so",
    "format_gsm.so",
    "codec_gsm.so",
    "codec_ulaw.so",
    "app_playback.so",
    "app_dial.so",
    "bridge_simple.so",
    "app_voicemail.so",
    "app_mixmonitor.so",
];

/// Callers that leave a message: `Local/<sound>@vm-leave` answers, waits a second for VoiceMail's
/// beep to pass, plays the sound named by the extension and hangs up.
const DIALPLAN: &str = "
[vm-leave]
exten => _[a-z].,1,Answer()
 same => n,Wait(1)
 same => n,Playback(${EXTEN})
 same => n,Hangup()

; The far end of a call to a phone: Local/talk@vm-talk dials PJSIP/100 and plays to it.
[vm-talk]
exten => talk,1,Answer()
 same => n,Playback(tt-monkeys&tt-monkeys)
 same => n,Hangup()
";

/// Lines 100's and 104's endpoints, for a real user agent to register as.
const ENDPOINT_100: &str = "
[100]
type = endpoint
context = default
disallow = all
allow = ulaw
auth = 100
aors = 100

[100]
type = auth
auth_type = userpass
username = 100
password = ua-secret-100

[100]
type = aor
max_contacts = 1
remove_existing = yes

[104]
type = endpoint
context = default
disallow = all
allow = ulaw
auth = 104
aors = 104

[104]
type = auth
auth_type = userpass
username = 104
password = ua-secret-104

[104]
type = aor
max_contacts = 1
remove_existing = yes
";

fn setup(name: &str) -> Option<Asterisk> {
    let ast = start(name, &fixture("voicemail/phones.conf"))?;
    for module in MODULES {
        let out = ast.cli(&format!("module load {module}"));
        assert!(out.contains("Loaded"), "module load {module}: {out}");
    }
    let etc = ast.host_dir().join("etc");
    let extensions = std::fs::read_to_string(etc.join("extensions.conf")).unwrap();
    ast.write_etc("extensions.conf", &format!("{extensions}\n{DIALPLAN}"));
    ast.cli("dialplan reload");
    // Line 101 has no mailbox of its own: its endpoint's mailboxes name box 200.
    let pjsip = std::fs::read_to_string(etc.join("pjsip.conf")).unwrap();
    ast.write_etc(
        "pjsip.conf",
        &format!(
            "{pjsip}\n[101]\ntype = endpoint\ncontext = default\nmailboxes = 200@default\nallow = ulaw\n{ENDPOINT_100}"
        ),
    );
    ast.cli("module reload res_pjsip.so");
    Some(ast)
}

fn claim(mac: &str, profile: &str, pin: &str) -> Vec<String> {
    ["--mac", mac, "--model", "D70", "--profile", profile, "--pin", pin]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn alice() -> Vec<String> {
    claim("000fd3aa1001", "alice", "1111")
}

fn run(ast: &Asterisk, who: &[String], extra: &[&str]) -> PhoneRun {
    let mut args: Vec<&str> = who.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    phone(ast, &args)
}

fn ok(ast: &Asterisk, who: &[String], extra: &[&str]) -> String {
    let r = run(ast, who, extra);
    assert_eq!(r.code, 0, "{extra:?}: {}\n{}", r.stdout, r.stderr);
    r.stdout
}

fn refused(ast: &Asterisk, who: &[String], extra: &[&str], code: &str) -> String {
    let r = run(ast, who, extra);
    assert_eq!(r.code, 1, "{extra:?} should be refused: {}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&format!("refused: {code}")), "{extra:?}: {}", r.stderr);
    r.stderr
}

/// (new, old) as MWI has them (`MailboxCount`).
fn mailbox_count(ast: &Asterisk, mailbox: &str) -> (u32, u32) {
    let reply = ast.ami(&[("Action", "MailboxCount"), ("Mailbox", mailbox)]);
    let field = |key: &str| -> u32 {
        reply
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {reply}"))
    };
    (field("NewMessages:"), field("OldMessages:"))
}

/// Polls until `check` holds (bounded).
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for {what}");
}

/// Originates `channel` to run `application(data)` (AMI, as res_clioriginate is not in every build).
/// Not `Async`: the answer comes once the Local channel answers (at once), and no OriginateResponse
/// event with the harness's ActionID reaches a later AMI connection in place of its response.
fn originate(ast: &Asterisk, channel: &str, application: &str, data: &str) {
    let reply = ast.ami(&[
        ("Action", "Originate"),
        ("Channel", channel),
        ("Application", application),
        ("Data", data),
    ]);
    assert!(reply.contains("Success"), "Originate {channel}: {reply}");
}

/// VoiceMail() records `sound` into `mailbox`, as a caller would leave it.
fn leave(ast: &Asterisk, mailbox: &str, sound: &str) {
    originate(ast, &format!("Local/{sound}@vm-leave"), "VoiceMail", &format!("{mailbox},s"));
}

fn folder_dir(ast: &Asterisk, mailbox: &str, folder: &str) -> PathBuf {
    let (mbox, ctx) = mailbox.split_once('@').unwrap();
    ast.host_dir().join("spool/voicemail").join(ctx).join(mbox).join(folder)
}

/// The message files of a folder on disk (by extension).
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The `.txt` of message `id` in `dir`: its `key=value` lines.
fn message_txt(dir: &Path, id: &str) -> Option<String> {
    files(dir, "txt")
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .find(|t| t.lines().any(|l| l.trim() == format!("msg_id={id}")))
}

fn txt_value(txt: &str, key: &str) -> Option<String> {
    txt.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).map(|v| v.trim().to_string())
}

/// `message ID FOLDER DURATION "CALLERID" "DATE" FLAG` lines of the simulator: (id, folder, duration).
fn listed(stdout: &str) -> Vec<(String, String, u32)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("message "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), w[1].to_string(), w[2].parse().unwrap())
        })
        .collect()
}

/// Seconds of audio in a PCM WAV file (RIFF header read, `data` chunk found).
fn wav_seconds(bytes: &[u8]) -> f64 {
    assert!(
        bytes.len() > 44 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "not a WAV file"
    );
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (mut at, mut rate, mut block) = (12, 0u32, 0u16);
    while at + 8 <= bytes.len() {
        let (id, size) = (&bytes[at..at + 4], u32_at(at + 4) as usize);
        if id == b"fmt " {
            assert_eq!(u16_at(at + 8), 1, "PCM");
            rate = u32_at(at + 12);
            block = u16_at(at + 20);
        } else if id == b"data" {
            assert!(rate > 0 && block > 0, "fmt before data");
            let size = size.min(bytes.len() - at - 8);
            return size as f64 / f64::from(rate) / f64::from(block);
        }
        at += 8 + size + (size & 1);
    }
    panic!("no data chunk");
}

#[test]
fn messages_left_by_voicemail_are_listed_moved_forwarded_deleted_and_downloaded() {
    let Some(ast) = setup("vm-flow") else { return };
    let inbox = folder_dir(&ast, "100@default", "INBOX");
    // Two callers at once: a long one (for the download's duration) and a short one.
    leave(&ast, "100@default", "tt-monkeys");
    leave(&ast, "100@default", "demo-thanks");
    wait_until("two messages in 100's INBOX", || mailbox_count(&ast, "100@default") == (2, 0));
    assert_eq!(files(&inbox, "wav").len(), 2, "on disk");

    let list = ok(&ast, &alice(), &["--voicemail", "list"]);
    assert!(list.contains("mailbox 100@default"), "{list}");
    assert!(list.contains("folder INBOX \"Eingang\" 2"), "{list}");
    assert!(list.contains("folder Cust5 \"Aufnahmen\" 0"), "{list}");
    assert!(list.contains("folder Old \"Old\" 0"), "{list}");

    let messages = listed(&ok(&ast, &alice(), &["--voicemail", "messages", "INBOX"]));
    assert_eq!(messages.len(), 2, "{messages:?}");
    let (long, short) = if messages[0].2 > messages[1].2 {
        (messages[0].clone(), messages[1].clone())
    } else {
        (messages[1].clone(), messages[0].clone())
    };
    assert!(long.2 >= 10, "tt-monkeys lasts about 16 s: {long:?}");

    // Download: the phone's own address only, the spool's WAV, as long as the .txt says.
    let file = std::env::temp_dir().join(format!("{}-vm-{}.wav", ast.name, std::process::id()));
    let r = run(
        &ast,
        &alice(),
        &["--voicemail", "play", &long.0, "--download", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&format!("downloaded {} audio/wav", long.0)), "{}", r.stdout);
    let url = r.stderr.lines().find_map(|l| l.strip_prefix("audio ")).expect("the audio URL");
    let path = &url[url.find("/digium_phones/").expect("the module's path")..];
    let elsewhere = ast.http_get_from(Some([127, 0, 0, 2].into()), path, "Digium D70");
    assert_eq!(elsewhere.0, 404, "the token is bound to the phone's address");
    let bytes = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let txt = message_txt(&inbox, &long.0).expect("the message's .txt");
    let recorded: f64 = txt_value(&txt, "duration").unwrap().parse().unwrap();
    let seconds = wav_seconds(&bytes);
    assert!((seconds - recorded).abs() <= recorded * 0.1, "WAV {seconds} s, .txt {recorded} s");
    let spool_wav = files(&inbox, "wav").into_iter().find(|w| std::fs::read(w).unwrap() == bytes);
    assert!(spool_wav.is_some(), "the download is the spool's file");

    // Move: to Work, on disk and in MWI.
    let out = ok(&ast, &alice(), &["--voicemail", "move", &short.0, "Work"]);
    assert!(out.contains(&format!("moved {} Work", short.0)), "{out}");
    assert!(message_txt(&folder_dir(&ast, "100@default", "Work"), &short.0).is_some());
    assert!(message_txt(&inbox, &short.0).is_none());
    assert_eq!(mailbox_count(&ast, "100@default"), (1, 0));

    // Forward: a copy in 200's INBOX; 100 keeps its own.
    assert_eq!(mailbox_count(&ast, "200@default"), (0, 0));
    let out = ok(&ast, &alice(), &["--voicemail", "forward", &short.0, "200@default"]);
    assert!(out.contains(&format!("forwarded {} 200@default", short.0)), "{out}");
    assert_eq!(files(&folder_dir(&ast, "200@default", "INBOX"), "wav").len(), 1);
    assert_eq!(mailbox_count(&ast, "200@default"), (1, 0));
    assert!(message_txt(&folder_dir(&ast, "100@default", "Work"), &short.0).is_some());

    // Heard: INBOX → Old.
    let out = ok(&ast, &alice(), &["--voicemail", "heard", &long.0]);
    assert!(out.contains(&format!("heard {} Old", long.0)), "{out}");
    assert_eq!(mailbox_count(&ast, "100@default"), (0, 1));

    // Delete: gone from disk and from MWI.
    let out = ok(&ast, &alice(), &["--voicemail", "delete", &long.0]);
    assert!(out.contains(&format!("deleted {}", long.0)), "{out}");
    assert!(files(&folder_dir(&ast, "100@default", "Old"), "wav").is_empty());
    assert_eq!(mailbox_count(&ast, "100@default"), (0, 0));
    let list = ok(&ast, &alice(), &["--voicemail", "list"]);
    assert!(
        list.contains("folder Work \"Work\" 1") && list.contains("folder Old \"Old\" 0"),
        "{list}"
    );

    // Errors: an unknown message, another phone's box, a deleted message's download.
    refused(&ast, &alice(), &["--voicemail", "delete", &long.0], "404");
    refused(&ast, &alice(), &["--voicemail", "play", "1-0", "--download", "/dev/null"], "404");
    refused(&ast, &alice(), &["--voicemail", "list", "--mailbox", "200@default"], "403");
    refused(&ast, &alice(), &["--voicemail", "forward", &short.0, "999@default"], "404");
    assert_eq!(files(&folder_dir(&ast, "999@default", "INBOX"), "wav").len(), 0);
    let shown = ast.cli("digium_phones show voicemail alice");
    assert!(shown.contains("Line 100: mailbox 100@default (from mailbox)"), "{shown}");
    assert!(shown.contains("INBOX=0") && shown.contains("Work=1"), "{shown}");
    assert!(ast.is_alive());
}

#[test]
fn mailboxes_resolve_as_dpma_does_and_pins_and_missing_boxes_are_refused() {
    let Some(ast) = setup("vm-resolve") else { return };
    // bob's line 101 has no mailbox: its endpoint's mailboxes (200@default).
    let bob = claim("000fd3aa1002", "bob", "2222");
    let list = ok(&ast, &bob, &["--voicemail", "list"]);
    assert!(list.contains("mailbox 200@default"), "{list}");
    // The configuration says so: visual voicemail on where a mailbox resolves, off where none does.
    let visual = |config: &str| {
        let account = config.lines().find(|l| l.contains("<account ")).unwrap_or_default();
        account.contains(r#"visual_voicemail="1""#)
    };
    assert!(visual(&list), "bob: {list}");
    let erin = claim("000fd3aa1005", "erin", "5555");
    assert!(!visual(&ok(&ast, &erin, &[])), "erin");
    assert!(
        !visual(&ok(&ast, &claim("000fd3aa1004", "dave", "4444"), &[])),
        "dave (voicemail_uri)"
    );
    // carol's line 102 has neither: voicemail.conf's box 102; her application wants its PIN.
    let carol = claim("000fd3aa1003", "carol", "3333");
    let missing = refused(&ast, &carol, &["--voicemail", "list"], "401");
    assert!(missing.contains("need=pin"), "{missing}");
    refused(&ast, &carol, &["--voicemail", "list", "--mailbox-pin", "9999"], "403");
    let list = ok(&ast, &carol, &["--voicemail", "list", "--mailbox-pin", "4444"]);
    assert!(list.contains("mailbox 102@default"), "{list}");
    assert!(!ast.log().contains("4444"), "the PIN never reaches the log");
    // Wrong mailbox PINs count toward the lockout like profile PINs.
    for _ in 0..5 {
        run(&ast, &carol, &["--voicemail", "list", "--mailbox-pin", "0000"]);
    }
    refused(&ast, &carol, &["--voicemail", "list", "--mailbox-pin", "4444"], "429");
    // dave's primary line dials voicemail_uri; erin has no mailbox at all.
    let dave = claim("000fd3aa1004", "dave", "4444");
    refused(&ast, &dave, &["--voicemail", "list"], "403");
    refused(&ast, &erin, &["--voicemail", "list"], "404");
    let frank = claim("000fd3aa1006", "frank", "6666");
    let why = refused(&ast, &frank, &["--voicemail", "list"], "404");
    assert!(why.contains("no mailbox 999@default"), "{why}");
    let shown = ast.cli("digium_phones show voicemail bob");
    assert!(shown.contains("Line 101: mailbox 200@default (from endpoint mailboxes)"), "{shown}");
    let shown = ast.cli("digium_phones show voicemail carol");
    assert!(shown.contains("Line 102: mailbox 102@default (from voicemail.conf)"), "{shown}");
    let shown = ast.cli("digium_phones show voicemail erin");
    assert!(shown.contains("Line 104: no mailbox"), "{shown}");
    assert!(ast.is_alive());
}

#[test]
fn without_app_voicemail_every_method_answers_its_error_and_asterisk_lives() {
    let Some(ast) = setup("vm-unloaded") else { return };
    leave(&ast, "100@default", "demo-thanks");
    wait_until("a message in 100's INBOX", || mailbox_count(&ast, "100@default") == (1, 0));
    let messages = listed(&ok(&ast, &alice(), &["--voicemail", "messages", "INBOX"]));
    let id = messages[0].0.clone();
    let out = ast.cli("module unload app_voicemail.so");
    assert!(out.contains("Unloaded"), "{out}");
    for command in [
        vec!["list"],
        vec!["messages", "INBOX"],
        vec!["heard", &id],
        vec!["move", &id, "Work"],
        vec!["delete", &id],
        vec!["forward", &id, "200@default"],
        vec!["play", &id],
    ] {
        let mut args = vec!["--voicemail"];
        args.extend(command.iter().copied());
        let why = refused(&ast, &alice(), &args, "503");
        assert!(why.contains("app_voicemail is not loaded"), "{command:?}: {why}");
    }
    let why =
        refused(&ast, &alice(), &["--voicemail", "play", &id, "--download", "/dev/null"], "503");
    assert!(why.contains("app_voicemail"), "{why}");
    let shown = ast.cli("digium_phones show voicemail alice");
    assert!(shown.contains("app_voicemail is not loaded"), "{shown}");
    // Nothing was touched: the message is still in INBOX.
    assert!(message_txt(&folder_dir(&ast, "100@default", "INBOX"), &id).is_some());
    assert!(ast.is_alive());
    // And back: loaded again, the same box answers.
    assert!(ast.cli("module load app_voicemail.so").contains("Loaded"));
    let list = ok(&ast, &alice(), &["--voicemail", "list"]);
    assert!(list.contains("folder INBOX \"Eingang\" 1"), "{list}");
}

/// baresip registered as line 100 (alice's), answering by itself.
fn user_agent(ast: &Asterisk) -> Option<Ua> {
    let ua = Ua::register("100", "ua-secret-100", ast.sip_port)?;
    assert!(ua.registered(), "baresip did not register: {}", ua.log());
    wait_until("line 100's contact", || ast.cli("pjsip show contacts").contains("100/sip:100"));
    Some(ua)
}

/// The channels of line 100 now (`core show channels concise`).
fn line_channels(ast: &Asterisk) -> Vec<String> {
    ast.cli("core show channels concise")
        .lines()
        .filter(|l| l.starts_with("PJSIP/100-"))
        .map(|l| l.split('!').next().unwrap_or_default().to_string())
        .collect()
}

/// A bridged call to line 100: Local/talk@vm-talk dials it and plays into it; baresip answers.
fn call_line_100(ast: &Asterisk, ua: &Ua) {
    originate(ast, "Local/talk@vm-talk", "Dial", "PJSIP/100");
    assert!(ua.established(), "the call was not answered: {}", ua.log());
    wait_until("line 100 bridged", || {
        ast.cli("core show channels concise")
            .lines()
            .any(|l| l.starts_with("PJSIP/100-") && l.contains("!Up!"))
    });
}

/// The recordings in 100's Cust5 on disk.
fn recordings(ast: &Asterisk) -> Vec<PathBuf> {
    files(&folder_dir(ast, "100@default", "Cust5"), "txt")
}

#[test]
fn one_touch_recordings_of_a_real_call_land_in_cust5() {
    let Some(ast) = setup("vm-record") else { return };
    let Some(ua) = user_agent(&ast) else { return };
    // No call yet; bob may not record at all.
    let why = refused(&ast, &alice(), &["--record", "start"], "404");
    assert!(why.contains("no call"), "{why}");
    refused(&ast, &claim("000fd3aa1002", "bob", "2222"), &["--record", "start"], "403");

    call_line_100(&ast, &ua);
    let channel = line_channels(&ast).pop().expect("line 100's channel");
    let out = ok(&ast, &alice(), &["--record", "start"]);
    assert!(out.contains(&format!("recording {channel} 100@default/Cust5")), "{out}");
    refused(&ast, &alice(), &["--record", "start"], "409");
    std::thread::sleep(Duration::from_secs(3));
    let out = ok(&ast, &alice(), &["--record", "stop"]);
    assert!(out.contains(&format!("stopped {channel}")), "{out}");
    refused(&ast, &alice(), &["--record", "stop"], "409");
    wait_until("the recording in Cust5", || recordings(&ast).len() == 1);

    // A second press makes a second recording, on the same call; the phone names it by Call-ID.
    let call_id = ast
        .cli(&format!("core show channel {channel}"))
        .lines()
        .find_map(|l| l.trim().strip_prefix("Call-ID:").map(|c| c.trim().to_string()));
    let call_id = call_id.unwrap_or_else(|| {
        let v = ast.ami(&[
            ("Action", "Getvar"),
            ("Channel", &channel),
            ("Variable", "CHANNEL(pjsip,call-id)"),
        ]);
        v.lines().find_map(|l| l.strip_prefix("Value: ")).expect("the Call-ID").trim().to_string()
    });
    refused(&ast, &alice(), &["--record", "start", "--callid", "not-this-call"], "404");
    ok(&ast, &alice(), &["--record", "start", "--callid", &call_id]);
    std::thread::sleep(Duration::from_secs(3));
    ok(&ast, &alice(), &["--record", "stop", "--callid", &call_id]);
    wait_until("the second recording in Cust5", || recordings(&ast).len() == 2);
    for txt in recordings(&ast) {
        let text = std::fs::read_to_string(&txt).unwrap();
        let seconds: u32 = txt_value(&text, "duration").unwrap().parse().unwrap();
        assert!(seconds >= 2, "{}: {text}", txt.display());
    }

    // Listed as Recordings by the phone.
    let list = ok(&ast, &alice(), &["--voicemail", "list"]);
    assert!(list.contains("folder Cust5 \"Aufnahmen\" 2"), "{list}");
    let listed = listed(&ok(&ast, &alice(), &["--voicemail", "messages", "Recordings"]));
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|(_, folder, duration)| folder == "Cust5" && *duration >= 2));

    // Hung up: stop has no call to stop.
    ua.hang_up();
    wait_until("line 100 idle", || line_channels(&ast).is_empty());
    refused(&ast, &alice(), &["--record", "stop"], "404");

    // Without app_mixmonitor: a clear error.
    call_line_100(&ast, &ua);
    assert!(ast.cli("module unload app_mixmonitor.so").contains("Unloaded"));
    let why = refused(&ast, &alice(), &["--record", "start"], "503");
    assert!(why.contains("app_mixmonitor is not loaded"), "{why}");
    assert!(ast.cli("module load app_mixmonitor.so").contains("Loaded"));

    // Unloading the module with a recording running leaves the recording to MixMonitor.
    ok(&ast, &alice(), &["--record", "start"]);
    let out = ast.cli("module unload res_digium_phone.so");
    assert!(out.contains("Unloaded"), "{out}");
    std::thread::sleep(Duration::from_secs(2));
    ua.hang_up();
    wait_until("the third recording in Cust5", || recordings(&ast).len() == 3);
    assert!(ast.cli("module load res_digium_phone.so").contains("Loaded"));
    assert!(ast.is_alive());
}

#[test]
fn a_message_is_played_over_a_call_to_the_phone() {
    let Some(ast) = setup("vm-play") else { return };
    let Some(ua) = user_agent(&ast) else { return };
    leave(&ast, "100@default", "demo-thanks");
    wait_until("a message in 100's INBOX", || mailbox_count(&ast, "100@default") == (1, 0));
    let id = listed(&ok(&ast, &alice(), &["--voicemail", "messages", "INBOX"]))[0].0.clone();
    let out = ok(&ast, &alice(), &["--voicemail", "play", &id]);
    assert!(out.contains(&format!("calling 100 {id}")), "{out}");
    assert!(ua.established(), "the phone was not called: {}", ua.log());
    let launched = format!("Launching VoiceMailPlayMsg(100@default,{id}) on PJSIP/100-");
    assert!(ast.wait_for_log(&launched), "VoiceMailPlayMsg ran");
    // Played: heard, so app_voicemail moves it out of INBOX when it is done.
    wait_until("the message heard", || mailbox_count(&ast, "100@default") == (0, 1));
    assert!(ast.is_alive());
}

#[test]
fn a_hundred_rapid_starts_stops_and_hang_ups_leave_asterisk_running() {
    let Some(ast) = setup("vm-race") else { return };
    let Some(ua) = user_agent(&ast) else { return };
    let (mut answered, mut started) = (0, 0);
    for round in 0..10u64 {
        call_line_100(&ast, &ua);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..10u64)
                .map(|i| {
                    let action = if (round + i) % 2 == 0 { "start" } else { "stop" };
                    let (ast, who) = (&ast, alice());
                    let go = move || {
                        // Staggered, so requests overlap each other and the hang-up.
                        std::thread::sleep(Duration::from_millis(40 * i));
                        run(ast, &who, &["--record", action])
                    };
                    (action, scope.spawn(go))
                })
                .collect();
            // The phone hangs up somewhere in the round (later each round), racing the requests.
            let ua = &ua;
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(100 * (round + 1)));
                ua.hang_up();
            });
            for (action, handle) in handles {
                let r = handle.join().unwrap();
                // Every request is answered: done, or refused with a reason (no call, conflict).
                assert!(r.code == 0 || r.code == 1, "record {action}: {}", r.stderr);
                if r.code == 1 {
                    assert!(
                        ["refused: 404", "refused: 409"].iter().any(|c| r.stderr.contains(c)),
                        "{}",
                        r.stderr
                    );
                }
                answered += 1;
                started += usize::from(r.code == 0 && action == "start");
            }
        });
        ua.hang_up();
        wait_until("line 100 idle", || line_channels(&ast).is_empty());
        assert!(ast.is_alive(), "round {round}");
    }
    eprintln!("{answered} record requests answered, {started} recordings started");
    assert_eq!(answered, 100);
    assert!(started > 0, "no recording ever started: the race did not run");
    // Every recording that started ended with its call and landed (or was under minsecs: none are).
    wait_until("the raced recordings in Cust5", || !recordings(&ast).is_empty());
    assert!(ast.is_alive() && ast.cli("module show like res_digium_phone").contains("Running"));
}

#[test]
fn a_call_on_a_line_without_a_mailbox_is_not_recorded() {
    let Some(ast) = setup("vm-record-nobox") else { return };
    let Some(ua) = Ua::register("104", "ua-secret-104", ast.sip_port) else { return };
    assert!(ua.registered(), "baresip did not register: {}", ua.log());
    wait_until("line 104's contact", || ast.cli("pjsip show contacts").contains("104/sip:104"));
    originate(&ast, "Local/talk@vm-talk", "Dial", "PJSIP/104");
    assert!(ua.established(), "the call was not answered: {}", ua.log());
    // erin may record, but her line has no mailbox to keep the recording in.
    let erin = claim("000fd3aa1005", "erin", "5555");
    let why = refused(&ast, &erin, &["--record", "start"], "404");
    assert!(why.contains("no mailbox"), "{why}");
    assert!(ast.cli("core show channels concise").lines().all(|l| !l.contains("MixMonitor")));
    ua.hang_up();
    wait_until("line 104 idle", || !ast.cli("core show channels concise").contains("PJSIP/104-"));
    assert!(ast.is_alive());
}
