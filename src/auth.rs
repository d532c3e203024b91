//! The token cache: the access token to send, the `token` input as it is
//! or one `sign_in` got from Microsoft Entra ID, renewed a quarter of its
//! lifetime before it expires (at most `renewal_margin` ahead), with one
//! sign-in at a time for the requests that need a token at once. It does
//! not know the publishing API: the scope to ask for is given to it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::clock;
use crate::host::Runner;
use crate::secret::Secret;
use crate::sign_in::{Credentials, Fetch, exchange};

/// Hands out a valid access token, renewing it before it expires.
pub struct Auth {
    credentials: Credentials,
    /// The API's scope, such as `https://example.com/.default`.
    scope: &'static str,
    http: reqwest::Client,
    runner: Runner,
    cached: Mutex<Option<Cached>>,
    /// Held while signing in, so that requests needing a token at the same
    /// time (several offers) wait for one sign-in instead of each making
    /// their own.
    signing_in: tokio::sync::Mutex<()>,
    /// The run's limit on requests in flight; a sign-in takes a place too.
    in_flight: Arc<Semaphore>,
    first_retry: Duration,
}

struct Cached {
    token: Secret,
    renew_at: Instant,
}

impl Auth {
    /// `first_retry` is the first delay before asking GitHub for its OIDC
    /// token again; `in_flight` limits the requests in flight, sign-in
    /// included.
    pub fn new(
        credentials: Credentials,
        scope: &'static str,
        http: reqwest::Client,
        runner: Runner,
        first_retry: Duration,
        in_flight: Arc<Semaphore>,
    ) -> Auth {
        Auth {
            credentials,
            scope,
            http,
            runner,
            first_retry,
            cached: Mutex::new(None),
            signing_in: tokio::sync::Mutex::new(()),
            in_flight,
        }
    }

    /// Whether a refused token can be replaced by a fresh one.
    pub fn can_renew(&self) -> bool {
        matches!(self.credentials, Credentials::Entra(_))
    }

    /// Drops the cached token if it is `refused`, so that the next `bearer`
    /// signs in again. A token renewed since (by another request refused at
    /// the same time) is kept.
    pub fn forget(&self, refused: &Secret) {
        let mut cached = self.cached.lock().unwrap();
        if cached
            .as_ref()
            .is_some_and(|cached| cached.token == *refused)
        {
            *cached = None;
        }
    }

    /// The cached token while it has time left.
    fn cached(&self) -> Option<Secret> {
        self.cached
            .lock()
            .unwrap()
            .as_ref()
            .filter(|cached| clock::now() < cached.renew_at)
            .map(|cached| cached.token.clone())
    }

    /// A token to send now: the cached one while it has time left, else a
    /// new one. Requests that ask at the same time share one sign-in.
    pub async fn bearer(&self) -> anyhow::Result<Secret> {
        let entra = match &self.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::Entra(entra) => entra,
        };
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _signing_in = self.signing_in.lock().await;
        // Another request may have signed in while this one waited.
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let (token, lifetime) = {
            let _place = self
                .in_flight
                .acquire()
                .await
                .context("the request limit was closed")?;
            let fetch = Fetch {
                http: &self.http,
                runner: &self.runner,
                first_retry: self.first_retry,
            };
            exchange(&fetch, entra, self.scope).await?
        };
        *self.cached.lock().unwrap() = Some(Cached {
            token: token.clone(),
            // A lifetime too large for the clock is renewed at the next
            // request rather than overflow.
            renew_at: clock::now()
                .checked_add(lifetime - renewal_margin(lifetime))
                .unwrap_or_else(clock::now),
        });
        Ok(token)
    }
}

/// Renew a token when a quarter of its life is left, at most five minutes
/// ahead: an hour-long token at 55 minutes, a two-second token at 1.5 s.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins() {
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(2)),
            Duration::from_millis(500)
        );
    }
}
