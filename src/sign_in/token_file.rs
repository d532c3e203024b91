//! A federated token from a file, `AZURE_FEDERATED_TOKEN_FILE` (GitLab's
//! `id_tokens`, Kubernetes workload identity), read again before each
//! sign-in so that whoever renews the file is followed; or given as it is
//! in `AZURE_FEDERATED_TOKEN`.

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::{Chosen, Fetch, Found, Proof, Way};
use crate::inputs::InputError;
use crate::secret::Secret;

/// The file, or the token given as it is, with the tenant and client of
/// `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`.
pub(super) const WAY: Way = Way {
    named_by: "AZURE_FEDERATED_TOKEN_FILE",
    secrets: &["AZURE_FEDERATED_TOKEN"],
    find,
};

fn find(found: &Found<'_>) -> Option<Result<Chosen, InputError>> {
    let (tenant, client) = found.azure_application()?;
    if let Some(path) = found.var("AZURE_FEDERATED_TOKEN_FILE") {
        let proof = Proof::TokenFile(PathBuf::from(path));
        let how =
            "the federated token in AZURE_FEDERATED_TOKEN_FILE, read again before each sign-in";
        return Some(found.entra(tenant, client, proof, how));
    }
    let token = found.var("AZURE_FEDERATED_TOKEN")?;
    let proof = Proof::Assertion {
        token: Secret::new(token),
        source: "AZURE_FEDERATED_TOKEN",
        once: false,
    };
    let how = "the federated token in AZURE_FEDERATED_TOKEN";
    Some(found.entra(tenant, client, proof, how))
}

/// The largest token file read.
const CAP: u64 = 64 * 1024;

/// The federated token in the file, read now and masked.
pub(super) fn read(fetch: &Fetch<'_>, path: &Path) -> anyhow::Result<Secret> {
    let shown = path.display();
    let text = crate::body::read_file(path, CAP)
        .map_err(|why| anyhow::anyhow!("AZURE_FEDERATED_TOKEN_FILE '{shown}' {why}"))?;
    let token = Secret::new(text.trim().to_owned());
    fetch.runner.mask(&token);
    if token.expose().is_empty() || token.expose().contains(char::is_whitespace) {
        bail!(
            "AZURE_FEDERATED_TOKEN_FILE '{shown}' holds no token (it is empty, or holds more than one line): write the ID token alone into it, as printf '%s' \"$TOKEN\" > \"$AZURE_FEDERATED_TOKEN_FILE\" does"
        );
    }
    Ok(token)
}
