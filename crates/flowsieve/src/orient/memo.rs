//! [`Memo`]: the orientation decisions of recent records without a SYN, remembered in a small
//! direct-mapped table, one per [`super::Orienter`].
//!
//! Past the TCP flags, what [`super::Orienter::orient`] decides — which side serves, or
//! forward regardless, and the evidence — is a pure function of the recording ENI, the remote
//! ENI, the protocol, the two ports and whether the record was refused, for a given network
//! and learned listeners; the record's direction only turns "this side serves" into forward or
//! reverse. The two directions of a connection share all of that, and so do its later
//! windows: about half the records without a SYN repeat a decision of the last few thousand.
//! A hit costs a hash, one load and a compare, a miss replaces the slot. The table holds
//! answers, never changes them (tested against the orienter without it). Memory is fixed:
//! [`SLOTS`] × 16 bytes.

use super::Evidence;

/// Slots of the table (a power of two): 4,096 × 16 bytes = 64 KiB.
const SLOTS: usize = 1 << 12;
/// Bits of a slot's key (the rest holds the decision).
const KEY_BITS: u32 = 105;
const KEY_MASK: u128 = (1 << KEY_BITS) - 1;
/// Set in every filled slot: an empty slot (0) matches no key.
const FILLED: u128 = 1 << 127;

/// What a decision says, apart from the record's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// The recording ENI's side serves.
    LocalServes,
    /// The remote side serves.
    RemoteServes,
    /// Forward, whatever the direction.
    Forward,
}

/// The inputs of one decision, packed into [`KEY_BITS`] bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MemoKey(u128);

impl MemoKey {
    /// The key of a record: recording ENI, remote ENI (`u32::MAX` for none), protocol, local
    /// and remote port, refused.
    #[inline(always)]
    pub(super) fn new(
        eni: u32,
        remote_eni: u32,
        protocol: u8,
        local_port: u16,
        remote_port: u16,
        rejected: bool,
    ) -> Self {
        MemoKey(
            u128::from(eni)
                | (u128::from(remote_eni) << 32)
                | (u128::from(protocol) << 64)
                | (u128::from(local_port) << 72)
                | (u128::from(remote_port) << 88)
                | (u128::from(rejected) << 104),
        )
    }
}

/// The table; see the module documentation. Its owner empties it whenever the network or the
/// listeners it answers for change.
#[derive(Debug)]
pub(super) struct Memo {
    slots: Box<[u128]>,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            slots: vec![0; SLOTS].into_boxed_slice(),
        }
    }
}

impl Memo {
    /// Forgets every decision.
    pub(super) fn clear(&mut self) {
        self.slots.fill(0);
    }

    #[inline(always)]
    fn slot(key: MemoKey) -> usize {
        let h = (key.0 as u64 ^ (key.0 >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - SLOTS.trailing_zeros())) as usize & (SLOTS - 1)
    }

    /// The decision remembered for `key`, if any.
    #[inline(always)]
    pub(super) fn get(&self, key: MemoKey) -> Option<(Decision, Evidence)> {
        let slot = *self.slots.get(Self::slot(key))?;
        if slot & FILLED == 0 || slot & KEY_MASK != key.0 {
            return None;
        }
        let decision = match (slot >> KEY_BITS) & 3 {
            0 => Decision::LocalServes,
            1 => Decision::RemoteServes,
            _ => Decision::Forward,
        };
        let evidence = Evidence::ALL.get(((slot >> (KEY_BITS + 2)) & 15) as usize)?;
        Some((decision, *evidence))
    }

    /// Remembers `decision` for `key`.
    #[inline]
    pub(super) fn put(&mut self, key: MemoKey, decision: Decision, evidence: Evidence) {
        let code = match decision {
            Decision::LocalServes => 0u128,
            Decision::RemoteServes => 1,
            Decision::Forward => 2,
        };
        let value =
            FILLED | (code << KEY_BITS) | ((evidence.index() as u128) << (KEY_BITS + 2)) | key.0;
        if let Some(slot) = self.slots.get_mut(Self::slot(key)) {
            *slot = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every decision and evidence comes back as it went in; other keys miss, also those
    /// sharing the slot; a cleared table misses.
    #[test]
    fn decisions_round_trip() {
        let mut memo = Memo::default();
        let decisions = [
            Decision::LocalServes,
            Decision::RemoteServes,
            Decision::Forward,
        ];
        for (i, evidence) in Evidence::ALL.into_iter().enumerate() {
            let decision = decisions[i % 3];
            let key = MemoKey::new(u32::MAX, u32::MAX - 1, 255, 65535, i as u16, true);
            memo.put(key, decision, evidence);
            assert_eq!(memo.get(key), Some((decision, evidence)));
            let other = MemoKey::new(u32::MAX, u32::MAX - 1, 255, 65535, i as u16, false);
            assert_eq!(memo.get(other), None);
        }
        let key = MemoKey::new(7, 8, 6, 443, 50000, false);
        memo.put(key, Decision::LocalServes, Evidence::DeclaredListener);
        let collides = (0..1_000_000u32)
            .map(|e| MemoKey::new(e, 8, 6, 443, 50000, false))
            .find(|&k| k != key && Memo::slot(k) == Memo::slot(key))
            .expect("a key sharing the slot");
        assert_eq!(memo.get(collides), None);
        memo.clear();
        assert_eq!(memo.get(key), None);
        assert_eq!(memo.get(MemoKey(0)), None);
    }
}
