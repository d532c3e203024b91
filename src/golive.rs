//! Starting go-live: one POST, retried only where the service cannot have
//! started the operation, and the outputs written the moment it is known.

use std::time::Duration;

use anyhow::bail;

use crate::api::{Accepted, Client, GoLiveAnswer};
use crate::config::{Config, format_duration};
use crate::github::Runner;
use crate::retry::backoff;

/// The go-live POST is not idempotent: it is sent at most this many times,
/// and sent again only when no connection was made or the service answered
/// 429 or 503.
const GO_LIVE_ATTEMPTS: u32 = 3;

/// A `Retry-After` longer than this on the go-live POST is not waited out:
/// the run fails and says to try again later.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Sends go-live and returns the operation it started.
pub async fn start(
    client: &Client,
    config: &Config,
    runner: &Runner,
    publisher_id: &str,
    offer_id: &str,
) -> anyhow::Result<Accepted> {
    let mut attempt = 1;
    loop {
        let (reason, retry_after) = match client.go_live(publisher_id, offer_id).await {
            GoLiveAnswer::Accepted(accepted) => return Ok(accepted),
            GoLiveAnswer::Failed(message) => bail!(message),
            GoLiveAnswer::NotStarted {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        if attempt >= GO_LIVE_ATTEMPTS {
            bail!(
                "go-live was not accepted after {GO_LIVE_ATTEMPTS} attempts, the last one: {reason}; nothing was started: run this again later"
            );
        }
        let first = config.poll_interval.min(Duration::from_secs(1));
        let delay = retry_after.unwrap_or_else(|| backoff(first, attempt, first * 4));
        if delay > LONGEST_RETRY_AFTER {
            bail!(
                "go-live was not accepted ({reason}) and the service asked to wait {} before trying again; nothing was started: run this again later",
                format_duration(delay)
            );
        }
        runner.info(&format!(
            "go-live was not accepted ({reason}); trying again in {} (attempt {} of {GO_LIVE_ATTEMPTS})",
            format_duration(delay),
            attempt + 1
        ));
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}
