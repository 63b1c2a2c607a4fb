//! Directories of this process under /dev/shm (else the temporary directory), for the targets that
//! read files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // The replay test runs targets on several threads at once.
    static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed);
}

fn base() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() }
}

fn prefix() -> String {
    format!("rdp-fuzz-{}-", std::process::id())
}

/// A directory of this process for `purpose`, not created.
pub fn shared(purpose: &str) -> PathBuf {
    base().join(format!("{}{purpose}", prefix()))
}

fn own(purpose: &str) -> PathBuf {
    let slot = SLOT.with(|s| *s);
    base().join(format!("{}{purpose}-{slot}", prefix()))
}

/// A directory of this thread for `purpose`, created empty.
pub fn fresh(purpose: &str) -> PathBuf {
    let dir = own(purpose);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the sandbox directory can be created");
    dir
}

/// Removes this thread's and this process's directories for `purpose`.
pub fn remove(purpose: &str) {
    let _ = std::fs::remove_dir_all(own(purpose));
    let _ = std::fs::remove_dir_all(shared(purpose));
}
