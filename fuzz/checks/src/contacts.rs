//! `contacts_xml`: what happens to contacts files. The module does not parse them: it names each
//! `contact=` file in the phone's configuration document (`<contacts url= id= md5=/>`, written by
//! the document writer) and serves it by name from `file_directory` (`provision::files::resolve`,
//! with the name taken from the phone's HTTP request). So the input is a configuration, given as
//! raw sections so that any value reaches the model (`[name]` lines, then `key = value` lines; the
//! value is the rest of the line, spaces at its ends dropped), and the checks are:
//! - every profile the model accepts renders, and the document is well-formed XML;
//! - each `<contacts>` carries the file name as written (`id`) and a URL that decodes back to it;
//! - the profile list document carries each profile's id, name and line as written;
//! - each contact name resolved against a served directory stays inside it.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{sandbox, xml_legal};
use digium_phones_core::model::{self, Model, Phone};
use digium_phones_core::protocol::{Element, parse_document};
use digium_phones_core::provision::{auth, documents, files};
use digium_phones_core::raw::{RawConfig, RawEntry, RawSection};
use digium_phones_core::xml::{RenderContext, RenderError, choose_network, render_config};

const FILES_URL: &str = "http://192.0.2.1:8088/digium_phones/files";
const PHONE_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
/// Line keys on a phone (`xml::accounts::MAX`).
const MAX_LINES: usize = 6;

pub fn contacts_xml(data: &[u8]) {
    let raw = raw_config(&String::from_utf8_lossy(data));
    let model = model::build(&raw, None).model;
    for phone in &model.phones {
        for (phone_model, ip) in [(Some("D70"), Some(PHONE_IP)), (None, None)] {
            let file_md5 = |name: &str| Some(format!("{:x}", md5::compute(name)));
            let ctx = RenderContext {
                model: &model,
                phone,
                phone_model,
                phone_firmware: None,
                // Both paths: over the MESSAGE protocol, and as a stock phone over HTTP.
                message_channel: phone_model.is_some(),
                phone_ip: ip,
                server_host: "192.0.2.1",
                sip_port: 5060,
                files_url: FILES_URL,
                file_md5: &file_md5,
            };
            match render_config(&ctx) {
                Ok(document) => config_document(&document, &model, phone, ip),
                Err(RenderError::TooManyLines { count, .. }) => assert!(count > MAX_LINES),
                Err(error) => panic!("profile {:?} does not render: {error}", phone.name),
            }
        }
        for contact in &phone.contacts {
            stays_inside(contact);
        }
    }
    profile_list(&model);
}

fn raw_config(text: &str) -> RawConfig {
    let mut sections: Vec<RawSection> = Vec::new();
    for (number, line) in text.split('\n').enumerate() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push(RawSection { name: name.to_string(), ..RawSection::default() });
        } else if let (Some(section), Some((key, value))) =
            (sections.last_mut(), line.split_once('='))
        {
            section.entries.push(RawEntry {
                key: key.trim().into(),
                value: value.trim_matches(' ').into(),
                file: "fuzz.conf".into(),
                line: u32::try_from(number + 1).unwrap_or(u32::MAX),
                inherited: false,
            });
        }
    }
    RawConfig { sections: sections.into_iter().map(std::sync::Arc::new).collect() }
}

fn config_document(document: &str, model: &Model, phone: &Phone, ip: Option<IpAddr>) {
    assert!(document.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config"));
    assert!(document.ends_with('\n'));
    let root = parse_document(document).unwrap_or_else(|e| panic!("{e}\n{document}"));
    assert_eq!(root.name, "config");

    let mut names: Vec<&str> = Vec::new();
    for name in &phone.contacts {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let written: Vec<&Element> = root.find_all("contacts").collect();
    assert_eq!(written.len(), names.len(), "{document}");
    let base = choose_network(model, phone, ip)
        .and_then(|n| n.file_url_prefix.as_deref())
        .unwrap_or(FILES_URL);
    for (element, name) in written.into_iter().zip(names) {
        assert_eq!(element.get("id"), Some(xml_legal(name).as_str()), "{document}");
        let url = element.get("url").expect("a url");
        if url == xml_legal(name) {
            assert!(name.contains("://"), "{name:?} used as a URL");
        } else {
            url_names(url, base, name);
        }
    }
}

/// `url` is `base`, a `/`, then `name` (without leading `/`) percent-encoded.
fn url_names(url: &str, base: &str, name: &str) {
    let rest = url.strip_prefix(xml_legal(base).as_str()).unwrap_or_else(|| panic!("{url} {base}"));
    let rest = if base.ends_with('/') { rest } else { rest.strip_prefix('/').expect("a slash") };
    let mut decoded = Vec::new();
    let mut bytes = rest.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex: String = bytes.by_ref().take(2).map(char::from).collect();
            decoded.push(u8::from_str_radix(&hex, 16).expect("two hex digits"));
        } else {
            assert!(b.is_ascii_alphanumeric() || b"-._~/".contains(&b), "{url}");
            decoded.push(b);
        }
    }
    assert_eq!(decoded, name.trim_start_matches('/').as_bytes(), "{url}");
}

fn profile_list(model: &Model) {
    let Ok(entries) = auth::userlist(model, None, Some(model.general.globalpin.expose())) else {
        return;
    };
    let xml = documents::userlist(&entries);
    let root = parse_document(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let users: Vec<&Element> = root.find_all("user").collect();
    assert_eq!(users.len(), entries.len());
    for (user, entry) in users.into_iter().zip(&entries) {
        for (attr, value) in [("id", &entry.id), ("name", &entry.name), ("line", &entry.line)] {
            assert_eq!(user.get(attr), Some(xml_legal(value).as_str()), "{xml}");
        }
        assert_eq!(user.get("auth"), Some(entry.auth));
    }
}

/// A served directory with files, and symbolic links leading out of it.
fn served() -> &'static Path {
    static SERVED: OnceLock<PathBuf> = OnceLock::new();
    SERVED.get_or_init(|| {
        let root = sandbox::shared("contacts");
        let served = root.join("served");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(served.join("sub")).expect("the served directory");
        std::fs::write(served.join("contacts.xml"), "<contacts/>").expect("a served file");
        std::fs::write(served.join("sub/sales.xml"), "<contacts/>").expect("a served file");
        std::fs::write(root.join("secret.conf"), "secret=x").expect("a file outside");
        std::os::unix::fs::symlink("../secret.conf", served.join("link.xml")).expect("a link");
        std::os::unix::fs::symlink("..", served.join("up")).expect("a link");
        assert!(files::resolve(&served, "sub/sales.xml").is_ok());
        served.canonicalize().expect("the served directory")
    })
}

fn stays_inside(name: &str) {
    let served = served();
    if let Ok(path) = files::resolve(served, name) {
        assert!(path.starts_with(served) && path.is_file(), "{name:?} resolved to {path:?}");
    }
}
