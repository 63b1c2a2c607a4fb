//! Phone requests waiting for their app server's answer: bounded in number and in time.
//!
//! A request is known by the `RequestID` its AMI event carries and by where it came from (the
//! phone's address and its request id), so a retransmission of a waiting request waits with it
//! instead of becoming a second one.

use std::collections::HashMap;
use std::hash::Hash;

use super::{MAX_PENDING, TIMEOUT_MS};

/// The phone's address and its request id.
pub type Origin = (String, String);

/// Waiting requests, each with the app server (`S`) asked and what the module needs to answer
/// the phone (`T`).
#[derive(Debug)]
pub struct Pending<S, T> {
    by_id: HashMap<String, Waiting<S, T>>,
    by_origin: HashMap<Origin, String>,
    /// Makes `RequestID`s of one table unlike those of another (an earlier load).
    prefix: String,
    next: u64,
    capacity: usize,
    timeout_ms: u64,
}

#[derive(Debug)]
struct Waiting<S, T> {
    origin: Origin,
    server: S,
    deadline_ms: u64,
    data: T,
}

/// A request that left the table: answered, timed out, or its server gone.
#[derive(Debug, PartialEq, Eq)]
pub struct Done<T> {
    pub request_id: String,
    pub origin: Origin,
    pub data: T,
}

/// What [`Pending::admit`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Admitted {
    /// Waits under this `RequestID`: send the AMI event.
    New(String),
    /// A retransmission of a request that waits already: nothing to do.
    Waiting,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} requests wait for app servers already")]
pub struct Full(pub usize);

impl<S: Copy + Eq + Hash, T> Pending<S, T> {
    /// A table whose `RequestID`s start with `prefix` (letters and digits).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self::with_limits(prefix, MAX_PENDING, TIMEOUT_MS)
    }

    pub fn with_limits(prefix: impl Into<String>, capacity: usize, timeout_ms: u64) -> Self {
        Self {
            by_id: HashMap::new(),
            by_origin: HashMap::new(),
            prefix: prefix.into(),
            next: 0,
            capacity,
            timeout_ms,
        }
    }

    /// Takes a request from `origin` for `server` at `now_ms`.
    pub fn admit(
        &mut self,
        origin: Origin,
        server: S,
        now_ms: u64,
        data: T,
    ) -> Result<Admitted, Full> {
        if self.by_origin.contains_key(&origin) {
            return Ok(Admitted::Waiting);
        }
        if self.by_id.len() >= self.capacity {
            return Err(Full(self.capacity));
        }
        self.next += 1;
        let id = format!("{}{}", self.prefix, self.next);
        self.by_origin.insert(origin.clone(), id.clone());
        let deadline_ms = now_ms.saturating_add(self.timeout_ms);
        self.by_id.insert(id.clone(), Waiting { origin, server, deadline_ms, data });
        Ok(Admitted::New(id))
    }

    /// The request with this `RequestID`, out of the table.
    pub fn take(&mut self, request_id: &str) -> Option<Done<T>> {
        let waiting = self.by_id.remove(request_id)?;
        self.by_origin.remove(&waiting.origin);
        Some(Done { request_id: request_id.to_owned(), origin: waiting.origin, data: waiting.data })
    }

    /// The app server a waiting request was relayed to.
    pub fn server(&self, request_id: &str) -> Option<S> {
        self.by_id.get(request_id).map(|w| w.server)
    }

    /// Whether any request waits for `server`.
    pub fn waits_for(&self, server: S) -> bool {
        self.by_id.values().any(|w| w.server == server)
    }

    /// Every request whose time is up at `now_ms`, out of the table.
    pub fn expire(&mut self, now_ms: u64) -> Vec<Done<T>> {
        self.take_where(|w| w.deadline_ms <= now_ms)
    }

    /// Every request waiting for `server`, out of the table.
    pub fn abandon(&mut self, server: S) -> Vec<Done<T>> {
        self.take_where(|w| w.server == server)
    }

    /// The earliest deadline, if any request waits.
    pub fn next_deadline(&self) -> Option<u64> {
        self.by_id.values().map(|w| w.deadline_ms).min()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn take_where(&mut self, mut pick: impl FnMut(&Waiting<S, T>) -> bool) -> Vec<Done<T>> {
        let ids: Vec<String> =
            self.by_id.iter().filter(|(_, w)| pick(w)).map(|(id, _)| id.clone()).collect();
        let mut done: Vec<Done<T>> = ids.iter().filter_map(|id| self.take(id)).collect();
        done.sort_by(|a, b| a.request_id.cmp(&b.request_id));
        done
    }
}
