//! Presence in the real Asterisk: statuses set by a phone land in CustomPresence, hints carry them to
//! SIP watchers with the Digium PIDF element, and they survive a restart.

use crate::support::{fixture, phone, start};

const PRESENCE: &str = include_str!("../fixtures/e2e/presence.conf");

fn claim_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args =
        vec!["--mac", "000fd3bb0007", "--model", "D70", "--profile", "desk7", "--pin", "7777"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_status_reaches_presence_state_hints_and_watchers() {
    let Some(mut ast) = start("r-status", &fixture("presence.conf")) else { return };
    let hints = ast.cli("core show hints");
    assert!(
        hints.contains("700@digium_phones_hints") && hints.contains("PJSIP/700,CustomPresence:700"),
        "{hints}"
    );

    let message = "Out to lunch, back at 2\nCall my cell";
    let run = phone(
        &ast,
        &claim_args(&["--status", "away", "--substatus", "lunch", "--status-message", message]),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("presence 700 away"), "{}", run.stderr);
    // The status application reaches the phone with send486, which the phone acts on.
    assert!(run.stdout.contains(r#"id="dnd" send486="1""#), "{}", run.stdout);

    let list = ast.cli("presencestate list");
    assert!(list.contains("CustomPresence:700") && list.contains("away"), "{list}");
    // Only the primary line follows unless presence_all_lines = yes.
    assert!(!list.contains("CustomPresence:701"), "{list}");
    let shown = ast.cli("digium_phones show presence 700");
    assert!(
        shown.contains("away")
            && shown.contains("lunch")
            && shown.contains("Out to lunch, back at 2"),
        "{shown}"
    );
    let hints = ast.cli("core show hints");
    let line = hints.lines().find(|l| l.contains("700@digium_phones_hints")).unwrap_or_default();
    assert!(line.contains("Presence:away"), "{hints}");

    // A SIP watcher with a Digium User-Agent gets the digium_presence element.
    let pjsip = std::fs::read_to_string(ast.host_dir().join("etc/pjsip.conf")).unwrap();
    ast.write_etc(
        "pjsip.conf",
        &format!(
            "{pjsip}\n[watcher]\ntype = endpoint\ncontext = digium_phones_hints\nallow = ulaw\n"
        ),
    );
    ast.cli("module reload res_pjsip.so");
    let body = crate::support::subscribe_presence(&ast, "watcher", "700", "digium_presence")
        .expect("no NOTIFY with the digium_presence element");
    assert!(body.contains(r#"type="away""#) && body.contains(r#"subtype="lunch""#), "{body}");
    assert!(body.contains("Out to lunch, back at 2"), "{body}");

    // Another phone reads it (the contacts app's view).
    let read = phone(&ast, &claim_args(&["--get-presence", "700,701"]));
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert!(read.stdout.contains("presence 700 away"), "{}", read.stdout);

    // astdb keeps it across a restart.
    ast.restart();
    let shown = ast.cli("digium_phones show presence 700");
    assert!(
        shown.contains("away") && shown.contains("Out to lunch, back at 2"),
        "after restart: {shown}"
    );
}

#[test]
fn statuses_are_checked() {
    let Some(ast) = start("r-check", &fixture("presence.conf")) else { return };
    let unsupported = phone(&ast, &claim_args(&["--status", "unavailable"]));
    assert_eq!(unsupported.code, 1, "{}", unsupported.stderr);
    assert!(unsupported.stderr.contains("refused: 400"), "{}", unsupported.stderr);
    let not_offered = phone(&ast, &claim_args(&["--status", "xa"]));
    assert!(not_offered.stderr.contains("refused: 403"), "{}", not_offered.stderr);
    assert!(!ast.cli("presencestate list").contains("CustomPresence:700"));
}

#[test]
fn all_lines_follow_when_configured_and_dnd_is_visible_to_the_dialplan() {
    let Some(ast) = start("r-all", &fixture("presence.conf")) else { return };
    ast.write_config(
        &PRESENCE.replace("config_auth = pin", "config_auth = pin\npresence_all_lines = yes"),
    );
    ast.cli("module reload res_digium_phone.so");
    let run = phone(&ast, &claim_args(&["--status", "dnd"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = ast.cli("presencestate list");
    assert!(list.contains("CustomPresence:700") && list.contains("CustomPresence:701"), "{list}");
    let reply =
        ast.ami(&[("Action", "Getvar"), ("Variable", "PRESENCE_STATE(CustomPresence:701,value)")]);
    assert!(reply.contains("Value: dnd"), "{reply}");
}

#[test]
fn hints_follow_the_configuration_and_leave_the_admins_alone() {
    let Some(ast) = start("r-hints", &fixture("presence.conf")) else { return };
    // The admin's own hint for 701 is there before the module comes.
    ast.cli("module unload res_digium_phone.so");
    ast.write_etc(
        "extensions.conf",
        "[dpma_message_context]\n[dpma-invalid]\n[digium_phones_hints]\nexten => 701,hint,PJSIP/someone-else\n",
    );
    ast.cli("dialplan reload");
    ast.cli("module load res_digium_phone.so");
    let hints = ast.cli("core show hints");
    assert!(hints.contains("700@digium_phones_hints"), "{hints}");
    assert!(hints.contains("PJSIP/someone-else"), "the admin's hint was replaced:\n{hints}");
    assert!(
        ast.wait_for_log("701@digium_phones_hints already has the hint"),
        "no notice about the admin's hint"
    );

    // A changed extension moves the hint.
    ast.write_config(&PRESENCE.replace("exten = 700", "exten = 7700"));
    ast.cli("module reload res_digium_phone.so");
    let hints = ast.cli("core show hints");
    assert!(hints.contains("7700@digium_phones_hints"), "{hints}");
    assert!(!hints.lines().any(|l| l.trim_start().starts_with("700@")), "{hints}");

    ast.cli("module unload res_digium_phone.so");
    let hints = ast.cli("core show hints");
    assert!(!hints.contains("7700@"), "hints left after unload:\n{hints}");
    assert!(hints.contains("PJSIP/someone-else"), "{hints}");
}
