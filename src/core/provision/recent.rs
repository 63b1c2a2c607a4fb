//! A small map of recent things that forgets them after a while and never grows without bound: used
//! to answer a retransmitted request with the same reply, and to answer a MESSAGE that arrived by two
//! ways only once.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Entries sit in a map for lookups and in a queue in the order they came, so forgetting the oldest
/// costs O(1): with one TTL and a clock that never goes back, the front is always the oldest. (A
/// sweep of the whole map on every insert once it is full made each MESSAGE cost O(capacity)
/// under a lock every worker shares.)
#[derive(Debug)]
pub struct Recent<K, V> {
    entries: HashMap<K, Entry<V>>,
    /// Keys in insertion order, with the sequence number they were inserted under: a key that was
    /// forgotten and remembered again leaves a stale position behind, recognised by its number.
    order: VecDeque<(K, u64)>,
    next_seq: u64,
    ttl: u64,
    capacity: usize,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    at: u64,
    seq: u64,
}

impl<K: Eq + Hash + Clone, V> Recent<K, V> {
    pub fn new(ttl_secs: u64, capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            ttl: ttl_secs,
            capacity: capacity.max(1),
        }
    }

    pub fn get(&self, key: &K, now: u64) -> Option<&V> {
        self.entries.get(key).filter(|e| now < e.at + self.ttl).map(|e| &e.value)
    }

    /// Remembers `value`; returns false (and keeps the old value) when `key` is already remembered.
    pub fn insert(&mut self, key: K, value: V, now: u64) -> bool {
        if self.get(&key, now).is_some() {
            return false;
        }
        self.forget_expired(now);
        while self.entries.len() >= self.capacity && self.forget_oldest() {}
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((key.clone(), seq));
        self.entries.insert(key, Entry { value, at: now, seq });
        true
    }

    fn forget_expired(&mut self, now: u64) {
        while let Some((key, seq)) = self.order.front() {
            match self.entries.get(key) {
                Some(e) if e.seq == *seq && now < e.at + self.ttl => break,
                _ => {
                    self.forget_oldest();
                }
            }
        }
    }

    /// Drops the front of the queue (and its entry, unless the key was remembered again since).
    fn forget_oldest(&mut self) -> bool {
        let Some((key, seq)) = self.order.pop_front() else { return false };
        if self.entries.get(&key).is_some_and(|e| e.seq == seq) {
            self.entries.remove(&key);
        }
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

    #[test]
    fn a_key_remembered_again_outlives_its_old_place_in_the_queue() {
        let mut r = Recent::new(10, 100);
        assert!(r.insert("a", 1, 0));
        assert!(r.insert("a", 2, 10), "expired, so remembered anew");
        r.insert("b", 0, 11);
        assert_eq!(r.get(&"a", 15), Some(&2), "the stale position did not take the new entry");
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn expired_entries_go_without_waiting_for_the_capacity() {
        let mut r = Recent::new(5, 100);
        for i in 0..50 {
            r.insert(i, (), i);
        }
        assert_eq!(r.len(), 5, "only the last five seconds are kept");
        assert!(r.order.len() <= 6);
    }

    #[test]
    fn stays_bounded_under_a_flood_within_the_ttl() {
        let mut r = Recent::new(3600, 1000);
        for i in 0..100_000u32 {
            assert!(r.insert(i, i, 7));
        }
        assert_eq!(r.len(), 1000);
        assert_eq!(r.order.len(), 1000);
        assert_eq!(r.get(&99_999, 7), Some(&99_999));
        assert_eq!(r.get(&98_999, 7), None);
    }
}
