//! What each fuzz target feeds the core and the invariants it checks. The fuzz targets
//! (`fuzz/fuzz_targets/`) and the replay test (`tests/fuzz_corpus.rs`) both call these, so every
//! committed corpus file is held in CI to what the fuzzer held it to. A failed invariant panics.

mod config;
mod contacts;
mod digit_map;
mod mdns;
mod protocol;
pub mod sandbox;

pub use config::config_reader;
pub use contacts::contacts_xml;
pub use digit_map::digit_map;
pub use mdns::mdns_packet;
pub use protocol::protocol_request;

/// A target's checks, given one input.
pub type Check = fn(&[u8]);

/// Every target, by the name of its file in `fuzz/fuzz_targets/`.
pub const TARGETS: &[(&str, Check)] = &[
    ("protocol_request", protocol_request),
    ("config_reader", config_reader),
    ("digit_map", digit_map),
    ("contacts_xml", contacts_xml),
    ("mdns_packet", mdns_packet),
];

/// `text` as an XML document writer must put it: characters XML 1.0 cannot carry become U+FFFD.
pub(crate) fn xml_legal(text: &str) -> String {
    text.chars()
        .map(|c| {
            let legal =
                matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
            if legal { c } else { char::REPLACEMENT_CHARACTER }
        })
        .collect()
}
