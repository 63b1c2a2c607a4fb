//! PIN guessing: failed PINs are counted per source address and per (profile, source address);
//! too many within a window lock that key out for a while, twice as long on each repeat.
//!
//! Keys include the address, so an attacker elsewhere cannot lock a user out of their own phone.
//! While locked, even the right PIN is refused.

use std::collections::HashMap;
use std::net::IpAddr;

/// How guessing is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: u32,
    pub window_secs: u64,
    pub lockout_secs: u64,
    /// The longest a lockout grows to by doubling.
    pub max_lockout_secs: u64,
}

impl Default for Policy {
    /// 5 failures within 10 minutes lock for 10 minutes, doubling on repeat, up to a day.
    fn default() -> Self {
        Self { max_failures: 5, window_secs: 600, lockout_secs: 600, max_lockout_secs: 86_400 }
    }
}

#[derive(Debug, Clone, Default)]
struct Counter {
    /// Times of the failures inside the window.
    failures: Vec<u64>,
    locked_until: u64,
    /// Lockouts so far (each doubles the next).
    lockouts: u32,
    last_seen: u64,
}

/// A key is locked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub until: u64,
}

/// A new lockout, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    pub address: IpAddr,
    pub profile: Option<String>,
    pub secs: u64,
}

/// Counters kept at most (the least recently used go first), so a flood from many addresses cannot
/// grow memory without bound.
pub const MAX_COUNTERS: usize = 65_536;

#[derive(Debug, Default)]
pub struct Lockouts {
    policy: Policy,
    by_address: HashMap<IpAddr, Counter>,
    by_pair: HashMap<(String, IpAddr), Counter>,
}

impl Counter {
    fn locked(&self, now: u64) -> Option<Locked> {
        (now < self.locked_until).then_some(Locked { until: self.locked_until })
    }

    /// Records a failure; returns the lockout length if this one started a lockout.
    fn fail(&mut self, policy: &Policy, now: u64) -> Option<u64> {
        self.last_seen = now;
        self.failures.retain(|t| now < t + policy.window_secs);
        self.failures.push(now);
        if (self.failures.len() as u32) < policy.max_failures {
            return None;
        }
        let factor = 1u64.checked_shl(self.lockouts).unwrap_or(u64::MAX);
        let secs = policy.lockout_secs.saturating_mul(factor).min(policy.max_lockout_secs);
        self.lockouts = self.lockouts.saturating_add(1);
        self.locked_until = now + secs;
        self.failures.clear();
        Some(secs)
    }
}

fn bounded<K: Clone + Eq + std::hash::Hash>(map: &mut HashMap<K, Counter>) {
    if map.len() >= MAX_COUNTERS {
        if let Some(k) = map.iter().min_by_key(|(_, c)| c.last_seen).map(|(k, _)| k.clone()) {
            map.remove(&k);
        }
    }
}

impl Lockouts {
    pub fn new(policy: Policy) -> Self {
        Self { policy, ..Self::default() }
    }

    /// Whether `address` (for `profile`, when the request names one) may try a secret now.
    pub fn check(&self, profile: Option<&str>, address: IpAddr, now: u64) -> Result<(), Locked> {
        if let Some(l) = self.by_address.get(&address).and_then(|c| c.locked(now)) {
            return Err(l);
        }
        if let Some(p) = profile {
            if let Some(l) = self.by_pair.get(&(p.to_string(), address)).and_then(|c| c.locked(now))
            {
                return Err(l);
            }
        }
        Ok(())
    }

    /// Records a wrong secret; returns the lockouts it started.
    pub fn failure(&mut self, profile: Option<&str>, address: IpAddr, now: u64) -> Vec<Lockout> {
        let policy = self.policy;
        let mut started = Vec::new();
        if let Some(p) = profile {
            bounded(&mut self.by_pair);
            let counter = self.by_pair.entry((p.to_string(), address)).or_default();
            if let Some(secs) = counter.fail(&policy, now) {
                started.push(Lockout { address, profile: Some(p.to_string()), secs });
            }
        }
        // Guesses across profiles from one address add up too, at a higher threshold.
        let address_policy =
            Policy { max_failures: policy.max_failures.saturating_mul(4), ..policy };
        bounded(&mut self.by_address);
        let counter = self.by_address.entry(address).or_default();
        if let Some(secs) = counter.fail(&address_policy, now) {
            started.push(Lockout { address, profile: None, secs });
        }
        started
    }

    /// A right secret clears the pair's failures (not its lockout history).
    pub fn success(&mut self, profile: Option<&str>, address: IpAddr) {
        if let Some(p) = profile {
            if let Some(c) = self.by_pair.get_mut(&(p.to_string(), address)) {
                c.failures.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    #[test]
    fn five_failures_lock_the_pair_not_other_addresses() {
        let mut l = Lockouts::new(Policy::default());
        for t in 0..4 {
            assert!(l.failure(Some("alice"), A, t).is_empty());
            assert!(l.check(Some("alice"), A, t).is_ok());
        }
        let started = l.failure(Some("alice"), A, 10);
        assert_eq!(started, [Lockout { address: A, profile: Some("alice".into()), secs: 600 }]);
        assert_eq!(l.check(Some("alice"), A, 11), Err(Locked { until: 610 }));
        assert!(l.check(Some("alice"), B, 11).is_ok(), "another address is not locked out");
        assert!(l.check(Some("bob"), A, 11).is_ok(), "another profile from the same address");
        assert!(l.check(Some("alice"), A, 610).is_ok(), "the lockout ends");
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let mut l = Lockouts::new(Policy::default());
        for t in [0, 200, 400, 650, 900] {
            assert!(l.failure(Some("alice"), A, t).is_empty(), "at {t}");
        }
    }

    #[test]
    fn lockouts_double_on_repeat_up_to_the_cap() {
        let policy =
            Policy { max_failures: 1, window_secs: 10, lockout_secs: 100, max_lockout_secs: 350 };
        let mut l = Lockouts::new(policy);
        let secs: Vec<u64> = (0..4)
            .map(|i| {
                let now = i * 1000;
                l.failure(Some("p"), A, now).into_iter().find(|x| x.profile.is_some()).unwrap().secs
            })
            .collect();
        assert_eq!(secs, [100, 200, 350, 350]);
    }

    #[test]
    fn many_profiles_from_one_address_lock_the_address() {
        let mut l = Lockouts::new(Policy::default());
        let mut address_locked = false;
        for i in 0..20 {
            let started = l.failure(Some(&format!("p{i}")), A, i);
            address_locked |= started.iter().any(|x| x.profile.is_none());
        }
        assert!(address_locked);
        assert!(l.check(Some("anyone"), A, 30).is_err());
        assert!(l.check(Some("anyone"), B, 30).is_ok());
    }

    #[test]
    fn success_clears_failures() {
        let mut l = Lockouts::new(Policy::default());
        for t in 0..4 {
            l.failure(Some("alice"), A, t);
        }
        l.success(Some("alice"), A);
        assert!(l.failure(Some("alice"), A, 5).is_empty());
    }
}
