//! Delays between tries of a request that failed for a passing reason.
//! The loops that use them, and their bounds, are in `golive` and `poll`.

use std::time::Duration;

/// Exponential backoff with jitter: the `failures`-th delay (from 1) is
/// `first * 2^(failures-1)`, capped at `cap`, then scaled by a random factor
/// between 0.5 and 1 so that many runners do not retry in step.
pub fn backoff(first: Duration, failures: u32, cap: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let full = first.saturating_mul(1 << exponent).min(cap);
    full.mul_f64(0.5 + random_fraction() / 2.0)
}

/// A number in [0, 1).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the operating system provides random bytes");
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_with_jitter() {
        let first = Duration::from_millis(100);
        let cap = Duration::from_millis(1000);
        for (failures, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let delay = backoff(first, failures, cap);
                let full = Duration::from_millis(full);
                assert!(delay >= full / 2 && delay <= full, "{failures}: {delay:?}");
            }
        }
    }
}
