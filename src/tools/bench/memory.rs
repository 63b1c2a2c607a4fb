//! What a configuration holds in memory: this process's resident memory before reading a generated
//! file, after reading it, and after building its model (the raw configuration still held, so the
//! model's share is what building it added).

use super::generate;
use super::process::Usage;

fn rss_kib() -> Result<u64, String> {
    Usage::of("self").map(|u| u.rss_kib).map_err(|e| format!("/proc/self: {e}"))
}

/// One `memory key=value...` line for `phones` generated phones.
pub fn measure(phones: usize) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("rdp-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("res_digium_phone.conf");
    std::fs::write(&path, generate::digium_conf(phones)).map_err(|e| e.to_string())?;
    let start = rss_kib()?;
    let loaded = digium_phones_core::conf::read(&path).map_err(|e| e.finding().to_string())?;
    let read = rss_kib()?;
    let built = digium_phones_core::model::build(&loaded.config, None);
    let model = rss_kib()?.saturating_sub(read);
    let (lines, errors) = (built.model.lines.len(), built.errors());
    drop((built, loaded));
    let _ = std::fs::remove_dir_all(&dir);
    if errors > 0 {
        return Err(format!("the generated file has {errors} errors"));
    }
    let mb = |kib: u64| kib as f64 / 1024.0;
    Ok(format!(
        "memory phones={phones} lines={lines} raw_mb={:.1} model_mb={:.1} model_per_phone_kib={:.1}",
        mb(read.saturating_sub(start)),
        mb(model),
        model as f64 / phones as f64
    ))
}
