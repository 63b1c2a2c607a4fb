//! The three kinds of body — request, response, event — and how they map to XML.

use super::xml::{Element, Limits, parse_tree};
use super::{MAX_BODY, ProtocolError, VERSION, code};

/// Phone → server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: String,
    pub method: String,
    pub params: Vec<(String, String)>,
}

impl Request {
    pub fn new(id: impl Into<String>, method: impl Into<String>) -> Self {
        Self { id: id.into(), method: method.into(), params: Vec::new() }
    }

    /// Adds a parameter. Its name is chosen by code and becomes an element name.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub fn to_element(&self) -> Element {
        let parameters =
            self.params.iter().fold(Element::new("parameters"), |all, (name, value)| {
                all.child(Element::new(name.as_str()).text(value.as_str()))
            });
        envelope("request", &self.id, &self.method).child(parameters)
    }

    pub fn to_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

/// Why the server refused a request: `<error code= need=>message</error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    pub code: u16,
    /// With 401: what the phone must send (`globalpin`, `pin` or `mac`).
    pub need: Option<String>,
    pub message: String,
}

impl ErrorReply {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self { code, need: None, message: message.into() }
    }

    pub fn with_need(mut self, need: impl Into<String>) -> Self {
        self.need = Some(need.into());
        self
    }
}

/// Characters of a refusal's text that go into the reply. Escaped, one takes at most six bytes
/// (`&apos;`), so with a 64-character id and method the reply stays within [`MAX_BODY`]; the text
/// can quote parts of the body, such as a `v` of up to 512 bytes.
const MAX_REPLY_TEXT: usize = 128;

impl From<&ProtocolError> for ErrorReply {
    fn from(error: &ProtocolError) -> Self {
        match error.message.char_indices().nth(MAX_REPLY_TEXT) {
            Some((cut, _)) => Self::new(error.code, format!("{}…", &error.message[..cut])),
            None => Self::new(error.code, error.message.as_str()),
        }
    }
}

/// Server → phone, answering the request with the same `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: String,
    pub method: String,
    /// The children of `<result>`, or the error.
    pub result: Result<Vec<Element>, ErrorReply>,
}

impl Response {
    pub fn ok(id: impl Into<String>, method: impl Into<String>, result: Vec<Element>) -> Self {
        Self { id: id.into(), method: method.into(), result: Ok(result) }
    }

    pub fn error(id: impl Into<String>, method: impl Into<String>, error: ErrorReply) -> Self {
        Self { id: id.into(), method: method.into(), result: Err(error) }
    }

    pub fn to_element(&self) -> Element {
        let root = envelope("response", &self.id, &self.method);
        match &self.result {
            Ok(children) => {
                let result = Element { children: children.clone(), ..Element::new("result") };
                root.attr("status", "ok").child(result)
            }
            Err(reply) => {
                let mut error = Element::new("error").attr("code", reply.code.to_string());
                if let Some(need) = &reply.need {
                    error = error.attr("need", need.as_str());
                }
                root.attr("status", "error").child(error.text(reply.message.as_str()))
            }
        }
    }

    pub fn to_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

/// Server → phone, unsolicited; the phone answers the MESSAGE with `200 OK` only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub method: String,
    /// The children of `<data>`.
    pub data: Vec<Element>,
}

impl Event {
    pub fn new(id: impl Into<String>, method: impl Into<String>) -> Self {
        Self { id: id.into(), method: method.into(), data: Vec::new() }
    }

    pub fn with_data(mut self, element: Element) -> Self {
        self.data.push(element);
        self
    }

    pub fn to_element(&self) -> Element {
        let data = Element { children: self.data.clone(), ..Element::new("data") };
        envelope("event", &self.id, &self.method).child(data)
    }

    pub fn to_xml(&self) -> String {
        self.to_element().to_xml()
    }
}

fn envelope(kind: &str, id: &str, method: &str) -> Element {
    Element::new(kind).attr("v", VERSION).attr("id", id).attr("method", method)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
    Event(Event),
}

impl Message {
    pub fn id(&self) -> &str {
        match self {
            Self::Request(request) => &request.id,
            Self::Response(response) => &response.id,
            Self::Event(event) => &event.id,
        }
    }

    pub fn method(&self) -> &str {
        match self {
            Self::Request(request) => &request.method,
            Self::Response(response) => &response.method,
            Self::Event(event) => &event.method,
        }
    }

    pub fn to_xml(&self) -> String {
        match self {
            Self::Request(request) => request.to_xml(),
            Self::Response(response) => response.to_xml(),
            Self::Event(event) => event.to_xml(),
        }
    }
}

impl ProtocolError {
    /// The error response to send back, when the request's id could be read (without it the phone
    /// could not match an answer to its request).
    pub fn reply(&self) -> Option<Response> {
        let id = self.id.as_deref()?;
        Some(Response::error(id, self.method.as_deref().unwrap_or(""), ErrorReply::from(self)))
    }
}

/// `id` and `method`: 1–64 characters of `A-Z a-z 0-9 . _ -`, safe to log and to echo.
pub fn is_token(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Reads one MESSAGE body.
pub fn parse(body: &str) -> Result<Message, ProtocolError> {
    if body.is_empty() {
        return Err(ProtocolError::new(
            code::EMPTY_BODY,
            "the body is empty: Asterisk drops bodies of 1024 bytes or more",
        ));
    }
    if body.len() > MAX_BODY {
        return Err(ProtocolError::new(
            code::EMPTY_BODY,
            format!("the body is {} bytes, more than {MAX_BODY}", body.len()),
        ));
    }
    let tree = parse_tree(body, &Limits::MESSAGE);
    let root_start = match &tree {
        Ok(root) => Some(root),
        Err(failure) => failure.root_start.as_deref(),
    };
    let id = root_start.and_then(|root| root.get("id")).filter(|id| is_token(id));
    let method = root_start.and_then(|root| root.get("method")).filter(|m| is_token(m));
    // Checked before anything else: another version may shape its body differently.
    if let Some(version) = root_start.and_then(|root| root.get("v"))
        && version != VERSION
    {
        return Err(ProtocolError::new(
            code::VERSION_NOT_SUPPORTED,
            format!(
                "protocol version '{}' is not supported; this server speaks {VERSION}",
                version.escape_debug()
            ),
        )
        .with_envelope(id, method));
    }
    let (id, method) = (id.map(str::to_owned), method.map(str::to_owned));
    let root =
        tree.map_err(|failure| failure.error.with_envelope(id.as_deref(), method.as_deref()))?;
    interpret(&root).map_err(|error| error.with_envelope(id.as_deref(), method.as_deref()))
}

fn interpret(root: &Element) -> Result<Message, ProtocolError> {
    if !matches!(root.name.as_str(), "request" | "response" | "event") {
        return Err(ProtocolError::malformed(format!(
            "the root element is <{}>, not <request>, <response> or <event>",
            root.name
        )));
    }
    if root.get("v").is_none() {
        return Err(ProtocolError::malformed("the protocol version v is missing"));
    }
    let id = match root.get("id") {
        Some(id) if is_token(id) => id.to_owned(),
        Some(_) => {
            return Err(ProtocolError::malformed(
                "id must be 1-64 characters of A-Z a-z 0-9 . _ -",
            ));
        }
        None => return Err(ProtocolError::malformed("id is missing")),
    };
    let method = match root.get("method") {
        Some(method) if is_token(method) => method.to_owned(),
        // A response may leave it empty: it answered a request whose method could not be read.
        Some("") if root.name == "response" => String::new(),
        Some(_) => {
            return Err(ProtocolError::malformed(
                "method must be 1-64 characters of A-Z a-z 0-9 . _ -",
            ));
        }
        None => return Err(ProtocolError::malformed("method is missing")),
    };
    match root.name.as_str() {
        "request" => Ok(Message::Request(Request { id, method, params: read_params(root)? })),
        "response" => Ok(Message::Response(Response { id, method, result: read_result(root)? })),
        _ => {
            let data = root.find("data").map(|data| data.children.clone()).unwrap_or_default();
            Ok(Message::Event(Event { id, method, data }))
        }
    }
}

fn read_params(root: &Element) -> Result<Vec<(String, String)>, ProtocolError> {
    let Some(parameters) = root.find("parameters") else {
        return Ok(Vec::new());
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for param in &parameters.children {
        if !param.children.is_empty() {
            return Err(ProtocolError::malformed(format!(
                "parameter {} must hold text only",
                param.name
            )));
        }
        // Two values for one name (two PINs, say) would leave it to chance which one counts.
        if params.iter().any(|(name, _)| *name == param.name) {
            return Err(ProtocolError::malformed(format!("parameter {} given twice", param.name)));
        }
        params.push((param.name.clone(), param.text.clone()));
    }
    Ok(params)
}

fn read_result(root: &Element) -> Result<Result<Vec<Element>, ErrorReply>, ProtocolError> {
    match root.get("status") {
        Some("ok") => {
            Ok(Ok(root.find("result").map(|result| result.children.clone()).unwrap_or_default()))
        }
        Some("error") => {
            let error = root.find("error").ok_or_else(|| {
                ProtocolError::malformed("status is error but <error> is missing")
            })?;
            let code = error
                .get("code")
                .and_then(|code| code.parse::<u16>().ok())
                .filter(|code| (100..=999).contains(code))
                .ok_or_else(|| ProtocolError::malformed("<error> needs a three-digit code"))?;
            Ok(Err(ErrorReply {
                code,
                need: error.get("need").map(str::to_owned),
                message: error.text.clone(),
            }))
        }
        _ => Err(ProtocolError::malformed("status must be ok or error")),
    }
}
