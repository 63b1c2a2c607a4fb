//! A FreePBX site, as FreePBX's own code reads it: the licence gate, the version it parses, the
//! session line it takes a phone's MAC from, and BLF keys subscribed to `auto_hint_<ext>` from the
//! phone's own endpoint, with the files FreePBX writes and no dialplan change.

use std::path::PathBuf;

use regex::Regex;

use crate::support::{Asterisk, Watcher, phone, repo, start};

fn site() -> PathBuf {
    repo().join("tests/fixtures/conf/freepbx")
}

/// An instance serving the FreePBX fixture set, booted with FreePBX's PJSIP and dialplan in place of
/// the sandbox's.
fn start_freepbx(name: &str) -> Option<Asterisk> {
    let mut ast = start(name, &site().join("res_digium_phone.conf"))?;
    for entry in std::fs::read_dir(site().join("asterisk")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let text =
            text.replace("@BIND@", "127.0.0.1").replace("@SIP_PORT@", &ast.sip_port.to_string());
        ast.write_etc(entry.file_name().to_str().unwrap(), &text);
    }
    ast.restart();
    Some(ast)
}

/// The phone of profile `[201]` (lines 201 and 299), claiming it by its MAC as FreePBX's
/// `config_auth=mac` wants, with more simulator arguments.
fn phone_201<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--mac", "000fd3a1b201", "--model", "D65", "--firmware", "2_9_7_0_88123"];
    args.extend_from_slice(extra);
    args
}

/// A dotted version as numbers, for comparing as FreePBX's `version_compare` does.
fn numbers(version: &str) -> Vec<u32> {
    version.split('.').map(|n| n.parse().unwrap()).collect()
}

#[test]
fn freepbx_passes_the_licence_gate_reads_the_version_and_finds_the_phone() {
    let Some(ast) = start_freepbx("f-gate") else { return };
    // The gate on FreePBX's GUI and its config generator: only the Response header counts.
    let reply = ast.ami(&[("Action", "DPMALicenseStatus")]);
    assert!(reply.contains("Response: Success"), "{reply}");
    assert!(reply.contains("No licence is needed"), "{reply}");
    let reply = ast.ami(&[("Action", "dpmalicensestatus")]);
    assert!(reply.contains("Response: Success"), "AMI names ignore case: {reply}");
    let reply = ast.ami(&[("Action", "ModuleCheck"), ("Module", "res_digium_phone")]);
    assert!(reply.contains("Response: Success"), "{reply}");
    let licence = ast.cli("digium_phones license status");
    assert!(licence.lines().next().unwrap_or_default().contains("OK, Valid"), "{licence}");

    // FreePBX's `Version [0-9.]+_([0-9.]+)`, and the FreePBX 17 installer's last word.
    let version = ast.cli("digium_phones show version");
    let level = Regex::new(r"Version [0-9.]+_([0-9.]+)").unwrap();
    let (_, [dpma]) = level.captures(&version).expect(&version).extract();
    assert!(numbers(dpma) >= numbers("3.6.8"), "FreePBX reads DPMA {dpma}:\n{version}");
    let words: Vec<&str> = version
        .lines()
        .filter(|l| l.contains("Version"))
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(words.len(), 1, "{version}");
    assert!(words[0].replace('_', ".").ends_with(&format!("+rdp{}", env!("CARGO_PKG_VERSION"))));

    // A phone provisions from FreePBX's files, phonebook from file_url_prefix.
    let run = phone(&ast, &phone_201(&[]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(r#"url="http://192.0.2.10/digium_phones/contacts-internal.xml""#),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Alice") && run.stdout.contains("Sales"), "{}", run.stdout);

    // FreePBX's MAC lookup: each line of `show sessions` against its own pattern, the address
    // pasted in unescaped as PHP does.
    let sessions = ast.cli("digium_phones show sessions");
    let pattern = Regex::new(&format!(r":{}:.*MAC:([a-fA-F0-9]{{12}})$", "127.0.0.1")).unwrap();
    let mac = sessions
        .split('\n')
        .find_map(|l| pattern.captures(l).map(|c| c[1].to_string()))
        .unwrap_or_else(|| panic!("no session line matches:\n{sessions}"));
    assert_eq!(mac, "000fd3a1b201");
    let line = sessions.lines().find(|l| l.ends_with("MAC:000fd3a1b201")).unwrap();
    assert!(line.starts_with("201 ") && line.contains("D65") && line.contains("2_9_7_0_88123"));
    assert!(line.contains(" ago "), "{line}");

    // Secrets are never shown: the phone's login password and PIN fields, the trunk's secret.
    let shown = [
        ast.cli("digium_phones show phone 201"),
        ast.cli("digium_phones show phone 202"),
        ast.cli("digium_phones show line externalline-1"),
        ast.cli("digium_phones show config"),
    ];
    for text in &shown {
        assert!(!text.contains("8642") && !text.contains("Pr0v1der-S3cret"), "{text}");
    }
    assert!(shown[0].contains("login_password: ********"), "{}", shown[0]);
    assert!(shown[2].contains("secret: ********"), "{}", shown[2]);
}

#[test]
fn auto_hints_light_blf_keys_from_the_lines_own_endpoint() {
    let Some(ast) = start_freepbx("f-blf") else { return };
    let hints = ast.cli("core show hints");
    let hint_of = |hints: &str, at: &str| {
        hints.lines().find(|l| l.trim_start().starts_with(at)).map(str::to_string)
    };
    // In from-internal, the endpoints' context; FreePBX's own hints in ext-local stay in charge of
    // the plain extensions (a module hint in from-internal would shadow them).
    for line in ["201", "202", "203", "299"] {
        let ours = hint_of(&hints, &format!("auto_hint_{line}@from-internal"));
        let ours = ours.unwrap_or_else(|| panic!("no auto_hint_{line}:\n{hints}"));
        assert!(ours.contains(&format!("PJSIP/{line},CustomPresence:{line}")), "{ours}");
        assert!(hint_of(&hints, &format!("{line}@from-internal")).is_none(), "{hints}");
        let theirs = hint_of(&hints, &format!("{line}@ext-local")).expect(&hints);
        assert!(theirs.contains(&format!("Custom:DND{line}")), "{theirs}");
    }
    assert!(!hints.contains("@digium_phones_hints"), "{hints}");
    assert!(
        ast.wait_for_log(
            "201@from-internal already has the hint 'PJSIP/201&Custom:DND201,CustomPresence:201' \
             (in ext-local, which it includes); left as it is"
        ),
        "no notice about FreePBX's hint"
    );

    // A BLF key of FreePBX's internal phonebook: subscribe_to="auto_hint_201", from endpoint 202.
    let phonebook =
        std::fs::read_to_string(site().join("web/digium_phones/contacts-internal.xml")).unwrap();
    assert!(phonebook.contains(r#"subscribe_to="auto_hint_201""#));
    let mut key = Watcher::subscribe(&ast, "202", "auto_hint_201");
    let set = phone(
        &ast,
        &phone_201(&["--status", "away", "--substatus", "lunch", "--status-message", "Back at 2"]),
    );
    assert_eq!(set.code, 0, "{}\n{}", set.stdout, set.stderr);
    assert!(set.stderr.contains("presence 201 away"), "{}", set.stderr);
    let body = key.notify_with(r#"type="away""#).unwrap_or_else(|| {
        panic!("no NOTIFY with the status; responses {:?}\n{}", key.responses, ast.log())
    });
    assert!(body.contains("digium_presence") && body.contains("Back at 2"), "{body}");
    assert!(key.responses.iter().any(|r| r.starts_with("SIP/2.0 20")), "{:?}", key.responses);

    // pbx_config rebuilds its contexts on `dialplan reload`; the module's hints stay, and so do
    // the subscriptions on them.
    let reloaded = ast.cli("dialplan reload");
    assert!(reloaded.contains("Dialplan reloaded"), "{reloaded}");
    let hints = ast.cli("core show hints");
    assert!(hint_of(&hints, "auto_hint_201@from-internal").is_some(), "after reload:\n{hints}");
    let set = phone(&ast, &phone_201(&["--status", "dnd"]));
    assert_eq!(set.code, 0, "{}", set.stderr);
    let body = key.notify_with(r#"type="dnd""#);
    assert!(body.is_some(), "the subscription went dark after dialplan reload");
    let mut fresh = Watcher::subscribe(&ast, "203", "auto_hint_201");
    assert!(fresh.notify_with(r#"type="dnd""#).is_some(), "a new subscription after reload");

    // hint_context, set, puts them there instead.
    let main = std::fs::read_to_string(site().join("res_digium_phone.conf")).unwrap();
    ast.write_config(&main.replace("[general]\n", "[general]\nhint_context=office-hints\n"));
    ast.cli("module reload res_digium_phone.so");
    let hints = ast.cli("core show hints");
    assert!(hint_of(&hints, "auto_hint_201@office-hints").is_some(), "{hints}");
    assert!(hint_of(&hints, "201@office-hints").is_some(), "{hints}");
    assert!(!hints.contains("@from-internal"), "{hints}");

    // They leave with the module; FreePBX's stay.
    ast.cli("module unload res_digium_phone.so");
    let hints = ast.cli("core show hints");
    assert!(!hints.contains("auto_hint_"), "{hints}");
    assert!(hint_of(&hints, "201@ext-local").is_some(), "{hints}");
}
