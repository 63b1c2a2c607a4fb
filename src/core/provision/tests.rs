use super::*;
use crate::model::mac::Mac;
use crate::model::{self, Model};
use crate::raw::{RawConfig, RawEntry, RawSection};

/// A RawConfig from `[section]` / `key = value` lines (no templates or includes).
fn model(text: &str) -> Model {
    let mut sections: Vec<RawSection> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push(RawSection { name: name.into(), ..Default::default() });
        } else if let Some((k, v)) = line.split_once('=') {
            sections.last_mut().expect("a section first").entries.push(RawEntry {
                key: k.trim().into(),
                value: v.trim().into(),
                file: "t.conf".into(),
                line: i as u32 + 1,
                inherited: false,
            });
        }
    }
    let sections = sections.into_iter().map(std::sync::Arc::new).collect();
    let built = model::build(&RawConfig { sections }, None);
    assert_eq!(built.errors(), 0, "{:?}", built.findings);
    built.model
}

fn config(general: &str) -> Model {
    model(&format!(
        "[general]\n{general}\n\
         [200]\ntype=line\nmailbox=200@default\n\
         [201]\ntype=line\n\
         [alice]\ntype=phone\nfull_name=Alice\nmac=000fd3aabb01\npin=1234\nline=200\n\
         [bob]\ntype=phone\nmac=000fd3aabb02\npin=voicemail\nline=200\n\
         [nopin]\ntype=phone\nline=201\n"
    ))
}

fn mac(s: &str) -> Option<Mac> {
    Some(s.parse().unwrap())
}

fn vm(mailbox: &str) -> Option<String> {
    (mailbox == "200@default").then(|| "4242".to_string())
}

#[test]
fn userlist_open_lists_everyone_without_secrets() {
    let m = config("config_auth=pin");
    let list = auth::userlist(&m, mac("000fd3aabb09"), None).unwrap();
    let ids: Vec<&str> = list.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob", "nopin"]);
    assert_eq!(
        list[0],
        UserEntry { id: "alice".into(), name: "Alice".into(), line: "200".into(), auth: "pin" }
    );
    assert_eq!(list[1].name, "bob");
}

#[test]
fn userlist_with_globalpin() {
    let m = config("userlist_auth=globalpin\nglobalpin=9999");
    assert_eq!(auth::userlist(&m, None, None).unwrap_err().need, Some("globalpin"));
    assert_eq!(auth::userlist(&m, None, Some("1111")).unwrap_err().code, 403);
    assert!(auth::userlist(&m, None, Some("1111")).unwrap_err().is_wrong_secret());
    assert_eq!(auth::userlist(&m, None, Some("9999")).unwrap().len(), 3);
}

#[test]
fn userlist_with_mac_auth_lists_only_the_phones_own_profile() {
    let m = config("config_auth=mac");
    let list = auth::userlist(&m, mac("00:0f:d3:aa:bb:02"), None).unwrap();
    assert_eq!(list.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["bob"]);
    assert!(auth::userlist(&m, mac("000fd3aabb09"), None).unwrap().is_empty());
}

#[test]
fn claim_disabled_allows_anyone() {
    let m = config("config_auth=disabled");
    assert_eq!(auth::claim(&m, None, Some("alice"), None, None, vm).unwrap().phone.name, "alice");
    assert_eq!(auth::claim(&m, None, Some("nobody"), None, None, vm).unwrap_err().code, 404);
}

#[test]
fn claim_by_mac() {
    let m = config("config_auth=mac");
    assert_eq!(
        auth::claim(&m, mac("000fd3aabb01"), None, None, None, vm).unwrap().phone.name,
        "alice"
    );
    assert_eq!(
        auth::claim(&m, mac("000fd3aabb01"), Some("alice"), None, None, vm).unwrap().phone.name,
        "alice"
    );
    assert_eq!(
        auth::claim(&m, mac("000fd3aabb02"), Some("alice"), None, None, vm).unwrap_err().code,
        403
    );
    assert_eq!(auth::claim(&m, mac("000fd3aabb09"), None, None, None, vm).unwrap_err().code, 404);
    assert_eq!(auth::claim(&m, None, Some("alice"), None, None, vm).unwrap_err().need, Some("mac"));
}

#[test]
fn claim_by_pin() {
    let m = config("config_auth=pin");
    let claim = |profile, pin| auth::claim(&m, None, Some(profile), pin, None, vm);
    assert_eq!(claim("alice", None).unwrap_err().need, Some("pin"));
    let wrong = claim("alice", Some("1235")).unwrap_err();
    assert_eq!((wrong.code, wrong.is_wrong_secret()), (403, true));
    assert_eq!(claim("alice", Some("12345")).unwrap_err().code, 403);
    assert_eq!(claim("alice", Some("1234")).unwrap().phone.name, "alice");
    // pin = voicemail: the primary line's mailbox PIN.
    assert_eq!(claim("bob", Some("1234")).unwrap_err().code, 403);
    assert_eq!(claim("bob", Some("4242")).unwrap().phone.name, "bob");
    // A profile without a PIN cannot be claimed with PIN authentication.
    assert_eq!(claim("nopin", Some("")).unwrap_err().code, 403);
}

#[test]
fn claim_by_mac_and_globalpin_needs_both() {
    let m = config("config_auth=mac_globalpin\nglobalpin=9999");
    let claim = |mac_: &str, gp| auth::claim(&m, mac(mac_), None, None, gp, vm);
    assert_eq!(claim("000fd3aabb01", None).unwrap_err().need, Some("globalpin"));
    assert_eq!(claim("000fd3aabb01", Some("9999")).unwrap().phone.name, "alice");
    assert_eq!(claim("000fd3aabb09", Some("9999")).unwrap_err().code, 404);
    assert_eq!(
        auth::claim(&m, mac("000fd3aabb02"), Some("alice"), None, Some("9999"), vm)
            .unwrap_err()
            .code,
        403
    );
}

#[test]
fn claim_by_globalpin_accepts_it_in_either_parameter() {
    let m = config("config_auth=globalpin\nglobalpin=9999");
    assert_eq!(
        auth::claim(&m, None, Some("bob"), None, None, vm).unwrap_err().need,
        Some("globalpin")
    );
    assert!(auth::claim(&m, None, Some("bob"), None, Some("9999"), vm).is_ok());
    assert!(auth::claim(&m, None, Some("bob"), Some("9999"), None, vm).is_ok());
    assert_eq!(auth::claim(&m, None, Some("bob"), None, Some("1234"), vm).unwrap_err().code, 403);
}

mod http_authentication {
    use super::*;
    use crate::finding::Severity;
    use crate::model::general::HttpAuth;
    use crate::provision::httpauth::{
        self, Account, AuthRequest, Failure, Listeners, NonceStore, Outcome, REALM,
    };
    use std::net::IpAddr;

    const PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    fn site(mode: &str) -> Model {
        config(&format!(
            "config_auth=mac\nhttp_auth={mode}\nhttp_username=prov\nhttp_password=s1te\n\
             http_phone_credentials=yes"
        ))
    }

    fn no_vm(_: &crate::model::Phone) -> Option<String> {
        Some("4242".into())
    }

    /// A Digest `Authorization` header as a client computes it.
    fn digest(user: &str, password: &str, nonce: &str, nc: &str, uri: &str) -> String {
        let mut d = httpauth::DigestResponse {
            username: user.into(),
            realm: REALM.into(),
            nonce: nonce.into(),
            uri: uri.into(),
            qop: "auth".into(),
            nc: nc.into(),
            cnonce: "c0ffee".into(),
            ..Default::default()
        };
        d.response = httpauth::digest_response(&d, password, "GET");
        format!(
            r#"Digest username="{user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", qop=auth, nc={nc}, cnonce="c0ffee", response="{}", algorithm=MD5"#,
            d.response
        )
    }

    fn check<'m>(
        m: &'m Model,
        store: &mut NonceStore,
        header: Option<&str>,
        tls: bool,
    ) -> Outcome<'m> {
        let request = AuthRequest {
            authorization: header,
            method: "GET",
            path: "000fd3aabb01.cfg",
            tls,
            client: PHONE,
        };
        httpauth::authenticate(m, &request, store, 10, &no_vm)
    }

    const URI: &str = "/digium_phones/000fd3aabb01.cfg";

    #[test]
    fn digest_with_the_site_and_the_phone_credential() {
        let m = site("digest");
        let mut store = NonceStore::default();
        assert_eq!(check(&m, &mut store, None, false), Outcome::Challenge { stale: false });
        let nonce = store.issue([1; 16], PHONE, 5);
        let ok = digest("prov", "s1te", &nonce, "00000001", URI);
        assert!(matches!(
            check(&m, &mut store, Some(&ok), false),
            Outcome::Authenticated { account: Account::Site, .. }
        ));
        // The same nc again is a replay: challenged again, as stale, not counted.
        assert_eq!(check(&m, &mut store, Some(&ok), false), Outcome::Challenge { stale: true });
        let own = digest("000fd3aabb01", "1234", &nonce, "00000002", URI);
        let Outcome::Authenticated { account: Account::Phone(p), .. } =
            check(&m, &mut store, Some(&own), false)
        else {
            panic!("the phone's own credential")
        };
        assert_eq!(p.name, "alice");
        // bob has pin = voicemail.
        let vm = digest("000fd3aabb02", "4242", &nonce, "00000003", URI);
        assert!(matches!(check(&m, &mut store, Some(&vm), false), Outcome::Authenticated { .. }));
    }

    #[test]
    fn digest_failures_are_told_apart_and_carry_no_secret() {
        let m = site("digest");
        let mut store = NonceStore::default();
        let nonce = store.issue([2; 16], PHONE, 5);
        let wrong = digest("prov", "guess", &nonce, "00000001", URI);
        assert_eq!(
            check(&m, &mut store, Some(&wrong), false),
            Outcome::Failed {
                username: "prov".into(),
                failure: Failure::WrongDigest { nonce: nonce.clone() }
            }
        );
        let stranger = digest("mallory", "x", &nonce, "00000001", URI);
        assert_eq!(
            check(&m, &mut store, Some(&stranger), false),
            Outcome::Failed { username: "mallory".into(), failure: Failure::UnknownAccount }
        );
        // A MAC with no profile, or a profile without a PIN, is no account.
        let unknown = digest("000fd3aabb09", "1234", &nonce, "00000001", URI);
        assert!(matches!(
            check(&m, &mut store, Some(&unknown), false),
            Outcome::Failed { failure: Failure::UnknownAccount, .. }
        ));
        let elsewhere = digest("prov", "s1te", &nonce, "00000001", "/digium_phones/files/x.xml");
        assert!(matches!(check(&m, &mut store, Some(&elsewhere), false), Outcome::BadRequest(_)));
        // A right digest on a nonce we never issued is only stale.
        let forged = digest("prov", "s1te", "00000000000000000000000000000000", "00000001", URI);
        assert_eq!(check(&m, &mut store, Some(&forged), false), Outcome::Challenge { stale: true });
    }

    #[test]
    fn basic_only_over_tls_and_only_when_chosen() {
        let basic = |user: &str, pass: &str| {
            format!(
                "Basic {}",
                crate::presence::base64::encode(format!("{user}:{pass}").as_bytes())
            )
        };
        let m = site("basic");
        let mut store = NonceStore::default();
        let right = basic("prov", "s1te");
        assert_eq!(
            check(&m, &mut store, Some(&right), false),
            Outcome::Challenge { stale: false },
            "never checked over plain HTTP"
        );
        assert!(matches!(
            check(&m, &mut store, Some(&right), true),
            Outcome::Authenticated { account: Account::Site, .. }
        ));
        assert_eq!(
            check(&m, &mut store, Some(&basic("prov", "nope")), true),
            Outcome::Failed { username: "prov".into(), failure: Failure::WrongPassword }
        );
        let digest_only = site("digest");
        assert_eq!(
            check(&digest_only, &mut store, Some(&right), true),
            Outcome::Challenge { stale: false }
        );
        let tls = httpauth::challenges(HttpAuth::Basic, true, "n", false);
        assert_eq!(tls.len(), 2);
        assert!(tls[1].starts_with("Basic realm="));
        let plain = httpauth::challenges(HttpAuth::Basic, false, "n", true);
        assert_eq!(
            plain,
            [format!(
                r#"Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="n", stale=true"#
            )]
        );
    }

    #[test]
    fn findings_about_secrets_over_plain_http() {
        let open_mac = config("config_auth=mac");
        let warnings = |m: &Model, l| {
            httpauth::findings(&m.general, l)
                .into_iter()
                .map(|f| (f.severity, f.option, f.line))
                .collect::<Vec<_>>()
        };
        let mac_warning = vec![(Severity::Warning, "config_auth".to_string(), 2)];
        assert_eq!(warnings(&open_mac, Listeners::Unknown), mac_warning);
        assert_eq!(warnings(&open_mac, Listeners::Known { plain: true, tls: true }), mac_warning);
        assert!(warnings(&open_mac, Listeners::Known { plain: false, tls: true }).is_empty());
        assert!(warnings(&site("digest"), Listeners::Unknown).is_empty());
        let basic = site("basic");
        assert_eq!(
            warnings(&basic, Listeners::Known { plain: true, tls: false }),
            [(Severity::Error, "http_auth".to_string(), 3)]
        );
        assert_eq!(
            warnings(&basic, Listeners::Known { plain: true, tls: true }),
            [(Severity::Warning, "http_auth".to_string(), 3)]
        );
        assert!(warnings(&basic, Listeners::Known { plain: false, tls: true }).is_empty());
        let text = httpauth::findings(&basic.general, Listeners::Known { plain: true, tls: false });
        assert_eq!(
            text[0].to_string(),
            "t.conf:3: error: [general] http_auth: Basic sends the password in clear, so it is \
             accepted over TLS only, and http.conf enables no TLS server (tlsenable): every \
             request is challenged with Digest instead"
        );
    }
}
