//! The codec against round trips, hostile values, every error code and mangled input.

use super::*;

const HOSTILE: &str = "a&b<c>d\"e'f &amp; ]]> é 日本 🎉 tab\there\nline\r\nend";

fn request() -> Request {
    Request::new("ph-7.a_b", method::CONFIG)
        .with_param("mac", "000fd3aabb01")
        .with_param("model", "D70")
        .with_param("profile", HOSTILE)
        .with_param("pin", "")
}

fn parse_request(body: &str) -> Request {
    match parse(body) {
        Ok(Message::Request(request)) => request,
        other => panic!("not a request: {other:?}"),
    }
}

fn parse_response(body: &str) -> Response {
    match parse(body) {
        Ok(Message::Response(response)) => response,
        other => panic!("not a response: {other:?}"),
    }
}

fn error_of(body: &str) -> ProtocolError {
    match parse(body) {
        Err(error) => error,
        Ok(message) => panic!("accepted: {message:?}"),
    }
}

#[test]
fn request_is_written_as_documented() {
    let request = Request::new("7", method::CONFIG).with_param("mac", "000fd3aabb01");
    assert_eq!(
        request.to_xml(),
        r#"<request v="1" id="7" method="provision.config"><parameters><mac>000fd3aabb01</mac></parameters></request>"#
    );
}

#[test]
fn request_round_trip_keeps_hostile_values() {
    let request = request();
    let body = request.to_xml();
    assert!(body.len() <= MAX_BODY);
    let parsed = parse_request(&body);
    assert_eq!(parsed, request);
    assert_eq!(parsed.param("profile"), Some(HOSTILE));
    assert_eq!(parsed.param("pin"), Some(""));
    assert_eq!(parsed.param("absent"), None);
}

#[test]
fn response_round_trips() {
    let ok = Response::ok(
        "7",
        method::CONFIG,
        vec![
            Element::new("config")
                .attr("url", "http://192.0.2.1:8088/x?a=1&b=\"2\"")
                .attr("md5", "9b")
                .attr("note", HOSTILE),
            Element::new("session").attr("id", "c41"),
            Element::new("nested").child(Element::new("leaf").text(HOSTILE)),
        ],
    );
    assert_eq!(parse_response(&ok.to_xml()), ok);

    let refused = Response::error(
        "7",
        method::CONFIG,
        ErrorReply::new(code::UNAUTHORIZED, "a PIN is needed <here> & now").with_need("pin"),
    );
    assert_eq!(parse_response(&refused.to_xml()), refused);

    let bare = Response::error("x", "", ErrorReply::new(code::INTERNAL, ""));
    assert_eq!(parse_response(&bare.to_xml()), bare);
}

#[test]
fn event_round_trips() {
    let event =
        Event::new("s12", method::RECONFIGURE).with_data(Element::new("reason").text("config"));
    assert_eq!(
        event.to_xml(),
        r#"<event v="1" id="s12" method="event.reconfigure"><data><reason>config</reason></data></event>"#
    );
    assert_eq!(parse(&event.to_xml()), Ok(Message::Event(event)));
}

#[test]
fn reads_the_documented_examples() {
    let request = parse_request(
        r#"<request v="1" id="7" method="provision.config">
  <parameters><mac>000fd3aabb01</mac><model>D70</model><profile>alice</profile><pin>97531</pin></parameters>
</request>"#,
    );
    assert_eq!(request.param("pin"), Some("97531"));
    assert_eq!(request.params.len(), 4);

    let response = parse_response(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<response v="1" id="7" method="provision.config" status="ok">
  <result><config url="http://192.0.2.1:8088/digium_phones/session/3f/config.xml" md5="9b" size="5121"/>
  <session id="c41"/></result>
</response>
"#,
    );
    let result = response.result.unwrap();
    assert_eq!(result[0].get("size"), Some("5121"));
    assert_eq!(result[1].get("id"), Some("c41"));
    assert!(result[0].text.is_empty());

    let refused = parse_response(
        r#"<response v="1" id="7" method="provision.config" status="error">
  <error code="401" need="pin">a PIN is needed for this profile</error>
</response>"#,
    );
    assert_eq!(
        refused.result,
        Err(ErrorReply::new(401, "a PIN is needed for this profile").with_need("pin"))
    );
}

#[test]
fn references_cdata_and_newlines_in_attributes() {
    let request = parse_request(
        "<request v='1' id='1' method='m'><parameters>\
         <a>&lt;&#x41;&#66;&quot;&apos;&gt;&amp;</a><b><![CDATA[<raw> & ]]></b><c>x\r\ny</c>\
         </parameters></request>",
    );
    assert_eq!(request.param("a"), Some("<AB\"'>&"));
    assert_eq!(request.param("b"), Some("<raw> & "));
    assert_eq!(request.param("c"), Some("x\ny"));
    // A literal newline in an attribute is normalized to a space, as XML requires.
    let element = parse_document("<a v=\"x\ny\" w=\"x&#10;y\"/>").unwrap();
    assert_eq!(element.get("v"), Some("x y"));
    assert_eq!(element.get("w"), Some("x\ny"));
}

#[test]
fn empty_and_oversized_bodies_are_413() {
    assert_eq!(error_of("").code, code::EMPTY_BODY);
    let padded = |len: usize| {
        let head = r#"<request v="1" id="1" method="m"><parameters><p>"#;
        let tail = "</p></parameters></request>";
        format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()))
    };
    assert!(parse(&padded(MAX_BODY)).is_err_and(|e| e.code == code::BAD_REQUEST)); // text > 512
    let fits = format!(
        "<request v=\"1\" id=\"1\" method=\"m\"><!--{}--></request>",
        "c".repeat(MAX_BODY - 50)
    );
    assert_eq!(fits.len(), MAX_BODY);
    assert!(parse(&fits).is_ok());
    let error = error_of(&padded(MAX_BODY + 1));
    assert_eq!(error.code, code::EMPTY_BODY);
    assert_eq!(error.id, None);
}

#[test]
fn other_versions_are_505_and_keep_the_envelope() {
    let error =
        error_of(r#"<request v="2" id="9" method="provision.config"><parameters/></request>"#);
    assert_eq!(error.code, code::VERSION_NOT_SUPPORTED);
    assert_eq!(error.id.as_deref(), Some("9"));
    assert_eq!(error.method.as_deref(), Some("provision.config"));
    // The rest of a body in another version is not judged.
    let error = error_of(r#"<request v="2.0" id="9" method="m"><future>"#);
    assert_eq!(error.code, code::VERSION_NOT_SUPPORTED);
    let reply = error.reply().unwrap();
    assert_eq!(reply.id, "9");
    assert_eq!(reply.result.unwrap_err().code, code::VERSION_NOT_SUPPORTED);
}

/// Found by the protocol_request fuzz target (fuzz/regressions/protocol_request/): the 505 text
/// quoted the whole `v`, and a `v` of quotes, each escaped twice, made a 1,074-byte reply.
#[test]
fn replies_to_refused_bodies_fit_in_a_body() {
    let id = "i".repeat(64);
    let method = "m".repeat(64);
    let quotes = "'".repeat(400);
    for body in [
        format!(r#"<request v="{quotes}" id="{id}" method="{method}"/>"#),
        format!(r#"<request v="1" id="{id}" method="{method}"><{quotes}"#),
        format!(r#"<request v="1" id="{id}" method="{method}"></{}>"#, "a".repeat(800)),
    ] {
        assert!(body.len() <= MAX_BODY);
        let error = error_of(&body);
        let reply = error.reply().expect("the id was read");
        let xml = reply.to_xml();
        assert!(xml.len() <= MAX_BODY, "{} bytes: {xml}", xml.len());
        assert_eq!(parse_response(&xml), reply);
    }
    let short = ProtocolError::malformed("short");
    assert_eq!(ErrorReply::from(&short).message, "short");
    let long = ProtocolError::malformed("é".repeat(200));
    assert_eq!(ErrorReply::from(&long).message, format!("{}…", "é".repeat(128)));
}

#[test]
fn malformed_bodies_are_400() {
    let cases = [
        ("not xml at all", "no root"),
        ("<request", "truncated"),
        (r#"<request id="1" method="m"/>"#, "no version"),
        (r#"<request v="1" method="m"/>"#, "no id"),
        (r#"<request v="1" id="" method="m"/>"#, "empty id"),
        (r#"<request v="1" id="a b" method="m"/>"#, "space in id"),
        (r#"<request v="1" id="é" method="m"/>"#, "non-ASCII id"),
        (r#"<request v="1" id="1"/>"#, "no method"),
        (r#"<request v="1" id="1" method="a/b"/>"#, "bad method"),
        (r#"<hello v="1" id="1" method="m"/>"#, "unknown root"),
        (r#"<request v="1" id="1" method="m"/><request v="1" id="2" method="m"/>"#, "two roots"),
        (r#"<request v="1" id="1" method="m"/>trailing"#, "text after the root"),
        (r#"<request v="1" v="1" id="1" method="m"/>"#, "duplicate attribute"),
        (r#"<request v="1" id="1" method="m"><a></b></request>"#, "mismatched end"),
        (r#"<request v="1" id="1" method="m">&foo;</request>"#, "unknown entity"),
        (r#"<request v="1" id="1" method="m">a & b</request>"#, "dangling ampersand"),
        (r#"<request v="1" id="1" method="m" x="&foo;"/>"#, "unknown entity in attribute"),
        (r#"<request v="1" id="1" method="m">&#0;</request>"#, "NUL reference"),
        (r#"<request v="1" id="1" method="m">&#1;</request>"#, "control reference"),
        (r#"<request v="1" id="1" method="m">&#xD800;</request>"#, "surrogate reference"),
        (r#"<request v="1" id="1" method="m">&#x110000;</request>"#, "out of range"),
        ("<request v=\"1\" id=\"1\" method=\"m\">\u{1}</request>", "literal control"),
        ("<request v=\"1\" id=\"1\" method=\"m\">\0</request>", "literal NUL"),
        (r#"<réquest v="1" id="1" method="m"/>"#, "non-ASCII name"),
        (
            r#"<request v="1" id="1" method="m"><parameters><p/><p/></parameters></request>"#,
            "twice",
        ),
        (
            r#"<request v="1" id="1" method="m"><parameters><p><q/></p></parameters></request>"#,
            "nested",
        ),
        (r#"<response v="1" id="1" method="m"/>"#, "no status"),
        (r#"<response v="1" id="1" method="m" status="maybe"/>"#, "bad status"),
        (r#"<response v="1" id="1" method="m" status="error"/>"#, "no error element"),
        (
            r#"<response v="1" id="1" method="m" status="error"><error code="x"/></response>"#,
            "code",
        ),
        (
            r#"<response v="1" id="1" method="m" status="error"><error code="42"/></response>"#,
            "short",
        ),
    ];
    for (body, why) in cases {
        match parse(body) {
            Err(error) => assert_eq!(error.code, code::BAD_REQUEST, "{why}: {error}"),
            Ok(message) => panic!("{why}: accepted {message:?}"),
        }
    }
}

#[test]
fn dtds_are_refused() {
    for body in [
        r#"<!DOCTYPE request [<!ENTITY x "boom">]><request v="1" id="1" method="m">&x;</request>"#,
        r#"<!DOCTYPE request SYSTEM "file:///etc/passwd"><request v="1" id="1" method="m"/>"#,
        r#"<!DOCTYPE request><request v="1" id="1" method="m"/>"#,
    ] {
        let error = error_of(body);
        assert_eq!(error.code, code::BAD_REQUEST);
        assert!(error.message.contains("DOCTYPE"), "{error}");
    }
    assert!(parse_document(r#"<!DOCTYPE a><a/>"#).is_err());
}

#[test]
fn errors_keep_the_id_and_method_they_could_read() {
    let error = error_of(r#"<request v="1" id="7" method="provision.config"><parameters>"#);
    assert_eq!(error.code, code::BAD_REQUEST);
    assert_eq!(error.id.as_deref(), Some("7"));
    assert_eq!(error.method.as_deref(), Some("provision.config"));
    let reply = error.reply().unwrap();
    let reparsed = parse_response(&reply.to_xml());
    assert_eq!(reparsed.result.unwrap_err().code, code::BAD_REQUEST);

    let error = error_of(r#"<request v="1" id="7"/>"#);
    assert_eq!((error.id.as_deref(), error.method.as_deref()), (Some("7"), None));
    assert_eq!(error.reply().unwrap().method, "");

    // An id that is not a token is never echoed.
    let error = error_of(r#"<request v="1" id="a<b" method="m"/>"#);
    assert_eq!(error.id, None);
    assert!(error.reply().is_none());
}

#[test]
fn depth_and_size_limits() {
    // <request><x> and then y elements down to the depth asked for.
    let nested = |depth: usize| {
        format!(
            r#"<request v="1" id="1" method="m"><x>{}{}</x></request>"#,
            "<y>".repeat(depth - 2),
            "</y>".repeat(depth - 2)
        )
    };
    assert!(parse(&nested(8)).is_ok());
    let error = error_of(&nested(9));
    assert!(error.message.contains("deep"), "{error}");
    assert_eq!(error.id.as_deref(), Some("1"));

    let long_value = format!(r#"<request v="1" id="1" method="m" x="{}"/>"#, "a".repeat(513));
    assert!(error_of(&long_value).message.contains("longer"));
    let many_attributes: String = (0..17).map(|i| format!(" a{i}=\"\"")).collect();
    let body = format!(r#"<request v="1" id="1" method="m"{many_attributes}/>"#);
    assert!(error_of(&body).message.contains("attributes"));
    // Text split by references still adds up to one value.
    let refs = format!(
        r#"<request v="1" id="1" method="m">{}{}</request>"#,
        "a".repeat(400),
        "&#x10000;".repeat(30)
    );
    assert!(error_of(&refs).message.contains("longer"));

    let limits = Limits { max_elements: 3, ..Limits::DOCUMENT };
    assert!(parse_document_with("<a><b/><c/></a>", &limits).is_ok());
    assert!(parse_document_with("<a><b/><c/><d/></a>", &limits).is_err());
    let limits = Limits { max_bytes: 10, ..Limits::DOCUMENT };
    assert!(parse_document_with("<a>0123456789</a>", &limits).is_err());
}

#[test]
fn the_id_is_a_token() {
    assert!(is_token("a"));
    assert!(is_token(&"A.z_0-9".repeat(9)[..63]));
    assert!(is_token(&"x".repeat(64)));
    assert!(!is_token(&"x".repeat(65)));
    for bad in ["", "a b", "a/b", "a:b", "é", "a\n"] {
        assert!(!is_token(bad), "{bad:?}");
    }
}

#[test]
fn writer_replaces_characters_xml_cannot_carry() {
    let element = Element::new("a").attr("k", "x\u{1}y\u{FFFF}").text("\0z");
    let parsed = parse_document(&element.to_xml()).unwrap();
    assert_eq!(parsed.get("k"), Some("x\u{FFFD}y\u{FFFD}"));
    assert_eq!(parsed.text, "\u{FFFD}z");
}

#[test]
fn documents_read_as_trees() {
    let list = parse_document(
        r#"<userlist>
  <user id="alice" name="Alice &amp; Bob" line="200" auth="pin"/>
  <user id="bob" name="Bob" line="201" auth="none"></user>
</userlist>"#,
    )
    .unwrap();
    assert_eq!(list.name, "userlist");
    assert_eq!(list.text, "");
    let users: Vec<_> = list.find_all("user").collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].get("name"), Some("Alice & Bob"));
    assert_eq!(users[1].get("auth"), Some("none"));
    assert_eq!(list.find("user").and_then(|u| u.get("id")), Some("alice"));
    assert!(list.find("nobody").is_none());
    assert_eq!(parse_document(&list.to_xml()).unwrap(), list);
    for bad in ["", "   ", "<a>", "</a>", "<a></a><b/>", "x<a/>"] {
        assert!(parse_document(bad).is_err(), "{bad:?}");
    }
}

/// Every code parse can return, for the property checks below.
fn assert_refusal_is_sane(body: &str, result: &Result<Message, ProtocolError>) {
    if let Err(error) = result {
        assert!(
            [code::BAD_REQUEST, code::EMPTY_BODY, code::VERSION_NOT_SUPPORTED]
                .contains(&error.code),
            "{body:?}: {error}"
        );
        if let Some(id) = &error.id {
            assert!(is_token(id));
        }
    }
}

fn valid_bodies() -> Vec<String> {
    vec![
        request().to_xml(),
        Response::ok(
            "7",
            method::CONFIG,
            vec![Element::new("config").attr("url", "http://h/x?a=1&b=2")],
        )
        .to_xml(),
        Response::error("7", method::CONFIG, ErrorReply::new(401, "pin <needed>").with_need("pin"))
            .to_xml(),
        Event::new("s1", method::RECONFIGURE)
            .with_data(Element::new("reason").text("config"))
            .to_xml(),
        "<?xml version=\"1.0\"?><!-- c --><request v='1' id='1' method='m'><parameters>\
         <a><![CDATA[x]]>&#x41;&amp;</a></parameters></request>"
            .to_owned(),
    ]
}

#[test]
fn truncations_and_mutations_never_panic() {
    for body in valid_bodies() {
        assert!(parse(&body).is_ok(), "{body}");
        for (cut, _) in body.char_indices() {
            let prefix = &body[..cut];
            let result = parse(prefix);
            assert_refusal_is_sane(prefix, &result);
            let suffix = &body[cut..];
            assert_refusal_is_sane(suffix, &parse(suffix));
        }
        // Each character in turn replaced by one that matters to XML.
        let chars: Vec<char> = body.chars().collect();
        for at in 0..chars.len() {
            for replacement in ['<', '>', '&', '"', '\'', '/', '\0', ';', '#', '\u{FFFD}'] {
                let mut mutated = chars.clone();
                mutated[at] = replacement;
                let mutated: String = mutated.into_iter().collect();
                assert_refusal_is_sane(&mutated, &parse(&mutated));
            }
            let mut removed = chars.clone();
            removed.remove(at);
            let removed: String = removed.into_iter().collect();
            assert_refusal_is_sane(&removed, &parse(&removed));
        }
    }
}

#[test]
fn odd_input_never_panics() {
    let invalid_utf8 =
        String::from_utf8_lossy(b"<request v=\"1\" id=\"\xff\xfe\" method=\"\xc3\">\x80</request>");
    let odd = [
        invalid_utf8.as_ref(),
        "\u{FEFF}<request v=\"1\" id=\"1\" method=\"m\"/>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><request v=\"1\" id=\"1\" method=\"m\"/>",
        "<?xml",
        "<!--",
        "<![CDATA[",
        "]]>",
        "&",
        "&#",
        "&#x;",
        "<a b=>",
        "<a b='1' b='2'>",
        "<:a/>",
        "<a:b:c/>",
        "</>",
        "<>",
        "<a/",
        "\u{10FFFF}",
    ];
    for body in odd {
        assert_refusal_is_sane(body, &parse(body));
        let _ = parse_document(body);
    }
}
