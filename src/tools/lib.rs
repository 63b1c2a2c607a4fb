//! The offline tools of res_digium_phone, as a library for their two programs and their tests.
//!
//! - [`sim`]: `digium-phones phone`, a simulated Digium phone over real UDP SIP and HTTP.
//! - [`bench`]: the parts of `digium-phones-bench`, the load generator of contrib/bench.sh.
//!
//! Everything here builds on `digium-phones-core` alone: no Asterisk headers are needed.

pub mod bench;
pub mod sim;

/// A positive number of seconds, as the command lines take them (`0.5`, `10`).
pub fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|secs| std::time::Duration::try_from_secs_f64(secs).ok())
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("'{text}' is not a positive number of seconds"))
}
