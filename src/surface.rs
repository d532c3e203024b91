//! The surface a run speaks through: the action (inputs such as
//! `wait_timeout`, modes as `mode: publish`) or the command line (flags
//! such as `--wait-timeout`, modes as `go-live publish`). A message is
//! written with the surface in hand, so that it names each thing in the
//! words the user typed. Imports nothing from the crate.

/// Where the inputs came from, and so how a message names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Surface {
    /// The GitHub action: `INPUT_*` variables.
    #[default]
    Action,
    /// `go-live live|publish|draft|follow|check|plan`: flags and `GO_LIVE_*`.
    CommandLine,
}

/// Each input and the flag of the command line that gives it (or, for a
/// secret, the variable: secrets never come as flags).
const FLAGS: [(&str, &str); 27] = [
    ("token", "GO_LIVE_TOKEN"),
    ("client_secret", "AZURE_CLIENT_SECRET"),
    ("api", "--api"),
    ("publisher_id", "--publisher"),
    ("offer_id", "--offer"),
    ("offers", "several --offer"),
    ("operation_location", "--operation-location"),
    ("wait", "--wait"),
    ("wait_timeout", "--wait-timeout"),
    ("poll_interval", "--poll-interval"),
    ("fail_on_timeout", "--no-fail-on-timeout"),
    ("request_timeout", "--request-timeout"),
    ("api_url", "--api-url"),
    ("api_version", "--api-version"),
    ("authority_url", "--authority-url"),
    ("tenant_id", "--tenant-id"),
    ("client_id", "--client-id"),
    ("oidc_audience", "--oidc-audience"),
    ("notification_emails", "--notification-emails"),
    ("vm_image_versions", "--vm-image-versions"),
    ("cnab_bundles", "--cnab-bundles"),
    ("keep_versions", "--keep-versions"),
    ("plan", "--plan"),
    ("configure", "--configure"),
    ("configure_timeout", "--configure-timeout"),
    ("detailed_exitcode", "--detailed-exitcode"),
    ("mode", "the command"),
];

impl Surface {
    /// How this surface names the input `name`: `wait_timeout`, or
    /// `--wait-timeout`.
    pub fn input(self, name: &str) -> String {
        match self {
            Surface::Action => name.to_owned(),
            Surface::CommandLine => FLAGS
                .iter()
                .find(|(input, _)| *input == name)
                .map_or_else(|| name.to_owned(), |(_, flag)| (*flag).to_owned()),
        }
    }

    /// How this surface sets an input: `api: product-ingestion`, or
    /// `--api product-ingestion`.
    pub fn setting(self, name: &str, value: &str) -> String {
        match self {
            Surface::Action => format!("{name}: {value}"),
            Surface::CommandLine => format!("{} {value}", self.input(name)),
        }
    }

    /// How this surface runs a mode: `mode: publish`, or `go-live
    /// publish` (`go-live live` for the mode `go-live`).
    pub fn mode(self, mode: &str) -> String {
        match (self, mode) {
            (Surface::Action, _) => format!("mode: {mode}"),
            (Surface::CommandLine, "go-live") => "go-live live".to_owned(),
            (Surface::CommandLine, _) => format!("go-live {mode}"),
        }
    }

    /// How a later run follows again, before "the same offer": "run this
    /// action with mode: follow and", or "run go-live follow with".
    pub fn follow_again(self) -> &'static str {
        match self {
            Surface::Action => "run this action with mode: follow and",
            Surface::CommandLine => "run go-live follow with",
        }
    }

    /// What to do about a token that was refused, for an API whose tokens
    /// are for `audience`.
    pub fn fresh_token(self, audience: &str) -> String {
        match self {
            Surface::Action => format!(
                "pass a fresh access token for {audience} in token, or let the action sign in with tenant_id and client_id"
            ),
            Surface::CommandLine => format!(
                "pass a fresh access token for {audience} in GO_LIVE_TOKEN, or let go-live sign in with AZURE_TENANT_ID and AZURE_CLIENT_ID"
            ),
        }
    }

    /// How to name `operation_location` before its value.
    pub fn operation_location_words(self) -> &'static str {
        match self {
            Surface::Action => "operation_location: ",
            Surface::CommandLine => "--operation-location ",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_surface_names_things_in_its_own_words() {
        let table = [
            (
                Surface::Action,
                "plan",
                "api: product-ingestion",
                "mode: publish",
                "mode: go-live",
            ),
            (
                Surface::CommandLine,
                "--plan",
                "--api product-ingestion",
                "go-live publish",
                "go-live live",
            ),
        ];
        for (surface, plan, api, publish, go_live) in table {
            assert_eq!(surface.input("plan"), plan);
            assert_eq!(surface.setting("api", "product-ingestion"), api);
            assert_eq!(surface.mode("publish"), publish);
            assert_eq!(surface.mode("go-live"), go_live);
        }
    }
}
