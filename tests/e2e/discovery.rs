//! mDNS discovery across two network namespaces: the module advertises on the server side; on the
//! client side python-zeroconf (an independent implementation) and the simulator find it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{Asterisk, NetnsPair, chroot};

fn config(server_ip: &str, sip_port: u16) -> String {
    format!(
        "[general]\nconfig_auth = pin\nservice_name = Büro Phones & Co\nmdns_address = {server_ip}\n\
         mdns_port = {sip_port}\n\n[600]\ntype = line\nexten = 600\nsecret = s3cret-600\n\n\
         [hall]\ntype = phone\nfull_name = Hall\npin = 2468\nline = 600\n"
    )
}

/// python-zeroconf in the client namespace; its lines arrive on the channel.
fn browser(pair: &NetnsPair, seconds: u32) -> (Child, mpsc::Receiver<String>) {
    let script = crate::support::repo().join("tests/support/zeroconf_browse.py");
    let mut child = pair
        .in_client("/usr/bin/python3")
        .arg(script)
        .arg(seconds.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with zeroconf (apt-get install python3-zeroconf)");
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

fn wait_for(rx: &mpsc::Receiver<String>, prefix: &str, seconds: u64) -> Option<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with(prefix) => return Some(line),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

#[test]
fn phones_discover_the_server_across_namespaces() {
    let Some(root) = chroot() else { return };
    let pair = NetnsPair::new("md");
    // The SIP port is fixed here: the instance binds inside its own namespace, where it is free.
    let sip_port = 5060;
    let conf = std::env::temp_dir().join(format!("rdp-mdns-{}.conf", std::process::id()));
    std::fs::write(&conf, config(&pair.server_ip, sip_port)).unwrap();
    let ast = Asterisk::start_with(
        &root,
        "d-mdns",
        &conf,
        &["--bind", &pair.server_ip, "--netns", &pair.server, "--sip-port", "5060"],
    );

    let shown = ast.cli("digium_phones show discovery");
    assert!(shown.contains("Advertising over mDNS"), "{shown}");
    let url = format!("sip:proxy@{}:{sip_port};transport=udp", pair.server_ip);
    assert!(
        shown.contains(&format!("sipUrl={url}")) && shown.contains("serviceType=asterisk"),
        "{shown}"
    );

    // An independent implementation sees name, port, address and TXT.
    let (mut zc, lines) = browser(&pair, 40);
    let added = wait_for(&lines, "Added\t", 15).expect("python-zeroconf did not see the service");
    let fields: Vec<&str> = added.split('\t').collect();
    assert_eq!(fields[1], "Büro Phones & Co._digiumproxy._udp.local.", "{added}");
    assert_eq!(fields[2], sip_port.to_string(), "{added}");
    assert_eq!(fields[3], pair.server_ip, "{added}");
    assert!(
        fields[4].contains(&format!("sipUrl={url}")) && fields[4].contains("serviceType=asterisk"),
        "{added}"
    );

    // The simulator finds it too, then provisions through it.
    let found = pair
        .in_client(&crate::support::digium_phones())
        .args(["phone", "--discover", "--discover-only", "--mac", "000fd3ee0001", "--model", "D70"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&found.stdout);
    assert!(found.status.success(), "{stdout}{}", String::from_utf8_lossy(&found.stderr));
    assert_eq!(stdout.trim(), format!("Büro Phones & Co\t{url}"));
    let provisioned = pair
        .in_client(&crate::support::digium_phones())
        .args([
            "phone",
            "--discover",
            "--mac",
            "000fd3ee0001",
            "--model",
            "D70",
            "--profile",
            "hall",
            "--pin",
            "2468",
        ])
        .output()
        .unwrap();
    assert!(
        provisioned.status.success()
            && String::from_utf8_lossy(&provisioned.stdout).contains("<config"),
        "{}{}",
        String::from_utf8_lossy(&provisioned.stdout),
        String::from_utf8_lossy(&provisioned.stderr)
    );

    // Unload withdraws the record (goodbye) and still unmaps the module with the responder gone.
    let out = ast.cli("module unload res_digium_phone.so");
    assert!(out.contains("Unloaded"), "{out}");
    assert!(wait_for(&lines, "Removed\t", 10).is_some(), "no goodbye seen");
    assert!(!ast.module_mapped(), "the .so is still mapped after unload");
    let _ = zc.kill();
    let _ = zc.wait();
    drop(ast);
    let _ = std::fs::remove_file(conf);
}

#[test]
fn discovery_off_or_without_address_is_explained() {
    let Some(ast) = crate::support::start("d-off", &crate::support::fixture("basic.conf")) else {
        return;
    };
    let shown = ast.cli("digium_phones show discovery");
    assert!(shown.contains("Not advertising:") && shown.contains("mdns_address"), "{shown}");
    ast.write_config(&format!(
        "{}\n[general](+)\nservice_discovery_enabled = no\n",
        include_str!("../fixtures/e2e/basic.conf")
    ));
    ast.cli("module reload res_digium_phone.so");
    let shown = ast.cli("digium_phones show discovery");
    assert!(
        shown.contains("Not advertising:") && shown.contains("service_discovery_enabled"),
        "{shown}"
    );
}
