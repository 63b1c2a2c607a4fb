//! Module-owned threads, started with `pthread_create`.
//!
//! `std::thread::spawn` registers a thread-local destructor on the *calling* thread; called from an
//! Asterisk thread (load() runs on Asterisk's main thread at boot) that pins the `.so` in memory after
//! unload. A raw pthread has no such effect, and every thread here is joined before unload returns.

use std::ffi::c_void;
use std::io;

use super::guard;
use super::util::cstring;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A running thread, joined when dropped.
pub(crate) struct Thread {
    id: libc::pthread_t,
}

extern "C" fn start(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `arg` is the Box<Job> leaked by `spawn` for exactly this thread.
    let job = unsafe { Box::from_raw(arg.cast::<Job>()) };
    guard::entry("module thread", (), *job);
    std::ptr::null_mut()
}

pub(crate) fn spawn(name: &str, job: impl FnOnce() + Send + 'static) -> io::Result<Thread> {
    let boxed: Box<Job> = Box::new(Box::new(job));
    let arg = Box::into_raw(boxed).cast::<c_void>();
    let mut id: libc::pthread_t = 0;
    // SAFETY: `start` takes ownership of `arg` on success; default attributes.
    let rc = unsafe { libc::pthread_create(&mut id, std::ptr::null(), start, arg) };
    if rc != 0 {
        // SAFETY: the thread was not created, so `arg` is still ours.
        drop(unsafe { Box::from_raw(arg.cast::<Job>()) });
        return Err(io::Error::from_raw_os_error(rc));
    }
    // Linux limits names to 15 bytes.
    let short: String = name.chars().take(15).collect();
    let name = cstring(&short);
    // SAFETY: `id` is a live thread; the name is NUL-terminated and short enough.
    unsafe { libc::pthread_setname_np(id, name.as_ptr()) };
    Ok(Thread { id })
}

impl Drop for Thread {
    fn drop(&mut self) {
        // SAFETY: a thread created by `spawn`, joined exactly once, here.
        unsafe { libc::pthread_join(self.id, std::ptr::null_mut()) };
    }
}
