//! Trusted roots beyond the ones built into the binary: the PEM bundle
//! named by `SSL_CERT_FILE` and the `.pem`/`.crt` files in `SSL_CERT_DIR`,
//! for corporate proxies and self-hosted runners with their own CA.
//!
//! The binary always carries the Mozilla roots (webpki-roots) and never
//! reads the system's store, so it works in an empty root filesystem.
//! Certificate verification is never turned off.

use std::path::Path;

use reqwest::Certificate;

/// Reads the extra roots. A variable that is set but cannot be read is an
/// error naming it: silently ignoring it would only move the failure to a
/// TLS error that does not say why.
pub fn extra_roots(
    cert_file: Option<&str>,
    cert_dir: Option<&str>,
) -> Result<Vec<Certificate>, String> {
    let mut roots = Vec::new();
    if let Some(file) = cert_file {
        roots.extend(read_bundle("SSL_CERT_FILE", Path::new(file))?);
    }
    if let Some(dir) = cert_dir {
        // Like OpenSSL, SSL_CERT_DIR may list several directories.
        for dir in dir.split(':').filter(|d| !d.is_empty()) {
            let entries = std::fs::read_dir(dir).map_err(|error| {
                format!("SSL_CERT_DIR names {dir}, which cannot be read ({error})")
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                let is_cert = path.extension().is_some_and(|e| e == "pem" || e == "crt");
                if is_cert && path.is_file() {
                    roots.extend(read_bundle("SSL_CERT_DIR", &path)?);
                }
            }
        }
    }
    Ok(roots)
}

fn read_bundle(variable: &str, path: &Path) -> Result<Vec<Certificate>, String> {
    let pem = std::fs::read(path).map_err(|error| {
        format!(
            "{variable} names {}, which cannot be read ({error})",
            path.display()
        )
    })?;
    let certificates = Certificate::from_pem_bundle(&pem).map_err(|error| {
        format!(
            "{variable}: {} is not a PEM certificate bundle ({error})",
            path.display()
        )
    })?;
    if certificates.is_empty() {
        return Err(format!(
            "{variable}: {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certificates)
}
