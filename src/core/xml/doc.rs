//! The document being written: quick-xml's `Writer` with two-space indentation, and attribute values
//! escaped here so that every value the phone reads back is the value the configuration holds.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::escape::escape;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::name::QName;

/// Attributes in the order they are written. Keys are chosen by code, except the settings of custom
/// applications, which are checked with [`is_xml_name`] first.
#[derive(Debug, Default)]
pub(super) struct Attrs(Vec<(Cow<'static, str>, String)>);

impl Attrs {
    pub(super) fn new() -> Self {
        Self::default()
    }

    pub(super) fn set(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// Only when there is a value.
    pub(super) fn opt<V: Into<String>>(self, key: &'static str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    /// A boolean as the phone spells it.
    pub(super) fn flag(self, key: &'static str, value: bool) -> Self {
        self.set(key, bit(value))
    }
}

/// `1` or `0`, the phone's booleans.
pub(super) fn bit(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

pub(super) struct Doc {
    writer: Writer<Vec<u8>>,
}

impl Doc {
    /// A document started with its XML declaration.
    pub(super) fn new() -> io::Result<Self> {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { writer })
    }

    pub(super) fn open(&mut self, name: &str, attrs: Attrs) -> io::Result<()> {
        self.writer.write_event(Event::Start(start(name, attrs)))
    }

    pub(super) fn empty(&mut self, name: &str, attrs: Attrs) -> io::Result<()> {
        self.writer.write_event(Event::Empty(start(name, attrs)))
    }

    pub(super) fn close(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    /// The finished document, ending with a newline.
    pub(super) fn finish(self) -> String {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        // Only `&str` went in, and escaping keeps UTF-8 intact.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

fn start(name: &str, attrs: Attrs) -> BytesStart<'_> {
    let mut element = BytesStart::new(name);
    for (key, value) in attrs.0 {
        // A hand-built Attribute is written as given, so the value is escaped here.
        element.push_attribute(Attribute {
            key: QName(key.as_bytes()),
            value: Cow::Owned(escape_attribute(&value).into_bytes()),
        });
    }
    // The attributes were copied into the element's buffer, so it borrows only `name`.
    element
}

/// Escapes an attribute value so that a conforming reader returns it unchanged: the five markup
/// characters as entities, and tab, newline and carriage return as character references (a reader
/// would otherwise normalize them to spaces). Characters XML 1.0 cannot carry at all (most control
/// characters) become U+FFFD, so the document always parses.
pub(super) fn escape_attribute(value: &str) -> String {
    let legal: Cow<'_, str> = if value.chars().all(is_xml_char) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(
            value
                .chars()
                .map(|c| if is_xml_char(c) { c } else { char::REPLACEMENT_CHARACTER })
                .collect(),
        )
    };
    escape(legal).replace('\t', "&#9;").replace('\n', "&#10;").replace('\r', "&#13;")
}

/// XML 1.0's `Char` production (`char` already excludes surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Whether `name` can be written as an attribute name: a letter or `_`, then letters, digits, `-`,
/// `.` or `_`. Stricter than XML's `Name` (no `:`, so nothing reads as a namespace prefix).
pub(super) fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
}
