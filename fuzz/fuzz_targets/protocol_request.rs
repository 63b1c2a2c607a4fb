#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| digium_phones_fuzz_checks::protocol_request(data));
