//! Test support: a small deterministic generator and byte-level mutation of lines, for the
//! tests that compare a fast path with the general one on lines near the valid ones.

/// A xorshift generator: the same sequence on every run, so a failure replays.
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `seed` with zero to two bytes replaced, removed or inserted, drawn from `alphabet`.
pub(crate) fn mutate(seed: &[u8], alphabet: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut line = seed.to_vec();
    for _ in 0..rng.below(3) {
        let at = rng.below(line.len() + 1);
        let byte = alphabet[rng.below(alphabet.len())];
        match rng.below(3) {
            0 if at < line.len() => line[at] = byte,
            1 if at < line.len() => {
                line.remove(at);
            }
            _ => line.insert(at, byte),
        }
    }
    line
}
