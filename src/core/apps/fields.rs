//! Manager blocks (one response or event: ordered `Key: Value` pairs), as the in-process AMI runner
//! and the manager event hook hand them over.

pub use crate::ami::Block as Fields;

/// The value of `key` (AMI keys are case-insensitive), if present.
pub fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a str> {
    fields.get(key)
}

/// The value of `key`, or the empty string.
pub fn text<'a>(fields: &'a Fields, key: &str) -> &'a str {
    get(fields, key).unwrap_or_default()
}

/// The block's `Event:` name, if it is an event.
pub fn event(fields: &Fields) -> Option<&str> {
    get(fields, "Event")
}

/// A caller ID as Asterisk writes a missing one (`<unknown>`) becomes empty.
pub fn caller_id(value: &str) -> &str {
    if value == "<unknown>" { "" } else { value }
}

/// At most `max` bytes of `value`, cut between characters (names from the network can be long).
pub fn cut(value: &str, max: usize) -> &str {
    if value.len() <= max {
        return value;
    }
    let end = (0..=max).rev().find(|i| value.is_char_boundary(*i)).unwrap_or(0);
    &value[..end]
}

/// A name Asterisk accepts in an AMI header or an application argument: no separators, no line
/// breaks, at most 80 bytes.
pub fn is_plain_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 80
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "_-.+@/".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: &[(&str, &str)]) -> Fields {
        Fields { fields: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn reads_fields_case_insensitively() {
        let b = block(&[("Event", "ParkedCall"), ("ParkingSpace", "701")]);
        assert_eq!(get(&b, "parkingspace"), Some("701"));
        assert_eq!(event(&b), Some("ParkedCall"));
        assert_eq!(text(&b, "Missing"), "");
    }

    #[test]
    fn cuts_between_characters() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(caller_id("<unknown>"), "");
    }

    #[test]
    fn plain_names_refuse_separators() {
        assert!(is_plain_name("parkedcalls") && is_plain_name("PJSIP/700"));
        for bad in ["", "a,b", "a b", "a\nb", "a|b", &"x".repeat(81)] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
