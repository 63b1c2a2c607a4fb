//! The document being written: quick-xml's `Writer` with two-space indentation, and attribute values
//! escaped here so that every value the phone reads back is the value the configuration holds.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

/// Attributes in the order they are written. Keys are chosen by code, except the settings of custom
/// applications, which are checked with [`is_xml_name`] first. Values are borrowed where the caller
/// has them already: a document is some 300 attributes, rendered for every phone that asks.
#[derive(Debug, Default)]
pub(super) struct Attrs<'a>(Vec<(Cow<'static, str>, Cow<'a, str>)>);

impl<'a> Attrs<'a> {
    pub(super) fn new() -> Self {
        Self::default()
    }

    pub(super) fn set(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// Only when there is a value.
    pub(super) fn opt<V: Into<Cow<'a, str>>>(self, key: &'static str, value: Option<V>) -> Self {
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

/// The start tag, written into one buffer: the name, then each attribute escaped in place.
fn start<'n>(name: &'n str, attrs: Attrs) -> BytesStart<'n> {
    let size = attrs.0.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>();
    let mut content = String::with_capacity(name.len() + size);
    content.push_str(name);
    for (key, value) in &attrs.0 {
        content.push(' ');
        content.push_str(key);
        content.push_str("=\"");
        push_escaped(&mut content, value);
        content.push('"');
    }
    BytesStart::from_content(content, name.len())
}

/// Escapes an attribute value so that a conforming reader returns it unchanged: the five markup
/// characters as entities, and tab, newline and carriage return as character references (a reader
/// would otherwise normalize them to spaces). Characters XML 1.0 cannot carry at all (most control
/// characters) become U+FFFD, so the document always parses.
pub(super) fn push_escaped(out: &mut String, value: &str) {
    let special =
        |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r') || !is_xml_char(c);
    let mut rest = value;
    while let Some(at) = rest.find(special) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
        out.push_str(match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\t' => "&#9;",
            '\n' => "&#10;",
            '\r' => "&#13;",
            _ => "\u{FFFD}",
        });
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_as_written_or_with_illegal_characters_replaced() {
        let value = "a&b<c>d\"e'f\tg\nh\ri\u{1}j\u{FFFE}é€😀";
        let mut doc = Doc::new().unwrap();
        doc.empty("x", Attrs::new().set("v", value).set("plain", "abc")).unwrap();
        let xml = doc.finish();
        assert!(xml.contains("&#9;g&#10;h&#13;i\u{FFFD}j\u{FFFD}é€😀"), "{xml}");
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event().unwrap() {
                Event::Empty(e) => {
                    let attr = e.try_get_attribute("v").unwrap().unwrap();
                    let read = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap();
                    assert_eq!(read, "a&b<c>d\"e'f\tg\nh\ri\u{FFFD}j\u{FFFD}é€😀");
                    break;
                }
                Event::Eof => panic!("no element in {xml}"),
                _ => {}
            }
        }
    }
}
