//! A bounded job queue between Asterisk's threads and the module's workers.
//!
//! Pushing never blocks (Asterisk's message thread calls it); when the queue is full the job is
//! refused and counted. Only `std::sync` primitives, which keep no thread-local state, are used.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: usize,
    pub dropped: AtomicU64,
}

struct State<T> {
    jobs: VecDeque<T>,
    closed: bool,
}

impl<T> Queue<T> {
    pub fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State { jobs: VecDeque::new(), closed: false }),
            ready: Condvar::new(),
            capacity,
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues `job` unless the queue is full or closed.
    pub fn push(&self, job: T) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.closed || s.jobs.len() >= self.capacity {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        s.jobs.push_back(job);
        drop(s);
        self.ready.notify_one();
        true
    }

    /// Waits for a job; `None` once the queue is closed and drained.
    pub fn pop(&self) -> Option<T> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(job) = s.jobs.pop_front() {
                return Some(job);
            }
            if s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Refuses new jobs and wakes every waiting worker.
    pub fn close(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        self.ready.notify_all();
    }

    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).jobs.len()
    }
}
