//! Signing in: how a run proves who it is, and which way it uses.
//!
//! The action's inputs (`inputs.rs`: a token, a client secret, GitHub
//! OIDC) or, for a command line, the environment, tried in the order of
//! `WAYS` (docs/command-line.md lists them in the same order, and a test
//! holds the two together), with the sentence that names the way chosen.
//! One file per way: `entra.rs` (the client-credentials exchange, a client
//! secret, Entra's refusals and their hints), `github.rs`,
//! `azure_pipelines.rs` and `token_file.rs` (each way's federated token,
//! asked for or read again before each sign-in). The secret variables are
//! derived from `WAYS`. It reads no variable itself (the environment is
//! given) and knows no API: the scope to ask for is a value.

mod azure_pipelines;
mod entra;
mod github;
mod inputs;
mod token_file;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use reqwest::Url;

use crate::body::{BODY_CAP, read_capped};
use crate::host::Runner;
use crate::inputs::{InputError, RawInputs, invalid, parse_service_url};
use crate::retry::{backoff, jitter};
use crate::secret::Secret;
use crate::surface::Surface;
use crate::text::error_chain;

pub use entra::exchange;
pub(crate) use inputs::parse_credentials;

/// How a run gets its access token.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A bearer token given as it is; it cannot be renewed.
    Token(Secret),
    /// Sign-in with Microsoft Entra ID, renewed before expiry.
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

/// Where the sign-in comes from.
pub enum SignIn {
    /// The action's inputs (`token`, `client_secret`, ...) and the GitHub
    /// OIDC request the runner gives.
    Inputs(OidcRequest),
    /// The environment, as the Azure SDKs read it (a command line).
    Environment(Vec<(String, String)>),
}

impl Default for SignIn {
    /// The action's inputs, without a GitHub OIDC request.
    fn default() -> SignIn {
        SignIn::Inputs(OidcRequest::default())
    }
}

/// One way a command line signs in from the environment.
pub(crate) struct Way {
    /// The variable docs/command-line.md names the way by.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "a test holds WAYS to the documented order")
    )]
    pub(crate) named_by: &'static str,
    /// The way's variables that hold secrets, masked before anything is
    /// printed.
    pub(crate) secrets: &'static [&'static str],
    /// The way's credentials and the sentence naming it, when the
    /// environment gives what it needs.
    pub(crate) find: fn(&Found<'_>) -> Option<Result<Chosen, InputError>>,
}

/// The credentials a way found, and the sentence that names the way.
pub(crate) type Chosen = (Credentials, String);

/// The ways, in the order they are tried (docs/command-line.md's).
pub(crate) const WAYS: [Way; 6] = [
    Way {
        named_by: "GO_LIVE_TOKEN",
        secrets: &["GO_LIVE_TOKEN"],
        find: given_token,
    },
    entra::CLIENT_SECRET,
    token_file::WAY,
    github::WAY,
    azure_pipelines::FEDERATION,
    azure_pipelines::EXPORTED,
];

/// Every variable of the environment that may hold a secret.
pub fn secret_variables() -> impl Iterator<Item = &'static str> {
    WAYS.iter().flat_map(|way| way.secrets.iter().copied())
}

/// The environment a command line signs in from, and the flags that come
/// before its variables.
pub(crate) struct Found<'a> {
    raw: &'a RawInputs,
    env: &'a [(String, String)],
}

impl Found<'_> {
    /// The variable's value, trimmed; empty counts as unset.
    fn var(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The flag's value when given, else the variable's, with the name of
    /// where it came from.
    fn pick(&self, input: &str, variable: &'static str) -> Option<(String, String)> {
        match self.raw.given(input) {
            Some(value) => Some((Surface::CommandLine.input(input), value.to_owned())),
            None => self.var(variable).map(|value| (variable.to_owned(), value)),
        }
    }

    /// The tenant and the application of `AZURE_TENANT_ID` and
    /// `AZURE_CLIENT_ID` (or their flags), when both are given.
    fn azure_application(&self) -> Option<((String, String), (String, String))> {
        Some((
            self.pick("tenant_id", "AZURE_TENANT_ID")?,
            self.pick("client_id", "AZURE_CLIENT_ID")?,
        ))
    }

    /// Microsoft Entra, or `--authority-url`, or `AZURE_AUTHORITY_HOST`.
    fn authority(&self) -> Result<Url, InputError> {
        match (
            self.raw.given("authority_url"),
            self.var("AZURE_AUTHORITY_HOST"),
        ) {
            (None, Some(host)) => parse_service_url("AZURE_AUTHORITY_HOST", &host, entra::ENTRA),
            _ => entra::authority(self.raw, Surface::CommandLine),
        }
    }

    /// Entra credentials for the application, checked, and the sentence
    /// "Signing in ... as the application X with `how`".
    fn entra(
        &self,
        (tenant_name, tenant_id): (String, String),
        (client_name, client_id): (String, String),
        proof: Proof,
        how: &str,
    ) -> Result<Chosen, InputError> {
        entra::check_application(&tenant_name, &tenant_id, &client_name, &client_id)?;
        let chosen =
            format!("Signing in to Microsoft Entra as the application {client_id} with {how}");
        let entra = Entra {
            authority: self.authority()?,
            tenant_id,
            client_id,
            proof,
        };
        Ok((Credentials::Entra(Box::new(entra)), chosen))
    }
}

/// `GO_LIVE_TOKEN`, used as it is.
fn given_token(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let token = found.var("GO_LIVE_TOKEN")?;
    Some(bare_token("GO_LIVE_TOKEN", token).map(|credentials| {
        (
            credentials,
            "Signing in with GO_LIVE_TOKEN, used as it is".to_owned(),
        )
    }))
}

/// A token given as it is, refused with white space or control
/// characters inside (`Bearer ` pasted with it).
fn bare_token(name: &str, token: String) -> Result<Credentials, InputError> {
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid(format!(
            "{name} contains spaces or control characters: pass the bare access token, without 'Bearer '"
        )));
    }
    Ok(Credentials::Token(Secret::new(token)))
}

/// The way a command line signs in, from the environment: the first of
/// `WAYS` that applies (empty variables count as unset), `--tenant-id` and
/// `--client-id` before the variables. `scope` is the API's, named when no
/// way is found. Returns the credentials, the sentence naming the way
/// chosen, and notes.
pub(crate) fn environment_credentials(
    raw: &RawInputs,
    env: &[(String, String)],
    scope: &str,
) -> Result<(Credentials, String, Vec<String>), InputError> {
    let found = Found { raw, env };
    // A flag is checked whichever way is used; a variable of the
    // environment only when the way uses it.
    if raw.given("authority_url").is_some() {
        found.authority()?;
    }
    let unmapped = azure_pipelines::unmapped(&found);
    let notes: Vec<String> = unmapped.iter().map(|note| (*note).to_owned()).collect();
    if let Some(chosen) = WAYS.iter().find_map(|way| (way.find)(&found)) {
        let (credentials, sentence) = chosen?;
        return Ok((credentials, sentence, notes));
    }
    let audience = scope.trim_end_matches("/.default");
    let mut message = format!(
        "no way to sign in was found in the environment: set GO_LIVE_TOKEN (an access token for {audience}); or AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE; or run where GitHub OIDC (permissions: id-token: write) or an AzureCLI@2 step with a workload identity service connection gives one"
    );
    let tenant = found.pick("tenant_id", "AZURE_TENANT_ID");
    let client = found.pick("client_id", "AZURE_CLIENT_ID");
    if tenant.is_some() != client.is_some() {
        let unset = if tenant.is_none() {
            "AZURE_TENANT_ID"
        } else {
            "AZURE_CLIENT_ID"
        };
        message.push_str(&format!(" ({unset} is not set)"));
    }
    if let Some(note) = unmapped {
        message.push_str("; ");
        message.push_str(note);
    }
    Err(invalid(message))
}

/// An OIDC token request is sent at most this many times.
const OIDC_ATTEMPTS: u32 = 3;

/// What fetching a federated token needs: the HTTP client, the runner (to
/// mask each token as it arrives) and the first delay before asking again.
pub struct Fetch<'a> {
    pub http: &'a reqwest::Client,
    pub runner: &'a Runner,
    pub first_retry: Duration,
}

impl Fetch<'_> {
    /// Sends the request built by `request`, again after a failed
    /// connection or a 5xx, at most `OIDC_ATTEMPTS` times: it asks for a
    /// token and changes nothing. `who` runs the endpoint.
    async fn ask(
        &self,
        who: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> anyhow::Result<(reqwest::StatusCode, String)> {
        let mut attempt = 1;
        loop {
            let failure = match request().send().await {
                Ok(response) if !response.status().is_server_error() => {
                    let status = response.status();
                    let body = read_capped(response, BODY_CAP).await.map_err(|error| {
                        anyhow::anyhow!(
                            "{who}'s answer to the OIDC token request was unreadable: {error}"
                        )
                    })?;
                    return Ok((status, body));
                }
                Ok(response) => format!("HTTP {}", response.status()),
                Err(error) => error_chain(&error),
            };
            if attempt >= OIDC_ATTEMPTS {
                let article = if who.starts_with('A') { "an" } else { "a" };
                bail!(
                    "cannot get {article} {who} OIDC token after {OIDC_ATTEMPTS} tries, the last one: {failure}"
                );
            }
            let delay = backoff(self.first_retry, attempt, self.first_retry * 4, jitter());
            self.runner.debug(&format!(
                "the {who} OIDC token request failed ({failure}); trying again in {delay:?}"
            ));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

impl Proof {
    /// The federated token to offer Entra now, fetched or read afresh (a
    /// federated token lives minutes), or none for a client secret.
    async fn assertion(&self, fetch: &Fetch<'_>) -> anyhow::Result<Option<Secret>> {
        Ok(Some(match self {
            Proof::ClientSecret(_) => return Ok(None),
            Proof::GitHubOidc {
                request_url,
                request_token,
                audience,
            } => github::token(fetch, request_url, request_token, audience).await?,
            Proof::TokenFile(path) => token_file::read(fetch, path)?,
            Proof::Assertion { token, .. } => token.clone(),
            Proof::AzurePipelines {
                request_url,
                access_token,
                service_connection_id,
            } => {
                azure_pipelines::token(fetch, request_url, access_token, service_connection_id)
                    .await?
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the chain over a fake environment, as a command line would.
    fn choose(
        flags: &[(&'static str, &str)],
        env: &[(&str, &str)],
    ) -> Result<(String, String), String> {
        let raw = RawInputs::from_values(
            flags
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned()))
                .collect(),
        );
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        environment_credentials(&raw, &env, "https://example.com/.default")
            .map(|(credentials, sentence, notes)| {
                let how = match credentials {
                    Credentials::Token(_) => "token".to_owned(),
                    Credentials::Entra(entra) => format!(
                        "{} {} {} {}",
                        entra.authority,
                        entra.tenant_id,
                        entra.client_id,
                        match entra.proof {
                            Proof::ClientSecret(_) => "secret".to_owned(),
                            Proof::GitHubOidc { audience, .. } => format!("github {audience}"),
                            Proof::TokenFile(path) => format!("file {}", path.display()),
                            Proof::Assertion { source, once, .. } =>
                                format!("{source} once={once}"),
                            Proof::AzurePipelines {
                                service_connection_id,
                                ..
                            } => format!("pipelines {service_connection_id}"),
                        }
                    ),
                };
                (how, [vec![sentence], notes].concat().join(" | "))
            })
            .map_err(|error| error.to_string())
    }

    const APP: [(&str, &str); 2] = [("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")];
    const PIPELINES: [(&str, &str); 5] = [
        (
            "SYSTEM_OIDCREQUESTURI",
            "https://dev.azure.com/o/_apis/oidc",
        ),
        ("SYSTEM_ACCESSTOKEN", "job"),
        ("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "sc-1"),
        ("AZURESUBSCRIPTION_TENANT_ID", "pt"),
        ("AZURESUBSCRIPTION_CLIENT_ID", "pc"),
    ];

    #[test]
    fn each_way_is_found_in_its_environment() {
        let entra = "https://login.microsoftonline.com/";
        let github = [
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://github.example/t"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r"),
        ];
        let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
            (vec![("GO_LIVE_TOKEN", " tok\n")], "token".to_owned()),
            (
                [&APP[..], &[("AZURE_CLIENT_SECRET", "s")]].concat(),
                format!("{entra} t c secret"),
            ),
            (
                [&APP[..], &[("AZURE_FEDERATED_TOKEN_FILE", "/run/t")]].concat(),
                format!("{entra} t c file /run/t"),
            ),
            (
                [&APP[..], &[("AZURE_FEDERATED_TOKEN", "jwt")]].concat(),
                format!("{entra} t c AZURE_FEDERATED_TOKEN once=false"),
            ),
            (
                [&APP[..], &github[..]].concat(),
                format!("{entra} t c github api://AzureADTokenExchange"),
            ),
            (PIPELINES.to_vec(), format!("{entra} pt pc pipelines sc-1")),
            (
                vec![
                    ("servicePrincipalId", "sp"),
                    ("tenantId", "st"),
                    ("idToken", "jwt"),
                ],
                format!("{entra} st sp idToken once=true"),
            ),
            (
                vec![
                    ("servicePrincipalId", "sp"),
                    ("tenantId", "st"),
                    ("servicePrincipalKey", "k"),
                ],
                format!("{entra} st sp secret"),
            ),
            (
                [
                    &APP[..],
                    &[
                        ("AZURE_CLIENT_SECRET", "s"),
                        ("AZURE_AUTHORITY_HOST", "https://login.example/"),
                    ],
                ]
                .concat(),
                "https://login.example/ t c secret".to_owned(),
            ),
        ];
        for (env, expected) in cases {
            let (how, _) = choose(&[], &env).unwrap_or_else(|error| panic!("{env:?}: {error}"));
            assert_eq!(how, expected, "{env:?}");
        }
    }

    #[test]
    fn the_first_way_that_applies_is_used_and_named() {
        let every: Vec<(&str, &str)> = [
            &[
                ("GO_LIVE_TOKEN", "tok"),
                ("AZURE_CLIENT_SECRET", "s"),
                ("AZURE_FEDERATED_TOKEN_FILE", "/run/t"),
            ][..],
            &APP[..],
            &PIPELINES[..],
        ]
        .concat();
        let (how, said) = choose(&[], &every).unwrap();
        assert_eq!(how, "token");
        assert_eq!(said, "Signing in with GO_LIVE_TOKEN, used as it is");
        let (_, said) = choose(&[], &every[1..]).unwrap();
        assert_eq!(
            said,
            "Signing in to Microsoft Entra as the application c with AZURE_CLIENT_SECRET"
        );
        // The flags come before the variables, and name themselves.
        let (how, _) = choose(&[("client_id", "flag")], &every[1..]).unwrap();
        assert!(how.ends_with(" t flag secret"), "{how}");
        let error = choose(&[("tenant_id", "a b")], &every[1..]).unwrap_err();
        assert!(
            error.starts_with("--tenant-id 'a b' is not valid"),
            "{error}"
        );
    }

    #[test]
    fn without_a_way_the_error_names_what_is_missing() {
        let error = choose(
            &[],
            &[("AZURE_TENANT_ID", "t"), ("SYSTEM_OIDCREQUESTURI", "u")],
        )
        .unwrap_err();
        assert!(
            error.contains("an access token for https://example.com"),
            "{error}"
        );
        assert!(error.contains("(AZURE_CLIENT_ID is not set)"), "{error}");
        assert!(error.contains("map it in the step"), "{error}");
        // The note rides along when another way is used.
        let (_, said) = choose(
            &[],
            &[("GO_LIVE_TOKEN", "tok"), ("SYSTEM_OIDCREQUESTURI", "u")],
        )
        .unwrap();
        assert!(said.contains("| SYSTEM_OIDCREQUESTURI is set but SYSTEM_ACCESSTOKEN is not"));
        // Empty counts as unset.
        assert!(choose(&[], &[("GO_LIVE_TOKEN", " ")]).is_err());
    }

    /// docs/command-line.md lists the ways in the order they are tried.
    #[test]
    fn the_ways_are_tried_in_the_documented_order() {
        let page = include_str!("../../docs/command-line.md");
        let items: Vec<String> = page
            .split("\n  ")
            .filter(|item| item.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(|item| item.split("\n  ").next().unwrap_or("").to_owned())
            .collect();
        let named: Vec<&str> = WAYS.iter().map(|way| way.named_by).collect();
        assert_eq!(items.len(), WAYS.len(), "{items:#?}");
        for (number, (item, name)) in items.iter().zip(&named).enumerate() {
            assert!(
                item.starts_with(&format!("{}. ", number + 1)) && item.contains(name),
                "way {} is {name}, and the page says: {item}",
                number + 1
            );
        }
        let secrets: Vec<&str> = secret_variables().collect();
        assert_eq!(
            secrets,
            [
                "GO_LIVE_TOKEN",
                "AZURE_CLIENT_SECRET",
                "AZURE_FEDERATED_TOKEN",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "SYSTEM_ACCESSTOKEN",
                "idToken",
                "servicePrincipalKey",
            ]
        );
    }
}
