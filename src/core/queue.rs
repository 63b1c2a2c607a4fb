//! A bounded job queue between Asterisk's threads and the module's workers.
//!
//! Pushing never blocks (Asterisk's message thread calls it); when the queue is full the job is
//! refused and counted. Only `std::sync` primitives, which keep no thread-local state, are used.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

pub struct Queue<T> {
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

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use super::Queue;

    #[test]
    fn a_full_queue_refuses_and_counts() {
        let q = Queue::new(2);
        assert!(q.push(1) && q.push(2));
        assert!(!q.push(3));
        assert_eq!((q.len(), q.dropped.load(Ordering::Relaxed)), (2, 1));
        assert_eq!((q.pop(), q.pop()), (Some(1), Some(2)));
        assert!(q.is_empty());
    }

    #[test]
    fn closing_drains_then_ends_every_worker() {
        let q = Arc::new(Queue::new(8));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                std::thread::spawn(move || std::iter::from_fn(|| q.pop()).count())
            })
            .collect();
        for i in 0..5 {
            assert!(q.push(i));
        }
        q.close();
        assert!(!q.push(9), "a closed queue takes nothing");
        let done: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(done, 5);
    }
}
