//! `protocol_request`: a MESSAGE body as the module reads it (`protocol::parse`), and the same text
//! as a document fetched over HTTP (`protocol::parse_document`).

use digium_phones_core::protocol::{
    Element, ErrorReply, MAX_BODY, Message, ProtocolError, Response, code, is_token, parse,
    parse_document,
};

/// Bytes become text as the module turns Asterisk's body into a `String`: invalid UTF-8 replaced
/// (src/ffi/util.rs, `string_from`). NULs are kept, which Asterisk cannot deliver: a superset.
pub fn protocol_request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    body(&text);
    document(&text);
}

fn body(body: &str) {
    let result = parse(body);
    if body.is_empty() || body.len() > MAX_BODY {
        // Refused before any XML is read: nothing of the envelope is known.
        let error = result.as_ref().expect_err("an empty or oversized body is refused");
        assert_eq!(error.code, code::EMPTY_BODY, "{error}");
        assert_eq!((&error.id, &error.method), (&None, &None), "{error}");
    }
    match result {
        Ok(message) => accepted(&message),
        Err(error) => refused(&error),
    }
}

/// Writing what was read and reading it again gives the same message.
fn accepted(message: &Message) {
    let xml = message.to_xml();
    if xml.len() <= MAX_BODY {
        assert_eq!(parse(&xml).as_ref(), Ok(message), "{xml}");
    }
    // Escaping can make the text longer than a body may be; the tree still reads back.
    assert_eq!(parse_document(&xml), Ok(tree(message)), "{xml}");
    assert!(is_token(message.id()));
    assert!(is_token(message.method()) || message.method().is_empty());
    if !matches!(message, Message::Request(_)) {
        // What the module answers to anything but a request (src/module/provision/inbound.rs).
        let reply = Response::error(
            message.id(),
            message.method(),
            ErrorReply::new(code::BAD_REQUEST, "only requests are answered"),
        );
        reply_fits(&reply);
        assert_eq!(parse(&reply.to_xml()), Ok(Message::Response(reply)));
    }
}

fn tree(message: &Message) -> Element {
    match message {
        Message::Request(request) => request.to_element(),
        Message::Response(response) => response.to_element(),
        Message::Event(event) => event.to_element(),
    }
}

fn refused(error: &ProtocolError) {
    assert!(
        [code::BAD_REQUEST, code::EMPTY_BODY, code::VERSION_NOT_SUPPORTED].contains(&error.code),
        "{error}"
    );
    assert!(error.id.as_deref().is_none_or(is_token), "{error:?}");
    assert!(error.method.as_deref().is_none_or(is_token), "{error:?}");
    // The module's answer to a refused body, built as src/module/provision/inbound.rs builds it.
    match error.reply() {
        Some(reply) => {
            reply_fits(&reply);
            assert_eq!(parse(&reply.to_xml()), Ok(Message::Response(reply)));
        }
        None => {
            let reply = Response::error("", "", ErrorReply::from(error));
            reply_fits(&reply);
            assert!(parse_document(&reply.to_xml()).is_ok());
        }
    }
}

/// docs/protocol.md: a reply body is at most 1023 bytes, or Asterisk would deliver it empty.
fn reply_fits(reply: &Response) {
    let xml = reply.to_xml();
    assert!(xml.len() <= MAX_BODY, "a {}-byte reply: {xml}", xml.len());
}

/// A document that reads writes back to text that reads as the same tree.
fn document(text: &str) {
    if let Ok(root) = parse_document(text) {
        let xml = root.to_xml();
        assert_eq!(parse_document(&xml).as_ref(), Ok(&root), "{xml}");
    }
}
