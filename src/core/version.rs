//! The version line FreePBX and other tools parse: `Version <asterisk major.minor>_<module version>`
//! (they match `Version [0-9.]+_([0-9.]+)`).

/// `22.10.1+dfsg+~cs6.17.60671434-1` → `22.10`; anything unparsable is kept up to its first non-version
/// character so the line still matches.
pub fn asterisk_major_minor(asterisk_version: &str) -> String {
    let numeric: String =
        asterisk_version.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let mut parts = numeric.split('.').filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        (Some(major), None) => format!("{major}.0"),
        _ => "0.0".to_string(),
    }
}

pub fn version_line(asterisk_version: &str, module_version: &str) -> String {
    format!("Version {}_{module_version}", asterisk_major_minor(asterisk_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_version_string() {
        assert_eq!(version_line("22.10.1+dfsg+~cs6.17.60671434-1", "0.1.0"), "Version 22.10_0.1.0");
    }

    #[test]
    fn odd_versions_still_match_freepbx_pattern() {
        assert_eq!(asterisk_major_minor("GIT-master-abc"), "0.0");
        assert_eq!(asterisk_major_minor("23"), "23.0");
        assert_eq!(asterisk_major_minor("certified-20.7-cert5"), "0.0");
    }
}
