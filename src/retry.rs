//! Delays between tries: exponential backoff with jitter, and the delay a
//! service asks for in `Retry-After` and its millisecond cousins. The clock
//! is a parameter; the loops that sleep, and their bounds, are in `flow`
//! and `poll`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The longest delay a server may ask for; a longer one is cut to this, so
/// that no arithmetic on it can overflow.
pub const LONGEST_ASKED_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Exponential backoff with jitter: the `failures`-th delay (from 1) is
/// `first * 2^(failures-1)`, capped at `cap`, then scaled by a factor
/// between 0.5 and 1 (`jitter`, in [0, 1), picks where; `jitter()` draws
/// one) so that many runners do not retry in step.
pub fn backoff(first: Duration, failures: u32, cap: Duration, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let full = first.saturating_mul(1 << exponent).min(cap);
    let jitter = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    // Through f64 a long delay may round up: never past `full`.
    full.mul_f64(0.5 + jitter / 2.0).min(full)
}

/// A random number in [0, 1): the jitter of one delay.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the operating system provides random bytes");
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// How long the service asked to wait, as of `now`: `retry-after-ms` and
/// `x-ms-retry-after-ms` in milliseconds, or `Retry-After` in seconds or as
/// an HTTP date. Cut to `LONGEST_ASKED_DELAY`.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let asked = ["retry-after-ms", "x-ms-retry-after-ms"]
        .into_iter()
        .find_map(|name| header(name)?.parse::<u64>().ok())
        .map(Duration::from_millis)
        .or_else(|| {
            let value = header("retry-after")?;
            if let Ok(seconds) = value.parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            let date = httpdate::parse_http_date(value).ok()?;
            Some(date.duration_since(now).unwrap_or(Duration::ZERO))
        })?;
    Some(asked.min(LONGEST_ASKED_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arbitrary;
    use proptest::prelude::*;

    /// The words of the answers this module reads.
    const WORDS: &[&str] = &["1", "0", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "1.5", ""];
    use reqwest::header::HeaderValue;

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
                let delay = backoff(first, failures, cap, jitter());
                let full = Duration::from_millis(full);
                assert!(delay >= full / 2 && delay <= full, "{failures}: {delay:?}");
            }
        }
    }

    #[track_caller]
    fn check_retry_after(headers: &[(&'static str, &str)], expected: Option<Duration>) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        // 2015-10-21T07:26:00Z, two minutes before the date below.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_360);
        assert_eq!(retry_after(&map, now), expected);
    }

    #[test]
    fn retry_after_forms() {
        check_retry_after(&[], None);
        check_retry_after(&[("retry-after", "7")], Some(Duration::from_secs(7)));
        check_retry_after(
            &[("retry-after-ms", "250")],
            Some(Duration::from_millis(250)),
        );
        check_retry_after(
            &[("x-ms-retry-after-ms", "40")],
            Some(Duration::from_millis(40)),
        );
        check_retry_after(
            &[("retry-after", "9"), ("retry-after-ms", "1500")],
            Some(Duration::from_millis(1500)),
        );
        check_retry_after(
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            Some(Duration::from_secs(120)),
        );
        check_retry_after(
            &[("retry-after", "Wed, 21 Oct 2015 07:20:00 GMT")],
            Some(Duration::ZERO),
        );
        check_retry_after(&[("retry-after", "soon")], None);
        check_retry_after(
            &[("retry-after", "99999999999999")],
            Some(LONGEST_ASKED_DELAY),
        );
    }

    fn header_value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string().into_bytes()),
            any::<i64>().prop_map(|n| format!(" {n} ").into_bytes()),
            any::<u64>().prop_map(|secs| {
                let at = SystemTime::UNIX_EPOCH + Duration::from_secs(secs % 253_402_300_000);
                httpdate::fmt_http_date(at).into_bytes()
            }),
            arbitrary::text(WORDS).prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        #![proptest_config(arbitrary::config())]

        /// Any value in any of the three headers, at any time, gives a delay
        /// of at most a day, or none.
        #[test]
        fn any_retry_after_is_a_bounded_delay(
            values in proptest::collection::vec((0usize..3, header_value()), 0..4),
            now in any::<u64>(),
        ) {
            let mut headers = HeaderMap::new();
            for (name, bytes) in values {
                let name = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"][name];
                if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                    headers.append(name, value);
                }
            }
            let now = SystemTime::UNIX_EPOCH
                .checked_add(Duration::from_secs(now % 100_000_000_000))
                .unwrap();
            if let Some(delay) = retry_after(&headers, now) {
                prop_assert!(delay <= LONGEST_ASKED_DELAY);
            }
        }

        #[test]
        fn any_backoff_is_bounded(first in any::<u64>(), failures in any::<u32>(), cap in any::<u64>(), jitter in any::<f64>()) {
            let (first, cap) = (Duration::from_millis(first), Duration::from_millis(cap));
            prop_assert!(backoff(first, failures, cap, jitter) <= cap);
        }
    }
}
