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
