//! HTTP authentication of stock phones (`http_auth`): Digest (RFC 7616 with MD5 and `qop=auth`, the
//! form RFC 2617 clients speak) on every connection, Basic over TLS only.
//!
//! Credentials: the site's `http_username`/`http_password`, and with `http_phone_credentials` each
//! phone's own, with its MAC (12 hex digits) as the user name and its profile's `pin` as the password.
//! A phone's own credential opens its own `<mac>.cfg` and the files; the site credential opens
//! every `<mac>.cfg`.
//!
//! Nonces are random, bound to the client's address, valid for [`NONCE_TTL_SECS`], and each
//! `nc` may be used once (replays are challenged again as stale). Nothing secret is kept or
//! returned beyond what a check needs: the expected response is never handed out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::auth::same_secret;
use crate::finding::{Finding, Severity};
use crate::model::general::{ConfigAuth, General, HttpAuth};
use crate::model::mac::Mac;
use crate::model::phone::Pin;
use crate::model::{Model, Phone};
use crate::presence::base64;

/// The realm of every challenge (part of what a client hashes, so it never changes).
pub const REALM: &str = "digium_phones";
/// How long a nonce may be used.
pub const NONCE_TTL_SECS: u64 = 300;
/// Nonces kept at most: the oldest go first, so unauthenticated requests cannot grow memory.
pub const MAX_NONCES: usize = 4096;

/// What a client sent in its `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic { username: String, password: String },
    Digest(DigestResponse),
}

/// The directives of a Digest `Authorization` header that the check uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestResponse {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub qop: String,
    /// `nc` as sent (8 hex digits): the hash covers the text, not the number.
    pub nc: String,
    pub cnonce: String,
    pub response: String,
    pub algorithm: Option<String>,
}

/// Reads an `Authorization` header; `None` when it is neither a Basic nor a readable Digest one.
pub fn parse_authorization(header: &str) -> Option<Credentials> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(Credentials::Basic {
            username: username.to_string(),
            password: password.to_string(),
        });
    }
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let mut d = DigestResponse::default();
    for (key, value) in directives(rest)? {
        let slot = match key.to_ascii_lowercase().as_str() {
            "username" => &mut d.username,
            "realm" => &mut d.realm,
            "nonce" => &mut d.nonce,
            "uri" => &mut d.uri,
            "qop" => &mut d.qop,
            "nc" => &mut d.nc,
            "cnonce" => &mut d.cnonce,
            "response" => &mut d.response,
            "algorithm" => {
                d.algorithm = Some(value);
                continue;
            }
            _ => continue,
        };
        *slot = value;
    }
    Some(Credentials::Digest(d))
}

/// `key=value` and `key="quoted \"value\""` pairs separated by commas.
fn directives(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') || key.is_empty() {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key, value));
    }
}

fn md5_hex(text: &str) -> String {
    format!("{:x}", md5::compute(text.as_bytes()))
}

/// The `response` a client with `password` computes (RFC 7616 §3.4.1, MD5, `qop=auth`).
pub fn digest_response(d: &DigestResponse, password: &str, method: &str) -> String {
    let ha1 = md5_hex(&format!("{}:{}:{password}", d.username, d.realm));
    let ha2 = md5_hex(&format!("{method}:{}", d.uri));
    md5_hex(&format!("{ha1}:{}:{}:{}:{}:{ha2}", d.nonce, d.nc, d.cnonce, d.qop))
}

#[derive(Debug, Clone)]
struct Nonce {
    client: IpAddr,
    expires: u64,
    /// The highest `nc` used so far.
    last_nc: u32,
}

/// Nonces by value, and in the order they were issued (all live as long, so the front expires
/// first and bounding the store costs O(1) per nonce).
#[derive(Debug, Default)]
pub struct NonceStore {
    nonces: HashMap<String, Nonce>,
    issued: VecDeque<String>,
}

/// Whether a nonce may be used for one more request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    Fresh,
    /// Unknown, expired, issued to another address, or this `nc` was already used.
    Stale,
}

impl NonceStore {
    /// A new nonce for `client` from 128 random bits.
    pub fn issue(&mut self, random: [u8; 16], client: IpAddr, now: u64) -> String {
        while let Some(oldest) = self.issued.front() {
            let expired = self.nonces.get(oldest).is_none_or(|n| n.expires <= now);
            if !expired && self.nonces.len() < MAX_NONCES {
                break;
            }
            if let Some(id) = self.issued.pop_front() {
                self.nonces.remove(&id);
            }
        }
        let nonce = super::sessions::token_id(random);
        let entry = Nonce { client, expires: now + NONCE_TTL_SECS, last_nc: 0 };
        if self.nonces.insert(nonce.clone(), entry).is_none() {
            self.issued.push_back(nonce.clone());
        }
        nonce
    }

    /// Uses `nonce` with `nc` for `client`: fresh once per `nc`, in increasing order.
    pub fn use_nonce(&mut self, nonce: &str, nc: &str, client: IpAddr, now: u64) -> NonceUse {
        let Ok(count) = u32::from_str_radix(nc, 16) else { return NonceUse::Stale };
        match self.nonces.get_mut(nonce) {
            Some(n) if n.client == client && now < n.expires && count > n.last_nc => {
                n.last_nc = count;
                NonceUse::Fresh
            }
            _ => NonceUse::Stale,
        }
    }

    pub fn len(&self) -> usize {
        self.nonces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nonces.is_empty()
    }
}

/// Who authenticated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Account<'a> {
    Site,
    Phone(&'a Phone),
}

/// Why an attempt failed, for the security log (never with the secret or a hash of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A user name that is no credential.
    UnknownAccount,
    /// Basic with a wrong password.
    WrongPassword,
    /// Digest whose response is wrong for this nonce.
    WrongDigest { nonce: String },
}

/// The result of checking a request's credentials.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<'a> {
    Authenticated {
        account: Account<'a>,
        username: String,
    },
    /// No usable credentials: answer 401 with a challenge (`stale` when the digest was right but
    /// its nonce is not usable).
    Challenge {
        stale: bool,
    },
    /// Wrong credentials: 401 with a new challenge, and counted.
    Failed {
        username: String,
        failure: Failure,
    },
    /// A Digest that is not for this request (another URI, algorithm or qop): 400.
    BadRequest(&'static str),
}

/// What of the request the check needs.
pub struct AuthRequest<'r> {
    pub authorization: Option<&'r str>,
    /// `GET` or `HEAD`, as the client hashed it.
    pub method: &'r str,
    /// The path below `/digium_phones/`, as routed.
    pub path: &'r str,
    pub tls: bool,
    pub client: IpAddr,
}

/// The password of `username`: the site's, or with `http_phone_credentials` the PIN of the phone
/// whose MAC it is (`pin = voicemail`: the voicemail PIN `voicemail_pin` looks up).
fn password_of<'m>(
    model: &'m Model,
    username: &str,
    voicemail_pin: &dyn Fn(&Phone) -> Option<String>,
) -> Option<(Account<'m>, String)> {
    let g = &model.general;
    if g.http_username.as_deref() == Some(username) && !g.http_password.is_empty() {
        return Some((Account::Site, g.http_password.expose().to_string()));
    }
    if !g.http_phone_credentials {
        return None;
    }
    let mac: Mac = username.parse().ok()?;
    let phone = model.phone_with_mac(mac)?;
    let pin = match &phone.pin {
        Pin::Digits(p) if !p.is_empty() => p.expose().to_string(),
        Pin::Voicemail => voicemail_pin(phone)?,
        _ => return None,
    };
    Some((Account::Phone(phone), pin))
}

/// The path of a request target, percent-decoded, without its query.
fn decoded_path(uri: &str) -> Option<String> {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    let path = match path.split_once("://") {
        // An absolute URI: the path starts after the authority.
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => path,
    };
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Checks the credentials of `request` against the configuration. Requests that need none are not
/// asked here: the caller asks only when `http_auth` requires it.
pub fn authenticate<'m>(
    model: &'m Model,
    request: &AuthRequest,
    nonces: &mut NonceStore,
    now: u64,
    voicemail_pin: &dyn Fn(&Phone) -> Option<String>,
) -> Outcome<'m> {
    let Some(credentials) = request.authorization.and_then(parse_authorization) else {
        return Outcome::Challenge { stale: false };
    };
    match credentials {
        Credentials::Basic { username, password } => {
            // Over plain HTTP the password has crossed the network in clear: it is never checked,
            // so a guess there teaches nothing, and the client is asked for Digest.
            if !request.tls || model.general.http_auth != HttpAuth::Basic {
                return Outcome::Challenge { stale: false };
            }
            match password_of(model, &username, voicemail_pin) {
                None => Outcome::Failed { username, failure: Failure::UnknownAccount },
                Some((account, expected)) if same_secret(&password, &expected) => {
                    Outcome::Authenticated { account, username }
                }
                Some(_) => Outcome::Failed { username, failure: Failure::WrongPassword },
            }
        }
        Credentials::Digest(d) => {
            if !d.algorithm.as_deref().is_none_or(|a| a.eq_ignore_ascii_case("MD5")) {
                return Outcome::BadRequest("only algorithm=MD5 is supported");
            }
            if d.qop != "auth" || d.nc.len() != 8 || d.cnonce.is_empty() {
                return Outcome::BadRequest("qop=auth with nc and cnonce is required");
            }
            if d.realm != REALM {
                return Outcome::Challenge { stale: false };
            }
            let wanted = format!("/digium_phones/{}", request.path);
            if !decoded_path(&d.uri).is_some_and(|p| p.ends_with(&wanted)) {
                return Outcome::BadRequest("the digest is for another URI");
            }
            let Some((account, password)) = password_of(model, &d.username, voicemail_pin) else {
                return Outcome::Failed { username: d.username, failure: Failure::UnknownAccount };
            };
            let expected = digest_response(&d, &password, request.method);
            if !same_secret(&d.response.to_ascii_lowercase(), &expected) {
                return Outcome::Failed {
                    username: d.username,
                    failure: Failure::WrongDigest { nonce: d.nonce },
                };
            }
            match nonces.use_nonce(&d.nonce, &d.nc, request.client, now) {
                NonceUse::Fresh => Outcome::Authenticated { account, username: d.username },
                NonceUse::Stale => Outcome::Challenge { stale: true },
            }
        }
    }
}

/// The `WWW-Authenticate` values of a 401: Digest always; Basic too over TLS when configured.
pub fn challenges(mode: HttpAuth, tls: bool, nonce: &str, stale: bool) -> Vec<String> {
    let stale = if stale { ", stale=true" } else { "" };
    let mut out = vec![format!(
        "Digest realm=\"{REALM}\", qop=\"auth\", algorithm=MD5, nonce=\"{nonce}\"{stale}"
    )];
    if mode == HttpAuth::Basic && tls {
        out.push(format!("Basic realm=\"{REALM}\", charset=\"UTF-8\""));
    }
    out
}

/// What is known of Asterisk's HTTP server (http.conf) when findings are made. The offline `check`
/// reads no http.conf: what it would need (which servers are enabled, and whether a proxy in front
/// adds TLS) is not in the file it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listeners {
    Unknown,
    Known { plain: bool, tls: bool },
}

fn general_finding(general: &General, severity: Severity, option: &str, message: &str) -> Finding {
    let entry = general.raw.last(option);
    let (file, line) = match entry {
        Some(e) => (e.file.to_string(), e.line),
        None => {
            let (f, l) = general.raw.location();
            (f.to_string(), l)
        }
    };
    Finding {
        severity,
        file,
        line,
        section: "general".into(),
        option: option.into(),
        message: message.into(),
    }
}

/// Findings about how phones' secrets travel over HTTP, given what is known of the listeners.
pub fn findings(general: &General, listeners: Listeners) -> Vec<Finding> {
    let mut out = Vec::new();
    let plain = match listeners {
        Listeners::Unknown => None,
        Listeners::Known { plain, .. } => Some(plain),
    };
    if general.config_auth == ConfigAuth::Mac
        && !general.http_auth.is_required()
        && plain != Some(false)
    {
        let message = match plain {
            Some(_) => {
                "with http_auth = no, anyone who knows or guesses a phone's MAC gets its SIP \
                 passwords (<mac>.cfg) over plain HTTP; set http_auth"
            }
            None => {
                "with http_auth = no, anyone who knows or guesses a phone's MAC gets its SIP \
                 passwords (<mac>.cfg) over plain HTTP unless Asterisk serves only HTTPS; set http_auth"
            }
        };
        out.push(general_finding(general, Severity::Warning, "config_auth", message));
    }
    if general.http_auth == HttpAuth::Basic {
        let finding = match listeners {
            Listeners::Known { tls: false, .. } => Some((
                Severity::Error,
                "Basic sends the password in clear, so it is accepted over TLS only, and http.conf \
                 enables no TLS server (tlsenable): every request is challenged with Digest instead",
            )),
            Listeners::Known { plain: true, tls: true } => Some((
                Severity::Warning,
                "Basic is accepted over TLS only: requests to the plain HTTP server (http.conf \
                 enabled = yes) are challenged with Digest",
            )),
            Listeners::Known { .. } => None,
            Listeners::Unknown => Some((
                Severity::Warning,
                "Basic is accepted over TLS only (Asterisk's HTTPS server, http.conf tlsenable); \
                 requests over plain HTTP are challenged with Digest",
            )),
        };
        if let Some((severity, message)) = finding {
            out.push(general_finding(general, severity, "http_auth", message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5.
    fn mufasa() -> DigestResponse {
        DigestResponse {
            username: "Mufasa".into(),
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            uri: "/dir/index.html".into(),
            qop: "auth".into(),
            nc: "00000001".into(),
            cnonce: "0a4f113b".into(),
            response: "6629fae49393a05397450978507c4ef1".into(),
            algorithm: None,
        }
    }

    #[test]
    fn the_rfc_example_computes() {
        assert_eq!(digest_response(&mufasa(), "Circle Of Life", "GET"), mufasa().response);
    }

    #[test]
    fn authorization_headers_parse() {
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com",
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth,
            nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",
            opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        assert_eq!(parse_authorization(header), Some(Credentials::Digest(mufasa())));
        let quoted = parse_authorization(r#"digest username="a\"b", nc=1"#).unwrap();
        let Credentials::Digest(d) = quoted else { panic!() };
        assert_eq!((d.username.as_str(), d.nc.as_str()), ("a\"b", "1"));
        assert_eq!(
            parse_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(Credentials::Basic { username: "Aladdin".into(), password: "open sesame".into() })
        );
        for bad in ["", "Bearer x", "Basic !!!", "Basic bm9jb2xvbg==", r#"Digest username="x"#] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    #[test]
    fn nonces_are_single_use_per_count_bound_and_expiring() {
        let mut store = NonceStore::default();
        let n = store.issue([7; 16], A, 100);
        assert_eq!(n.len(), 32);
        assert_eq!(store.use_nonce(&n, "00000001", B, 101), NonceUse::Stale, "another client");
        assert_eq!(store.use_nonce(&n, "00000001", A, 101), NonceUse::Fresh);
        assert_eq!(store.use_nonce(&n, "00000001", A, 102), NonceUse::Stale, "a replay");
        assert_eq!(store.use_nonce(&n, "00000002", A, 102), NonceUse::Fresh);
        assert_eq!(store.use_nonce(&n, "zz", A, 102), NonceUse::Stale);
        assert_eq!(store.use_nonce(&n, "00000003", A, 100 + NONCE_TTL_SECS), NonceUse::Stale);
        assert_eq!(store.use_nonce("nope", "00000001", A, 101), NonceUse::Stale);
    }

    #[test]
    fn the_nonce_store_is_bounded() {
        let mut store = NonceStore::default();
        for i in 0..(MAX_NONCES + 100) {
            let mut random = [0u8; 16];
            random[..8].copy_from_slice(&(i as u64).to_be_bytes());
            store.issue(random, A, 5);
        }
        assert_eq!(store.len(), MAX_NONCES);
        // Expired ones go as soon as a new one is issued.
        store.issue([9; 16], A, 5 + NONCE_TTL_SECS);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn request_targets_decode() {
        assert_eq!(
            decoded_path("/digium_phones/a%20b.cfg?x=1").as_deref(),
            Some("/digium_phones/a b.cfg")
        );
        assert_eq!(
            decoded_path("http://pbx:8088/digium_phones/x").as_deref(),
            Some("/digium_phones/x")
        );
        assert_eq!(decoded_path("/x%zz"), None);
    }
}
