//! When phones fetch the documents replies name. Asterisk's HTTP server listens with a backlog of
//! 10 (`listen(fd, 10)` in main/tcptls.c): connections that arrive faster than its accept thread
//! takes them overflow that queue and wait for the client's SYN retransmission, a second or more.
//! A boot storm is exactly that, and this module is the one party that talks to the phones before
//! they connect: each reply that names a document says how long to wait before fetching it, so that
//! no more than [`PER_SLOT`] fetches fall due in any [`SLOT_MS`]. A phone that ignores it is still
//! served.

/// The length of a slot, in milliseconds.
pub const SLOT_MS: u64 = 1;
/// Fetches that may fall due in one slot: well under the backlog of 10, so that the accept thread
/// can fall a few milliseconds behind (it shares the machine with everything else in a storm)
/// without the queue filling; 4,000 fetches a second at most.
pub const PER_SLOT: u32 = 4;

/// Hands out fetch times: the fetches in flight are those granted a slot that has not yet come.
#[derive(Debug, Default)]
pub struct FetchPacer {
    /// The latest slot granted, and how many fetches it holds.
    slot: u64,
    used: u32,
}

impl FetchPacer {
    /// How many milliseconds after `now_ms` one more fetch should start: 0 while the current slot
    /// has room, else the start of the first slot that has.
    pub fn wait_ms(&mut self, now_ms: u64) -> u64 {
        let current = now_ms / SLOT_MS;
        if self.slot < current {
            self.slot = current;
            self.used = 0;
        }
        if self.used == PER_SLOT {
            self.slot += 1;
            self.used = 0;
        }
        self.used += 1;
        (self.slot * SLOT_MS).saturating_sub(now_ms)
    }

    /// Fetches granted for slots after `now_ms`'s: those a phone is still waiting to make.
    pub fn waiting(&self, now_ms: u64) -> u64 {
        let current = now_ms / SLOT_MS;
        match self.slot.checked_sub(current) {
            Some(0) | None => 0,
            Some(ahead) => (ahead - 1) * u64::from(PER_SLOT) + u64::from(self.used),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_spread_over_slots_and_a_trickle_waits_for_nothing() {
        let mut pacer = FetchPacer::default();
        // 10 replies in the same millisecond: four now, four in the next slot, two in the one after.
        let waits: Vec<u64> = (0..10).map(|_| pacer.wait_ms(100)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
        assert_eq!(pacer.waiting(100), 6);
        assert_eq!(pacer.waiting(101), 2);
        assert_eq!(pacer.waiting(102), 0);
        // Later, one at a time: no wait, whatever came before.
        assert_eq!(pacer.wait_ms(500), 0);
        assert_eq!(pacer.wait_ms(501), 0);
    }

    #[test]
    fn no_slot_ever_holds_more_than_per_slot() {
        let mut pacer = FetchPacer::default();
        let mut due = std::collections::HashMap::<u64, u32>::new();
        // 5,000 replies arriving 3 per millisecond, then 2,000 at once.
        for i in 0..5_000u64 {
            let now = i / 3;
            *due.entry((now + pacer.wait_ms(now)) / SLOT_MS).or_default() += 1;
        }
        for _ in 0..2_000 {
            *due.entry((2_000 + pacer.wait_ms(2_000)) / SLOT_MS).or_default() += 1;
        }
        assert!(due.values().all(|n| *n <= PER_SLOT), "{:?}", due.values().max());
        assert_eq!(due.values().map(|n| u64::from(*n)).sum::<u64>(), 7_000);
    }
}
