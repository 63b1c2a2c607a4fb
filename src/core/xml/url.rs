//! URLs of the files a phone fetches: a base (a network's `file_url_prefix`, or the module's own files
//! URL) joined with a file name from the configuration.

/// `base` joined with `file`. A `file` that is already a URL is used as written; otherwise each
/// character outside RFC 3986's unreserved set (and `/`, which separates directories) is
/// percent-encoded, so names with blanks, `&` or non-ASCII letters still make one valid URL.
pub(super) fn join(base: &str, file: &str) -> String {
    if is_url(file) {
        return file.to_string();
    }
    let file = file.trim_start_matches('/');
    let mut url = String::with_capacity(base.len() + file.len() + 1);
    url.push_str(base);
    if !base.ends_with('/') {
        url.push('/');
    }
    encode_path(file, &mut url);
    url
}

/// Whether `value` carries a scheme (`http://…`), as opposed to a file name.
pub(super) fn is_url(value: &str) -> bool {
    value.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

fn encode_path(path: &str, out: &mut String) {
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_one_slash() {
        assert_eq!(join("http://h/files/", "a.xml"), "http://h/files/a.xml");
        assert_eq!(join("http://h/files", "a.xml"), "http://h/files/a.xml");
        assert_eq!(join("http://h/files/", "/a.xml"), "http://h/files/a.xml");
        assert_eq!(join("http://h/fw/", "2_9/2_9_D70.eff"), "http://h/fw/2_9/2_9_D70.eff");
    }

    #[test]
    fn encodes_what_a_url_cannot_hold() {
        assert_eq!(
            join("http://h/", "Sales & <Support> \"A\".xml"),
            "http://h/Sales%20%26%20%3CSupport%3E%20%22A%22.xml"
        );
        assert_eq!(join("http://h/", "Zoë.png"), "http://h/Zo%C3%AB.png");
        assert_eq!(join("http://h/", "a?b#c%d"), "http://h/a%3Fb%23c%25d");
    }

    #[test]
    fn keeps_full_urls() {
        assert_eq!(
            join("http://h/", "https://cdn.example.com/x.png"),
            "https://cdn.example.com/x.png"
        );
        assert!(!is_url("a.xml"));
        assert!(!is_url("://x"));
    }
}
