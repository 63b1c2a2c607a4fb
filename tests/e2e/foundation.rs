//! The module in a real Asterisk 22: load, CLI, reload, unload, the test framework.

use crate::support::{Asterisk, fixture, start};

const BASIC: &str = include_str!("../fixtures/e2e/basic.conf");

fn row<'a>(table: &'a str, first: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(first))
        .unwrap_or_else(|| panic!("no row for {first} in:\n{table}"))
        .split_whitespace()
        .collect()
}

fn build_id(ast: &Asterisk) -> String {
    let out = ast.cli("digium_phones show version");
    out.lines()
        .find_map(|l| l.strip_prefix("Build: "))
        .unwrap_or_else(|| panic!("no Build line in {out}"))
        .trim()
        .to_string()
}

#[test]
fn module_runs_and_reports_its_version() {
    let Some(ast) = start("t-version", &fixture("basic.conf")) else { return };
    let modules = ast.cli("module show like res_digium_phone");
    let line = modules.lines().find(|l| l.starts_with("res_digium_phone.so")).expect(&modules);
    assert!(line.contains("Running") && line.contains("extended"), "{line}");

    // `Version <major.minor of the Asterisk running>_<DPMA level>+rdp<ours>`, whatever the major.
    let version = ast.cli("digium_phones show version");
    let first = version.lines().next().unwrap_or_default();
    let running = ast.cli("core show version");
    let numbers = regex::Regex::new(r"Asterisk (\d+)\.(\d+)").unwrap();
    let (_, [major, minor]) = numbers.captures(&running).expect(&running).extract();
    assert_eq!(
        first,
        format!("Version {major}.{minor}_3.6.9+rdp{}", env!("CARGO_PKG_VERSION")),
        "{version}"
    );
    assert!(!build_id(&ast).is_empty());
    // The Asterisk it runs in, as that Asterisk names itself, and what the build was made for.
    let full = running.split_whitespace().nth(1).expect(&running);
    assert!(version.contains(&format!("\nRunning in: Asterisk {full}\n")), "{version}\n{running}");
    assert!(version.contains("\nBuilt for: Asterisk builds with buildopt sum "), "{version}");
    // The sum it was built with is logged at load, for a refused load to be explained.
    assert!(ast.wait_for_log("built with buildopt sum "), "no buildopt sum at load");

    let help = ast.cli("core show help digium_phones");
    for c in ["show version", "show phones", "show phone ", "show lines", "show line "] {
        assert!(help.contains(&format!("digium_phones {c}")), "{c} missing from:\n{help}");
    }
}

#[test]
fn phones_and_lines_are_listed_from_the_config() {
    let Some(ast) = start("t-show", &fixture("basic.conf")) else { return };
    let phones = ast.cli("digium_phones show phones");
    assert!(phones.lines().next().unwrap().starts_with("Phone "), "{phones}");
    assert_eq!(row(&phones, "alice")[..1], ["alice"]);
    assert!(
        phones.contains("000fd3aabb01") && phones.contains("200,201") && phones.contains("carrier"),
        "{phones}"
    );
    assert!(row(&phones, "bob").contains(&"000fd3aabb02"), "{phones}");
    assert!(phones.contains("Objects found: 2"), "{phones}");

    let lines = ast.cli("digium_phones show lines");
    assert_eq!(row(&lines, "200")[..3], ["200", "line", "200"]);
    assert!(row(&lines, "201").contains(&"alice,bob"), "{lines}");
    assert!(row(&lines, "carrier").contains(&"sip.carrier.example:5080"), "{lines}");
    assert!(lines.contains("Objects found: 3"), "{lines}");

    let alice = ast.cli("digium_phones show phone alice");
    assert!(alice.contains("full_name: Alice \"Al\" <Ops>"), "{alice}");
    assert!(alice.contains("parking_exten: 700"), "template option missing:\n{alice}");
    assert!(alice.contains("pin: ********"), "{alice}");
    let line = ast.cli("digium_phones show line 200");
    assert!(
        line.contains("line_label: Sales & Support") && line.contains("secret: ********"),
        "{line}"
    );
    let missing = ast.cli("digium_phones show phone nobody");
    assert!(missing.contains("No phone named 'nobody'"), "{missing}");
    let usage = ast.cli("digium_phones show phone");
    assert!(usage.contains("Usage: digium_phones show phone <name>"), "{usage}");
}

#[test]
fn names_complete_on_the_cli() {
    let Some(ast) = start("t-complete", &fixture("basic.conf")) else { return };
    let all = ast.cli(r#"_command matchesarray "digium_phones show phone " """#);
    assert!(all.contains("alice") && all.contains("bob"), "{all}");
    let some = ast.cli(r#"_command matchesarray "digium_phones show phone a" "a""#);
    assert!(some.contains("alice") && !some.contains("bob"), "{some}");
    let lines = ast.cli(r#"_command matchesarray "digium_phones show line c" "c""#);
    assert!(lines.contains("carrier") && !lines.contains("200"), "{lines}");
}

#[test]
fn secrets_never_reach_the_cli() {
    let Some(ast) = start("t-secrets", &fixture("basic.conf")) else { return };
    let mut all = String::new();
    for c in [
        "show phones",
        "show lines",
        "show phone alice",
        "show phone bob",
        "show line 200",
        "show line 201",
        "show line carrier",
    ] {
        all += &ast.cli(&format!("digium_phones {c}"));
    }
    for secret in ["s3cret", "97531", "86420", "24681357"] {
        assert!(!all.contains(secret), "{secret} shown:\n{all}");
    }
    assert!(!ast.log().contains("s3cret"), "a secret reached the log");
}

#[test]
fn reload_applies_changes() {
    let Some(ast) = start("t-reload", &fixture("basic.conf")) else { return };
    ast.write_config(&format!("{BASIC}\n[carol](phone-defaults)\nfull_name = Carol\nline = 200\n"));
    let out = ast.cli("module reload res_digium_phone.so");
    assert!(out.contains("reloaded successfully"), "{out}");
    assert!(ast.cli("digium_phones show phones").contains("carol"));
    // Each reload says how long it took, and where.
    assert!(ast.wait_for_log("ms: configuration "), "no reload timing in the log");
    assert!(ast.log().contains(", hints "), "{}", ast.log());
    assert!(ast.log().contains("(Asterisk's parser "), "{}", ast.log());
    // An unchanged file is not read again.
    let before = ast.log().matches("serving 3 phones").count();
    ast.cli("module reload res_digium_phone.so");
    assert_eq!(ast.log().matches("serving 3 phones").count(), before);
}

#[test]
fn reload_with_a_broken_section_keeps_its_last_good_definition() {
    let Some(ast) = start("t-broken", &fixture("basic.conf")) else { return };
    let broken = BASIC.replace("mac = 000fd3aabb02", "mac = 000fd3aabbZZ");
    let mac_line = broken.lines().position(|l| l.contains("aabbZZ")).unwrap() + 1;
    ast.write_config(&broken);
    ast.cli("module reload res_digium_phone.so");
    let wanted = format!(
        "res_digium_phone.conf:{mac_line}: error: [bob] mac: '000fd3aabbZZ' is not a MAC address"
    );
    assert!(ast.wait_for_log(&wanted), "no '{wanted}' in the log");
    assert!(ast.wait_for_log("phone 'bob' has errors; its last good definition stays in service"));
    let phones = ast.cli("digium_phones show phones");
    assert!(row(&phones, "bob").contains(&"000fd3aabb02"), "bob lost or changed:\n{phones}");
    assert!(phones.contains("The configuration had") && phones.contains("errors"), "{phones}");
}

#[test]
fn reload_with_an_unparsable_file_keeps_everything() {
    let Some(ast) = start("t-unparsable", &fixture("basic.conf")) else { return };
    ast.write_config("[alice\ntype = phone\n");
    let out = ast.cli("module reload res_digium_phone.so");
    assert!(!out.contains("reloaded successfully"), "{out}");
    assert!(ast.wait_for_log("cannot be parsed"), "no parse error logged");
    assert!(ast.wait_for_log("the last good configuration stays in service"));
    let phones = ast.cli("digium_phones show phones");
    assert!(phones.contains("alice") && phones.contains("bob"), "{phones}");
    // A missing file is no different.
    std::fs::remove_file(ast.host_dir().join("etc/res_digium_phone.conf")).unwrap();
    ast.cli("module reload res_digium_phone.so");
    assert!(ast.wait_for_log("res_digium_phone.conf does not exist"));
    assert!(ast.cli("digium_phones show phones").contains("Objects found: 2"));
}

#[test]
fn unload_unmaps_the_module_and_load_runs_a_new_build() {
    let Some(ast) = start("t-unload", &fixture("basic.conf")) else { return };
    let old_id = format!("{:<16}", build_id(&ast));
    // Loaded at boot, on Asterisk's main thread: the case where a careless module pins itself.
    assert!(ast.module_mapped());
    let out = ast.cli("module unload res_digium_phone.so");
    assert!(out.contains("Unloaded res_digium_phone.so"), "{out}");
    assert!(!ast.module_mapped(), "the .so is still mapped after unload");
    assert!(!ast.cli("module show like res_digium_phone").contains("res_digium_phone.so"));
    assert!(
        ast.cli("core show help digium_phones").trim().starts_with("No such command"),
        "CLI left behind"
    );

    // A rebuilt module: the same file with a different build identity.
    let mut bytes = std::fs::read(crate::support::built_module()).unwrap();
    let at = find(&bytes, old_id.as_bytes()).expect("build id in the .so");
    bytes[at..at + 16].copy_from_slice(b"rebuilt-00000001");
    ast.install_module(&bytes);
    let out = ast.cli("module load res_digium_phone.so");
    assert!(out.contains("Loaded res_digium_phone.so"), "{out}");
    assert_eq!(build_id(&ast), "rebuilt-00000001");
    assert!(ast.cli("digium_phones show phones").contains("alice"));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn twenty_unload_load_cycles() {
    let Some(ast) = start("t-cycles", &fixture("basic.conf")) else { return };
    for i in 0..20 {
        let out = ast.cli("module unload res_digium_phone.so");
        assert!(out.contains("Unloaded"), "cycle {i}: {out}");
        assert!(!ast.module_mapped(), "cycle {i}: still mapped");
        let out = ast.cli("module load res_digium_phone.so");
        assert!(out.contains("Loaded"), "cycle {i}: {out}");
        assert!(ast.cli("digium_phones show phones").contains("Objects found: 2"), "cycle {i}");
    }
    assert!(ast.is_alive());
    assert!(ast.cli("module show like res_digium_phone").contains("Running"));
}

#[test]
fn in_process_tests_pass_in_asterisks_test_framework() {
    let Some(ast) = start("t-framework", &fixture("basic.conf")) else { return };
    let out = ast.cli("test execute category /res/res_digium_phone/");
    // `asterisk -rx` exits 0 whatever the result: read the summary.
    let summary =
        out.lines().find(|l| l.contains("Test(s) Executed")).unwrap_or_else(|| panic!("{out}"));
    let numbers: Vec<u32> = summary.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(numbers.len(), 3, "{summary}");
    let (executed, passed, failed) = (numbers[0], numbers[1], numbers[2]);
    assert!(executed >= 4, "{out}");
    assert_eq!((passed, failed), (executed, 0), "{out}");
    // The JUnit XML agrees.
    let xml_path = format!("{}/run/results.xml", ast.dir());
    ast.cli(&format!("test generate results xml {xml_path}"));
    let xml = std::fs::read_to_string(ast.host_dir().join("run/results.xml")).expect("results.xml");
    assert!(xml.contains(r#"failures="0""#), "{xml}");
    assert!(xml.contains("panic_guard") && xml.contains("config_reader"), "{xml}");
    assert!(xml.contains("ami_in_process"), "{xml}");
    assert!(ast.is_alive(), "Asterisk died during the tests");
}

/// The module's own threads in Asterisk (workers and the mDNS responder are named `dpma-…`).
fn module_threads(ast: &Asterisk) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", ast.pid)).expect("read the tasks");
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|name| name.trim().to_string())
        .filter(|name| name.starts_with("dpma-"))
        .collect()
}

#[test]
fn a_load_that_fails_half_way_leaves_nothing_behind() {
    let Some(ast) = start("t-halfway", &fixture("presence.conf")) else { return };
    let ours = |hints: &str| hints.lines().filter(|l| l.contains("CustomPresence:70")).count();
    // Two lines, each with its extension's hint and its auto_hint_.
    assert_eq!(ours(&ast.cli("core show hints")), 4, "{}", ast.cli("core show hints"));
    assert!(!module_threads(&ast).is_empty(), "the workers run while loaded");
    let fail_at = |step: &str| {
        let set = [("Action", "Setvar"), ("Variable", "ENV(RDP_TEST_FAIL_LOAD)"), ("Value", step)];
        let reply = ast.ami(&set);
        assert!(reply.contains("Response: Success"), "{reply}");
    };
    for step in ["hints", "provisioning", "ami", "cli"] {
        assert!(ast.cli("module unload res_digium_phone.so").contains("Unloaded"), "{step}");
        fail_at(step);
        let out = ast.cli("module load res_digium_phone.so");
        assert!(!out.contains("Loaded res_digium_phone.so"), "{step}: {out}");
        assert!(ast.wait_for_log(&format!("load stopped after '{step}'")), "{step}");
        assert!(ast.cli("digium_phones show version").contains("No such command"), "{step}");
        let actions = ast.cli("manager show commands");
        assert!(
            actions.contains("Setvar")
                && !actions.contains("DigiumPhonesReconfigure")
                && !actions.contains("DPMALicenseStatus"),
            "{step}"
        );
        assert_eq!(ours(&ast.cli("core show hints")), 0, "{step}: hints left behind");
        assert_eq!(module_threads(&ast), Vec::<String>::new(), "{step}: threads left behind");
        assert!(ast.is_alive(), "{step}");
    }
    fail_at("");
    let out = ast.cli("module load res_digium_phone.so");
    assert!(out.contains("Loaded"), "{out}");
    assert!(ast.cli("module show like res_digium_phone").contains("Running"));
    assert!(ast.cli("digium_phones show phones").contains("Objects found: 1"));
    assert_eq!(ours(&ast.cli("core show hints")), 4);
    assert!(!module_threads(&ast).is_empty());
    let reply = ast.ami(&[("Action", "DigiumPhonesReconfigure"), ("Phone", "all")]);
    assert!(reply.contains("Response: Success"), "{reply}");
}
