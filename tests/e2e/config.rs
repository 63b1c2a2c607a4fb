//! The configuration model in the real Asterisk: every section type on the CLI, `check config`, and
//! the offline reader matching Asterisk's own reader file for file.

use std::path::Path;
use std::process::Command;

use crate::support::{fixture, start};

#[test]
fn every_section_type_is_shown() {
    let Some(ast) = start("c-types", &fixture("every_type.conf")) else { return };
    let cases = [
        ("networks", "network", "office", "10.0.0.0/8"),
        ("applications", "application", "presence", "status"),
        ("alerts", "alert", "ring-answer", "ring-answer"),
        ("ringtones", "ringtone", "chime", "chime.raw"),
        ("translations", "translation", "folders", "Eingang"),
        ("multicastpages", "multicastpage", "paging", "239.0.0.1"),
        ("firmware", "firmware", "d70fw", "2_9_11_0"),
    ];
    for (plural, single, name, value) in cases {
        let list = ast.cli(&format!("digium_phones show {plural}"));
        let count = if plural == "applications" { 2 } else { 1 };
        assert!(
            list.contains(name) && list.contains(&format!("Objects found: {count}")),
            "show {plural}:\n{list}"
        );
        let one = ast.cli(&format!("digium_phones show {single} {name}"));
        assert!(
            one.contains(&format!("name: {name}")) && one.contains(value),
            "show {single} {name}:\n{one}"
        );
        let missing = ast.cli(&format!("digium_phones show {single} nothing-here"));
        assert!(missing.contains(&format!("No {single} named 'nothing-here'")), "{missing}");
        let completed =
            ast.cli(&format!(r#"_command matchesarray "digium_phones show {single} " """#));
        assert!(completed.contains(name), "completion of {single}: {completed}");
    }
    assert!(ast.cli("digium_phones show phones").contains("desk"));
}

#[test]
fn check_config_reports_without_applying() {
    let Some(ast) = start("c-check", &fixture("basic.conf")) else { return };
    let broken = include_str!("../fixtures/e2e/basic.conf").replace("line = 201\n", "line = 299\n");
    let line = broken.lines().position(|l| l == "line = 299").unwrap() + 1;
    ast.write_config(&broken);
    let out = ast.cli("digium_phones check config");
    assert!(out.contains(&format!("res_digium_phone.conf:{line}: error: [")), "{out}");
    assert!(out.contains("no line section named '299'"), "{out}");
    assert!(out.contains("Nothing was applied"), "{out}");
    // Checking is not applying, and does not make the next reload skip the changed file.
    assert!(ast.cli("digium_phones show phones").contains("200,201"));
    ast.cli("module reload res_digium_phone.so");
    assert!(ast.wait_for_log("no line section named '299'"));
}

/// The files of `dir` (recursively) copied into the instance's config directory.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn offline_dump(path: &Path) -> String {
    let out = Command::new(crate::support::digium_phones()).arg("dump").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Both readers, on every fixture with a golden dump: the module through ast_config, the offline tool
/// through its own reader. Each fixture directory is laid out as Asterisk's config directory, because
/// Asterisk resolves #include against that directory.
#[test]
fn offline_reader_matches_asterisk() {
    let Some(ast) = start("c-parity", &fixture("basic.conf")) else { return };
    let corpus = crate::support::repo().join("tests/fixtures/conf");
    let mut compared = 0;
    for dir in
        [corpus.clone(), corpus.join("includes"), corpus.join("quirks"), corpus.join("freepbx")]
    {
        let etc = ast.host_dir().join("etc");
        copy_tree(&dir, &etc);
        let mut mains: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".dump") || n == "res_digium_phone.conf")
            .map(|n| n.replace(".dump", ".conf"))
            .collect();
        mains.sort();
        for main in mains {
            let theirs = ast.cli(&format!("digium_phones show config {main}"));
            let ours = offline_dump(&dir.join(&main));
            assert!(!ours.is_empty(), "offline dump of {main} is empty");
            assert_eq!(
                ours.trim_end(),
                theirs.trim_end(),
                "{}: readers differ",
                dir.join(&main).display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 8, "only {compared} fixtures compared");
}

#[test]
fn generator_style_config_loads_as_offline_check_says() {
    let Some(ast) = start("c-freepbx", &fixture("basic.conf")) else { return };
    let dir = crate::support::repo().join("tests/fixtures/conf/freepbx");
    copy_tree(&dir, &ast.host_dir().join("etc"));
    ast.cli("module reload res_digium_phone.so");
    let phones = ast.cli("digium_phones show phones");
    let served = phones
        .lines()
        .find_map(|l| l.strip_prefix("Objects found: "))
        .unwrap_or("?")
        .trim()
        .to_string();
    let check = Command::new(crate::support::digium_phones())
        .arg("check")
        .arg(dir.join("res_digium_phone.conf"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(served, "3", "{phones}\n{report}");
    assert!(report.contains(": 0 errors, 20 warnings"), "{report}");
}
