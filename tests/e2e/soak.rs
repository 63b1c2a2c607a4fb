//! Soak runs: reloads during a provisioning storm, unload/load cycles under traffic, and hostile
//! bodies. CI runs the short versions; `RDP_SOAK=long` runs the long ones of docs/reliability.md
//! (500 provisionings under 200 reloads, 50 unload/load cycles).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use digium_phones::bench::generate;

use crate::support::{fixture, phone, start};

const BASIC: &str = include_str!("../fixtures/e2e/basic.conf");

fn long() -> bool {
    std::env::var("RDP_SOAK").as_deref() == Ok("long")
}

/// Asterisk's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn reloads_during_a_provisioning_storm_lose_nothing() {
    let Some(ast) = start("s-storm", &fixture("basic.conf")) else { return };
    let ast = Arc::new(ast);
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (threads, per_thread, reloads) = if long() { (10, 50, 200) } else { (4, 10, 30) };
    let rss_before = rss_kib(ast.pid);
    let reloads_done = Arc::new(AtomicUsize::new(0));
    // Reloads alternating a file with a broken section, an unparsable one and the good one.
    let reloader = {
        let (ast, done) = (ast.clone(), reloads_done.clone());
        std::thread::spawn(move || {
            let broken_section = BASIC.replace("mac = 000fd3aabb02", "mac = not-a-mac");
            for n in 0..reloads {
                let text = match n % 3 {
                    0 => broken_section.as_str(),
                    1 => "[alice\ntype = phone\n",
                    _ => BASIC,
                };
                ast.write_config(text);
                ast.cli("module reload res_digium_phone.so");
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // Phones provision until they have done their share and the reloads are over, so every reload
    // happens during the storm.
    let phones: Vec<_> = (0..threads)
        .map(|i| {
            let (ast, ok, failed, done) =
                (ast.clone(), ok.clone(), failed.clone(), reloads_done.clone());
            std::thread::spawn(move || {
                let listen = format!("127.0.1.{}:0", i + 1);
                let mut runs = 0;
                while runs < per_thread || done.load(Ordering::Relaxed) < reloads {
                    let run = phone(
                        &ast,
                        &[
                            "--mac",
                            "000fd3aabb01",
                            "--model",
                            "D70",
                            "--profile",
                            "alice",
                            "--pin",
                            "97531",
                            "--listen",
                            &listen,
                        ],
                    );
                    if run.code == 0 && run.stdout.contains("Sales &amp; Support") {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        eprintln!("failed run: {}", run.stderr);
                    }
                    runs += 1;
                }
            })
        })
        .collect();
    reloader.join().unwrap();
    for t in phones {
        t.join().unwrap();
    }
    let reloads = reloads_done.load(Ordering::Relaxed);
    let provisioned = ok.load(Ordering::Relaxed);
    assert_eq!(failed.load(Ordering::Relaxed), 0, "provisionings failed during {reloads} reloads");
    assert!(provisioned >= threads * per_thread, "{provisioned} provisionings");
    assert!(ast.is_alive());
    println!(
        "SOAK storm: {provisioned} provisionings, 0 failed, {reloads} reloads; Asterisk RSS {} KiB -> {} KiB",
        rss_before,
        rss_kib(ast.pid)
    );
}

const ALICE: [&str; 8] =
    ["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"];

#[test]
fn unload_and_load_under_traffic() {
    let Some(ast) = start("s-cycles", &fixture("basic.conf")) else { return };
    let ast = Arc::new(ast);
    let stop = Arc::new(AtomicBool::new(false));
    // (provisioned, other outcomes) of the phones running beside the cycles.
    let traffic = {
        let (ast, stop) = (ast.clone(), stop.clone());
        std::thread::spawn(move || {
            let (mut provisioned, mut missed) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                // A phone that asks while the module is away is refused or times out; the next
                // one after a load must provision.
                let run = phone(&ast, &[&ALICE[..], &["--timeout", "1"]].concat());
                match run.code {
                    0 if run.stdout.contains("<config") => provisioned += 1,
                    // Refused while unloaded, or a timeout: the module was away.
                    1 | 2 if !run.stderr.contains("Usage:") => missed += 1,
                    _ => panic!("the simulator failed: {}{}", run.stdout, run.stderr),
                }
            }
            (provisioned, missed)
        })
    };
    let cycles = if long() { 50 } else { 10 };
    let rss_before = rss_kib(ast.pid);
    for i in 0..cycles {
        let out = ast.cli("module unload res_digium_phone.so");
        assert!(out.contains("Unloaded"), "cycle {i}: {out}");
        assert!(!ast.module_mapped(), "cycle {i}: the .so is still mapped");
        let out = ast.cli("module load res_digium_phone.so");
        assert!(out.contains("Loaded"), "cycle {i}: {out}");
        // Between cycles the module serves: a phone of this thread provisions.
        let run = phone(&ast, &ALICE);
        assert!(run.code == 0 && run.stdout.contains("<config"), "cycle {i}: {}", run.stderr);
        // A window in which the traffic finds the module in.
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    stop.store(true, Ordering::Relaxed);
    let (provisioned, missed) = traffic.join().expect("the traffic thread");
    // The traffic must get through between cycles, or it tested nothing.
    assert!(
        provisioned >= cycles,
        "{provisioned} of the traffic's phones provisioned, {missed} not"
    );
    assert!(ast.is_alive(), "Asterisk died");
    println!(
        "SOAK cycles: {cycles} unload/load cycles, unmapped every time, each followed by a \
         provisioning; beside them {provisioned} phones provisioned and {missed} found the module \
         away; Asterisk RSS {rss_before} KiB -> {} KiB",
        rss_kib(ast.pid)
    );
}

#[test]
fn hostile_bodies_get_errors_not_crashes() {
    let Some(ast) = start("s-hostile", &fixture("basic.conf")) else { return };
    let bodies = [
        "\u{0}\u{1}\u{2}garbage".to_string(),
        "<request v=\"1\" id=\"a\" method=\"provision.config\">".repeat(20),
        "<request v=\"1\" id=\"deep\" method=\"provision.config\">".to_string() + &"<a>".repeat(300),
        "<request v=\"1\" id=\"e\" method=\"provision.config\"><parameters><pin>&lol;</pin></parameters></request>".to_string(),
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r>&b;</r>".to_string(),
        "\u{FFFD}\u{FFFD}<request/>".to_string(),
        "x".repeat(5000),
    ];
    for body in &bodies {
        let reply = crate::support::raw_message(&ast, "000fd3aabb07", body);
        if let Some(reply) = reply {
            assert!(reply.contains(r#"status="error""#), "{body:?} → {reply}");
        }
    }
    assert!(ast.is_alive());
    let ok = phone(
        &ast,
        &["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

/// Reloads of a large file must not each leave the size of a configuration behind in Asterisk's
/// memory: every CLI or AMI connection is a new thread, so each reload builds its model in a fresh
/// malloc arena while the old one's freed memory stays resident elsewhere, unless the module trims.
#[test]
fn reloads_of_a_large_file_do_not_accumulate_memory() {
    let Some(ast) = start("s-memory", &fixture("basic.conf")) else { return };
    let big = generate::digium_conf(2_000);
    let mut rss = Vec::new();
    for n in 0..6 {
        ast.write_config(&format!("{big}\n; reload {n}\n"));
        ast.cli("module reload res_digium_phone.so");
        std::thread::sleep(std::time::Duration::from_millis(300));
        rss.push(rss_kib(ast.pid));
    }
    assert!(
        ast.cli("digium_phones show phone desk2000").contains("desk2000"),
        "the file is served"
    );
    assert!(ast.is_alive());
    // The first reload grows memory by what 2,000 phones and 4,000 hints take; later ones may not
    // keep adding to it (without the trim each added about 20 MB).
    let growth = rss[5].saturating_sub(rss[1]);
    assert!(growth < 12 * 1024, "Asterisk's RSS after each reload, KiB: {rss:?}");
}

/// A reload hands the configuration it replaced to a thread that frees it after the reload has
/// answered; an unload arriving right then (the next action of the same AMI session) must wait for
/// that thread, never unmap code it runs.
#[test]
fn unload_right_after_a_reload_of_a_large_file() {
    let Some(ast) = start("s-reaper", &fixture("basic.conf")) else { return };
    let big = generate::digium_conf(2_000);
    ast.write_config(&big);
    ast.cli("module reload res_digium_phone.so");
    assert!(
        ast.cli("digium_phones show phone desk2000").contains("desk2000"),
        "the file is served"
    );
    ast.write_config(&format!("{big}\n; changed\n"));
    let answers = ast.ami_actions(&[
        &[("Action", "Reload"), ("Module", "res_digium_phone.so")],
        &[("Action", "ModuleLoad"), ("Module", "res_digium_phone.so"), ("LoadType", "unload")],
    ]);
    assert!(answers[0].contains("Module Reloaded"), "{answers:?}");
    assert!(answers[1].contains("Response: Success"), "{answers:?}");
    assert!(ast.is_alive());
    assert!(ast.cli("module show like res_digium_phone").contains("0 modules loaded"));
}

/// Found by fuzzing: a refusal that quotes the body (here a `v` of 400 quotes, each escaped in the
/// reply) must still fit in a MESSAGE body; it made a 3,080-byte reply before.
#[test]
fn a_refusal_quoting_a_hostile_body_still_fits_a_message() {
    let Some(ast) = start("s-longreply", &fixture("basic.conf")) else { return };
    let body = format!(
        r#"<request v="{}" id="{}" method="{}"/>"#,
        "'".repeat(400),
        "i".repeat(64),
        "m".repeat(64)
    );
    let reply = crate::support::raw_message(&ast, "000fd3aabb07", &body).expect("a reply MESSAGE");
    assert!(reply.contains(r#"status="error""#) && reply.contains(r#"code="505""#), "{reply}");
    assert!(reply.len() <= 1023, "{} bytes: {reply}", reply.len());
    assert!(ast.is_alive());
}
