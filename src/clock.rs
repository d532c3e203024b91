//! The clock: the one place the product reads the time. Everything else is
//! handed the time (`now`, `deadline`, `remaining`) as an argument, so that
//! its decisions are pure and tests pin them; and a test that pauses
//! tokio's clock moves this one.
#![allow(
    clippy::disallowed_methods,
    reason = "the one place that reads the clock"
)]

use std::time::{Duration, Instant, SystemTime};

/// The monotonic clock: for deadlines and elapsed times. Read through
/// tokio's, which is the same clock unless a test pauses it.
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// The time since `start`, never negative.
pub fn since(start: Instant) -> Duration {
    now().saturating_duration_since(start)
}

/// The wall clock: for dates a server sends (`Retry-After`, token expiry).
pub fn wall() -> SystemTime {
    SystemTime::now()
}
