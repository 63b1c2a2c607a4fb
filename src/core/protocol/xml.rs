//! A small element tree, written with quick-xml's `Writer` and read with its `Reader`, hardened for
//! bodies that arrive from the network: no DTD, no entities beyond the five predefined ones, and
//! bounded depth, element count and value sizes.

use std::borrow::Cow;
use std::io;

use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_xml_entity};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event as XmlEvent};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer};

use super::{MAX_BODY, ProtocolError};

/// One XML element: its attributes in document order, its text (character data directly inside it)
/// and its child elements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// An empty element. The name is chosen by code, never taken from input: it is written as is.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    pub fn attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.push((name.into(), value.into()));
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    pub fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    /// The value of an attribute.
    pub fn get(&self, attr: &str) -> Option<&str> {
        self.attrs.iter().find(|(name, _)| name == attr).map(|(_, value)| value.as_str())
    }

    /// The first child element with this name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child element with this name, in document order.
    pub fn find_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The element as XML, without declaration or indentation. Characters XML cannot carry (most
    /// control characters) are written as U+FFFD, so the output always parses.
    pub fn to_xml(&self) -> String {
        let mut buffer = Vec::new();
        // Writing into a Vec cannot fail; should it ever, the partial document would not parse.
        if write_element(&mut Writer::new(&mut buffer), self).is_err() {
            return String::new();
        }
        // Only &str went in, so the bytes are UTF-8.
        String::from_utf8(buffer).unwrap_or_default()
    }
}

fn write_element(writer: &mut Writer<&mut Vec<u8>>, element: &Element) -> io::Result<()> {
    let mut start = BytesStart::new(element.name.as_str());
    for (name, value) in &element.attrs {
        // An Attribute built by hand is written raw, so the value is escaped here, newlines included:
        // a reader would otherwise normalize them to spaces.
        start.push_attribute(Attribute {
            key: QName(name.as_bytes()),
            value: Cow::Owned(escape_attribute(value).into_bytes()),
        });
    }
    if element.text.is_empty() && element.children.is_empty() {
        return writer.write_event(XmlEvent::Empty(start));
    }
    writer.write_event(XmlEvent::Start(start))?;
    if !element.text.is_empty() {
        writer.write_event(XmlEvent::Text(BytesText::from_escaped(escape_text(&element.text))))?;
    }
    for child in &element.children {
        write_element(writer, child)?;
    }
    writer.write_event(XmlEvent::End(BytesEnd::new(element.name.as_str())))
}

fn escape_attribute(value: &str) -> String {
    escape(legal_chars(value)).replace('\t', "&#9;").replace('\n', "&#10;").replace('\r', "&#13;")
}

/// A literal CR in text would come back as LF (XML end-of-line normalization).
fn escape_text(text: &str) -> String {
    escape(legal_chars(text)).replace('\r', "&#13;")
}

fn legal_chars(value: &str) -> Cow<'_, str> {
    if value.chars().all(is_xml_char) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(
            value
                .chars()
                .map(|c| if is_xml_char(c) { c } else { char::REPLACEMENT_CHARACTER })
                .collect(),
        )
    }
}

/// XML 1.0's `Char` production (Rust's `char` already excludes surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// How much of a document the reader accepts before it gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole document, in bytes.
    pub max_bytes: usize,
    /// Nesting depth; the root element is at depth 1.
    pub max_depth: usize,
    pub max_elements: usize,
    /// Attributes on one element.
    pub max_attributes: usize,
    /// One attribute value or one element's text, in bytes after unescaping.
    pub max_value: usize,
}

impl Limits {
    /// For MESSAGE bodies.
    pub const MESSAGE: Self = Self {
        max_bytes: MAX_BODY,
        max_depth: 8,
        max_elements: 256,
        max_attributes: 16,
        max_value: 512,
    };

    /// For documents fetched over HTTP (a profile list, a configuration), which are larger than any
    /// body but still come from elsewhere.
    pub const DOCUMENT: Self = Self {
        max_bytes: 4 << 20,
        max_depth: 16,
        max_elements: 100_000,
        max_attributes: 64,
        max_value: 64 << 10,
    };
}

/// Reads a whole document (a profile list, a configuration) under [`Limits::DOCUMENT`].
pub fn parse_document(xml: &str) -> Result<Element, ProtocolError> {
    parse_document_with(xml, &Limits::DOCUMENT)
}

pub fn parse_document_with(xml: &str, limits: &Limits) -> Result<Element, ProtocolError> {
    parse_tree(xml, limits).map_err(|failure| failure.error)
}

/// A failed read, with the root's name and attributes when its start tag was read: enough for the
/// envelope's `v`, `id` and `method`.
pub(super) struct TreeFailure {
    pub error: ProtocolError,
    pub root_start: Option<Box<Element>>,
}

pub(super) fn parse_tree(xml: &str, limits: &Limits) -> Result<Element, TreeFailure> {
    let mut builder = TreeBuilder { limits, stack: Vec::new(), root: None, root_start: None };
    match builder.run(xml) {
        Ok(root) => Ok(root),
        Err(error) => Err(TreeFailure { error, root_start: builder.root_start }),
    }
}

struct TreeBuilder<'l> {
    limits: &'l Limits,
    stack: Vec<Element>,
    root: Option<Element>,
    root_start: Option<Box<Element>>,
}

impl TreeBuilder<'_> {
    fn run(&mut self, xml: &str) -> Result<Element, ProtocolError> {
        if xml.len() > self.limits.max_bytes {
            return Err(ProtocolError::malformed(format!(
                "the document is {} bytes, more than {}",
                xml.len(),
                self.limits.max_bytes
            )));
        }
        // Catches control characters anywhere, names and comments included.
        if let Some(bad) = xml.chars().find(|&c| !is_xml_char(c)) {
            return Err(ProtocolError::malformed(format!(
                "character U+{:04X} is not allowed in XML",
                u32::from(bad)
            )));
        }
        // The defaults check end-tag names and refuse a '&' that starts no reference.
        let mut reader = Reader::from_str(xml);
        let mut elements = 0usize;
        loop {
            let event = reader.read_event().map_err(|error| {
                ProtocolError::malformed(format!(
                    "not well-formed XML at byte {}: {error}",
                    reader.error_position()
                ))
            })?;
            match event {
                XmlEvent::Start(start) => {
                    elements += 1;
                    let element = self.open(&start, elements)?;
                    self.stack.push(element);
                }
                XmlEvent::Empty(start) => {
                    elements += 1;
                    let element = self.open(&start, elements)?;
                    self.close(element);
                }
                XmlEvent::End(_) => match self.stack.pop() {
                    Some(element) => self.close(element),
                    None => return Err(ProtocolError::malformed("an end tag without a start tag")),
                },
                XmlEvent::Text(text) => {
                    let text = text.xml10_content().map_err(|error| {
                        ProtocolError::malformed(format!("unreadable text: {error}"))
                    })?;
                    self.add_text(&text)?;
                }
                XmlEvent::CData(data) => {
                    let data = data.decode().map_err(|error| {
                        ProtocolError::malformed(format!("unreadable CDATA: {error}"))
                    })?;
                    self.add_text(&data)?;
                }
                XmlEvent::GeneralRef(reference) => {
                    let resolved = resolve_reference(&reference)?;
                    self.add_text(&resolved)?;
                }
                XmlEvent::DocType(_) => {
                    return Err(ProtocolError::malformed("a DOCTYPE (DTD) is not allowed"));
                }
                XmlEvent::Decl(_) | XmlEvent::PI(_) | XmlEvent::Comment(_) => {}
                XmlEvent::Eof => break,
            }
        }
        if let Some(open) = self.stack.last() {
            return Err(ProtocolError::malformed(format!("<{}> is not closed", open.name)));
        }
        self.root.take().ok_or_else(|| ProtocolError::malformed("no root element"))
    }

    fn open(&mut self, start: &BytesStart<'_>, elements: usize) -> Result<Element, ProtocolError> {
        if self.root.is_some() {
            return Err(ProtocolError::malformed("more than one root element"));
        }
        if elements > self.limits.max_elements {
            return Err(ProtocolError::malformed(format!(
                "more than {} elements",
                self.limits.max_elements
            )));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(ProtocolError::malformed(format!(
                "elements nested more than {} deep",
                self.limits.max_depth
            )));
        }
        let name = checked_name(start.name().as_ref())?;
        let mut element = Element::new(name);
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| {
                ProtocolError::malformed(format!("bad attribute in <{}>: {error}", element.name))
            })?;
            if element.attrs.len() >= self.limits.max_attributes {
                return Err(ProtocolError::malformed(format!(
                    "more than {} attributes in <{}>",
                    self.limits.max_attributes, element.name
                )));
            }
            let key = checked_name(attribute.key.as_ref())?;
            let value = attribute
                .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
                .map_err(|error| {
                    ProtocolError::malformed(format!(
                        "bad value of {key} in <{}>: {error}",
                        element.name
                    ))
                })?;
            let what = || format!("{key} in <{}>", element.name);
            check_length(value.len(), self.limits, what)?;
            check_chars(&value, what)?;
            element.attrs.push((key, value.into_owned()));
        }
        if self.stack.is_empty() && self.root_start.is_none() {
            self.root_start = Some(Box::new(element.clone()));
        }
        Ok(element)
    }

    fn close(&mut self, mut element: Element) {
        // Indentation between child elements is not content.
        if !element.children.is_empty() && element.text.chars().all(char::is_whitespace) {
            element.text.clear();
        }
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
    }

    fn add_text(&mut self, text: &str) -> Result<(), ProtocolError> {
        let limits = self.limits;
        let Some(current) = self.stack.last_mut() else {
            if text.chars().all(char::is_whitespace) {
                return Ok(());
            }
            return Err(ProtocolError::malformed("text outside the root element"));
        };
        let what = || format!("the text of <{}>", current.name);
        check_length(current.text.len() + text.len(), limits, what)?;
        check_chars(text, what)?;
        current.text.push_str(text);
        Ok(())
    }
}

fn check_length(
    length: usize,
    limits: &Limits,
    what: impl Fn() -> String,
) -> Result<(), ProtocolError> {
    if length > limits.max_value {
        return Err(ProtocolError::malformed(format!(
            "{} is longer than {} bytes",
            what(),
            limits.max_value
        )));
    }
    Ok(())
}

/// Character references can name characters that may not appear literally.
fn check_chars(value: &str, what: impl Fn() -> String) -> Result<(), ProtocolError> {
    match value.chars().find(|&c| !is_xml_char(c)) {
        Some(bad) => Err(ProtocolError::malformed(format!(
            "{} holds U+{:04X}, not allowed in XML",
            what(),
            u32::from(bad)
        ))),
        None => Ok(()),
    }
}

/// `&#…;` and the five predefined entities; anything else would need a DTD, which is refused.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<Cow<'static, str>, ProtocolError> {
    let bad = |detail: String| ProtocolError::malformed(format!("bad reference: {detail}"));
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            Ok(None) => Err(bad("not a character reference".into())),
            Err(error) => Err(bad(error.to_string())),
        };
    }
    let name = reference.decode().map_err(|error| bad(error.to_string()))?;
    match resolve_xml_entity(&name) {
        Some(value) => Ok(Cow::Borrowed(value)),
        None => Err(bad(format!("&{name}; is not one of the five predefined entities"))),
    }
}

const MAX_NAME: usize = 64;

/// Element and attribute names: ASCII only, which every name of this protocol and of the
/// documents it points to is, and which keeps names safe to print.
fn checked_name(raw: &[u8]) -> Result<String, ProtocolError> {
    let valid = !raw.is_empty()
        && raw.len() <= MAX_NAME
        && (raw[0].is_ascii_alphabetic() || raw[0] == b'_')
        && raw.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if valid {
        // All ASCII, checked just above.
        Ok(raw.iter().map(|&b| char::from(b)).collect())
    } else {
        Err(ProtocolError::malformed(format!(
            "bad element or attribute name '{}'",
            String::from_utf8_lossy(&raw[..raw.len().min(MAX_NAME)]).escape_debug()
        )))
    }
}
