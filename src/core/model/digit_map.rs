//! Digit maps, checked with the grammar of the DPMA guide ("Dial Plans"):
//!
//! ```text
//! digitmaplist := digitmap ( '|' digitmap )*
//! digitmap     := digitstring | digitstring timer
//! digitstring  := atom+
//! atom         := literal | class | wildcard
//! literal      := digit | '*' | '#'
//! class        := '[' range+ ']'
//! range        := digit | digit '-' digit
//! wildcard     := '.'
//! timer        := 'T' digit*
//! ```
//!
//! The guide's own examples (`[0-8]xxxxx|911|9011xxx.T3`) also use `x` for "any digit", so `x` and `X`
//! are accepted as atoms too.

/// Where a digit map goes wrong: the 1-based character position and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {problem}")]
pub struct DigitMapError {
    pub position: usize,
    pub problem: String,
}

/// Checks `map` against the grammar.
pub fn check(map: &str) -> Result<(), DigitMapError> {
    let chars: Vec<char> = map.chars().collect();
    let err = |at: usize, problem: String| Err(DigitMapError { position: at + 1, problem });
    let mut i = 0;
    loop {
        // One digitmap: atoms, then an optional timer, then '|' or the end.
        let start = i;
        let mut atoms = 0;
        while i < chars.len() && chars[i] != '|' {
            match chars[i] {
                '0'..='9' | '*' | '#' | 'x' | 'X' | '.' => i += 1,
                '[' => i = class(&chars, i)?,
                'T' => {
                    if atoms == 0 {
                        return err(i, "a timer needs digits before it".into());
                    }
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i < chars.len() && chars[i] != '|' {
                        return err(
                            i,
                            format!("'{}' after the timer: a timer ends its pattern", chars[i]),
                        );
                    }
                    break;
                }
                ']' => return err(i, "']' without a '[' before it".into()),
                c => {
                    return err(
                        i,
                        format!(
                            "'{c}' is not allowed (use digits, *, #, x, ., [ranges] and a final T timer)"
                        ),
                    );
                }
            }
            atoms += 1;
        }
        if i == start {
            let what = if chars.is_empty() { "the digit map is empty" } else { "empty pattern" };
            return err(i, what.into());
        }
        if i >= chars.len() {
            return Ok(());
        }
        // chars[i] is '|'.
        i += 1;
        if i == chars.len() {
            return err(i, "empty pattern after the last '|'".into());
        }
    }
}

/// A `[...]` class starting at `open`; returns the index after its `]`.
fn class(chars: &[char], open: usize) -> Result<usize, DigitMapError> {
    let err = |at: usize, problem: String| Err(DigitMapError { position: at + 1, problem });
    let mut i = open + 1;
    let mut ranges = 0;
    loop {
        match chars.get(i) {
            None => return err(open, "'[' is never closed with ']'".into()),
            Some(']') if ranges == 0 => return err(i, "empty class '[]'".into()),
            Some(']') => return Ok(i + 1),
            Some(d) if d.is_ascii_digit() => {
                if chars.get(i + 1) == Some(&'-') {
                    match chars.get(i + 2) {
                        Some(e) if e.is_ascii_digit() => {
                            if e < d {
                                return err(i, format!("range {d}-{e} runs backwards"));
                            }
                            i += 3;
                        }
                        _ => return err(i + 1, "'-' in a class must be between two digits".into()),
                    }
                } else {
                    i += 1;
                }
                ranges += 1;
            }
            Some(c) => {
                return err(
                    i,
                    format!("'{c}' is not allowed in a class (digits and ranges like 2-9 only)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(map: &str) -> (usize, String) {
        let e = check(map).unwrap_err();
        (e.position, e.problem)
    }

    #[test]
    fn the_guides_examples_are_valid() {
        for map in [
            "[0-9]xxx|911|9911|411|611|011xxxx.T3|1xxxxxxxxxx|[2-9]xxxxxx|*xx.T3",
            "[0-8]xxxxx|911|9411|9611|9011xxx.T3|91xxxxxxxxxx|9[2-9]xxxxxx|*xx.T3|[0-8]xx.T3",
            "[0-8]xx",
            "#7[0-35]",
            "9.T",
        ] {
            assert_eq!(check(map), Ok(()), "{map}");
        }
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(at("911|9a1").0, 6);
        assert!(at("911|9a1").1.starts_with("'a' is not allowed"));
        assert_eq!(at("91||1"), (4, "empty pattern".into()));
        assert_eq!(at("|911").0, 1);
        assert_eq!(at("911|"), (5, "empty pattern after the last '|'".into()));
        assert_eq!(at("1[0-9"), (2, "'[' is never closed with ']'".into()));
        assert_eq!(at("[0-9xx").0, 5);
        assert_eq!(at("[]1"), (2, "empty class '[]'".into()));
        assert_eq!(at("[9-1]"), (2, "range 9-1 runs backwards".into()));
        assert_eq!(at("[1-]"), (3, "'-' in a class must be between two digits".into()));
        assert_eq!(at("9T3x").0, 4);
        assert_eq!(at("T3").0, 1);
        assert_eq!(at("91 1").0, 3);
        assert_eq!(at(""), (1, "the digit map is empty".into()));
        assert_eq!(at("1]").0, 2);
    }

    #[test]
    fn display_names_the_position() {
        assert_eq!(
            check("1a").unwrap_err().to_string(),
            "at character 2: 'a' is not allowed (use digits, *, #, x, ., [ranges] and a final T timer)"
        );
    }
}
