//! Shared helpers of the criterion benchmarks (seeded input generators).
