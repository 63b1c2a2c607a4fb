#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_fuzz::check::config_reader(data));
