use std::path::PathBuf;

use super::png::tests::png;
use super::*;
use crate::conf;
use crate::model;

/// A scratch directory holding `res_digium_phone.conf` (with `@DIR@` standing for the directory's
/// `files/`) and `files/` with `files` in it.
fn scratch(conf_text: &str, files: &[(&str, &[u8])]) -> (PathBuf, Model) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rdp-check-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("files")).expect("a scratch directory");
    for (name, bytes) in files {
        std::fs::write(dir.join("files").join(name), bytes).expect("a file");
    }
    let conf_path = dir.join("res_digium_phone.conf");
    let text = conf_text.replace("@DIR@", &dir.join("files").display().to_string());
    std::fs::write(&conf_path, text).expect("the configuration");
    let loaded = conf::read(&conf_path).expect("readable");
    let built = model::build(&loaded.config, None);
    assert_eq!(built.errors(), 0, "{:#?}", built.findings);
    (dir, built.model)
}

/// `line: [section] option: message`, for readable comparisons.
fn shown(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let file = std::path::Path::new(&f.file).file_name().unwrap().to_string_lossy();
            format!("{file}:{}: [{}] {}: {}", f.line, f.section, f.option, f.message)
        })
        .collect()
}

#[test]
fn options_not_sent_are_named_once_with_the_reason() {
    let (dir, model) = scratch(
        "[general]\n\
         config_auth = mac\n\
         pjsip_message_context = dpma\n\
         [lan]\n\
         type = network\n\
         alias = LAN\n\
         pc_vlan_id = 5\n\
         [100]\n\
         type = line\n\
         language = fr\n\
         mailbox = 100@default\n\
         [desk](!)\n\
         type = phone\n\
         call_waiting_tone = yes\n\
         record_own_calls = yes\n\
         [a](desk)\n\
         mac = 000fd3000001\n\
         line = 100\n\
         ehs = jabra_iq\n\
         lan_port_mode = 100fd\n\
         lock_preferences = no\n\
         [b](desk)\n\
         line = 100\n\
         record_own_calls = no\n",
        &[],
    );
    let found = unsent(&model);
    assert_eq!(
        shown(&found),
        [
            "res_digium_phone.conf:3: [general] pjsip_message_context: accepted, not used: the module \
             answers the phones' MESSAGEs itself, in whatever context they arrive",
            "res_digium_phone.conf:6: [lan] alias: accepted, not sent to phones: phones are sent the one \
             network their address chooses (cidr), so there is no list to pick from by name",
            "res_digium_phone.conf:7: [lan] pc_vlan_id: accepted, not sent to phones: no documented phone \
             setting carries the PC port's VLAN; `setting = <id>=<value>` in the phone section can send \
             one your firmware has",
            "res_digium_phone.conf:14: [a] call_waiting_tone: accepted, not sent to phones: no documented \
             phone setting does this; `setting = <id>=<value>` can send one your firmware has",
            "res_digium_phone.conf:15: [a] record_own_calls: not sent to a phone fetching <mac>.cfg over \
             HTTP (it has no MESSAGE channel): the Record key records through the module's MESSAGE \
             channel; the DPMA 1.0 guide says to turn it off for phones provisioned without DPMA, so \
             that no dead key shows",
            "res_digium_phone.conf:21: [a] lock_preferences: accepted, not sent to phones: no documented \
             phone setting does this; `setting = <id>=<value>` can send one your firmware has",
            "res_digium_phone.conf:10: [100] language: accepted, not sent to phones: phones have no \
             language per line; set the phone's active_locale",
            "res_digium_phone.conf:11: [100] mailbox: not sent to a phone fetching <mac>.cfg over HTTP (it \
             has no MESSAGE channel): visual voicemail needs the module's MESSAGE channel; the DPMA 1.0 \
             guide says it works only for phones provisioned by DPMA, so the Msgs key dials voicemail \
             instead",
        ]
    );
    // b has no MAC: no <mac>.cfg, so its record_own_calls (off anyway) is not remarked on; the
    // template's call_waiting_tone is reported once, for a.
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_mac_provisioning_nothing_is_lost_over_http() {
    let (dir, model) = scratch(
        "[general]\nconfig_auth = pin\n[100]\ntype = line\nmailbox = 1@x\n\
         [a]\ntype = phone\nmac = 000fd3000001\nline = 100\nrecord_own_calls = yes\n",
        &[],
    );
    assert_eq!(unsent(&model), []);
    let _ = std::fs::remove_dir_all(&dir);
}

const PHONE: &str =
    "[general]\nfile_directory = @DIR@\n[100]\ntype = line\n[a]\ntype = phone\nline = 100\n";

#[test]
fn logos_are_read_and_measured() {
    let conf = format!(
        "{PHONE}d40_logo_file = good.png\nd65_logo_file = wide.png\nd70_logo_file = none.png\n\
         d80_logo_file = http://cdn.example.com/x.png\nd45_logo_file = text.png\n"
    );
    let (dir, model) = scratch(
        &conf,
        &[
            ("good.png", &png(150, 45, 8, 0, 900)),
            ("wide.png", &png(300, 128, 8, 6, 900)),
            ("text.png", b"not a png"),
        ],
    );
    let files = dir.join("files").display().to_string();
    let found: Vec<String> = fetched_files(&model)
        .iter()
        .map(|f| format!("{}: {}: {}", f.line, f.option, f.message))
        .collect();
    assert_eq!(
        found,
        [
            format!("12: d45_logo_file: {files}/text.png is not a PNG file"),
            format!(
                "9: d65_logo_file: {files}/wide.png is 300x128 pixels; a D65 logo is 280x128 (or 296x128)"
            ),
            format!(
                "9: d65_logo_file: {files}/wide.png is RGB with alpha; a logo has a colour type without \
                 alpha (greyscale, RGB or palette)"
            ),
            format!(
                "10: d70_logo_file: 'none.png' does not exist in file_directory {files}: phones get \
                 nothing to fetch"
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sheets_are_checked_with_their_own_lines() {
    let conf = format!(
        "{PHONE}contact = people.xml\nblf_items = blf.xml\ncontacts_display_rules = rules.xml\n"
    );
    let blf = "<config>\n<smart_blf>\n<blf_items>\n<blf_item location=\"main\" index=\"1\" contact_id=\"nobody\"/>\n\
               <blf_item location=\"main\" index=\"2\" contact_id=\"sd-1\">\n</blf_items>\n</smart_blf>\n</config>\n";
    let (dir, model) = scratch(
        &conf,
        &[
            ("people.xml", b"<contacts><contact id=\"sd-1\"/></contacts>"),
            ("blf.xml", blf.as_bytes()),
            ("rules.xml", b"<display_rules>\n<display_rule id=\"0\" action_id=\"intercom\" show=\"no\"/>\n</display_rules>\n"),
        ],
    );
    let found = fetched_files(&model);
    assert_eq!(
        shown(&found),
        [
            "blf.xml:4: [a] blf_items: contact_id \"nobody\" is in none of the phone's contact lists (contact=)",
            "blf.xml:6: [a] blf_items: not well-formed XML: ill-formed document: expected `</blf_item>`, but `</blf_items>` was found",
        ]
    );
    assert!(found.iter().all(|f| f.file.ends_with("/files/blf.xml")));
    assert_eq!(found[1].severity, Severity::Error);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_directory_is_said_once() {
    let conf = "[general]\nfile_directory = /nonexistent/rdp\n[100]\ntype = line\n\
                [a]\ntype = phone\nline = 100\nblf_items = b.xml\n[b]\ntype = phone\nline = 100\nd40_logo_file = l.png\n";
    let (dir, model) = scratch(conf, &[]);
    let found = fetched_files(&model);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, 2);
    assert!(
        found[0].message.starts_with("/nonexistent/rdp is not a directory here"),
        "{}",
        found[0].message
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn custom_apps_are_found_and_their_md5_checked() {
    let zip: &[u8] = b"PK\x03\x04 an app";
    let md5 = format!("{:x}", md5::compute(zip));
    let conf = format!(
        "[general]\nfile_directory = @DIR@\n\
         [good]\ntype = application\napplication = custom\nfilename = app.zip\nmd5sum = {md5}\n\
         [nosum]\ntype = application\napplication = custom\nfilename = app.zip\n\
         [gone]\ntype = application\napplication = custom\nfilename = missing.zip\n\
         [wrong]\ntype = application\napplication = custom\nfilename = app.zip\n\
         md5sum = 0123456789abcdef0123456789abcdef\n\
         [text]\ntype = application\napplication = custom\nfilename = notes.txt\n\
         [remote]\ntype = application\napplication = custom\nfilename = https://apps.example/a.zip\n"
    );
    let (dir, model) = scratch(&conf, &[("app.zip", zip), ("notes.txt", b"plain text")]);
    let found = shown(&fetched_files(&model));
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("res_digium_phone.conf:15: [gone] filename: "), "{}", found[0]);
    assert!(found[0].ends_with("phones get nothing to fetch"), "{}", found[0]);
    assert_eq!(
        found[1],
        format!(
            "res_digium_phone.conf:20: [wrong] md5sum: 0123456789abcdef0123456789abcdef is not the \
             MD5 of app.zip ({md5}): phones refuse the download"
        )
    );
    assert_eq!(
        found[2],
        "res_digium_phone.conf:24: [text] filename: notes.txt is not a zip file: phones cannot install it"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
