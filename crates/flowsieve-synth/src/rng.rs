//! Deterministic randomness. Every random choice of the generator is drawn from a ChaCha8 stream
//! keyed by a hash of (seed, purpose, indices): the output never depends on thread count, on the
//! order in which work runs, or on the iteration order of a hash map. Ranges are computed with
//! integer arithmetic of our own (not `rand`'s distributions) so a `rand` upgrade cannot change an
//! archive silently.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finaliser: a bijective 64-bit mix.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of a word sequence (order matters).
pub(crate) fn hash(words: &[u64]) -> u64 {
    words.iter().fold(0x243F_6A88_85A3_08D3, |h, &w| mix(h ^ w))
}

/// Stream purposes, so that two uses of the same indices never share a stream.
pub(crate) mod purpose {
    pub(crate) const INVENTORY: u64 = 1;
    pub(crate) const CONNECTIONS: u64 = 2;
    pub(crate) const PERIODIC: u64 = 3;
    pub(crate) const PILOT: u64 = 4;
    pub(crate) const SKIPDATA: u64 = 5;
    pub(crate) const OBJECT_NAME: u64 = 6;
    pub(crate) const MALFORMED: u64 = 7;
    pub(crate) const TIME: u64 = 8;
    pub(crate) const FLOW_LOG_ID: u64 = 9;
}

/// One deterministic random stream.
pub(crate) struct Stream(ChaCha8Rng);

impl Stream {
    /// The stream keyed by `words` (seed first by convention).
    pub(crate) fn new(words: &[u64]) -> Stream {
        let h = hash(words);
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(
                &mix(h ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407)).to_le_bytes(),
            );
        }
        Stream(ChaCha8Rng::from_seed(key))
    }

    /// 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0); the bias of the multiply-shift is below 2^-40 for our `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `permille / 1000`.
    pub(crate) fn permille(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }

    /// A value in `lo..=hi` skewed towards `lo` (cubic), for durations and sizes.
    pub(crate) fn skewed(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let u = self.unit();
        lo + ((hi - lo) as f64 * u * u * u) as u64
    }

    /// `n` lowercase hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| char::from(HEX[self.below(16) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(&[7, 1, 2]);
                move |_| s.next()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(&[7, 1, 2]);
                move |_| s.next()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(&[7, 2, 1]);
                move |_| s.next()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ranges_stay_inside() {
        let mut s = Stream::new(&[1]);
        for _ in 0..10_000 {
            let v = s.range(1024, 65535);
            assert!((1024..=65535).contains(&v));
            let k = s.skewed(3, 9);
            assert!((3..=9).contains(&k));
            assert!(s.below(5) < 5);
        }
        assert_eq!(s.range(9, 9), 9);
        assert_eq!(s.below(0), 0);
    }
}
