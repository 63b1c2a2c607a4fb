//! Criterion micro-benchmarks of the core (`cargo bench -p digium-phones --bench core`), on the configurations
//! contrib/bench.sh generates: one template, one profile per desk, two lines each.
//!
//! - `render/one_phone`: the document a phone fetches, as the HTTP handler builds it.
//! - `parse_validate/10k_phones`: reading a 10,000-phone / 20,000-line file and building the model.
//! - `reload_swap/10k_phones`: a reload's work once Asterisk has parsed the file: the model built
//!   against the one in service (keep-last-good) and swapped in behind the readers' lock.
//! - `lockout/probe_flood`: one request for an unknown MAC from a new (spoofed) address, with every
//!   lockout table full, so eviction is part of the cost.

use std::collections::HashMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use criterion::{Criterion, criterion_group, criterion_main};

use digium_phones::bench::generate;
use digium_phones_core::model::{self, Model};
use digium_phones_core::provision::documents::{self, PhoneRequest};
use digium_phones_core::provision::lockout::{Lockouts, MAX_COUNTERS};

const PHONES: usize = 10_000;

/// The generated file on disk (the reader reads files, as Asterisk does).
fn generated(phones: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdp-bench-{}-{phones}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    let path = dir.join("res_digium_phone.conf");
    std::fs::write(&path, generate::digium_conf(phones)).expect("write the generated file");
    path
}

fn read_and_build(path: &Path, previous: Option<&Model>) -> Model {
    let loaded = digium_phones_core::conf::read(path).expect("the generated file reads");
    let built = model::build(&loaded.config, previous);
    assert_eq!(built.errors(), 0, "the generated file is valid");
    built.model
}

fn render(c: &mut Criterion) {
    let model = read_and_build(&generated(100), None);
    let profile = generate::profile(42);
    let phone = model.phone(&profile).expect("desk42 is generated");
    let request = PhoneRequest {
        phone_model: Some("D70"),
        phone_ip: Some(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 42))),
        server_host: "127.0.0.1",
        files_url: "http://127.0.0.1:8088/digium_phones/files",
        message_channel: true,
        ..PhoneRequest::default()
    };
    let no_files = HashMap::new();
    let document = documents::phone_document(&model, phone, &request, &|_| None, &no_files)
        .expect("desk42 renders");
    assert!(document.contains(&generate::secret(generate::extens(42).0)));
    c.bench_function("render/one_phone", |b| {
        b.iter(|| {
            documents::phone_document(&model, black_box(phone), &request, &|_| None, &no_files)
                .expect("renders")
        })
    });
}

fn parse_validate(c: &mut Criterion) {
    let path = generated(PHONES);
    let model = read_and_build(&path, None);
    assert_eq!((model.phones.len(), model.lines.len()), (PHONES, 2 * PHONES));
    let mut group = c.benchmark_group("parse_validate");
    group.sample_size(10);
    group.bench_function("10k_phones", |b| b.iter(|| read_and_build(black_box(&path), None)));
    group.finish();
}

fn reload_swap(c: &mut Criterion) {
    let path = generated(PHONES);
    let raw = digium_phones_core::conf::read(&path).expect("reads").config;
    let current: RwLock<Option<Arc<Model>>> =
        RwLock::new(Some(Arc::new(model::build(&raw, None).model)));
    let mut group = c.benchmark_group("reload_swap");
    group.sample_size(10);
    group.bench_function("10k_phones", |b| {
        b.iter(|| {
            let previous = current.read().expect("lock").clone();
            let built = model::build(black_box(&raw), previous.as_deref());
            *current.write().expect("lock") = Some(Arc::new(built.model));
        })
    });
    group.finish();
}

fn probe_flood(c: &mut Criterion) {
    let mut lockouts = Lockouts::with_limits(&Default::default());
    let mac = |i: u32| format!("000fd3{:06x}", i & 0xff_ffff).parse().expect("a MAC");
    let spoofed = |i: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
    for i in 0..MAX_COUNTERS as u32 {
        lockouts.probe(spoofed(i), mac(i), 0);
        lockouts.failure(Some("desk1"), spoofed(i), 0);
    }
    let mut next = MAX_COUNTERS as u32;
    c.bench_function("lockout/probe_flood", |b| {
        b.iter(|| {
            next = next.wrapping_add(1);
            lockouts.probe(black_box(spoofed(next)), mac(next), 1)
        })
    });
    let (address, pair, probes) = lockouts.sizes();
    assert!(address <= MAX_COUNTERS && pair <= MAX_COUNTERS && probes <= MAX_COUNTERS);
}

criterion_group!(benches, render, parse_validate, reload_swap, probe_flood);
criterion_main!(benches);
