//! Frees replaced configurations off the reload's path.
//!
//! A reload of 10,000 phones replaces a model of tens of megabytes; freeing it and handing the
//! memory back to the system took about 40 ms of every reload, all while the admin's `module reload`
//! waited. The reload hands it here and answers; this thread frees it, then trims the heap. Unload
//! joins it after its last batch.

use std::sync::{Arc, mpsc};
use std::time::Instant;

use super::config::Snapshot;
use crate::ffi::{log, memory, thread};

pub(crate) struct Reaper {
    /// Dropped first: the thread's loop ends with the channel.
    batches: mpsc::Sender<Vec<Arc<Snapshot>>>,
    _thread: thread::Thread,
}

impl Reaper {
    pub fn start() -> std::io::Result<Self> {
        let (batches, received) = mpsc::channel::<Vec<Arc<Snapshot>>>();
        let thread = thread::spawn("rdp-reaper", move || {
            for batch in received {
                let started = Instant::now();
                let count = batch.len();
                drop(batch);
                memory::release_free_memory();
                log::debug(
                    1,
                    &format!(
                        "freed {count} replaced configurations and returned free memory in {:.0} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    ),
                );
            }
        })?;
        Ok(Self { batches, _thread: thread })
    }

    /// Frees `replaced` (snapshots no reader holds any more) and trims the heap, soon.
    pub fn free(&self, replaced: Vec<Arc<Snapshot>>) {
        // The thread lives as long as `self`; were it gone, the batch is freed here instead.
        let _ = self.batches.send(replaced);
    }
}
