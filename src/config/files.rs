//! The inputs that name files or change what is sent with a publish: the
//! draft change (`vm_image_versions` or `cnab_bundles` with `plan`, or
//! `configure`), read and
//! checked by the API before any request, and `notification_emails`.

use super::{Mode, Target};
use crate::inputs::{InputError, RawInputs, invalid};
use crate::model::{DraftChange, DraftFile};
use crate::publish::Api;
use crate::secret::Secret;
use crate::surface::Surface;

/// The most a file input may hold.
pub const FILE_CAP: u64 = 1024 * 1024;

/// The draft change the file inputs ask for: `vm_image_versions` or
/// `cnab_bundles` with `plan`, or `configure`, read (with `FILE_CAP`) and checked by the API
/// before any request, with every problem listed. The secrets the file
/// holds come back to be masked.
pub(super) fn parse_draft(
    raw: &RawInputs,
    mode: Mode,
    api: &dyn Api,
    target: &Target,
    surface: Surface,
) -> Result<(Option<DraftChange>, Vec<Secret>), InputError> {
    let name = |input: &str| surface.input(input);
    let (versions_input, bundles_input, plan_input) = (
        name("vm_image_versions"),
        name("cnab_bundles"),
        name("plan"),
    );
    let plan = raw.given("plan");
    let given: Vec<(&str, &str)> = ["vm_image_versions", "cnab_bundles", "configure"]
        .into_iter()
        .filter_map(|input| Some((input, raw.given(input)?)))
        .collect();
    let (input, file, what) = match given.as_slice() {
        [(first, _), (second, _), ..] => {
            return Err(invalid(format!(
                "{} and {} cannot be given together: change the draft with one of them per run",
                name(first),
                name(second)
            )));
        }
        [] => {
            if mode == Mode::Draft {
                return Err(invalid(format!(
                    "{} changes the draft as {versions_input}, {bundles_input} or {} asks: give one of them, or use {} to publish the draft as it stands",
                    surface.mode("draft"),
                    name("configure"),
                    surface.mode("publish")
                )));
            }
            if plan.is_some() {
                return Err(invalid(format!(
                    "{plan_input} names the plan whose image versions {versions_input} or CNAB bundles {bundles_input} change: give one of them too, or leave {plan_input} out"
                )));
            }
            return Ok((None, Vec::new()));
        }
        [("configure", file)] => {
            if plan.is_some() {
                return Err(invalid(format!(
                    "{plan_input} goes with {versions_input} or {bundles_input}; {} sends its resources as they are: leave {plan_input} out",
                    name("configure")
                )));
            }
            ("configure", *file, DraftFile::Resources)
        }
        [(input, file)] => {
            let Some(plan) = plan.map(str::to_owned) else {
                return Err(invalid(format!(
                    "{} needs {plan_input}: the plan's ID as typed in Partner Center",
                    name(input)
                )));
            };
            let what = match *input {
                "cnab_bundles" => DraftFile::Bundles { plan },
                _ => DraftFile::Versions {
                    plan,
                    keep: parse_keep(raw, surface)?,
                },
            };
            (*input, *file, what)
        }
    };
    if raw.given("keep_versions").is_some() && !matches!(what, DraftFile::Versions { .. }) {
        return Err(invalid(format!(
            "{} goes with {versions_input}: it retires a virtual machine plan's oldest image versions",
            name("keep_versions")
        )));
    }
    // The file input as this surface names it: `configure`, `--configure`.
    let input = surface.input(input);
    if !api.changes_drafts() {
        return Err(invalid(format!(
            "{input} is not taken by the {} API: change the draft in Partner Center, or use {}",
            api.name(),
            surface.setting("api", "product-ingestion")
        )));
    }
    if !matches!(mode, Mode::Draft | Mode::Publish | Mode::Plan) {
        return Err(invalid(format!(
            "{input} changes the draft, which only {} and {} do ({} tells how); {} never changes it",
            surface.mode(Mode::Draft.as_input()),
            surface.mode(Mode::Publish.as_input()),
            surface.mode(Mode::Plan.as_input()),
            surface.mode(mode.as_input())
        )));
    }
    if matches!(target, Target::Offers(_)) {
        return Err(invalid(format!(
            "{input} cannot be given with {offers}: it changes one offer's draft; with {offers}, {} publishes each draft as it stands",
            surface.mode("publish"),
            offers = surface.input("offers")
        )));
    }
    let path = match raw.workspace() {
        Some(workspace) => std::path::Path::new(workspace).join(file),
        None => std::path::PathBuf::from(file),
    };
    let text = read_capped_file(&path)
        .map_err(|why| invalid(format!("{input} '{}' {why}", file.escape_default())))?;
    let check = api.check_draft_file(&what, &text, crate::clock::wall());
    // Problems the API lists with the offer's state's are its to report,
    // once it has read the state; the others end the run here.
    if !check.problems.is_empty() && !check.with_state {
        return Err(invalid(format!(
            "{input} '{}' cannot be used: {}",
            file.escape_default(),
            check.problems.join("; ")
        )));
    }
    Ok((
        Some(DraftChange {
            what,
            file: file.to_owned(),
            text,
        }),
        check.masks.into_iter().map(Secret::new).collect(),
    ))
}

/// A file's text, at most `FILE_CAP` bytes of UTF-8, from a regular file
/// only (`body::read_file`).
pub(crate) fn read_capped_file(path: &std::path::Path) -> Result<String, String> {
    crate::body::read_file(path, FILE_CAP).map_err(|why| {
        if why.starts_with("cannot be read") {
            format!("{why}; a relative path starts in the workspace")
        } else {
            why
        }
    })
}

/// `notification_emails`: addresses separated by commas or line breaks,
/// for a publish to preview through an API that takes them.
pub(super) fn parse_emails(
    value: Option<&str>,
    mode: Mode,
    api: &dyn Api,
    surface: Surface,
) -> Result<Vec<String>, InputError> {
    let input = surface.input("notification_emails");
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if !matches!(mode, Mode::Publish | Mode::Plan) {
        return Err(invalid(format!(
            "{input} applies only to {}: leave it empty for {}",
            surface.mode(Mode::Publish.as_input()),
            surface.mode(mode.as_input())
        )));
    }
    if !api.takes_notification_emails() {
        return Err(invalid(format!(
            "{input} is not taken by the {} API, which mails the offer's contacts: leave it empty",
            api.name()
        )));
    }
    let addresses: Vec<String> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|address| !address.is_empty())
        .map(str::to_owned)
        .collect();
    for address in &addresses {
        let valid = address.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        }) && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"');
        if !valid {
            return Err(invalid(format!(
                "{input} holds '{}', which is not an e-mail address: separate addresses with commas",
                address.escape_default()
            )));
        }
    }
    Ok(addresses)
}

/// `keep_versions`: the most image versions a plan keeps active, a whole
/// number from 1 (a plan keeps at least one) to the service's 100.
fn parse_keep(raw: &RawInputs, surface: Surface) -> Result<Option<usize>, InputError> {
    let Some(value) = raw.given("keep_versions") else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(keep @ 1..=100) => Ok(Some(keep)),
        _ => Err(invalid(format!(
            "{} '{}' is not valid: expected a whole number from 1 to 100, the most image versions the plan keeps active",
            surface.input("keep_versions"),
            value.escape_default()
        ))),
    }
}
