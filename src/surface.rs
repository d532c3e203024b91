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
    /// `go-live live|publish|draft|follow|check`: flags and `GO_LIVE_*`.
    CommandLine,
}

/// Each input and the flag of the command line that gives it.
const FLAGS: [(&str, &str); 22] = [
    ("api", "--api"),
    ("publisher_id", "--publisher"),
    ("offer_id", "--offer"),
    ("offers", "--offer"),
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
    ("plan", "--plan"),
    ("configure", "--configure"),
    ("configure_timeout", "--configure-timeout"),
    ("mode", "the command"),
];

/// The inputs a message written before the surface was in hand may name
/// (their names do not stand for anything else), rewritten by `words`.
const REWRITTEN: [&str; 16] = [
    "publisher_id",
    "offer_id",
    "operation_location",
    "wait_timeout",
    "poll_interval",
    "fail_on_timeout",
    "request_timeout",
    "api_url",
    "api_version",
    "authority_url",
    "tenant_id",
    "client_id",
    "oidc_audience",
    "notification_emails",
    "vm_image_versions",
    "configure_timeout",
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

    /// How to name `operation_location` before its value.
    pub fn operation_location_words(self) -> &'static str {
        match self {
            Surface::Action => "operation_location: ",
            Surface::CommandLine => "--operation-location ",
        }
    }

    /// A message written in the action's words, in this surface's: each
    /// input of `REWRITTEN` that stands alone named by its flag, and
    /// `mode: X` by its command. For the messages not yet written with the
    /// surface in hand.
    pub fn words(self, message: &str) -> String {
        if self == Surface::Action {
            return message.to_owned();
        }
        let mut text = message.to_owned();
        for input in REWRITTEN {
            text = replace_word(&text, input, &self.input(input));
        }
        for mode in ["go-live", "publish", "draft", "follow", "check"] {
            text = replace_word(&text, &format!("mode: {mode}"), &self.mode(mode));
        }
        text
    }
}

/// `text` with each `word` that stands alone (not inside a longer name)
/// replaced.
fn replace_word(text: &str, word: &str, by: &str) -> String {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(part_of_name) || after.is_some_and(part_of_name) {
            out.push_str(word);
        } else {
            out.push_str(by);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
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
        assert_eq!(
            Surface::CommandLine.words(
                "wait_timeout '2x' is not a duration; leave operation_location empty with mode: check"
            ),
            "--wait-timeout '2x' is not a duration; leave --operation-location empty with go-live check"
        );
        // Inside another name, and the names of variables, stay.
        assert_eq!(
            Surface::CommandLine.words("AZURE_CLIENT_ID, my_client_id, client_ids"),
            "AZURE_CLIENT_ID, my_client_id, client_ids"
        );
        assert_eq!(
            Surface::CommandLine.words("mode: go-live (the default)"),
            "go-live live (the default)"
        );
        assert_eq!(Surface::Action.words("wait_timeout"), "wait_timeout");
    }
}
