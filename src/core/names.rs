//! Hash tables keyed by names from the admin's configuration: option keys, section names, hints.
//!
//! std's SipHash resists keys chosen to collide, which these are not (the admin writes them; a
//! phone's request only looks names up). It cost a fifth of a 10,000-phone reload; this hasher
//! takes a word at a time and ends with a full avalanche, so names that differ in one digit still
//! land in different buckets.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;
pub type NameSet<K> = HashSet<K, BuildHasherDefault<NameHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// MurmurHash3's finaliser: every input bit reaches every output bit.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn similar_names_spread_over_the_buckets() {
        let build = BuildHasherDefault::<NameHasher>::default();
        // The bucket is taken from the low bits: 10,000 desks must not crowd into a few.
        let buckets: NameSet<u64> =
            (1..=10_000).map(|i| build.hash_one(format!("desk{i}")) & 0x3fff).collect();
        assert!(buckets.len() > 7_000, "{} distinct buckets of 16,384", buckets.len());
        assert_ne!(build.hash_one("ab"), build.hash_one("ab\0"));
    }

    #[test]
    fn a_name_map_is_a_map() {
        let mut m: NameMap<String, usize> = NameMap::default();
        m.insert("line".into(), 1);
        assert_eq!(m.get("line"), Some(&1));
        assert_eq!(m.get("Line"), None);
    }
}
