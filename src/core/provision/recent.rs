//! A small map of recent things that forgets them after a while and never grows without bound: used
//! to answer a retransmitted request with the same reply, and to answer a MESSAGE that arrived by two
//! ways only once.

use std::collections::HashMap;
use std::hash::Hash;

#[derive(Debug)]
pub struct Recent<K, V> {
    entries: HashMap<K, (V, u64)>,
    ttl: u64,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> Recent<K, V> {
    pub fn new(ttl_secs: u64, capacity: usize) -> Self {
        Self { entries: HashMap::new(), ttl: ttl_secs, capacity }
    }

    pub fn get(&self, key: &K, now: u64) -> Option<&V> {
        self.entries.get(key).filter(|(_, at)| now < at + self.ttl).map(|(v, _)| v)
    }

    /// Remembers `value`; returns false (and keeps the old value) when `key` is already remembered.
    pub fn insert(&mut self, key: K, value: V, now: u64) -> bool {
        if self.get(&key, now).is_some() {
            return false;
        }
        if self.entries.len() >= self.capacity {
            let ttl = self.ttl;
            self.entries.retain(|_, (_, at)| now < *at + ttl);
        }
        if self.entries.len() >= self.capacity {
            let oldest = self.entries.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.entries.insert(key, (value, now));
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_after_ttl_and_stays_bounded() {
        let mut r = Recent::new(32, 3);
        assert!(r.insert("a", 1, 0));
        assert!(!r.insert("a", 2, 10));
        assert_eq!(r.get(&"a", 31), Some(&1));
        assert_eq!(r.get(&"a", 32), None);
        assert!(r.insert("a", 3, 40));
        r.insert("b", 0, 41);
        r.insert("c", 0, 42);
        r.insert("d", 0, 43);
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(&"a", 43), None, "the oldest went first");
    }
}
