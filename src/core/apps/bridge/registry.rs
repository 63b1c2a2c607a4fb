//! Which app server answers which method: one registration per method, the later one winning.

use std::collections::HashMap;
use std::hash::Hash;

use super::MAX_METHODS;

/// Methods by the app server (`S`, the module's name for an AMI session) that registered them.
#[derive(Debug)]
pub struct Registry<S> {
    methods: HashMap<String, S>,
    capacity: usize,
}

/// What a registration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered<S> {
    /// Nobody had the method.
    New,
    /// The same server registered it again.
    Again,
    /// Another server had it; it no longer does.
    Replaced(S),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} methods are registered already, the most this server takes")]
pub struct Full(pub usize);

impl<S: Copy + Eq + Hash> Default for Registry<S> {
    fn default() -> Self {
        Self::with_capacity(MAX_METHODS)
    }
}

impl<S: Copy + Eq + Hash> Registry<S> {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { methods: HashMap::new(), capacity }
    }

    /// `server` answers `method` from now on.
    pub fn register(&mut self, method: &str, server: S) -> Result<Registered<S>, Full> {
        if let Some(owner) = self.methods.get_mut(method) {
            let before = std::mem::replace(owner, server);
            return Ok(if before == server {
                Registered::Again
            } else {
                Registered::Replaced(before)
            });
        }
        if self.methods.len() >= self.capacity {
            return Err(Full(self.capacity));
        }
        self.methods.insert(method.to_owned(), server);
        Ok(Registered::New)
    }

    /// The server that answers `method`.
    pub fn owner(&self, method: &str) -> Option<S> {
        self.methods.get(method).copied()
    }

    /// Whether `server` still answers any method.
    pub fn serves(&self, server: S) -> bool {
        self.methods.values().any(|s| *s == server)
    }

    /// Forgets every method of `server`; returns them, sorted.
    pub fn withdraw(&mut self, server: S) -> Vec<String> {
        let mut gone: Vec<String> =
            self.methods.iter().filter(|(_, s)| **s == server).map(|(m, _)| m.clone()).collect();
        for method in &gone {
            self.methods.remove(method);
        }
        gone.sort();
        gone
    }

    pub fn len(&self) -> usize {
        self.methods.len()
    }

    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// Every method with its server, sorted by method.
    pub fn all(&self) -> Vec<(String, S)> {
        let mut all: Vec<(String, S)> = self.methods.iter().map(|(m, s)| (m.clone(), *s)).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}
