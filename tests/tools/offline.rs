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
        "undefined/stray",
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
    // FreePBX's quirks are remarks, not errors: the parking application it names but never writes,
    // and the phonebook fields it copies into line sections. Phones named after their first line
    // (`[201]` a phone and a line) and `active_locale` written twice are no remark at all.
    assert!(text.ends_with("@/freepbx/res_digium_phone.conf: 0 errors, 20 warnings\n"), "{text}");
    // What stock phones fetching <mac>.cfg do without is said once, counting the other phones; so are
    // the options no phone setting carries, and the network aliases phones are not sent.
    let remark = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        remark("[201] record_own_calls: not sent to a phone fetching <mac>.cfg"),
        1,
        "{text}"
    );
    assert_eq!(remark("(set so in 1 more section: 202)"), 1, "{text}");
    assert_eq!(remark("[201] mailbox: not sent to a phone fetching <mac>.cfg"), 1, "{text}");
    assert_eq!(remark("call_waiting_tone: accepted, not sent to phones"), 3, "{text}");
    assert_eq!(remark("lock_preferences: accepted, not sent to phones"), 3, "{text}");
    assert_eq!(remark("alias: accepted, not sent to phones"), 2, "{text}");
    assert_eq!(
        remark("[general] file_directory: /etc/asterisk/digium_phones/ is not a directory"),
        1
    );
    assert!(
        text.contains(
            "[201] application: no application section named 'parking-app-default'; the phone \
             is served without it"
        ),
        "{text}"
    );
    let unknown = text.lines().filter(|l| l.ends_with(": unknown option; ignored")).count();
    assert_eq!(unknown, 7, "{text}");
    // config_auth = mac without HTTP authentication: the configuration goes to whoever names a MAC.
    assert!(text.contains("[general] config_auth: with http_auth = no"), "{text}");
    let dump = dump(&fixture("freepbx/res_digium_phone.conf"));
    // [general] is continued by the included file that has no header.
    assert!(dump.starts_with("[general]\n  file_directory = /etc/asterisk/digium_phones/ @res_digium_phone_general.conf:1\n"));
    let sections = dump.lines().filter(|l| l.starts_with('[')).count();
    // general, 3 phones, 4 lines, 1 external line, 2 networks, a page, an alert, a ringtone,
    // 11 applications, a translation, 2 firmware.
    assert_eq!(sections, 1 + 3 + 4 + 1 + 2 + 1 + 1 + 1 + 11 + 1 + 2, "{dump}");
    // The external line's secret and the phones' login_password are masked in the dump.
    assert!(!dump.contains("Pr0v1der-S3cret") && !dump.contains("8642"), "{dump}");
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

/// `check` and `render` run from `tests/fixtures/conf/stock`, whose configurations name
/// `file_directory = files` relative to it.
fn in_stock_dir(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_digium-phones"))
        .current_dir(Path::new(FIXTURES).join("stock"))
        .args(args)
        .output()
        .expect("the tool runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty() || out.status.code() != Some(0), "{stderr}");
    (out.status.code().unwrap(), text)
}

/// Issue 13's new user: every option tried reaches the document, so check is silent.
#[test]
fn options_a_new_user_tries_are_sent() {
    assert_eq!(
        in_stock_dir(&["check", "new-user.conf"]),
        (0, "new-user.conf: 0 errors, 0 warnings\n".into())
    );
    for (model, logo) in [("D45", "logo-d45.png"), ("D65", "logo-d65.png")] {
        let (code, xml) = in_stock_dir(&[
            "render",
            "new-user.conf",
            "desk",
            "--model",
            model,
            "--firmware",
            "2_9_16",
            "--http",
        ]);
        assert_eq!(code, 0, "{xml}");
        for wanted in [
            r#"<setting id="ehs" value="jabra_iq"/>"#,
            r#"<setting id="lan_port_mode" value="100fd"/>"#,
            r#"<setting id="8021x_method" value="eap-md5"/>"#,
            r#"<blf_items url="http://localhost:8088/digium_phones/files/blf.xml" md5=""#,
            r#"<display_rules url="http://localhost:8088/digium_phones/files/rules.xml" md5=""#,
            r#"<setting id="use_secure_labels" value="1"/>"#,
            &format!(r#"url="http://localhost:8088/digium_phones/files/{logo}""#),
        ] {
            assert!(xml.contains(wanted), "{model}: no {wanted} in\n{xml}");
        }
        // The D65 has no font size setting; the D45 has.
        assert_eq!(
            xml.contains(r#"<setting id="default_fontsize" value="12"/>"#),
            model == "D45",
            "{xml}"
        );
    }
}

#[test]
fn a_wrong_logo_and_a_broken_smart_blf_sheet_are_reported_where_they_are() {
    let (code, text) = in_stock_dir(&["check", "broken.conf"]);
    assert_eq!(code, 1, "{text}");
    let stock = std::fs::canonicalize(Path::new(FIXTURES).join("stock")).unwrap();
    let text = text.replace(&format!("{}/", stock.display()), "");
    let lines: Vec<&str> = text.lines().collect();
    let files = "files";
    assert_eq!(
        lines,
        [
            format!(
                "broken.conf:20: error: [desk] d65_logo_file: {files}/wrong-size.png is 300x100 pixels; \
                 a D65 logo is 280x128 (or 296x128)"
            ),
            format!(
                "broken.conf:20: error: [desk] d65_logo_file: {files}/wrong-size.png is RGB with alpha; \
                 a logo has a colour type without alpha (greyscale, RGB or palette)"
            ),
            "broken.conf:21: warning: [desk] lock_preferences: accepted, not sent to phones: no \
             documented phone setting does this; `setting = <id>=<value>` can send one your firmware has"
                .to_string(),
            format!(
                "{files}/broken-blf.xml:9: error: [desk] blf_items: not well-formed XML: ill-formed \
                 document: expected `</blf_item>`, but `</blf_items>` was found"
            ),
            "broken.conf: 3 errors, 1 warning".to_string(),
        ]
    );
}
