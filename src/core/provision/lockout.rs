//! Guessing and probing, counted per source address:
//! - failed secrets (PINs, the global PIN, HTTP passwords) per (account, address) and per address;
//! - probing: requests for MACs no profile has, per address, each distinct MAC counted once (a
//!   phone without a profile that keeps asking for its own MAC is one probe, not a hundred).
//!
//! Too many within a window lock that key out for a while, twice as long on each repeat. While an
//! address is locked out every configuration request from it is refused, the right secret and a
//! known MAC included. Keys hold the address, so nobody elsewhere can lock a phone out of its own
//! configuration; phones sharing one address (behind NAT) share its counters.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

use crate::model::general::Limits;
use crate::model::mac::Mac;

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

impl Policy {
    /// The policies `[general]` sets: (failed secrets, probing).
    pub fn from_limits(limits: &Limits) -> (Self, Self) {
        let base = Self {
            lockout_secs: limits.lockout_duration,
            max_lockout_secs: limits.lockout_max_duration,
            ..Self::default()
        };
        let probe =
            Self { max_failures: limits.probe_max_macs, window_secs: limits.probe_window, ..base };
        (base, probe)
    }
}

#[derive(Debug, Clone, Default)]
struct Counter {
    /// (time, tag) of the failures inside the window; a tag counts once (0: always counts). Kept
    /// small (the clock is seconds since the module started) and allocated exactly: under a flood
    /// there may be 65,536 of them in each table.
    failures: Vec<(u32, u32)>,
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

/// What was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Wrong secrets.
    Guessing,
    /// Unknown MACs.
    Probing,
}

/// A new lockout, for the log and the security log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockout {
    pub address: IpAddr,
    /// The account (profile, user name) whose pair was locked; `None`: the whole address.
    pub profile: Option<String>,
    pub secs: u64,
    pub cause: Cause,
}

/// Counters kept at most per table, so a flood from many (spoofed) addresses cannot grow memory
/// without bound. When a table is full the least recently seen counters that are not locked out go
/// first, a sixteenth of the table at a time.
pub const MAX_COUNTERS: usize = 65_536;

#[derive(Debug, Default)]
pub struct Lockouts {
    policy: Policy,
    probe_policy: Policy,
    by_address: HashMap<IpAddr, Counter>,
    /// Keyed by a hash of the account name: no string kept per counter.
    by_pair: HashMap<(u64, IpAddr), Counter>,
    probes: HashMap<IpAddr, Counter>,
}

impl Counter {
    fn locked(&self, now: u64) -> Option<Locked> {
        (now < self.locked_until).then_some(Locked { until: self.locked_until })
    }

    /// Records a failure; returns the lockout length if this one started a lockout.
    fn fail(&mut self, policy: &Policy, now: u64, tag: u32) -> Option<u64> {
        self.last_seen = now;
        self.failures.retain(|(t, _)| now < u64::from(*t) + policy.window_secs);
        if tag != 0 && self.failures.iter().any(|(_, x)| *x == tag) {
            return None;
        }
        if self.failures.len() == self.failures.capacity() {
            self.failures.reserve_exact(1);
        }
        self.failures.push((u32::try_from(now).unwrap_or(u32::MAX), tag));
        if (self.failures.len() as u32) < policy.max_failures {
            return None;
        }
        let factor = 1u64.checked_shl(self.lockouts).unwrap_or(u64::MAX);
        let secs = policy.lockout_secs.saturating_mul(factor).min(policy.max_lockout_secs);
        self.lockouts = self.lockouts.saturating_add(1);
        self.locked_until = now + secs;
        self.failures = Vec::new();
        Some(secs)
    }
}

/// Makes room for one more counter in a full table.
fn make_room<K: Clone + Eq + Hash>(map: &mut HashMap<K, Counter>, now: u64) {
    if map.len() < MAX_COUNTERS {
        return;
    }
    let mut oldest: Vec<(bool, u64, K)> =
        map.iter().map(|(k, c)| (c.locked(now).is_some(), c.last_seen, k.clone())).collect();
    let evict = (MAX_COUNTERS / 16).max(1);
    oldest.select_nth_unstable_by_key(evict - 1, |(locked, seen, _)| (*locked, *seen));
    for (_, _, key) in oldest.into_iter().take(evict) {
        map.remove(&key);
    }
}

/// A MAC as a 32-bit tag: its last four bytes with the first two folded in, so the MACs of one
/// vendor prefix (what an enumeration walks) never share a tag.
fn tag(mac: Mac) -> u32 {
    let b = mac.octets();
    let low = u32::from_be_bytes([b[2], b[3], b[4], b[5]]);
    low ^ (u32::from(u16::from_be_bytes([b[0], b[1]])) << 16)
}

/// The pair key of an account name.
fn account(name: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(name.as_bytes());
    h.finish()
}

impl Lockouts {
    pub fn new(policy: Policy) -> Self {
        let probe_policy = Policy { max_failures: 20, ..policy };
        Self { policy, probe_policy, ..Self::default() }
    }

    /// With the policies of `[general]`.
    pub fn with_limits(limits: &Limits) -> Self {
        let mut l = Self::default();
        l.set_limits(limits);
        l
    }

    /// New policies (on reload); the counters and lockouts so far stay.
    pub fn set_limits(&mut self, limits: &Limits) {
        (self.policy, self.probe_policy) = Policy::from_limits(limits);
    }

    /// Whether `address` (for `profile`, when the request names one) may try now.
    pub fn check(&self, profile: Option<&str>, address: IpAddr, now: u64) -> Result<(), Locked> {
        for table in [&self.by_address, &self.probes] {
            if let Some(l) = table.get(&address).and_then(|c| c.locked(now)) {
                return Err(l);
            }
        }
        if let Some(p) = profile {
            if let Some(l) = self.by_pair.get(&(account(p), address)).and_then(|c| c.locked(now)) {
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
            let key = (account(p), address);
            if !self.by_pair.contains_key(&key) {
                make_room(&mut self.by_pair, now);
            }
            let counter = self.by_pair.entry(key).or_default();
            if let Some(secs) = counter.fail(&policy, now, 0) {
                let profile = Some(p.to_string());
                started.push(Lockout { address, profile, secs, cause: Cause::Guessing });
            }
        }
        // Guesses across profiles from one address add up too, at a higher threshold.
        let address_policy =
            Policy { max_failures: policy.max_failures.saturating_mul(4), ..policy };
        if !self.by_address.contains_key(&address) {
            make_room(&mut self.by_address, now);
        }
        let counter = self.by_address.entry(address).or_default();
        if let Some(secs) = counter.fail(&address_policy, now, 0) {
            started.push(Lockout { address, profile: None, secs, cause: Cause::Guessing });
        }
        started
    }

    /// Records a request for `mac`, which no profile has; returns the lockout it started.
    pub fn probe(&mut self, address: IpAddr, mac: Mac, now: u64) -> Option<Lockout> {
        if !self.probes.contains_key(&address) {
            make_room(&mut self.probes, now);
        }
        let policy = self.probe_policy;
        let secs = self.probes.entry(address).or_default().fail(&policy, now, tag(mac))?;
        Some(Lockout { address, profile: None, secs, cause: Cause::Probing })
    }

    /// A right secret clears the pair's failures (not its lockout history).
    pub fn success(&mut self, profile: Option<&str>, address: IpAddr) {
        if let Some(p) = profile {
            if let Some(c) = self.by_pair.get_mut(&(account(p), address)) {
                c.failures.clear();
            }
        }
    }

    /// Counters held: (per address, per pair, probing).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.by_address.len(), self.by_pair.len(), self.probes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    fn mac(i: u32) -> Mac {
        format!("000fd3{i:06x}").parse().unwrap()
    }

    #[test]
    fn five_failures_lock_the_pair_not_other_addresses() {
        let mut l = Lockouts::new(Policy::default());
        for t in 0..4 {
            assert!(l.failure(Some("alice"), A, t).is_empty());
            assert!(l.check(Some("alice"), A, t).is_ok());
        }
        let started = l.failure(Some("alice"), A, 10);
        assert_eq!(
            started,
            [Lockout {
                address: A,
                profile: Some("alice".into()),
                secs: 600,
                cause: Cause::Guessing
            }]
        );
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

    #[test]
    fn distinct_unknown_macs_lock_the_address_for_everything() {
        let mut l = Lockouts::with_limits(&Limits::default());
        for i in 0..19 {
            assert_eq!(l.probe(A, mac(i), i.into()), None, "probe {i}");
        }
        let started = l.probe(A, mac(19), 20).expect("the 20th distinct MAC locks");
        assert_eq!((started.secs, started.cause, started.profile), (600, Cause::Probing, None));
        assert_eq!(l.check(None, A, 21), Err(Locked { until: 620 }));
        assert_eq!(l.check(Some("alice"), A, 21), Err(Locked { until: 620 }), "any request");
        assert!(l.check(None, B, 21).is_ok(), "another address");
        // The next round locks twice as long.
        for i in 0..19 {
            assert_eq!(l.probe(A, mac(100 + i), 700), None);
        }
        assert_eq!(l.probe(A, mac(200), 700).map(|x| x.secs), Some(1200));
    }

    #[test]
    fn one_phone_asking_for_its_own_unknown_mac_is_one_probe() {
        let mut l = Lockouts::with_limits(&Limits::default());
        for t in 0..1000 {
            assert_eq!(l.probe(A, mac(1), t / 10), None);
        }
        assert!(l.check(None, A, 100).is_ok());
    }

    #[test]
    fn limits_come_from_general() {
        let limits = Limits {
            probe_max_macs: 3,
            probe_window: 10,
            lockout_duration: 30,
            lockout_max_duration: 40,
        };
        let mut l = Lockouts::with_limits(&limits);
        assert_eq!(l.probe(A, mac(1), 0), None);
        assert_eq!(l.probe(A, mac(2), 15), None);
        assert_eq!(l.probe(A, mac(3), 20), None, "the first fell out of the window");
        assert_eq!(l.probe(A, mac(4), 21).map(|x| x.secs), Some(30));
        for i in 0..3 {
            l.probe(A, mac(10 + i), 100);
        }
        assert_eq!(l.check(None, A, 100), Err(Locked { until: 140 }), "capped at 40 s");
    }

    #[test]
    fn a_flood_from_many_addresses_stays_bounded_and_keeps_lockouts() {
        let mut l = Lockouts::with_limits(&Limits::default());
        for i in 0..20 {
            l.probe(A, mac(i), 0);
        }
        assert!(l.check(None, A, 1).is_err());
        for i in 0..(MAX_COUNTERS as u32 + 10_000) {
            let spoofed = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.probe(spoofed, mac(i), 1);
            l.failure(Some("alice"), spoofed, 1);
        }
        let (address, pair, probes) = l.sizes();
        assert!(address <= MAX_COUNTERS && pair <= MAX_COUNTERS && probes <= MAX_COUNTERS);
        assert!(l.check(None, A, 2).is_err(), "a locked-out address is not evicted by the flood");
    }
}
