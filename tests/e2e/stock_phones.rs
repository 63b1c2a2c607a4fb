//! Stock phones over HTTP: `<mac>.cfg` fetched through Asterisk's HTTP server with the User-Agent
//! of a D45, a D65 and a D80, each finding its model's settings and its network's; the files the
//! document points at fetched back with the MD5 it gives; `digium-phones check` on the same files.

use std::path::{Path, PathBuf};
use std::process::Command;

use digium_phones_core::provision::documents::md5_hex;

use crate::support::{Asterisk, fixture, repo, start};

/// The files phones fetch (shared with the tools' tests).
fn stock_files() -> PathBuf {
    repo().join("tests/fixtures/conf/stock/files")
}

/// Starts an instance whose file_directory holds the stock files, and reloads into it.
fn start_with_files(name: &str) -> Option<(Asterisk, String)> {
    let ast = start(name, &fixture("stock.conf"))?;
    let files = ast.host_dir().join("files");
    std::fs::create_dir_all(&files).unwrap();
    for entry in std::fs::read_dir(stock_files()).unwrap().flatten() {
        std::fs::copy(entry.path(), files.join(entry.file_name())).unwrap();
    }
    let conf = std::fs::read_to_string(fixture("stock.conf")).unwrap();
    let conf = conf.replace("@FILES@", &format!("{}/files", ast.dir()));
    ast.write_config(&conf);
    ast.cli("module reload res_digium_phone.so");
    Some((ast, conf))
}

/// The value of attribute `attr` in the first element of `xml` that contains `anchor`.
fn attribute<'x>(xml: &'x str, anchor: &str, attr: &str) -> &'x str {
    let line = xml.lines().find(|l| l.contains(anchor)).unwrap_or_else(|| panic!("no {anchor}"));
    let (_, rest) = line.split_once(&format!(" {attr}=\"")).unwrap_or_else(|| panic!("no {attr}"));
    rest.split('"').next().unwrap_or_default()
}

/// The path of a URL the document gives, as the phone would request it from this server.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// Fetches a file the document names and checks it is the one in file_directory, with the MD5
/// given beside its URL.
fn fetch_named_file(ast: &Asterisk, xml: &str, anchor: &str, file: &str, user_agent: &str) {
    let url = attribute(xml, anchor, "url");
    let md5 = attribute(xml, anchor, "md5");
    assert!(url.ends_with(&format!("/digium_phones/files/{file}")), "{url}");
    let (status, body) = ast.http_get(path_of(url), user_agent);
    assert_eq!(status, 200, "{url}: {body}");
    let on_disk = std::fs::read(stock_files().join(file)).unwrap();
    if let Ok(text) = std::str::from_utf8(&on_disk) {
        assert_eq!(body, text, "{url} is not {file}");
    }
    assert_eq!(md5, md5_hex(&on_disk), "{url}: the MD5 in the document is not the file's");
}

/// A phone's MAC, its User-Agent, its logo, and what its document must and must not hold.
type Model =
    (&'static str, &'static str, &'static str, &'static [&'static str], &'static [&'static str]);

#[test]
fn stock_phones_get_their_models_settings_over_http() {
    let Some((ast, _)) = start_with_files("s-models") else { return };
    let phones = ast.cli("digium_phones show phones");
    assert!(phones.contains("Objects found: 4"), "{phones}");

    // What every model gets: the sent options, its network (the one holding 127.0.0.1, though
    // another is named first), and no Record key or visual voicemail without the MESSAGE channel.
    let common = [
        r#"<setting id="ehs" value="jabra_iq"/>"#,
        r#"<setting id="lan_port_mode" value="100fd"/>"#,
        r#"<setting id="8021x_method" value="eap-md5"/>"#,
        r#"<setting id="use_secure_labels" value="1"/>"#,
        r#"<setting id="udp_ka_interval" value="30"/>"#,
        r#"<setting id="ntp_server" value="ntp.example.com"/>"#,
        r#"<setting id="network_vlan_id" value="44"/>"#,
        r#"<setting id="sip_qos" value="3"/>"#,
        r#"<setting id="rtp_qos" value="5"/>"#,
        r#"<host_alternate server="127.0.0.2" port="5080" transport="udp""#,
        r#"visual_voicemail="0""#,
        r#"<permission id="record_own_calls" value="0"/>"#,
        "s3cret-line-",
    ];
    let cases: [Model; 3] = [
        (
            "000fd3450001",
            "Digium D45 2_8_1",
            "logo-d45.png",
            &[
                r#"<setting id="default_fontsize" value="12"/>"#,
                r#"<setting id="contrast" value="6"/>"#,
                r#"<setting id="log_server" value="127.0.0.9"/>"#,
                r#"<setting id="web_ui_enabled" value="1"/>"#,
                r#"outbound_proxy="proxy.example.com" outbound_port="5062""#,
                r#"<firmware model="D45" version="2_8_1""#,
            ],
            &["small_clock", "transport_tls_allowed", "<outbound_proxy ", "model=\"D65\""],
        ),
        (
            "000fd3650001",
            "Digium D65 2_9_16",
            "logo-d65.png",
            &[
                r#"<setting id="small_clock" value="1"/>"#,
                r#"<setting id="transport_tls_allowed" value="1"/>"#,
                r#"<setting id="log_server" value="127.0.0.9"/>"#,
                r#"<outbound_proxy server="proxy.example.com" port="5062" transport="udp"/>"#,
                r#"<firmware model="D65" version="2_9_27""#,
                r#"<firmware model="EXP100" version="2.0.5.1""#,
            ],
            &["\"contrast\"", "default_fontsize", "outbound_proxy=", "model=\"D45\""],
        ),
        (
            "000fd3800001",
            "Digium D80 2_8_0",
            "logo-d80.png",
            &[
                r#"outbound_proxy="proxy.example.com" outbound_port="5062""#,
                r#"<public_firmware model="D80" version="2_8_0""#,
            ],
            &["web_ui_enabled", "log_server", "\"contrast\"", "default_fontsize", "small_clock"],
        ),
    ];
    for (mac, user_agent, logo, present, absent) in cases {
        let (status, xml) = ast.http_get(&format!("/digium_phones/{mac}.cfg"), user_agent);
        assert_eq!(status, 200, "{user_agent}: {xml}");
        for wanted in common.iter().chain(present) {
            assert!(xml.contains(wanted), "{user_agent}: no {wanted} in\n{xml}");
        }
        for unwanted in absent {
            assert!(!xml.contains(unwanted), "{user_agent}: {unwanted} in\n{xml}");
        }
        // The model's own logo, the Smart BLF sheet, the display rules: served from file_directory
        // with the MD5 the document gives.
        fetch_named_file(&ast, &xml, r#"id="logo_file""#, logo, user_agent);
        fetch_named_file(&ast, &xml, "<blf_items ", "blf.xml", user_agent);
        fetch_named_file(&ast, &xml, "<display_rules ", "rules.xml", user_agent);
        assert!(
            ast.wait_for_log(&format!("stock phone {mac} fetched the configuration")),
            "{user_agent}: the fetch is not logged"
        );
    }
}

#[test]
fn check_reports_a_wrong_size_logo_and_a_broken_sheet_with_file_and_line() {
    let Some((ast, conf)) = start_with_files("s-check") else { return };
    // The module serves the broken phone all the same: the files are the phone's business.
    let (status, xml) = ast.http_get("/digium_phones/000fd3650002.cfg", "Digium D65 2_9_16");
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("/digium_phones/files/broken-blf.xml"), "{xml}");

    // The same configuration and files, checked offline as an admin would.
    let host_files = ast.host_dir().join("files");
    let checked = ast.host_dir().join("etc/check.conf");
    std::fs::write(
        &checked,
        conf.replace(&format!("{}/files", ast.dir()), &host_files.display().to_string()),
    )
    .unwrap();
    let out =
        Command::new(crate::support::digium_phones()).arg("check").arg(&checked).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let logo_line = line_of(&conf, "d65_logo_file = wrong-size.png");
    let logo = format!(
        "{}:{logo_line}: error: [broken] d65_logo_file: {}/wrong-size.png is 300x100 pixels; a D65 \
         logo is 280x128 (or 296x128)",
        canonical(&checked),
        canonical(&host_files)
    );
    assert!(report.contains(&logo), "no\n{logo}\nin\n{report}");
    let sheet = format!(
        "{}/broken-blf.xml:9: error: [broken] blf_items: not well-formed XML",
        canonical(&host_files)
    );
    assert!(report.contains(&sheet), "no\n{sheet}\nin\n{report}");
    // The good phones' files pass.
    assert!(!report.contains("logo-d45.png") && !report.contains("/blf.xml"), "{report}");
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.trim() == needle).expect("the line") + 1
}

fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap().display().to_string()
}
