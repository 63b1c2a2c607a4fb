//! A reader for Asterisk's configuration syntax that gives, for the same files, the [`RawConfig`] the
//! module gets from `ast_config_load2` (Asterisk 22, `main/config.c`), so the offline tool sees what
//! Asterisk sees.
//!
//! What it follows, line by line:
//! - comments: `;` to the end of the line unless escaped as `\;`; `;--` … `--;` block comments, nested
//!   and spanning lines (see [`comments`]);
//! - `[name]` starts a section; `(…)` right after the `]` holds `!` (a template), `+` (add to the first
//!   non-template section of that name defined earlier) and names of sections to inherit from, applied
//!   left to right: inherited entries are copied in with their own file and line and marked inherited;
//! - `key = value` and `key => value` alike, key and value stripped of blanks, the value otherwise as
//!   written (quotes kept); `key += more` appends to the last value of `key`; a line without `=` is
//!   skipped with a warning; an option before any section is an error;
//! - `#include` and `#tryinclude` (`"name"`, `<name>` or bare; globs and `{a,b}` allowed; relative names
//!   against the main file's directory, as Asterisk reads them from its config directory). An included
//!   file starts in the section most recently defined; after it, the includer goes on in its own.
//!   `#exec` is never run.
//!
//! An error in the main file rejects the whole configuration, as Asterisk does; an error in an included
//! file makes Asterisk drop the rest of that file only, so it is reported and reading goes on.

mod comments;
mod error;
mod glob;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::Path;

pub use error::{Issue, ReadError, ReadWarning};

use crate::raw::{Interner, RawConfig, RawEntry, RawSection};
use comments::CommentState;

/// How deep `#include`s may nest below the main file.
pub const MAX_INCLUDE_LEVEL: u32 = 10;
/// Asterisk reads lines into an 8192-byte buffer and skips longer ones.
const MAX_LINE: usize = 8190;
/// Asterisk keeps section names in 80 bytes, NUL included.
const MAX_SECTION_NAME: usize = 79;

/// A configuration read from disk, with what Asterisk would have logged on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub config: RawConfig,
    pub issues: Vec<Issue>,
    /// The directory of the main file, where relative `#include` names are looked up.
    pub base_dir: String,
}

/// Reads `path` and everything it includes.
pub fn read(path: &Path) -> Result<Loaded, ReadError> {
    let absolute = std::path::absolute(path).map_err(|e| ReadError::Unreadable {
        file: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let main = absolute.to_string_lossy().into_owned();
    let base_dir =
        absolute.parent().map_or_else(|| "/".to_string(), |d| d.to_string_lossy().into_owned());
    let mut reader = Reader { base_dir, ..Reader::default() };
    match reader.load(&main, None, None) {
        Outcome::Read => {
            let config = reader.finish();
            Ok(Loaded { config, issues: reader.issues, base_dir: reader.base_dir })
        }
        Outcome::Invalid(e) => Err(e),
        Outcome::Missing | Outcome::TooDeep => Err(ReadError::Unreadable {
            file: main.clone(),
            reason: match fs::metadata(&main) {
                Err(e) => e.to_string(),
                Ok(_) => "not a regular file".to_string(),
            },
        }),
    }
}

/// One `[section]` as it is being built.
#[derive(Debug, Default)]
struct Category {
    name: String,
    is_template: bool,
    templates: Vec<String>,
    entries: Vec<RawEntry>,
}

/// An `#include` seen so far, by the name as written, with how many times it came again.
#[derive(Debug)]
struct IncludeRecord {
    name: String,
    repeats: u32,
}

#[derive(Debug, Default)]
struct Reader {
    base_dir: String,
    categories: Vec<Category>,
    /// The section an included file starts in: the last one defined or added to.
    current: Option<usize>,
    include_level: u32,
    includes: Vec<IncludeRecord>,
    issues: Vec<Issue>,
    names: Interner,
}

/// What loading one file (or glob) came to.
#[derive(Debug)]
enum Outcome {
    Read,
    /// No file matched (Asterisk's `NULL`).
    Missing,
    TooDeep,
    /// Asterisk's `CONFIG_STATUS_FILEINVALID`.
    Invalid(ReadError),
}

/// The state `config_text_file_load` keeps across the files one glob matches: the line count and the
/// comment nesting carry on from one file to the next there, and so they do here.
#[derive(Debug, Default)]
struct FileState {
    line: u32,
    comments: CommentState,
    section: Option<usize>,
}

/// Where a file was named from, for warnings about it.
type Origin<'a> = Option<(&'a str, u32)>;

impl Reader {
    /// `ast_config_internal_load`: one include level deeper, then the text file loader.
    fn load(&mut self, name: &str, label: Option<String>, origin: Origin<'_>) -> Outcome {
        if self.include_level == MAX_INCLUDE_LEVEL + 1 {
            return Outcome::TooDeep;
        }
        self.include_level += 1;
        let outcome = self.load_text(name, label, origin);
        // Asterisk does not step back out of a file it found invalid.
        if !matches!(outcome, Outcome::Invalid(_)) {
            self.include_level -= 1;
        }
        outcome
    }

    fn load_text(&mut self, name: &str, label: Option<String>, origin: Origin<'_>) -> Outcome {
        let pattern = self.resolve(name);
        let mut state = FileState { section: self.current, ..FileState::default() };
        let mut count = 0;
        for path in glob::expand(&pattern) {
            let Ok(meta) = fs::metadata(&path) else { continue };
            if !meta.is_file() {
                let (file, line) = origin.unwrap_or((path.as_str(), 0));
                self.warn(ReadWarning::NotRegularFile {
                    file: file.to_string(),
                    line,
                    path: path.clone(),
                });
                continue;
            }
            let Ok(bytes) = fs::read(&path) else { continue };
            count += 1;
            let entry_file = label.clone().unwrap_or_else(|| path.clone());
            let result = self.parse(&bytes, &path, &entry_file, &mut state);
            if state.comments.depth > 0 {
                let line = state.comments.opened_at.last().copied().unwrap_or(0);
                self.warn(ReadWarning::UnterminatedComment { file: path.clone(), line });
            }
            if let Err(e) = result {
                return Outcome::Invalid(e);
            }
        }
        if count == 0 { Outcome::Missing } else { Outcome::Read }
    }

    /// Asterisk reads a relative name from its config directory, here the main file's directory.
    fn resolve(&self, name: &str) -> String {
        if name.starts_with('/') { name.to_string() } else { format!("{}/{name}", self.base_dir) }
    }

    /// Reads one file's lines the way `fgets` splits them.
    fn parse(
        &mut self,
        bytes: &[u8],
        path: &str,
        entry_file: &str,
        state: &mut FileState,
    ) -> Result<(), ReadError> {
        let mut pos = 0;
        loop {
            state.line += 1;
            if pos >= bytes.len() {
                return Ok(());
            }
            let (mut line, next, had_newline) = match bytes[pos..].iter().position(|b| *b == b'\n')
            {
                Some(i) => (&bytes[pos..pos + i], pos + i + 1, true),
                None => (&bytes[pos..], bytes.len(), false),
            };
            pos = next;
            if line.len() > MAX_LINE {
                self.warn(ReadWarning::LineTooLong { file: path.to_string(), line: state.line });
            } else {
                if state.line == 1 {
                    line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
                }
                // C string handling stops at a NUL byte.
                if let Some(nul) = line.iter().position(|b| *b == 0) {
                    line = &line[..nul];
                }
                let (content, notes) = comments::strip(line, state.line, &mut state.comments);
                if notes.stray_end {
                    self.warn(ReadWarning::StrayCommentEnd {
                        file: path.to_string(),
                        line: state.line,
                    });
                }
                if let Some(content) = content {
                    let text = strip(&content);
                    if !text.is_empty() {
                        self.line(text, path, entry_file, state)?;
                    }
                }
            }
            if !had_newline {
                return Ok(());
            }
        }
    }

    /// `process_text_line`: a section header, a directive or an option.
    fn line(
        &mut self,
        text: &[u8],
        path: &str,
        entry_file: &str,
        state: &mut FileState,
    ) -> Result<(), ReadError> {
        let at = (path, state.line);
        match text[0] {
            b'[' => self.header(text, at, state),
            b'#' => self.directive(text, at),
            _ => self.option(text, at, entry_file, state),
        }
    }

    fn header(
        &mut self,
        text: &[u8],
        (file, line): (&str, u32),
        state: &mut FileState,
    ) -> Result<(), ReadError> {
        let Some(close) = text.iter().position(|b| *b == b']') else {
            return Err(ReadError::UnclosedHeader { file: file.to_string(), line });
        };
        let mut name_bytes = &text[1..close];
        if name_bytes.len() > MAX_SECTION_NAME {
            name_bytes = &name_bytes[..MAX_SECTION_NAME];
        }
        let name = lossy(name_bytes);
        let mut new = Some(Category { name: name.clone(), ..Category::default() });
        // Which section the options below go to: the new one, or the one `+` adds to.
        let mut target: Option<usize> = None;
        let after = &text[close + 1..];
        if !after.is_empty() && after[0] != b'(' {
            // Asterisk reads nothing after `]` unless `(` follows at once.
            let ignored = lossy(strip(after));
            let hint = if ignored.starts_with('(') {
                format!(" (write [{name}]{ignored} without the blank)")
            } else {
                String::new()
            };
            self.warn(ReadWarning::IgnoredAfterHeader {
                file: file.to_string(),
                line,
                text: ignored,
                hint,
            });
        }
        if after.first() == Some(&b'(') {
            let options = &text[close + 2..];
            let Some(end) = options.iter().position(|b| *b == b')') else {
                return Err(ReadError::UnclosedOptions {
                    file: file.to_string(),
                    line,
                    section: name,
                });
            };
            let trailing = strip(&options[end + 1..]);
            if !trailing.is_empty() {
                self.warn(ReadWarning::IgnoredAfterHeader {
                    file: file.to_string(),
                    line,
                    text: lossy(trailing),
                    hint: String::new(),
                });
            }
            for option in lossy(&options[..end]).split(',') {
                if option == "!" {
                    if let Some(category) = self.target_mut(target, &mut new) {
                        category.is_template = true;
                    }
                } else if let Some(filter) = option.strip_prefix('+') {
                    if !filter.is_empty() {
                        return Err(ReadError::UnsupportedAppendFilter {
                            file: file.to_string(),
                            line,
                            section: name,
                            filter: filter.to_string(),
                        });
                    }
                    let Some(existing) = self.find(&name, false) else {
                        return Err(ReadError::MissingAppendTarget {
                            file: file.to_string(),
                            line,
                            section: name,
                        });
                    };
                    if let Some(pending) = new.take() {
                        self.current = Some(existing);
                        let category = &mut self.categories[existing];
                        category.is_template |= pending.is_template;
                        category.entries.extend(pending.entries);
                    }
                    target = Some(existing);
                } else {
                    let Some(base) = self.find(option, true) else {
                        let trimmed = option.trim();
                        let hint = if trimmed != option && self.find(trimmed, true).is_some() {
                            format!(" (the blanks are part of the name: write '{trimmed}')")
                        } else {
                            String::new()
                        };
                        return Err(ReadError::MissingTemplate {
                            file: file.to_string(),
                            line,
                            section: name,
                            template: option.to_string(),
                            hint,
                        });
                    };
                    let base_name = self.categories[base].name.clone();
                    let inherited: Vec<RawEntry> = self.categories[base]
                        .entries
                        .iter()
                        .map(|e| RawEntry { inherited: true, ..e.clone() })
                        .collect();
                    if let Some(category) = self.target_mut(target, &mut new) {
                        category.templates.push(base_name);
                        category.entries.extend(inherited);
                    }
                }
            }
        }
        if let Some(category) = new {
            self.categories.push(category);
            target = Some(self.categories.len() - 1);
            self.current = target;
        }
        state.section = target;
        Ok(())
    }

    /// The section a header's options apply to: the one `+` chose, else the one being defined (one of
    /// the two is always there).
    fn target_mut<'a>(
        &'a mut self,
        target: Option<usize>,
        new: &'a mut Option<Category>,
    ) -> Option<&'a mut Category> {
        match target {
            Some(i) => self.categories.get_mut(i),
            None => new.as_mut(),
        }
    }

    /// `category_get_sep`: the first section named `name` (any name when empty), without regard to
    /// case; templates count only when `templates` is set.
    fn find(&self, name: &str, templates: bool) -> Option<usize> {
        self.categories.iter().position(|c| {
            (name.is_empty() || c.name.eq_ignore_ascii_case(name)) && (templates || !c.is_template)
        })
    }

    fn directive(&mut self, text: &[u8], (file, line): (&str, u32)) -> Result<(), ReadError> {
        let rest = &text[1..];
        let name_end = rest.iter().position(|b| *b <= b' ').unwrap_or(rest.len());
        let directive = lossy(&rest[..name_end]);
        let argument = if name_end < rest.len() { strip(&rest[name_end + 1..]) } else { &[][..] };
        let tolerant = if directive.eq_ignore_ascii_case("include") {
            false
        } else if directive.eq_ignore_ascii_case("tryinclude") {
            true
        } else if directive.eq_ignore_ascii_case("exec") {
            let command = lossy(argument);
            self.warn(ReadWarning::ExecNotRun { file: file.to_string(), line, command });
            return Ok(());
        } else {
            self.warn(ReadWarning::UnknownDirective { file: file.to_string(), line, directive });
            return Ok(());
        };
        if argument.is_empty() {
            self.warn(ReadWarning::DirectiveWithoutArgument {
                file: file.to_string(),
                line,
                directive,
            });
            return Ok(());
        }
        let include = lossy(dequote(argument));
        let label = self.record_include(&include, (file, line));
        match self.load(&include, label, Some((file, line))) {
            Outcome::Read => Ok(()),
            Outcome::Invalid(e) => {
                self.issues.push(Issue::IncludedFileAbandoned(e));
                Ok(())
            }
            Outcome::Missing if tolerant => Ok(()),
            Outcome::Missing => Err(ReadError::MissingInclude {
                file: file.to_string(),
                line,
                include,
                directory: self.base_dir.clone(),
            }),
            Outcome::TooDeep if tolerant => {
                self.warn(ReadWarning::TryIncludeTooDeep { file: file.to_string(), line, include });
                Ok(())
            }
            Outcome::TooDeep => {
                Err(ReadError::IncludeTooDeep { file: file.to_string(), line, include })
            }
        }
    }

    /// `ast_include_new`: a name included again gets its entries labelled `name~~N`, N counting up past
    /// any such file that exists.
    fn record_include(&mut self, include: &str, (file, line): (&str, u32)) -> Option<String> {
        let Some(index) = self.includes.iter().position(|r| r.name == include) else {
            self.includes.push(IncludeRecord { name: include.to_string(), repeats: 0 });
            return None;
        };
        let label = loop {
            self.includes[index].repeats += 1;
            let candidate = self.resolve(&format!("{include}~~{}", self.includes[index].repeats));
            if fs::metadata(&candidate).is_err() {
                break candidate;
            }
        };
        self.warn(ReadWarning::IncludedTwice {
            file: file.to_string(),
            line,
            include: include.to_string(),
            label: label.clone(),
        });
        Some(label)
    }

    fn option(
        &mut self,
        text: &[u8],
        (file, line): (&str, u32),
        entry_file: &str,
        state: &FileState,
    ) -> Result<(), ReadError> {
        let Some(section) = state.section else {
            return Err(ReadError::NoCategory { file: file.to_string(), line });
        };
        // A leading backslash makes the next character part of the name, even `[`, `#` or `=`.
        let escaped = text[0] == b'\\';
        let start = usize::from(escaped);
        if escaped && text.get(1).is_none_or(|b| *b < 33) {
            return Err(ReadError::InvalidEscape { file: file.to_string(), line });
        }
        let search_from = start + usize::from(escaped);
        let Some(equals) =
            text[search_from..].iter().position(|b| *b == b'=').map(|i| search_from + i)
        else {
            self.warn(ReadWarning::NoEquals { file: file.to_string(), line });
            return Ok(());
        };
        let (key, value) = if equals > search_from && text[equals - 1] == b'+' {
            let key = lossy(strip(&text[start..equals - 1]));
            let more = &text[equals + 1..];
            if self.append(section, &key, more) {
                return Ok(());
            }
            (key, lossy(strip(more)))
        } else {
            let value = &text[equals + 1..];
            // `=>` is the same as `=`.
            let value = value.strip_prefix(b">").unwrap_or(value);
            (lossy(strip(&text[start..equals])), lossy(strip(value)))
        };
        if key.is_empty() {
            self.warn(ReadWarning::NoOptionName { file: file.to_string(), line });
            return Ok(());
        }
        self.categories[section].entries.push(RawEntry {
            key: self.names.get(&key),
            value: value.into(),
            file: self.names.get(entry_file),
            line,
            inherited: false,
        });
        Ok(())
    }

    /// `key += more`: the last `key` (same case) gets `more` appended, trimmed. As in Asterisk, the
    /// entry rewritten is the first one with that name and value, and it stops counting as inherited.
    /// Returns false when there is no `key` yet, so the line sets it like `=`.
    fn append(&mut self, section: usize, key: &str, more: &[u8]) -> bool {
        let entries = &mut self.categories[section].entries;
        let Some(last) = entries.iter().rposition(|e| &*e.key == key) else { return false };
        let (old_key, old_value) = (entries[last].key.clone(), entries[last].value.clone());
        let mut joined = old_value.as_bytes().to_vec();
        joined.extend_from_slice(more);
        let value = lossy(strip(&joined));
        if let Some(target) = entries.iter_mut().find(|e| {
            e.key.eq_ignore_ascii_case(&old_key)
                && (old_value.is_empty() || e.value.eq_ignore_ascii_case(&old_value))
        }) {
            target.key = old_key;
            target.value = value.into();
            target.inherited = false;
        }
        true
    }

    fn warn(&mut self, warning: ReadWarning) {
        self.issues.push(Issue::Warning(warning));
    }

    fn finish(&mut self) -> RawConfig {
        let sections = std::mem::take(&mut self.categories)
            .into_iter()
            .map(|mut c| RawSection {
                // Held as long as the configuration serves: no room left over from the pushes (as
                // the module's copy of Asterisk's categories has none).
                entries: {
                    c.entries.shrink_to_fit();
                    c.entries
                },
                name: c.name,
                is_template: c.is_template,
                // The module reads them back from Asterisk's comma-joined list, trimmed.
                templates: c
                    .templates
                    .join(",")
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
            .map(std::sync::Arc::new)
            .collect();
        RawConfig { sections }
    }
}

/// `ast_strip`: drops bytes below 33 (blanks and control characters) at both ends.
fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b >= 33).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| *b >= 33).map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// `"name"` and `<name>` lose their quotes when both ends match.
pub fn dequote(argument: &[u8]) -> &[u8] {
    let close = match argument.first() {
        Some(b'"') => b'"',
        Some(b'<') => b'>',
        _ => return argument,
    };
    match argument.len() {
        // A lone quote is both ends: nothing is left.
        1 => &[],
        n if argument[n - 1] == close => &argument[1..n - 1],
        _ => argument,
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
