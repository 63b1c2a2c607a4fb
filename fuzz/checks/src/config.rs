//! `config_reader`: files in Asterisk's syntax through `conf::read` (the offline tool's reader),
//! and what it read through `model::build`, the validation the module runs on every load.
//!
//! One input is several files: the main file, then any number of `%%% <name>` lines, each starting
//! another file (`name`: up to three `/`-separated parts of letters, digits, `_`, `-` and `.`).
//! They are written to a sandbox directory, so `#include`s and globs read fuzzed files too.
//!
//! The reader opens whatever an `#include` names, so a directive that could reach outside the
//! sandbox (an absolute name, `..`, a brace that could make either, a `;` or `\` that comment
//! handling could turn into one) is disabled: its `#` becomes `!`. And since Asterisk reads a file
//! again each time it is included, ten levels deep, directives past a small [`BUDGET`] of reads are
//! disabled too, so that one input cannot ask for millions of reads.

use std::fs;

use super::sandbox;
use digium_phones_core::conf;
use digium_phones_core::model;
use digium_phones_core::raw::RawConfig;

const MAX_FILES: usize = 8;
const FILE_MARK: &[u8] = b"%%% ";

/// What the directives kept in all files may cost, summed, each time the file holding them is read:
/// reads of files that hold directives themselves (`recursive`, what nesting multiplies) and reads
/// in all (`reads`). Within [`BUDGET`], ten nested levels stay below 50,000 reads.
#[derive(Debug, Clone, Copy)]
struct Cost {
    recursive: usize,
    reads: usize,
}

const BUDGET: Cost = Cost { recursive: 2, reads: 16 };

pub fn config_reader(data: &[u8]) {
    let dir = sandbox::fresh("config");
    let files = split(data);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let recursive: Vec<&str> = files
        .iter()
        .filter(|(_, text)| text.split(|b| *b == b'\n').any(maybe_directive))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut budget = BUDGET;
    for (name, text) in &files {
        let path = dir.join(name);
        let text = confine(text, &names, &recursive, &mut budget);
        // A name that is also another file's directory is skipped.
        if path.parent().is_some_and(|p| fs::create_dir_all(p).is_ok()) {
            let _ = fs::write(&path, text);
        }
    }
    let main = dir.join("main.conf");
    let result = conf::read(&main);
    assert_eq!(conf::read(&main), result, "a second read differs");
    match result {
        Err(error) => {
            let _ = error.finding().to_string();
        }
        Ok(loaded) => {
            for issue in &loaded.issues {
                let _ = issue.finding().to_string();
            }
            sane(&loaded.config);
            let _ = loaded.config.dump(&loaded.base_dir);
            build(&loaded.config);
        }
    }
}

/// The main file, then one file per `%%% <name>` line with a usable name.
fn split(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("main.conf".to_string(), Vec::new())];
    for line in data.split_inclusive(|b| *b == b'\n') {
        if let Some(name) = line.strip_prefix(FILE_MARK) {
            let name = String::from_utf8_lossy(name).trim().to_string();
            if files.len() < MAX_FILES && usable(&name) && files.iter().all(|(n, _)| *n != name) {
                files.push((name, Vec::new()));
                continue;
            }
        }
        if let Some((_, text)) = files.last_mut() {
            text.extend_from_slice(line);
        }
    }
    files
}

fn usable(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    parts.len() <= 3
        && parts.iter().all(|p| {
            (1..=32).contains(&p.len())
                && !p.starts_with('.')
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        })
}

/// Whether the reader could take `line` for a directive: one that starts with `#` once comments
/// and blanks are removed. Comment handling only removes text delimited by `;`, so that is a line
/// where a `#` follows a `;`, or whose first `#` follows only blanks, control or non-ASCII bytes
/// (a byte-order mark).
fn maybe_directive(line: &[u8]) -> bool {
    let Some(first) = line.iter().position(|b| *b == b'#') else { return false };
    let last = line.iter().rposition(|b| *b == b'#').unwrap_or(first);
    line[..last].contains(&b';') || line[..first].iter().all(|b| *b <= b' ' || *b >= 0x7f)
}

/// The text with every directive disabled that could read outside the sandbox, or past the budget.
fn confine(text: &[u8], names: &[&str], recursive: &[&str], budget: &mut Cost) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.split_inclusive(|b| *b == b'\n') {
        let mut line = line.to_vec();
        if maybe_directive(&line) {
            let keep = cost(&line, names, recursive).is_some_and(|cost| {
                let fits = cost.recursive <= budget.recursive && cost.reads <= budget.reads;
                if fits {
                    budget.recursive -= cost.recursive;
                    budget.reads -= cost.reads;
                }
                fits
            });
            if !keep {
                line.iter_mut().filter(|b| **b == b'#').for_each(|b| *b = b'!');
            }
        }
        out.extend_from_slice(&line);
    }
    out
}

/// For a directive that can only name files inside the sandbox, what it may read; None for any
/// other line.
fn cost(line: &[u8], names: &[&str], recursive: &[&str]) -> Option<Cost> {
    // As the reader strips a line: bytes below 33 at both ends.
    let start = line.iter().position(|b| *b > b' ')?;
    let end = line.iter().rposition(|b| *b > b' ')? + 1;
    let text = &line[start..end];
    // Printable ASCII and tabs only, and nothing comment handling would change.
    if text[0] != b'#'
        || !text.iter().all(|b| (b' '..=b'~').contains(b) || *b == b'\t')
        || text.contains(&b';')
        || text.contains(&b'\\')
    {
        return None;
    }
    let rest = &text[1..];
    let name_end = rest.iter().position(|b| *b <= b' ').unwrap_or(rest.len());
    let directive = String::from_utf8_lossy(&rest[..name_end]).to_ascii_lowercase();
    if directive != "include" && directive != "tryinclude" {
        return Some(Cost { recursive: 0, reads: 0 });
    }
    let argument = &rest[name_end..];
    let slash_after = |i: usize| {
        i > 0 && (argument[i - 1].is_ascii_alphanumeric() || b"_-*?]".contains(&argument[i - 1]))
    };
    let dot_beside = |i: usize| {
        let brace = |b: Option<&u8>| b.is_some_and(|b| b"{},".contains(b));
        brace(i.checked_sub(1).and_then(|j| argument.get(j))) || brace(argument.get(i + 1))
    };
    let confined = !argument.windows(2).any(|w| w == b"..")
        && argument.iter().filter(|b| **b == b'{').count() <= 1
        && argument.iter().enumerate().all(|(i, b)| match b {
            // Never first (absolute), nor after a quote, a blank, a brace or another slash.
            b'/' => slash_after(i),
            // A brace alternative could put two dots together.
            b'.' => !dot_beside(i),
            _ => true,
        });
    if !confined {
        return None;
    }
    let mut cost = Cost { recursive: 0, reads: 0 };
    for pattern in alternatives(conf::dequote(argument.trim_ascii())) {
        if pattern.iter().any(|b| b"*?[".contains(b)) {
            cost.recursive += recursive.len();
            cost.reads += names.len();
        } else {
            let named = |n: &&str| n.as_bytes() == pattern.as_slice();
            cost.recursive += usize::from(recursive.iter().any(named));
            cost.reads += 1;
        }
    }
    Some(cost)
}

/// The names one `{a,b}` stands for (the only brace a kept directive may hold).
fn alternatives(pattern: &[u8]) -> Vec<Vec<u8>> {
    let Some(open) = pattern.iter().position(|b| *b == b'{') else {
        return vec![pattern.to_vec()];
    };
    let Some(close) = pattern[open..].iter().position(|b| *b == b'}').map(|i| open + i) else {
        return vec![pattern.to_vec()];
    };
    pattern[open + 1..close]
        .split(|b| *b == b',')
        .map(|alternative| [&pattern[..open], alternative, &pattern[close + 1..]].concat())
        .collect()
}

/// What the reader promises of what it read.
fn sane(config: &RawConfig) {
    let clean = |s: &str| !s.contains(['\n', '\0']);
    let stripped = |s: &str| {
        !s.is_empty() && !s.starts_with(|c: char| c < '!') && !s.ends_with(|c: char| c < '!')
    };
    for section in &config.sections {
        // Asterisk's 80-byte name buffer, NUL included; invalid UTF-8 may make each byte three.
        assert!(section.name.chars().count() <= 79, "{:?}", section.name);
        assert!(clean(&section.name), "{:?}", section.name);
        for template in &section.templates {
            assert!(!template.is_empty() && template.trim() == template, "{template:?}");
        }
        for entry in &section.entries {
            assert!(stripped(&entry.key) && clean(&entry.key), "{entry:?}");
            assert!(
                clean(&entry.value) && (entry.value.is_empty() || stripped(&entry.value)),
                "{entry:?}"
            );
            assert!(entry.line >= 1, "{entry:?}");
        }
    }
}

/// The model: the same every time, and a reload of the same configuration changes nothing.
fn build(config: &RawConfig) {
    let built = model::build(config, None);
    let again = model::build(config, None);
    assert_eq!(again.model, built.model);
    assert_eq!(again.findings, built.findings);
    let reloaded = model::build(config, Some(&built.model));
    assert_eq!(reloaded.model, built.model, "a reload of the same configuration changed the model");
    assert_eq!(reloaded.findings, built.findings);
    for finding in &built.findings {
        let _ = finding.to_string();
    }
}
