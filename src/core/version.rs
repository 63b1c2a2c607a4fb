//! The version line tools parse: `Version <asterisk major.minor>_<DPMA level>+rdp<module version>`.
//!
//! - FreePBX takes `Version [0-9.]+_([0-9.]+)` as the DPMA version and switches features on it; the
//!   capture stops at the `+`, so it reads the [`DPMA_COMPATIBILITY`] level.
//! - FreePBX 17's installer takes the last word of the line (`awk '/Version/{print $NF}'`), turns `_`
//!   into `.` and compares it with `dpkg --compare-versions` against `21.0_3.6.8`: the whole token
//!   (`22.10.3.6.9+rdp0.1.0`) is a valid Debian version that sorts by Asterisk, then level, then ours.

/// The DPMA release whose configuration, CLI and AMI this module matches. 3.6.9 is the last 3.6
/// release that runs on Asterisk 22 (3.6.11 crashes it at load, so scripts may single 3.6.11 out);
/// FreePBX needs at least 3.3.2 for D80 logos and its installer 3.6.8.
pub const DPMA_COMPATIBILITY: &str = "3.6.9";

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

/// The one line of `digium_phones show version` that holds the word `Version`.
pub fn version_line(asterisk_version: &str, module_version: &str) -> String {
    format!(
        "Version {}_{DPMA_COMPATIBILITY}+rdp{module_version}",
        asterisk_major_minor(asterisk_version)
    )
}

/// The DPMA version FreePBX reads from a `show version` text: its `Version [0-9.]+_([0-9.]+)`.
pub fn freepbx_dpma_version(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(at) = rest.find("Version ") {
        let after = &rest[at + "Version ".len()..];
        let ast =
            after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').len();
        if ast > 0 && after[ast..].starts_with('_') {
            let level = &after[ast + 1..];
            let end = level.len()
                - level.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').len();
            if end > 0 {
                return Some(&level[..end]);
            }
        }
        rest = &rest[at + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_version_string() {
        assert_eq!(
            version_line("22.10.1+dfsg+~cs6.17.60671434-1", "0.1.0"),
            "Version 22.10_3.6.9+rdp0.1.0"
        );
    }

    #[test]
    fn freepbx_reads_the_compatibility_level() {
        let line = version_line("20.20.1", "0.1.0");
        assert_eq!(freepbx_dpma_version(&format!("{line}\nBuild: abc\n")), Some("3.6.9"));
        assert_eq!(freepbx_dpma_version("Version 22.10_0.1.0"), Some("0.1.0"));
        assert_eq!(freepbx_dpma_version("Version x_3.6.9 Version 21.0_3.6.8"), Some("3.6.8"));
        assert_eq!(freepbx_dpma_version("Version 22_"), None);
    }

    #[test]
    fn the_installer_reads_one_debian_version() {
        let line = version_line("22.10.1", "0.1.0");
        let last = line.split_whitespace().last().unwrap().replace('_', ".");
        assert_eq!(last, "22.10.3.6.9+rdp0.1.0");
        assert!(last.chars().all(|c| c.is_ascii_alphanumeric() || ".+~".contains(c)));
    }

    #[test]
    fn odd_versions_still_match_freepbx_pattern() {
        assert_eq!(asterisk_major_minor("GIT-master-abc"), "0.0");
        assert_eq!(asterisk_major_minor("23"), "23.0");
        assert_eq!(asterisk_major_minor("certified-20.7-cert5"), "0.0");
    }
}
