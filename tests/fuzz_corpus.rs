//! Replays every committed fuzz input (`fuzz/seeds/`, `fuzz/corpus/`, `fuzz/regressions/`, one
//! directory per target) through the checks the fuzz targets run, so CI holds them to the same
//! invariants without cargo-fuzz (docs/reliability.md, "Fuzzing").
//!

use digium_phones_fuzz_checks as check;

use std::path::{Path, PathBuf};

/// This test belongs to fuzz/checks/.
const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Every input of `target`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["seeds", "corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(Path::new(FUZZ).join(kind).join(target)) else {
            continue;
        };
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

/// Runs every input of `target`; `sandbox` names the directory the target writes, removed after.
fn replay(target: &str, at_least: usize, sandbox: Option<&str>) {
    let (_, check) = check::TARGETS.iter().find(|(name, _)| *name == target).expect("a target");
    let files = inputs(target);
    assert!(files.len() >= at_least, "{target}: {} inputs, expected {at_least}", files.len());
    let failed = files.iter().find(|file| {
        let data = std::fs::read(file).expect("a readable input");
        std::panic::catch_unwind(|| check(&data)).is_err()
    });
    if let Some(purpose) = sandbox {
        check::sandbox::remove(purpose);
    }
    if let Some(file) = failed {
        panic!("{} fails the checks of {target}", file.display());
    }
}

#[test]
fn every_target_is_replayed() {
    let mut names: Vec<&str> = check::TARGETS.iter().map(|(name, _)| *name).collect();
    names.sort();
    let mut directories: Vec<String> = std::fs::read_dir(Path::new(FUZZ).join("fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    directories.sort();
    assert_eq!(directories, names);
}

#[test]
fn protocol_request() {
    replay("protocol_request", 150, None);
}

#[test]
fn config_reader() {
    replay("config_reader", 150, Some("config"));
}

#[test]
fn digit_map() {
    replay("digit_map", 25, None);
}

#[test]
fn contacts_xml() {
    replay("contacts_xml", 200, Some("contacts"));
}

#[test]
fn mdns_packet() {
    replay("mdns_packet", 50, None);
}
