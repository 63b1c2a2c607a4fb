#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdp_fuzz::check::digit_map(data));
