//! What a configuration holds in memory: the heap the raw file takes once read, and what building
//! its model adds (the raw configuration still held, so the model's share is what building it
//! added). Heap held, counted by the program's allocator, is what the model keeps; the resident
//! memory the build adds is given too, since it also holds what the allocator keeps of the build's
//! temporaries.

use super::generate;
use super::process::Usage;

fn rss_kib() -> Result<u64, String> {
    Usage::of("self").map(|u| u.rss_kib).map_err(|e| format!("/proc/self: {e}"))
}

/// One `memory key=value...` line for `phones` generated phones; `heap_held` tells the bytes the
/// program's heap holds now.
pub fn measure(phones: usize, heap_held: fn() -> u64) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("rdp-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("res_digium_phone.conf");
    std::fs::write(&path, generate::digium_conf(phones)).map_err(|e| e.to_string())?;
    let start = heap_held();
    let loaded = digium_phones_core::conf::read(&path).map_err(|e| e.finding().to_string())?;
    let (read, read_rss) = (heap_held(), rss_kib()?);
    let built = digium_phones_core::model::build(&loaded.config, None);
    let model = heap_held().saturating_sub(read);
    let model_rss = rss_kib()?.saturating_sub(read_rss);
    let (lines, errors) = (built.model.lines.len(), built.errors());
    drop((built, loaded));
    let _ = std::fs::remove_dir_all(&dir);
    if errors > 0 {
        return Err(format!("the generated file has {errors} errors"));
    }
    let mb = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    Ok(format!(
        "memory phones={phones} lines={lines} raw_mb={:.1} model_mb={:.1} \
         model_per_phone_kib={:.2} model_rss_mb={:.1}",
        mb(read.saturating_sub(start)),
        mb(model),
        model as f64 / 1024.0 / phones as f64,
        mb(model_rss * 1024),
    ))
}
