//! The clock: the one place the product reads the time. Everything else is
//! handed the time (`now`, `deadline`, `remaining`) as an argument, so that
//! its decisions are pure and tests pin them.
#![allow(
    clippy::disallowed_methods,
    reason = "the one place that reads the clock"
)]

use std::time::{Instant, SystemTime};

/// The monotonic clock: for deadlines and elapsed times.
pub fn now() -> Instant {
    Instant::now()
}

/// The wall clock: for dates a server sends (`Retry-After`, token expiry).
pub fn wall() -> SystemTime {
    SystemTime::now()
}
