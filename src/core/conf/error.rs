//! What can go wrong reading a configuration, each naming the file and line it is about.

use crate::finding::{Finding, Severity};

/// A problem that makes Asterisk reject the file being read: the whole configuration when it is the
/// main file, the rest of an included file otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the configuration file: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("an option before any [section]; Asterisk refuses the file")]
    NoCategory { file: String, line: u32 },
    #[error("no closing ']' in this section header")]
    UnclosedHeader { file: String, line: u32 },
    #[error("no closing ')' after [{section}](")]
    UnclosedOptions { file: String, line: u32, section: String },
    #[error(
        "[{section}] inherits from '{template}', but no section of that name is defined above it{hint}"
    )]
    MissingTemplate { file: String, line: u32, section: String, template: String, hint: String },
    #[error(
        "[{section}](+) adds to a section, but no (non-template) [{section}] is defined above it"
    )]
    MissingAppendTarget { file: String, line: u32, section: String },
    #[error(
        "[{section}](+{filter}): appending to a section chosen by a filter is not supported here"
    )]
    UnsupportedAppendFilter { file: String, line: u32, section: String, filter: String },
    #[error("#include \"{include}\": no such file (relative names are looked up in {directory})")]
    MissingInclude { file: String, line: u32, include: String, directory: String },
    #[error("#include \"{include}\": includes are nested more than {max} levels deep", max = super::MAX_INCLUDE_LEVEL)]
    IncludeTooDeep { file: String, line: u32, include: String },
    #[error("a '\\' at the start of a line must be followed by the character it escapes")]
    InvalidEscape { file: String, line: u32 },
}

impl ReadError {
    /// The file and line the error is about (line 0: the file as a whole).
    pub fn location(&self) -> (&str, u32) {
        match self {
            Self::Unreadable { file, .. } => (file, 0),
            Self::NoCategory { file, line }
            | Self::UnclosedHeader { file, line }
            | Self::UnclosedOptions { file, line, .. }
            | Self::MissingTemplate { file, line, .. }
            | Self::MissingAppendTarget { file, line, .. }
            | Self::UnsupportedAppendFilter { file, line, .. }
            | Self::MissingInclude { file, line, .. }
            | Self::IncludeTooDeep { file, line, .. }
            | Self::InvalidEscape { file, line } => (file, *line),
        }
    }

    /// As a finding; the message names the section itself where there is one.
    pub fn finding(&self) -> Finding {
        let (file, line) = self.location();
        finding(Severity::Error, file, line, self.to_string())
    }
}

/// Something Asterisk logs and skips while it goes on reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadWarning {
    #[error("no '=' in this line; Asterisk ignores it")]
    NoEquals { file: String, line: u32 },
    #[error("no option name before '='; Asterisk ignores the line")]
    NoOptionName { file: String, line: u32 },
    #[error("unknown directive '#{directive}'; Asterisk ignores it")]
    UnknownDirective { file: String, line: u32, directive: String },
    #[error("'#{directive}' needs an argument; Asterisk ignores it")]
    DirectiveWithoutArgument { file: String, line: u32, directive: String },
    #[error(
        "#exec \"{command}\" is not run (Asterisk runs it only with execincludes = yes in asterisk.conf); ignored"
    )]
    ExecNotRun { file: String, line: u32, command: String },
    #[error("line longer than 8190 characters; Asterisk skips it")]
    LineTooLong { file: String, line: u32 },
    #[error("block comment ';--' is never closed with '--;', so everything after it is ignored")]
    UnterminatedComment { file: String, line: u32 },
    #[error(
        "'--;' closes no block comment; Asterisk then ignores every line up to the next one holding ';--'"
    )]
    StrayCommentEnd { file: String, line: u32 },
    #[error("\"{include}\" is included more than once; its entries are labelled {label}")]
    IncludedTwice { file: String, line: u32, include: String, label: String },
    #[error("'{text}' after the section header is ignored by Asterisk{hint}")]
    IgnoredAfterHeader { file: String, line: u32, text: String, hint: String },
    #[error("'{path}' is not a regular file; ignored")]
    NotRegularFile { file: String, line: u32, path: String },
    #[error("#tryinclude \"{include}\": includes are nested more than {max} levels deep; skipped", max = super::MAX_INCLUDE_LEVEL)]
    TryIncludeTooDeep { file: String, line: u32, include: String },
}

impl ReadWarning {
    pub fn location(&self) -> (&str, u32) {
        match self {
            Self::NoEquals { file, line }
            | Self::NoOptionName { file, line }
            | Self::UnknownDirective { file, line, .. }
            | Self::DirectiveWithoutArgument { file, line, .. }
            | Self::ExecNotRun { file, line, .. }
            | Self::LineTooLong { file, line }
            | Self::UnterminatedComment { file, line }
            | Self::StrayCommentEnd { file, line }
            | Self::IncludedTwice { file, line, .. }
            | Self::NotRegularFile { file, line, .. }
            | Self::IgnoredAfterHeader { file, line, .. }
            | Self::TryIncludeTooDeep { file, line, .. } => (file, *line),
        }
    }

    pub fn finding(&self) -> Finding {
        let (file, line) = self.location();
        finding(Severity::Warning, file, line, self.to_string())
    }
}

/// A problem met while reading that did not stop the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    Warning(ReadWarning),
    /// An error in an included file: Asterisk drops the rest of that file and reads on in the includer.
    IncludedFileAbandoned(ReadError),
}

impl Issue {
    pub fn finding(&self) -> Finding {
        match self {
            Self::Warning(w) => w.finding(),
            Self::IncludedFileAbandoned(e) => {
                let mut f = e.finding();
                f.message.push_str("; Asterisk ignores the rest of this file");
                f
            }
        }
    }
}

fn finding(severity: Severity, file: &str, line: u32, message: String) -> Finding {
    Finding {
        severity,
        file: file.to_string(),
        line,
        section: String::new(),
        option: String::new(),
        message,
    }
}
