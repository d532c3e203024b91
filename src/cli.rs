//! The command line: `go-live live|publish|draft|follow|check|plan`, whose
//! flags mirror the action's inputs one for one and fall back on
//! `GO_LIVE_<FLAG>` environment variables (clap reads them). It turns
//! what was given into the same `RawInputs` the action's inputs make, so
//! that every check and every default is the action's. Secrets never come
//! as flags: `config` reads them from the environment. Sends nothing.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{InputError, RawInputs, read_capped_file};
use crate::host::HostKind;
use crate::inputs::parse_bool;
use crate::publish::Kind;

/// The version, and the commit when built from a git checkout.
const VERSION: &str = env!("GO_LIVE_VERSION_TEXT");

#[derive(Parser, Debug)]
#[command(
    name = "go-live",
    version = VERSION,
    about = "Takes Azure Marketplace offers through a release: change the draft, publish it to preview, go live, and follow each step to its end.",
    after_help = "With no command, go-live runs as the GitHub container action and reads INPUT_* variables.\n\nSign-in comes from the environment only: GO_LIVE_TOKEN; AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE; GitHub or Azure Pipelines OIDC. Every flag can also be given as GO_LIVE_<FLAG>, such as GO_LIVE_WAIT_TIMEOUT=2h.\n\nExit codes: 0 done, 1 failed, 2 invalid input, 3 timed out, 4 a plan with changes pending (--detailed-exitcode), 130/143 stopped by a signal.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Go live with the offer's preview, unless the state says not to: safe to run again.
    #[command(
        after_help = "Example:\n  go-live live --api product-ingestion --offer contoso-vm --wait --wait-timeout 2d"
    )]
    Live(Common),
    /// Publish the offer's draft to preview (changing it first if asked), or follow the publish already running.
    #[command(
        after_help = "Example:\n  go-live publish --api product-ingestion --offer contoso-vm --vm-image-versions versions.json --plan gen2 --wait"
    )]
    Publish {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        draft: DraftFiles,
        #[command(flatten)]
        publishing: Publishing,
    },
    /// Change the offer's draft as a file asks, follow the change to its end, and submit nothing.
    #[command(
        after_help = "Example:\n  go-live draft --api product-ingestion --offer contoso-vm --vm-image-versions versions.json --plan gen2"
    )]
    Draft {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        draft: DraftFiles,
    },
    /// Follow the offer's running operation (or the one at --operation-location) to its end; never start one.
    #[command(
        after_help = "Example:\n  go-live follow --api product-ingestion --offer contoso-vm --wait-timeout 5h"
    )]
    Follow(Common),
    /// Read the offer's state and report it; send nothing.
    #[command(after_help = "Example:\n  go-live check --publisher contoso --offer contoso-vm")]
    Check(Common),
    /// Tell what a release would do (the draft change, the publish to preview, the go-live), with what each would change; send nothing.
    #[command(
        after_help = "Example:\n  go-live plan --api product-ingestion --offer contoso-vm --vm-image-versions versions.json --plan gen2 --detailed-exitcode"
    )]
    Plan {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        draft: DraftFiles,
        #[command(flatten)]
        publishing: Publishing,
        /// Exit 4 when the plan would send anything (0 when it would send nothing) [env: GO_LIVE_DETAILED_EXITCODE=true|false].
        #[arg(long, help_heading = "Output")]
        detailed_exitcode: bool,
    },
}

/// The flags every command takes.
#[derive(Args, Debug)]
struct Common {
    /// cloud-partner-portal (the default) or product-ingestion.
    #[arg(long, env = "GO_LIVE_API", value_name = "API", help_heading = "Offer")]
    api: Option<String>,
    /// The publisher ID (Cloud Partner Portal), for every offer without one.
    #[arg(
        long,
        env = "GO_LIVE_PUBLISHER",
        value_name = "ID",
        help_heading = "Offer"
    )]
    publisher: Option<String>,
    /// The offer ID; repeat it for several offers. `publisher/offer` for the Cloud Partner Portal.
    #[arg(
        long,
        env = "GO_LIVE_OFFER",
        value_name = "OFFER",
        value_delimiter = '\n',
        help_heading = "Offer"
    )]
    offer: Vec<String>,
    /// A file of offers, one a line (blank lines and # comments skipped).
    #[arg(
        long,
        env = "GO_LIVE_OFFERS_FILE",
        value_name = "FILE",
        help_heading = "Offer"
    )]
    offers_file: Option<PathBuf>,
    /// Follow this operation, the operation_location of an earlier run.
    #[arg(
        long,
        env = "GO_LIVE_OPERATION_LOCATION",
        value_name = "URL",
        help_heading = "Offer"
    )]
    operation_location: Option<String>,

    /// Follow the operation until it ends [env: GO_LIVE_WAIT=true|false].
    #[arg(long, help_heading = "Waiting")]
    wait: bool,
    /// How long the wait may last, such as 45m, 5h, 2d or 1h30m [default: 60m].
    #[arg(
        long,
        env = "GO_LIVE_WAIT_TIMEOUT",
        value_name = "DURATION",
        help_heading = "Waiting"
    )]
    wait_timeout: Option<String>,
    /// The delay between two status requests [default: 60s].
    #[arg(
        long,
        env = "GO_LIVE_POLL_INTERVAL",
        value_name = "DURATION",
        help_heading = "Waiting"
    )]
    poll_interval: Option<String>,
    /// Exit 0, not 3, when the wait runs out while the operation still runs [env: GO_LIVE_NO_FAIL_ON_TIMEOUT=true|false].
    #[arg(long, help_heading = "Waiting")]
    no_fail_on_timeout: bool,
    /// How long one HTTP request may take [default: 60s].
    #[arg(
        long,
        env = "GO_LIVE_REQUEST_TIMEOUT",
        value_name = "DURATION",
        help_heading = "Waiting"
    )]
    request_timeout: Option<String>,

    /// The API's base URL (the emulator's, for a rehearsal).
    #[arg(
        long,
        env = "GO_LIVE_API_URL",
        value_name = "URL",
        help_heading = "Service"
    )]
    api_url: Option<String>,
    /// The API version to ask for.
    #[arg(
        long,
        env = "GO_LIVE_API_VERSION",
        value_name = "VERSION",
        help_heading = "Service"
    )]
    api_version: Option<String>,

    /// Microsoft Entra's URL [default: https://login.microsoftonline.com].
    #[arg(
        long,
        env = "GO_LIVE_AUTHORITY_URL",
        value_name = "URL",
        help_heading = "Sign-in"
    )]
    authority_url: Option<String>,
    /// The directory (tenant) ID; else AZURE_TENANT_ID.
    #[arg(
        long,
        env = "GO_LIVE_TENANT_ID",
        value_name = "ID",
        help_heading = "Sign-in"
    )]
    tenant_id: Option<String>,
    /// The application (client) ID; else AZURE_CLIENT_ID.
    #[arg(
        long,
        env = "GO_LIVE_CLIENT_ID",
        value_name = "ID",
        help_heading = "Sign-in"
    )]
    client_id: Option<String>,
    /// The audience of the GitHub OIDC token [default: api://AzureADTokenExchange].
    #[arg(
        long,
        env = "GO_LIVE_OIDC_AUDIENCE",
        value_name = "AUDIENCE",
        help_heading = "Sign-in"
    )]
    oidc_audience: Option<String>,

    /// Print one JSON object on stdout at the end, shaped as the results output; every message goes to stderr.
    #[arg(long, help_heading = "Output")]
    json: bool,
    /// Write that JSON object to FILE too, kept up to date as the run goes.
    #[arg(
        long,
        env = "GO_LIVE_RESULTS_FILE",
        value_name = "FILE",
        help_heading = "Output"
    )]
    results_file: Option<PathBuf>,
    /// Write the outputs to FILE as a GitLab dotenv report (GO_LIVE_STATUS=...).
    #[arg(
        long,
        env = "GO_LIVE_DOTENV",
        value_name = "FILE",
        help_heading = "Output"
    )]
    dotenv: Option<PathBuf>,
    /// Where the log goes: github, azure-pipelines, gitlab or terminal [default: detected].
    #[arg(long, env = "GO_LIVE_HOST", value_name = "HOST", value_parser = host_flag, help_heading = "Output")]
    host: Option<HostKind>,
    /// Print debug lines [env: GO_LIVE_DEBUG=true|false].
    #[arg(long, help_heading = "Output")]
    debug: bool,
    /// No colour (NO_COLOR is honoured too).
    #[arg(long, help_heading = "Output")]
    no_color: bool,
}

/// What goes with a publish to preview.
#[derive(Args, Debug)]
struct Publishing {
    /// Where the service mails about the publish, separated by commas (Cloud Partner Portal).
    #[arg(
        long,
        env = "GO_LIVE_NOTIFICATION_EMAILS",
        value_name = "ADDRESSES",
        help_heading = "Publishing"
    )]
    notification_emails: Option<String>,
}

/// The files that change the draft.
#[derive(Args, Debug)]
struct DraftFiles {
    /// A JSON file of the plan's image versions, added or replaced by versionNumber.
    #[arg(
        long,
        env = "GO_LIVE_VM_IMAGE_VERSIONS",
        value_name = "FILE",
        help_heading = "Draft"
    )]
    vm_image_versions: Option<String>,
    /// A JSON file of a Kubernetes application plan's CNAB bundles, added or replaced by tag.
    #[arg(
        long,
        env = "GO_LIVE_CNAB_BUNDLES",
        value_name = "FILE",
        help_heading = "Draft"
    )]
    cnab_bundles: Option<String>,
    /// With --vm-image-versions: deprecate the oldest active versions beyond the N newest.
    #[arg(
        long,
        env = "GO_LIVE_KEEP_VERSIONS",
        value_name = "N",
        help_heading = "Draft"
    )]
    keep_versions: Option<String>,
    /// The plan whose image versions or CNAB bundles change.
    #[arg(
        long,
        env = "GO_LIVE_PLAN",
        value_name = "PLAN",
        help_heading = "Draft"
    )]
    plan: Option<String>,
    /// A JSON file of draft resources, sent as they are.
    #[arg(
        long,
        env = "GO_LIVE_CONFIGURE",
        value_name = "FILE",
        help_heading = "Draft"
    )]
    configure: Option<String>,
    /// How long a draft change may take [default: 30m].
    #[arg(
        long,
        env = "GO_LIVE_CONFIGURE_TIMEOUT",
        value_name = "DURATION",
        help_heading = "Draft"
    )]
    configure_timeout: Option<String>,
}

/// A path given with white space around it (a YAML block scalar's line
/// break), without it.
fn trimmed(path: PathBuf) -> PathBuf {
    match path.to_str() {
        Some(text) if text.trim() != text => PathBuf::from(text.trim()),
        _ => path,
    }
}

fn host_flag(value: &str) -> Result<HostKind, String> {
    HostKind::ALL
        .into_iter()
        .find(|kind| kind.as_flag() == value)
        .ok_or_else(|| {
            let known: Vec<&str> = HostKind::ALL.into_iter().map(HostKind::as_flag).collect();
            format!("expected {}", known.join(", "))
        })
}

/// What a command line asks for.
pub struct Invocation {
    pub inputs: RawInputs,
    /// The offer as given, the key of the JSON object for one offer.
    pub key: Option<String>,
    pub host: Option<HostKind>,
    pub json: bool,
    pub results_file: Option<PathBuf>,
    pub dotenv: Option<PathBuf>,
    pub debug: bool,
    pub no_colour: bool,
}

/// How parsing the command line ended when there is nothing to run.
pub enum Stop {
    /// `--help` or `--version`: printed, and the run is done.
    Shown(clap::Error),
    /// A usage error, with clap's own message and suggestion.
    Usage(clap::Error),
}

/// Parses the command line (the program's name first).
pub fn parse(args: Vec<OsString>) -> Result<Cli, Stop> {
    Cli::try_parse_from(args).map_err(|error| match error.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            Stop::Shown(error)
        }
        _ => Stop::Usage(error),
    })
}

/// The usage of the whole command, as a bare run prints it.
pub fn usage() -> String {
    use clap::CommandFactory;
    Cli::command().render_help().to_string()
}

impl Cli {
    /// The inputs this command line gives, under the action's input names;
    /// `env` gives the `GO_LIVE_*` switches that clap does not read (a
    /// switch's variable is read as the action reads a boolean input:
    /// trimmed, empty for not given, `true` or `True`).
    pub fn invocation(
        self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Invocation, InputError> {
        let mut values: BTreeMap<&'static str, String> = BTreeMap::new();
        let mut detailed = false;
        let (mode, common, draft, emails) = match self.command {
            Command::Live(common) => ("go-live", common, None, None),
            Command::Plan {
                common,
                draft,
                publishing,
                detailed_exitcode,
            } => {
                detailed = detailed_exitcode;
                ("plan", common, Some(draft), publishing.notification_emails)
            }
            Command::Publish {
                common,
                draft,
                publishing,
            } => (
                "publish",
                common,
                Some(draft),
                publishing.notification_emails,
            ),
            Command::Draft { common, draft } => ("draft", common, Some(draft), None),
            Command::Follow(common) => ("follow", common, None, None),
            Command::Check(common) => ("check", common, None, None),
        };
        values.insert("mode", mode.to_owned());
        let key = offers(&common, &mut values)?;
        let switch = |given: bool, name: &str| -> Result<bool, InputError> {
            let value = env(name);
            let value = value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty());
            Ok(given || parse_bool(name, value, false)?)
        };
        let wait = switch(common.wait, "GO_LIVE_WAIT")?;
        let no_fail_on_timeout = switch(common.no_fail_on_timeout, "GO_LIVE_NO_FAIL_ON_TIMEOUT")?;
        let debug = switch(common.debug, "GO_LIVE_DEBUG")?;
        let detailed = mode == "plan" && switch(detailed, "GO_LIVE_DETAILED_EXITCODE")?;
        let mut set = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                values.insert(name, value);
            }
        };
        set("api", common.api);
        set("operation_location", common.operation_location);
        set("wait", wait.then(|| "true".to_owned()));
        set("wait_timeout", common.wait_timeout);
        set("poll_interval", common.poll_interval);
        set(
            "fail_on_timeout",
            no_fail_on_timeout.then(|| "false".to_owned()),
        );
        set("request_timeout", common.request_timeout);
        set("api_url", common.api_url);
        set("api_version", common.api_version);
        set("authority_url", common.authority_url);
        set("tenant_id", common.tenant_id);
        set("client_id", common.client_id);
        set("oidc_audience", common.oidc_audience);
        set("notification_emails", emails);
        set("detailed_exitcode", detailed.then(|| "true".to_owned()));
        if let Some(draft) = draft {
            set("vm_image_versions", draft.vm_image_versions);
            set("cnab_bundles", draft.cnab_bundles);
            set("keep_versions", draft.keep_versions);
            set("plan", draft.plan);
            set("configure", draft.configure);
            set("configure_timeout", draft.configure_timeout);
        }
        Ok(Invocation {
            inputs: RawInputs::from_values(values),
            key,
            host: common.host,
            json: common.json,
            results_file: common.results_file.map(trimmed),
            dotenv: common.dotenv.map(trimmed),
            debug,
            no_colour: common.no_color,
        })
    }
}

/// `--offer`, `--publisher` and `--offers-file` as the inputs they
/// mirror: one `--offer` is `offer_id` (split at its `/` into the
/// publisher and the offer), several or a file are the lines of `offers`.
/// Returns the one offer as given.
fn offers(
    common: &Common,
    values: &mut BTreeMap<&'static str, String>,
) -> Result<Option<String>, InputError> {
    if let Some(publisher) = &common.publisher {
        values.insert("publisher_id", publisher.clone());
    }
    // Trimmed as the action trims its inputs: a YAML block scalar's last
    // line break is no second offer.
    let mut lines: Vec<String> = common
        .offer
        .iter()
        .map(|offer| offer.trim().to_owned())
        .filter(|offer| !offer.is_empty())
        .collect();
    if let Some(path) = &common.offers_file {
        let text = read_capped_file(path)
            .map_err(|why| InputError(format!("--offers-file '{}' {why}", path.display())))?;
        lines.extend(text.lines().map(str::to_owned));
    }
    match lines.as_slice() {
        [] => Ok(None),
        [one] if common.offers_file.is_none() => {
            let one = one.trim();
            if let Some((publisher, offer)) = one.split_once('/') {
                let kind = common
                    .api
                    .as_deref()
                    .map_or(Some(Kind::CloudPartnerPortal), Kind::from_input);
                if kind.is_some_and(|kind| !kind.api().publisher_required()) {
                    return Err(InputError(format!(
                        "--offer '{}' names a publisher, which the {} API does not use: give the offer ID alone",
                        one.escape_default(),
                        kind.map(|kind| kind.api().name()).unwrap_or_default()
                    )));
                }
                if common
                    .publisher
                    .as_deref()
                    .is_some_and(|given| given != publisher)
                {
                    return Err(InputError(format!(
                        "--offer '{}' names another publisher than --publisher '{}': give the publisher once",
                        one.escape_default(),
                        common
                            .publisher
                            .as_deref()
                            .unwrap_or_default()
                            .escape_default()
                    )));
                }
                values.insert("publisher_id", publisher.to_owned());
                values.insert("offer_id", offer.to_owned());
            } else {
                values.insert("offer_id", one.to_owned());
            }
            Ok(Some(one.to_owned()))
        }
        lines => {
            values.insert("offers", lines.join("\n"));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
