//! The file names an `#include` pattern stands for, as glibc's `glob(GLOB_NOMAGIC | GLOB_BRACE)` gives
//! them to Asterisk: `{a,b}` alternatives in order, each alternative's matches sorted, and a name without
//! `*`, `?` or `[` returned as written even when no such file exists (the caller then finds it missing).

use std::fs;

/// Every path `pattern` names, in the order Asterisk reads them.
pub(super) fn expand(pattern: &str) -> Vec<String> {
    expand_braces(pattern).into_iter().flat_map(|alternative| matches(&alternative)).collect()
}

/// `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. An unbalanced brace is taken literally.
fn expand_braces(pattern: &str) -> Vec<String> {
    let bytes = pattern.as_bytes();
    let Some(open) = bytes.iter().position(|b| *b == b'{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            b',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else { return vec![pattern.to_string()] };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    bounds
        .windows(2)
        .flat_map(|w| expand_braces(&format!("{head}{}{tail}", &pattern[w[0] + 1..w[1]])))
        .collect()
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The existing paths matching one brace-free pattern, sorted; the pattern itself when it has no magic.
fn matches(pattern: &str) -> Vec<String> {
    if !has_magic(pattern) {
        return vec![pattern.to_string()];
    }
    let absolute = pattern.starts_with('/');
    let mut found = vec![if absolute { "/".to_string() } else { String::new() }];
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for dir in &found {
            let join = |name: &str| {
                if dir.is_empty() || dir.ends_with('/') {
                    format!("{dir}{name}")
                } else {
                    format!("{dir}/{name}")
                }
            };
            if !has_magic(component) {
                next.push(join(component));
                continue;
            }
            let Ok(entries) = fs::read_dir(if dir.is_empty() { "." } else { dir.as_str() }) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| fnmatch(component.as_bytes(), name.as_bytes()))
                .collect();
            names.sort();
            next.extend(names.iter().map(|n| join(n)));
        }
        if !last {
            next.retain(|p| fs::metadata(p).is_ok_and(|m| m.is_dir()));
        }
        found = next;
    }
    found.retain(|p| fs::symlink_metadata(p).is_ok());
    found.sort();
    found
}

/// Shell wildcard match of one path component; a leading `.` must be matched literally.
fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    wildcard(pattern, name)
}

fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.first() {
        None => name.is_empty(),
        Some(b'*') => (0..=name.len()).any(|skip| wildcard(&pattern[1..], &name[skip..])),
        Some(b'?') => !name.is_empty() && wildcard(&pattern[1..], &name[1..]),
        Some(b'[') => match (class(&pattern[1..]), name.first()) {
            (Some((set, rest)), Some(c)) => set(*c) && wildcard(rest, &name[1..]),
            (None, Some(c)) => *c == b'[' && wildcard(&pattern[1..], &name[1..]),
            (_, None) => false,
        },
        Some(p) => name.first() == Some(p) && wildcard(&pattern[1..], &name[1..]),
    }
}

type ByteSet<'a> = Box<dyn Fn(u8) -> bool + 'a>;

/// A `[...]` class after its `[`: the test it makes and the pattern after its `]`; `None` if unclosed.
fn class(pattern: &[u8]) -> Option<(ByteSet<'_>, &[u8])> {
    let negated = matches!(pattern.first(), Some(b'!' | b'^'));
    let body_start = usize::from(negated);
    // A `]` right after the opening (or after `!`) is a member, not the end.
    let close = pattern
        .iter()
        .enumerate()
        .skip(body_start + 1)
        .find(|(_, b)| **b == b']')
        .map(|(i, _)| i)?;
    let body = &pattern[body_start..close];
    let test = move |c: u8| {
        let mut i = 0;
        let mut hit = false;
        while i < body.len() {
            if i + 2 < body.len() && body[i + 1] == b'-' {
                hit |= (body[i]..=body[i + 2]).contains(&c);
                i += 3;
            } else {
                hit |= body[i] == c;
                i += 1;
            }
        }
        hit != negated
    };
    Some((Box::new(test), &pattern[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(expand_braces("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
        assert_eq!(expand_braces("x{y"), ["x{y"]);
        assert_eq!(expand_braces("{one}"), ["one"]);
    }

    #[test]
    fn wildcards() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".hidden.conf"));
        assert!(fnmatch(b".*", b".hidden"));
        assert!(fnmatch(b"phone-?.conf", b"phone-1.conf"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"[]]", b"]"));
        assert!(!fnmatch(b"*.conf", b"a.conf.bak"));
    }

    #[test]
    fn plain_names_come_back_even_if_missing() {
        assert_eq!(expand("/nonexistent/dir/file.conf"), ["/nonexistent/dir/file.conf"]);
        assert!(expand("/nonexistent/dir/*.conf").is_empty());
    }
}
