//! Golden files (tests/golden/README.md) and checks that need no fixture.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::*;
use crate::conf;
use crate::model::{self, Model};

const SERVER_HOST: &str = "192.0.2.1";
const SIP_PORT: u16 = 5060;
const FILES_URL: &str = "http://192.0.2.1:8088/digium_phones/files";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// The MD5 of a file in tests/golden/files, standing in for file_directory.
fn file_md5(name: &str) -> Option<String> {
    let bytes = std::fs::read(golden_dir().join("files").join(name)).ok()?;
    Some(format!("{:x}", md5::compute(bytes)))
}

/// One document a case renders: `;; golden: <output> phone=<name> [model=<model>]
/// [firmware=<version>] [ip=<address>] [http]` in the .conf, written to `<case>.<output>.xml`.
/// `http`: as a stock phone fetching `<mac>.cfg` gets it, without the MESSAGE channel.
#[derive(Debug)]
struct Output {
    name: String,
    phone: String,
    model: Option<String>,
    firmware: Option<FirmwareVersion>,
    ip: Option<IpAddr>,
    http: bool,
}

fn outputs(conf_text: &str) -> Vec<Output> {
    conf_text
        .lines()
        .filter_map(|l| l.strip_prefix(";; golden:"))
        .map(|spec| {
            let mut words = spec.split_whitespace();
            let name = words.next().expect("an output name").to_string();
            let mut out = Output {
                name,
                phone: String::new(),
                model: None,
                firmware: None,
                ip: None,
                http: false,
            };
            for word in words {
                if word == "http" {
                    out.http = true;
                    continue;
                }
                match word.split_once('=').expect("key=value") {
                    ("phone", v) => out.phone = v.to_string(),
                    ("model", v) => out.model = Some(v.to_string()),
                    ("firmware", v) => {
                        out.firmware = Some(FirmwareVersion::parse(v).expect("a firmware version"))
                    }
                    ("ip", v) => out.ip = Some(v.parse().expect("an IP address")),
                    (k, _) => panic!("unknown golden directive key {k}"),
                }
            }
            assert!(!out.phone.is_empty(), "golden output {} names no phone", out.name);
            out
        })
        .collect()
}

fn load(conf: &Path) -> Model {
    let loaded = conf::read(conf).unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
    let built = model::build(&loaded.config, None);
    let errors: Vec<String> =
        built.findings.iter().filter(|f| f.is_error()).map(|f| f.to_string()).collect();
    assert!(errors.is_empty(), "{} has errors:\n{}", conf.display(), errors.join("\n"));
    built.model
}

fn render(model: &Model, out: &Output) -> String {
    let phone = model.phone(&out.phone).unwrap_or_else(|| panic!("no phone {}", out.phone));
    let ctx = RenderContext {
        model,
        phone,
        phone_model: out.model.as_deref(),
        phone_firmware: out.firmware,
        message_channel: !out.http,
        phone_ip: out.ip,
        server_host: SERVER_HOST,
        sip_port: SIP_PORT,
        files_url: FILES_URL,
        file_md5: &file_md5,
    };
    render_config(&ctx).unwrap_or_else(|e| panic!("{}: {e}", out.name))
}

fn files_with(ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Where two texts first differ, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    format!(
        "line {}:\n  expected: {}\n  actual:   {}",
        line + 1,
        e.get(line).unwrap_or(&"<end>"),
        a.get(line).unwrap_or(&"<end>")
    )
}

/// Every case renders what its golden files hold; `UPDATE_GOLDEN=1` rewrites them instead.
#[test]
fn golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut expected_files: Vec<PathBuf> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let confs = files_with("conf");
    assert!(confs.len() >= 8, "the golden cases are missing");
    for conf in confs {
        let case = conf.file_stem().and_then(|s| s.to_str()).expect("a case name").to_string();
        let text = std::fs::read_to_string(&conf).expect("the .conf");
        let model = load(&conf);
        let outputs = outputs(&text);
        assert!(!outputs.is_empty(), "{case}.conf has no `;; golden:` line");
        for out in outputs {
            let xml = render(&model, &out);
            assert_eq!(xml, render(&model, &out), "{case}.{}: not deterministic", out.name);
            let path = golden_dir().join(format!("{case}.{}.xml", out.name));
            expected_files.push(path.clone());
            parse(&xml);
            if update {
                // Renamed into place, so a test reading golden files meanwhile sees whole ones.
                let new = path.with_extension("xml.new");
                std::fs::write(&new, &xml).expect("writing a golden file");
                std::fs::rename(&new, &path).expect("replacing a golden file");
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(expected) if expected == xml => {}
                Ok(expected) => failures.push(format!(
                    "{}: differs at {}",
                    path.display(),
                    first_difference(&expected, &xml)
                )),
                Err(e) => {
                    failures.push(format!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()))
                }
            }
        }
    }
    for stale in files_with("xml").into_iter().filter(|p| !expected_files.contains(p)) {
        failures.push(format!("{}: no case renders it", stale.display()));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One element as a reader sees it: its path from the root and its attribute values, unescaped.
#[derive(Debug)]
struct Node {
    path: String,
    attrs: Vec<(String, String)>,
}

impl Node {
    fn get(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Reads a document with quick-xml's Reader, requiring an XML declaration, no DTD, one `<config>`
/// root, matched tags and no text.
fn parse(xml: &str) -> Vec<Node> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut nodes = Vec::new();
    let mut declared = false;
    let node = |stack: &[String], e: &BytesStart| Node {
        path: stack.join("/"),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("a well-formed attribute");
                let key = String::from_utf8(a.key.as_ref().to_vec()).expect("a UTF-8 name");
                let value = a.normalized_value(XmlVersion::Implicit1_0).expect("a value");
                (key, value.into_owned())
            })
            .collect(),
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Decl(_) => declared = true,
            Event::DocType(_) => panic!("a DTD"),
            Event::Start(e) => {
                assert!(!stack.is_empty() || nodes.is_empty(), "a second root");
                stack.push(String::from_utf8(e.name().as_ref().to_vec()).expect("a name"));
                nodes.push(node(&stack, &e));
            }
            Event::Empty(e) => {
                stack.push(String::from_utf8(e.name().as_ref().to_vec()).expect("a name"));
                nodes.push(node(&stack, &e));
                stack.pop();
            }
            Event::End(e) => {
                let open = stack.pop().expect("an open element");
                assert_eq!(open.as_bytes(), e.name().as_ref(), "mismatched end tag");
            }
            Event::Text(t) => panic!("unexpected text {t:?}"),
            Event::Eof => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(declared, "no XML declaration");
    assert!(stack.is_empty(), "unclosed elements");
    assert_eq!(nodes.first().map(|n| n.path.as_str()), Some("config"));
    nodes
}

/// The value of `attr` on the first element at `path` whose `key` attribute is `value`.
fn find<'n>(nodes: &'n [Node], path: &str, key: &str, value: &str, attr: &str) -> &'n str {
    nodes
        .iter()
        .filter(|n| n.path == path && n.get(key) == Some(value))
        .find_map(|n| n.get(attr))
        .unwrap_or_else(|| panic!("no {path}[{key}={value}]@{attr}"))
}

fn golden(name: &str) -> Vec<Node> {
    let path = golden_dir().join(name);
    parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Every blessed file is well-formed, whatever was blessed; known values come back intact.
#[test]
fn golden_files_parse_back() {
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        // golden_files is rewriting them; the next plain run checks them.
        return;
    }
    let xmls = files_with("xml");
    assert!(xmls.len() >= 8, "the golden files are missing");
    for path in xmls {
        let text = std::fs::read_to_string(&path).expect("a golden file");
        let nodes = parse(&text);
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config>\n"));
        // A phone reads each setting once: the pass-through never repeats a modelled one.
        let mut ids: Vec<&str> = nodes
            .iter()
            .filter(|n| n.path == "config/setting")
            .filter_map(|n| n.get("id"))
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{}: a setting id twice", path.display());
    }
    models_parse_back();

    let hostile = golden("hostile.zoe.xml");
    let account = |attr| find(&hostile, "config/accounts/account", "index", "0", attr);
    assert_eq!(account("line_label"), "Sales & <Support> \"A\"");
    assert_eq!(account("caller_id"), "\"Zoë Ångström\" <100>");
    assert_eq!(account("password"), "p&ss<w>rd\"'");
    assert_eq!(account("username"), "sales&co");
    assert_eq!(
        find(&hostile, "config/accounts/account", "index", "1", "line_label"),
        "Außen — 外線 'ext'"
    );
    assert_eq!(
        find(&hostile, "config/setting", "id", "idle_company_text", "value"),
        "Ünïcødé & <Co> \"Ltd\" 'x'"
    );
    assert_eq!(
        find(&hostile, "config/ringtones/tones/tone", "id", "tone&", "display"),
        "Ring <\"loud\"> & clear"
    );
    assert_eq!(
        find(&hostile, "config/contacts", "id", "Sales & <Support> \"A\".xml", "url"),
        "http://192.0.2.1:8088/digium_phones/files/Sales%20%26%20%3CSupport%3E%20%22A%22.xml"
    );
    assert_eq!(find(&hostile, "config/appconfig", "id", "app<1>", "name"), "Widget \"Pro\" & <Co>");
    let settings = hostile
        .iter()
        .find(|n| n.path == "config/appconfig/settings" && n.get("greeting").is_some())
        .expect("the custom application's settings");
    assert_eq!(settings.get("greeting"), Some("Hello, \"world\" & <all> 'friends' ✓"));
    assert_eq!(settings.get("tab"), Some("a\tb"));
    assert_eq!(
        find(
            &hostile,
            "config/appconfig/status/substatus",
            "value",
            "Out & about <back at 3> \"maybe\"",
            "value"
        ),
        "Out & about <back at 3> \"maybe\""
    );

    let lines = golden("lines.bobsphone.xml");
    assert_eq!(
        find(&lines, "config/accounts/account", "index", "0", "dial_plan"),
        "[0-8]xxx|911|9011xxx.T3"
    );
    assert_eq!(
        find(&lines, "config/accounts/account", "index", "2", "caller_id"),
        "Bob Jones <555-1234>"
    );
}

/// What tells the models apart, read back from their golden files.
fn models_parse_back() {
    let setting = |nodes: &[Node], id: &str| {
        nodes
            .iter()
            .find(|n| n.path == "config/setting" && n.get("id") == Some(id))
            .map(|n| n.get("value").unwrap_or_default().to_string())
    };
    let any = golden("models.any.xml");
    // Over the MESSAGE protocol, to a phone of unknown model: every setting, recording and visual
    // voicemail on, the proxy as account attributes.
    for id in ["contrast", "default_fontsize", "small_clock", "transport_tls_allowed", "log_server"]
    {
        assert!(setting(&any, id).is_some(), "models.any: no {id}");
    }
    assert_eq!(find(&any, "config/accounts/account", "index", "0", "visual_voicemail"), "1");
    assert_eq!(
        find(&any, "config/accounts/account/permission", "id", "record_own_calls", "value"),
        "1"
    );
    assert_eq!(
        find(&any, "config/accounts/account", "index", "0", "outbound_proxy"),
        "proxy.example.com"
    );
    // The pass-through: the last value of a repeated id, where it first appeared, after the rest.
    let ids: Vec<&str> =
        any.iter().filter(|n| n.path == "config/setting").filter_map(|n| n.get("id")).collect();
    assert_eq!(ids[ids.len() - 2..], ["use_secure_labels", "display_pickup_notification"]);
    assert_eq!(setting(&any, "use_secure_labels").as_deref(), Some("0"));
    assert_eq!(setting(&any, "locale").as_deref(), Some("en_US"));
    assert_eq!(setting(&any, "ehs").as_deref(), Some("jabra_iq"));
    assert_eq!(setting(&any, "lan_port_mode").as_deref(), Some("100fd"));
    assert_eq!(setting(&any, "8021x_method").as_deref(), Some("peap-mschap"));

    for model in ["d40", "d45", "d50", "d60", "d62", "d65", "d70", "d80", "p310"] {
        let nodes = golden(&format!("models.{model}.xml"));
        // Stock phones over HTTP: no Record key, no visual voicemail.
        assert_eq!(find(&nodes, "config/accounts/account", "index", "0", "visual_voicemail"), "0");
        assert!(
            nodes
                .iter()
                .filter(|n| n.get("id") == Some("record_own_calls"))
                .all(|n| n.get("value") == Some("0")),
            "models.{model}: recording on"
        );
        assert_eq!(
            find(
                &nodes,
                "config/smart_blf/blf_items",
                "url",
                "http://10.1.0.5/files/smart-blf.xml",
                "md5"
            )
            .len(),
            32
        );
        let colour = matches!(model, "d60" | "d62" | "d65" | "p310");
        assert_eq!(setting(&nodes, "small_clock").is_some(), colour, "models.{model}");
        assert_eq!(setting(&nodes, "transport_tls_allowed").is_some(), colour, "models.{model}");
        let no_contrast = matches!(model, "d60" | "d62" | "d65" | "d80");
        assert_eq!(setting(&nodes, "contrast").is_none(), no_contrast, "models.{model}");
        assert_eq!(setting(&nodes, "default_fontsize").is_none(), no_contrast, "models.{model}");
        assert_eq!(setting(&nodes, "web_ui_enabled").is_none(), model == "d80", "models.{model}");
        assert_eq!(setting(&nodes, "log_server").is_none(), model == "d80", "models.{model}");
        // The outbound proxy: inside each host on D6x firmware 2.9.15+ and the P-series.
        let per_host = colour;
        let child =
            nodes.iter().any(|n| n.path == "config/accounts/account/host_primary/outbound_proxy");
        assert_eq!(child, per_host, "models.{model}");
        let attribute = nodes.iter().any(|n| n.get("outbound_proxy").is_some());
        assert_eq!(attribute, !per_host, "models.{model}");
    }
    let old = golden("models.d65-2_9_11.xml");
    assert_eq!(find(&old, "config/accounts/account", "index", "0", "outbound_port"), "5062");
    let logo = |model: &str| {
        let nodes = golden(&format!("models.{model}.xml"));
        find(&nodes, "config/setting", "id", "logo_file", "url").to_string()
    };
    assert_eq!(logo("d45"), "http://10.1.0.5/files/logo-150x45.png");
    assert_eq!(logo("d62"), "http://10.1.0.5/files/logo-280x128.png");
    assert_eq!(logo("d70"), "http://10.1.0.5/files/logo-205x85.png");
    assert_eq!(logo("d80"), "http://10.1.0.5/files/logo-800x1280.png");
    assert!(golden("models.p310.xml").iter().all(|n| n.get("id") != Some("logo_file")));
    // The D65 fetches its expansion module's firmware too.
    let d65 = golden("models.d65.xml");
    assert_eq!(find(&d65, "config/firmwares/firmware", "model", "EXP100", "version"), "2.0.5.1");
}

/// The model's reading of an empty network section, which `defaults` spells out.
#[test]
fn defaults_match_the_model() {
    let empty = std::sync::Arc::default();
    let read = crate::model::network::read(&empty, &mut Vec::new()).expect("no errors");
    assert_eq!(read, defaults());
}

fn model_of(conf: &str) -> Model {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rdp-xml-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("res_digium_phone.conf");
    std::fs::write(&path, conf).expect("writing the configuration");
    let model = load(&path);
    let _ = std::fs::remove_dir_all(&dir);
    model
}

fn ctx<'a>(model: &'a Model, phone: &str) -> RenderContext<'a> {
    RenderContext {
        model,
        phone: model.phone(phone).expect("the phone"),
        phone_model: None,
        phone_firmware: None,
        message_channel: true,
        phone_ip: None,
        server_host: SERVER_HOST,
        sip_port: SIP_PORT,
        files_url: FILES_URL,
        file_md5: &|_| None,
    }
}

#[test]
fn seven_lines_are_refused() {
    let mut conf = String::from("[p]\ntype=phone\n");
    for i in 0..7 {
        conf.push_str(&format!("line=l{i}\n"));
    }
    for i in 0..7 {
        conf.push_str(&format!("[l{i}]\ntype=line\n"));
    }
    let model = model_of(&conf);
    let err = render_config(&ctx(&model, "p")).unwrap_err();
    assert_eq!(err.to_string(), "phone 'p' has 7 lines; a phone takes at most 6");
}

#[test]
fn a_hand_built_model_naming_nothing_is_refused() {
    let mut model = model_of("[l]\ntype=line\n[p]\ntype=phone\nline=l\n");
    model.lines.clear();
    let err = render_config(&ctx(&model, "p")).unwrap_err();
    assert_eq!(err.to_string(), "phone 'p' names line 'l', which is not defined");
}

#[test]
fn the_endpoint_secret_wins_over_the_line_secret() {
    let model =
        model_of("[a]\ntype=line\nsecret=own\n[b]\ntype=line\n[p]\ntype=phone\nline=a\nline=b\n");
    let xml = render_config_with_secrets(&ctx(&model, "p"), &|name| {
        (name == "b").then(|| "from-endpoint".to_string())
    })
    .expect("rendered");
    let nodes = parse(&xml);
    assert_eq!(find(&nodes, "config/accounts/account", "index", "0", "password"), "own");
    assert_eq!(find(&nodes, "config/accounts/account", "index", "1", "password"), "from-endpoint");
    let plain = render_config(&ctx(&model, "p")).expect("rendered");
    let nodes = parse(&plain);
    assert!(nodes.iter().any(|n| n.get("index") == Some("1") && n.get("password").is_none()));
}

#[test]
fn networks_are_chosen_by_address() {
    let model = model_of(
        "[general]\nregistration_address=192.0.2.9\n\
         [a]\ntype=network\ncidr=10.0.0.0/8\n[b]\ntype=network\n\
         [p]\ntype=phone\nnetwork=a\nnetwork=b\n[q]\ntype=phone\nnetwork=a\n[r]\ntype=phone\n",
    );
    let phone = |n| model.phone(n).expect("the phone");
    let name = |n: Option<&Network>| n.map(|n| n.name.clone());
    let ip = |s: &str| Some(s.parse().expect("an address"));
    assert_eq!(name(choose_network(&model, phone("p"), ip("10.1.1.1"))), Some("a".into()));
    assert_eq!(name(choose_network(&model, phone("p"), ip("192.168.1.1"))), Some("b".into()));
    assert_eq!(name(choose_network(&model, phone("p"), None)), Some("b".into()));
    // No network holds the address: the phone's first network, never [general]'s.
    assert_eq!(name(choose_network(&model, phone("q"), ip("192.168.1.1"))), Some("a".into()));
    assert_eq!(name(choose_network(&model, phone("q"), None)), Some("a".into()));
    // A phone naming no network gets the implicit network of [general].
    assert_eq!(name(choose_network(&model, phone("r"), ip("10.1.1.1"))), Some("general".into()));
    assert_eq!(name(choose_network(&model, phone("r"), None)), Some("general".into()));
}

#[test]
fn attribute_values_survive_any_character() {
    let value = "a&b<c>d\"e'f\tg\nh\ri\u{1}j\u{FFFF}k";
    let mut d = doc::Doc::new().expect("a document");
    d.open("config", Attrs::new()).expect("written");
    d.empty("setting", Attrs::new().set("value", value)).expect("written");
    d.close("config").expect("written");
    let nodes = parse(&d.finish());
    assert_eq!(nodes[1].get("value"), Some("a&b<c>d\"e'f\tg\nh\ri\u{FFFD}j\u{FFFD}k"));
}
