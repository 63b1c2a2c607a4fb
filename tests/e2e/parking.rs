//! Parking and queues applications against res_parking and app_queue, a real SIP user agent as the
//! phone's line, and the in-call features of the sample dialplan reached by INVITEs that carry them.

use std::time::{Duration, Instant};

use crate::support::{Asterisk, PhoneRun, Ua, fixture, phone, repo, start};

/// Starts an instance with the parking fixture: two lots (default 701-720, sales 801-820), queues
/// sales and support, lines 700/701, and the modules, endpoints and dialplan they need.
fn start_parking(name: &str) -> Option<Asterisk> {
    let mut ast = start(name, &fixture("parking/res_digium_phone.conf"))?;
    let etc = ast.host_dir().join("etc");
    let read = |p: std::path::PathBuf| std::fs::read_to_string(&p).expect("read config");
    let extra = |f: &str| read(fixture("parking").join(f));
    ast.write_etc(
        "modules.conf",
        &format!("{}\n{}", read(etc.join("modules.conf")), extra("modules.inc")),
    );
    ast.write_etc(
        "pjsip.conf",
        &format!("{}\n{}", read(etc.join("pjsip.conf")), extra("pjsip.inc")),
    );
    let sample = read(repo().join("configs/extensions.digium_phones.conf.sample"));
    ast.write_etc("extensions.conf", &format!("{sample}\n{}", extra("extensions.inc")));
    ast.restart();
    let modules = ast.cli("module show like res_parking");
    assert!(modules.contains("res_parking.so"), "res_parking did not load: {modules}");
    Some(ast)
}

fn desk(extra: &[&str]) -> Vec<String> {
    claim("000fd3cc0700", "desk", "1111", extra)
}

fn boss(extra: &[&str]) -> Vec<String> {
    claim("000fd3cc0701", "boss", "2222", extra)
}

fn claim(mac: &str, profile: &str, pin: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        ["--mac", mac, "--model", "D70", "--profile", profile, "--pin", pin]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn sim(ast: &Asterisk, args: &[String]) -> PhoneRun {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    phone(ast, &args)
}

/// The simulator's plain lines (stdout without the configuration document it prints first).
fn app_lines(run: &PhoneRun) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| {
            [
                "lot ",
                "parked ",
                "retrieving",
                "queue ",
                "self ",
                "member ",
                "caller ",
                "done ",
                "event ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect()
}

/// Polls `command` until its output contains `needle` (or, with `present = false`, no longer does).
fn wait_cli(ast: &Asterisk, command: &str, needle: &str, present: bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = ast.cli(command);
        if out.contains(needle) == present || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Parks a Local channel (caller ID `name <num>`) in `lot` through the dialplan's Park(); its other
/// half waits. Returns once res_parking lists it at `space`.
fn park(ast: &Asterisk, lot: &str, name: &str, num: &str, space: &str) {
    let caller_id = format!("\"{name}\" <{num}>");
    let reply = ast.ami(&[
        ("Action", "Originate"),
        ("Channel", &format!("Local/park-{lot}@parking-test/n")),
        ("Application", "Wait"),
        ("Data", "600"),
        ("CallerID", &caller_id),
        ("Async", "true"),
    ]);
    assert!(reply.contains("Success"), "{reply}");
    assert!(wait_parked(ast, lot, space, true), "not parked at {space} in {lot}");
}

/// Whether `parking show LOT` lists a call at `space`.
fn parked_at(ast: &Asterisk, lot: &str, space: &str) -> bool {
    ast.cli(&format!("parking show {lot}")).lines().any(|l| {
        let (key, value) = l.split_once(':').unwrap_or_default();
        key.trim() == "Space" && value.trim() == space
    })
}

/// Polls until a call is (or is no longer) parked at `space` of `lot`.
fn wait_parked(ast: &Asterisk, lot: &str, space: &str, parked: bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if parked_at(ast, lot, space) == parked {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn parked_calls_are_listed_per_lot_and_retrieved_to_the_phones_line() {
    let Some(ast) = start_parking("park-retrieve") else { return };
    let Some(mut ua) = Ua::start("700", "pw-700", ast.sip_port) else { return };
    assert!(ua.wait_registered(), "the UA did not register: {}", ua.output());

    park(&ast, "sales", "Sales Caller", "5551234", "801");
    park(&ast, "default", "Other Caller", "5559999", "701");

    // desk's parking application names the sales lot only.
    let run = sim(&ast, &desk(&["--parking", "list"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = app_lines(&run);
    assert!(lines.contains(&"lot sales spaces 801-820 timeout 600"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with(r#"parked sales 801 "5551234" "Sales Caller" parked "#)),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("default") || l.contains("5559999")), "{lines:?}");
    // The Park softkey settings reach the configuration.
    assert!(
        run.stdout.contains(r#"<setting id="parking_lot_extension" value="800"/>"#),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r#"<setting id="parking_lot_enable_blind_transfer" value="0"/>"#));

    // boss sees every lot.
    let run = sim(&ast, &boss(&["--parking", "list"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = app_lines(&run);
    assert!(lines.iter().any(|l| l.starts_with(r#"parked default 701 "5559999""#)), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with(r#"parked sales 801 "5551234""#)), "{lines:?}");

    // desk may neither list nor retrieve from the lot it does not see, nor an empty space.
    let run = sim(&ast, &desk(&["--parking", "retrieve", "default", "701"]));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("refused: 403"), "{}", run.stderr);
    let run = sim(&ast, &desk(&["--parking", "retrieve", "sales", "819"]));
    assert!(run.code == 1 && run.stderr.contains("refused: 404"), "{}", run.stderr);
    let run = sim(&ast, &desk(&["--parking", "retrieve", "sales", "80,1"]));
    assert!(run.code == 1 && run.stderr.contains("refused: 400"), "{}", run.stderr);

    // Retrieval calls desk's line (the UA answers) straight into the parked call.
    let run = sim(&ast, &desk(&["--parking", "retrieve", "sales", "801"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        app_lines(&run).contains(&r#"retrieving lot="sales" space="801" line="700""#),
        "{}",
        run.stdout
    );
    assert!(ua.wait_established(), "the UA got no call: {}", ua.output());
    assert!(wait_parked(&ast, "sales", "801", false), "still parked");
    let channels = ast.cli("core show channels verbose");
    assert!(
        channels.lines().any(|l| l.starts_with("PJSIP/700-") && l.contains("ParkedCall")),
        "{channels}"
    );
    let bridges = ast.cli("bridge show all");
    assert!(bridges.contains(" 2 "), "the line and the parked call are not bridged: {bridges}");
    assert!(ua.in_call());

    // The admin's view: the call left in the default lot.
    let shown = ast.cli("digium_phones show parking");
    assert!(shown.contains("lot default spaces 701-720"), "{shown}");
    assert!(shown.contains(r#"parked default 701 "5559999" "Other Caller""#), "{shown}");
    assert!(!shown.contains("parked sales 801"), "{shown}");

    assert!(ua.hangup(), "{}", ua.output());

    // Without res_parking every parking method answers 503 and Asterisk lives on.
    ast.cli("channel request hangup all");
    wait_cli(&ast, "core show channels count", "0 active channels", true);
    let unloaded = ast.cli("module unload res_parking.so");
    assert!(
        !ast.cli("module show like res_parking").contains("res_parking.so"),
        "res_parking did not unload: {unloaded}"
    );
    for args in [vec!["--parking", "list"], vec!["--parking", "retrieve", "sales", "801"]] {
        let run = sim(&ast, &desk(&args));
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("refused: 503 res_parking is not loaded in Asterisk"),
            "{}",
            run.stderr
        );
    }
    assert!(ast.cli("digium_phones show parking").contains("res_parking is not loaded"));
    assert!(ast.is_alive());
}
