//! Short soak runs (CI): reloads during a provisioning storm, unload/load cycles under traffic, and
//! hostile bodies. The long versions are commands in docs/reliability.md.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{fixture, phone, start};

const BASIC: &str = include_str!("fixtures/e2e/basic.conf");

#[test]
fn reloads_during_a_provisioning_storm_lose_nothing() {
    let Some(ast) = start("s-storm", &fixture("basic.conf")) else { return };
    let ast = Arc::new(ast);
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let phones: Vec<_> = (0..4)
        .map(|i| {
            let (ast, ok, failed) = (ast.clone(), ok.clone(), failed.clone());
            std::thread::spawn(move || {
                let listen = format!("127.0.1.{}:0", i + 1);
                for _ in 0..10 {
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
                }
            })
        })
        .collect();
    // Meanwhile: reloads alternating a good file, one with a broken section, and an unparsable one.
    let broken_section = BASIC.replace("mac = 000fd3aabb02", "mac = not-a-mac");
    let mut reloads = 0;
    while phones.iter().any(|t| !t.is_finished()) && reloads < 60 {
        let text = match reloads % 3 {
            0 => broken_section.as_str(),
            1 => "[alice\ntype = phone\n",
            _ => BASIC,
        };
        ast.write_config(text);
        ast.cli("module reload res_digium_phone.so");
        reloads += 1;
    }
    for t in phones {
        t.join().unwrap();
    }
    assert!(reloads >= 3, "the storm ended before any reload");
    assert_eq!(failed.load(Ordering::Relaxed), 0, "provisionings failed during {reloads} reloads");
    assert_eq!(ok.load(Ordering::Relaxed), 40);
    assert!(ast.is_alive());
}

#[test]
fn unload_and_load_under_traffic() {
    let Some(ast) = start("s-cycles", &fixture("basic.conf")) else { return };
    let ast = Arc::new(ast);
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (ast, stop) = (ast.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !stop.load(Ordering::Relaxed) {
                // Refusals while the module is away are expected; crashes are not.
                phone(
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
                        "--timeout",
                        "2",
                    ],
                );
                common::raw_message(
                    &ast,
                    "000fd3aabb07",
                    "<request v=\"1\" id=\"x\" method=\"provision.userlist\"/>",
                );
                runs += 1;
            }
            runs
        })
    };
    for i in 0..10 {
        let out = ast.cli("module unload res_digium_phone.so");
        assert!(out.contains("Unloaded"), "cycle {i}: {out}");
        assert!(!ast.module_mapped(), "cycle {i}: the .so is still mapped");
        let out = ast.cli("module load res_digium_phone.so");
        assert!(out.contains("Loaded"), "cycle {i}: {out}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    stop.store(true, Ordering::Relaxed);
    let runs = traffic.join().unwrap();
    assert!(runs > 0);
    assert!(ast.is_alive(), "Asterisk died");
    let after = phone(
        &ast,
        &["--mac", "000fd3aabb01", "--model", "D70", "--profile", "alice", "--pin", "97531"],
    );
    assert_eq!(after.code, 0, "{}", after.stderr);
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
        let reply = common::raw_message(&ast, "000fd3aabb07", body);
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
