//! How a run proves who it is, as plain data: a token given as it is, or
//! Microsoft Entra sign-in with a client secret or a federated token
//! (GitHub OIDC, Azure Pipelines, a token file such as GitLab's).
//! `config` builds it from the inputs; `auth` uses it. Sends nothing.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::secret::Secret;

/// How a run gets its access token, chosen from the inputs in `config`.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// `token`: used as it is and never renewed.
    Token(Secret),
    /// `tenant_id` and `client_id`, proved with a secret or a GitHub token.
    Entra(Box<Entra>),
}

/// Sign-in with Microsoft Entra ID.
#[derive(Debug, Clone)]
pub struct Entra {
    pub authority: Url,
    pub tenant_id: String,
    pub client_id: String,
    pub proof: Proof,
}

#[derive(Debug, Clone)]
pub enum Proof {
    ClientSecret(Secret),
    /// GitHub OIDC: `ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`, and the
    /// audience to ask for.
    GitHubOidc {
        request_url: Url,
        request_token: Secret,
        audience: String,
    },
    /// A federated token read from this file before each sign-in
    /// (`AZURE_FEDERATED_TOKEN_FILE`), so that a renewed file is used.
    TokenFile(PathBuf),
    /// A federated token given as it is, by the variable `source`. `once`:
    /// it cannot be renewed and lives about `ASSERTION_LIFETIME`
    /// (`AzureCLI@2`'s `idToken`).
    Assertion {
        token: Secret,
        source: &'static str,
        once: bool,
    },
    /// Azure Pipelines workload identity federation: a fresh OIDC token
    /// from `SYSTEM_OIDCREQUESTURI` before each sign-in.
    AzurePipelines {
        request_url: Url,
        access_token: Secret,
        service_connection_id: String,
    },
}

/// How long a federated token of Azure Pipelines lives, about.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// What the runner gives a job with `permissions: id-token: write`:
/// `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
#[derive(Debug, Default)]
pub struct OidcRequest {
    pub url: Option<String>,
    pub token: Option<Secret>,
}
