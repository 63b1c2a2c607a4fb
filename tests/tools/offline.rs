//! The offline tool, run as a program on the fixture corpus in `tests/fixtures/conf/`.

use std::path::Path;
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/conf");
const SAMPLE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/res_digium_phone.conf.sample");

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digium-phones")).args(args).output().expect("the tool runs")
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// `check` on a fixture: exit code and stdout with the fixture directory shown as `@`.
fn check(name: &str) -> (i32, String) {
    let out = run(&["check", &fixture(name)]);
    let text = String::from_utf8(out.stdout).unwrap().replace(FIXTURES, "@");
    (out.status.code().unwrap(), text)
}

fn dump(path: &str) -> String {
    let out = run(&["dump", path]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sample_configuration_has_no_finding() {
    let out = run(&["check", SAMPLE]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text, format!("{SAMPLE}: 0 errors, 0 warnings\n"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn dumps_match_their_golden_files() {
    for name in [
        "templates",
        "comments",
        "duplicates",
        "includes/main",
        "quirks/quirks",
        "quirks/stray",
        "quirks/glob",
        "quirks/twice",
        "quirks/bom",
    ] {
        let expected = std::fs::read_to_string(fixture(&format!("{name}.dump"))).unwrap();
        assert_eq!(dump(&fixture(&format!("{name}.conf"))), expected, "{name}");
    }
}

#[test]
fn clean_fixtures_check_clean() {
    for name in ["templates.conf", "comments.conf", "duplicates.conf"] {
        assert_eq!(check(name), (0, format!("@/{name}: 0 errors, 0 warnings\n")), "{name}");
    }
}

/// `config_auth = mac` without HTTP authentication hands SIP passwords to whoever names a MAC; the
/// offline check reads no http.conf, so it warns unless HTTP authentication is set.
#[test]
fn mac_authentication_without_http_authentication_is_a_warning() {
    assert_eq!(
        check("includes/main.conf"),
        (
            0,
            "@/includes/general-body.conf:2: warning: [general] config_auth: with http_auth = no, \
             anyone who knows or guesses a phone's MAC gets its SIP passwords (<mac>.cfg) over plain \
             HTTP unless Asterisk serves only HTTPS; set http_auth\n\
             @/includes/main.conf: 0 errors, 1 warning\n"
                .to_string()
        )
    );
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, text) = check("warnings.conf");
    assert_eq!(code, 0);
    assert_eq!(
        text,
        "@/warnings.conf:3: warning: [general] servce_name: unknown option (did you mean 'service_name'?); ignored\n\
         @/warnings.conf:4: warning: no '=' in this line; Asterisk ignores it\n\
         @/warnings.conf:9: warning: [ext] registration: unknown option (did you mean 'register'?); ignored\n\
         @/warnings.conf:13: warning: [p] external_line: the primary line is an external line, so DPMA's \
         advanced features (voicemail, parking, presence, call recording…) are off for this phone\n\
         @/warnings.conf: 0 errors, 4 warnings\n"
    );
}

#[test]
fn freepbx_style_output_is_read_whole() {
    let (code, text) = check("freepbx/res_digium_phone.conf");
    assert_eq!(code, 0, "{text}");
    // The shared line FreePBX writes once per phone, and its config_auth = mac without HTTP
    // authentication, are the only remarks.
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("[299]: the line '299' is defined again, identically"), "{text}");
    assert!(text.contains("[general] config_auth: with http_auth = no"), "{text}");
    let dump = dump(&fixture("freepbx/res_digium_phone.conf"));
    // [general] is continued by the included file that has no header.
    assert!(dump.starts_with("[general]\n  file_directory = /etc/asterisk/digium_phones/ @res_digium_phone_general.conf:1\n"));
    let sections = dump.lines().filter(|l| l.starts_with('[')).count();
    assert_eq!(sections, 1 + 24 + 26 + 1 + 2 + 1 + 1 + 2 + 6 + 3 + 1 + 2, "{dump}");
}

#[test]
fn broken_files_exit_one_with_the_place_of_the_error() {
    let cases = [
        (
            "broken/no_category.conf",
            "@/broken/no_category.conf:1: error: an option before any [section]; Asterisk refuses the file",
        ),
        (
            "broken/unclosed.conf",
            "@/broken/unclosed.conf:3: error: no closing ']' in this section header",
        ),
        (
            "broken/missing_template.conf",
            "@/broken/missing_template.conf:3: error: [p] inherits from 'phone-template', but no section of that name is defined above it",
        ),
        (
            "broken/missing_include.conf",
            "@/broken/missing_include.conf:2: error: #include \"does-not-exist.conf\": no such file (relative names are looked up in @/broken)",
        ),
    ];
    for (name, first) in cases {
        let (code, text) = check(name);
        assert_eq!(code, 1, "{name}");
        assert_eq!(text, format!("{first}\n@/{name}: 1 error, 0 warnings\n"), "{name}");
    }
}

#[test]
fn bad_values_are_all_reported() {
    let (code, text) = check("broken/bad_values.conf");
    assert_eq!(code, 1);
    let f = "@/broken/bad_values.conf";
    let expected = [
        format!(
            "{f}:2: error: [general] config_auth: 'sometimes' is not one of: disabled, mac, pin, globalpin, mac_globalpin"
        ),
        format!("{f}:3: error: [general] mdns_port: 70000 is out of range (1 to 65535)"),
        format!("{f}:6: error: [100]: line '100' has errors and is not served"),
        format!(
            "{f}:7: error: [100] digit_map: at character 9: '-' in a class must be between two digits"
        ),
        format!("{f}:8: error: [100] transport: 'sctp' is not one of: udp, tcp, tls"),
        format!("{f}:11: error: [p1]: phone 'p1' has errors and is not served"),
        format!(
            "{f}:12: error: [p1] mac: '00:0f:d3:zz:00:01' is not a MAC address (12 hex digits, optionally separated by ':', '-' or '.')"
        ),
        format!("{f}:15: error: [p1] brightness: 11 is out of range (0 to 10)"),
        format!(
            "{f}:20: error: [p2] line: the line section '100' has errors and is not served; phone not served"
        ),
        format!(
            "{f}:25: error: [p3] line: the line section '100' has errors and is not served; phone not served"
        ),
        format!(
            "{f}:28: error: [x] type: unknown section type 'phonne' (did you mean 'phone'?); section ignored"
        ),
        format!("{f}: 11 errors, 0 warnings"),
    ];
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn error_in_an_included_file_is_reported_where_it_is() {
    let (code, text) = check("broken/include_error/main.conf");
    assert_eq!(code, 1);
    assert!(text.contains(
        "@/broken/include_error/part.conf:4: error: [p] inherits from 'missing', but no section of that name is \
         defined above it; Asterisk ignores the rest of this file"
    ), "{text}");
    // Asterisk keeps what came before the error and the rest of the including file.
    let dump = dump(&fixture("broken/include_error/main.conf"));
    assert_eq!(
        dump,
        "[general]\n  config_auth = disabled @main.conf:2\n[199]\n  type = line @part.conf:2\n  \
         k = before the error @part.conf:3\n[200]\n  type = line @main.conf:6\n"
    );
}

#[test]
fn duplicate_mac_is_refused() {
    let dir = std::env::temp_dir().join(format!("rdp-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dup.conf");
    std::fs::write(&file, "[l]\ntype=line\n[a]\ntype=phone\nline=l\nmac=0123456789ab\n[b]\ntype=phone\nline=l\nmac=01:23:45:67:89:AB\n").unwrap();
    let out = run(&["check", &file.display().to_string()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("dup.conf:10: error: [b] mac: MAC 0123456789ab is already used by phone 'a'; phone not served"), "{text}");
}

#[test]
fn dump_of_a_broken_file_fails() {
    let out = run(&["dump", &fixture("broken/unclosed.conf")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unclosed.conf:3: error: no closing ']'")
    );
}

#[test]
fn missing_file() {
    let (code, text) = check("no-such-file.conf");
    assert_eq!(code, 1);
    assert!(
        text.starts_with("@/no-such-file.conf:0: error: cannot read the configuration file:"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_two() {
    for args in [&[][..], &["check"], &["check", "a", "b"], &["frobnicate", "x"], &["dump"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("Usage: digium-phones"), "{args:?}: {stderr}");
    }
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8_lossy(&help.stdout);
    for command in ["check", "dump", "render", "phone"] {
        assert!(help.contains(&format!("  {command} ")), "{help}");
    }
    // Every subcommand has its own help.
    for command in ["check", "dump", "render", "phone"] {
        let out = run(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("Usage: digium-phones {command}")), "{text}");
    }
}

#[test]
fn relative_paths_work_from_any_directory() {
    let out = Command::new(env!("CARGO_BIN_EXE_digium-phones"))
        .current_dir(Path::new(FIXTURES).join("includes"))
        .args(["dump", "main.conf"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let expected = std::fs::read_to_string(fixture("includes/main.dump")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}
