//! What validation reports: every finding names the file, line, section and option it is about.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub section: String,
    /// Empty when the finding is about the whole section.
    pub option: String,
    pub message: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    /// `file:line: error: [section] option: message`, the form compilers use, so editors can jump to it.
    /// A finding about the file itself (a syntax problem) has no section and reads `file:line: error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}:{}: {sev}:", self.file, self.line)?;
        if !self.section.is_empty() {
            write!(f, " [{}]", self.section)?;
        }
        if !self.option.is_empty() {
            write!(f, " {}", self.option)?;
        }
        if self.section.is_empty() && self.option.is_empty() {
            write!(f, " {}", self.message)
        } else {
            write!(f, ": {}", self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_section_and_option() {
        let f = Finding {
            severity: Severity::Error,
            file: "/etc/asterisk/res_digium_phone.conf".into(),
            line: 12,
            section: "phone100".into(),
            option: "mac".into(),
            message: "'zz' is not a MAC address".into(),
        };
        assert_eq!(
            f.to_string(),
            "/etc/asterisk/res_digium_phone.conf:12: error: [phone100] mac: 'zz' is not a MAC address"
        );
    }

    #[test]
    fn display_without_section() {
        let f = Finding {
            severity: Severity::Warning,
            file: "a.conf".into(),
            line: 3,
            section: String::new(),
            option: String::new(),
            message: "no '=' in this line".into(),
        };
        assert_eq!(f.to_string(), "a.conf:3: warning: no '=' in this line");
    }
}
