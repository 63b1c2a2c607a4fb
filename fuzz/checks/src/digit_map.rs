//! `digit_map`: `model::digit_map::check` against a recogniser of the same grammar written here
//! separately, so the two must agree on every input.

use digium_phones_core::model::digit_map::check;

/// Bytes become text as configuration values do: invalid UTF-8 replaced.
pub fn digit_map(data: &[u8]) {
    let map = String::from_utf8_lossy(data);
    let result = check(&map);
    assert_eq!(result.is_ok(), grammar(&map), "{map:?}: {result:?}");
    if let Err(error) = result {
        // 1-based, at most one past the end (an error "after the last character").
        let chars = map.chars().count();
        assert!((1..=chars + 1).contains(&error.position), "{map:?}: {error}");
        assert!(!error.problem.is_empty());
    }
}

/// `digitmap ('|' digitmap)*`.
fn grammar(map: &str) -> bool {
    !map.is_empty() && map.split('|').all(pattern)
}

/// `atom+ ('T' digit*)?`: a `T` can only start the timer, since no atom holds one.
fn pattern(pattern: &str) -> bool {
    let (atoms, timer) = match pattern.split_once('T') {
        Some((atoms, timer)) => (atoms, timer),
        None => (pattern, ""),
    };
    timer.bytes().all(|b| b.is_ascii_digit()) && !atoms.is_empty() && all_atoms(atoms.as_bytes())
}

/// Digits, `* # x X .`, and `[` ranges `]`.
fn all_atoms(mut rest: &[u8]) -> bool {
    while let Some((&first, tail)) = rest.split_first() {
        rest = match first {
            b'0'..=b'9' | b'*' | b'#' | b'x' | b'X' | b'.' => tail,
            b'[' => match tail.iter().position(|&b| b == b']') {
                Some(close) if ranges(&tail[..close]) => &tail[close + 1..],
                _ => return false,
            },
            _ => return false,
        };
    }
    true
}

/// `(digit | digit '-' digit)+`, each range running upwards.
fn ranges(mut inside: &[u8]) -> bool {
    if inside.is_empty() {
        return false;
    }
    while !inside.is_empty() {
        inside = match inside {
            [low, b'-', high, tail @ ..]
                if low.is_ascii_digit() && high.is_ascii_digit() && low <= high =>
            {
                tail
            }
            [digit, tail @ ..] if digit.is_ascii_digit() && tail.first() != Some(&b'-') => tail,
            _ => return false,
        };
    }
    true
}
