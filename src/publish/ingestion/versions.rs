//! A file of image versions read and checked before any request, as pure
//! decisions: its shape, version numbers, one image per image type, the
//! sources (SAS rules with the clock as an argument, gallery IDs), every
//! problem named with no secret in it; and every secret it holds listed,
//! to be masked first.

use std::time::{Duration, SystemTime};

use reqwest::Url;
use serde_json::Value;

use crate::publish::lenient::stamp;
use crate::text::untrusted;

/// The most problems one refusal lists.
pub const MOST_PROBLEMS: usize = 10;

/// How long a SAS URI must stay valid after now: the service copies the
/// disks during certification, which takes days.
pub const SAS_AHEAD: Duration = Duration::from_secs(21 * 24 * 3600);

/// The image versions of a file: a JSON array of `vmImageVersions`
/// entries, or one entry, read whatever the problems, and every problem
/// (at most `MOST_PROBLEMS`), each naming the version and the field; SAS
/// URIs are shown without their query. The offer's state is checked
/// against the versions too, so that one run lists every problem at once.
pub fn read_versions_all(text: &str, now: SystemTime) -> (Vec<Value>, Vec<String>) {
    let versions = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(object @ Value::Object(_)) => vec![object],
        Ok(_) => {
            return (
                Vec::new(),
                vec!["expected an array of image versions, or one".to_owned()],
            );
        }
        Err(error) => return (Vec::new(), vec![format!("is not JSON: {error}")]),
    };
    if versions.is_empty() {
        return (Vec::new(), vec!["holds no image version".to_owned()]);
    }
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (n, version) in versions.iter().enumerate() {
        let name = version_name(version, n);
        let Some(object) = version.as_object() else {
            problems.push(format!("{name}: is not an object"));
            continue;
        };
        match object.get("versionNumber").and_then(Value::as_str) {
            Some(number) if is_version_number(number) => {
                if seen.contains(&number) {
                    problems.push(format!("{name}: versionNumber is given twice"));
                }
                seen.push(number);
            }
            _ => problems.push(format!(
                "{name}: versionNumber must be three numbers joined by dots, such as 1.2.3"
            )),
        }
        if let Some(state) = object.get("lifecycleState")
            && !matches!(
                state.as_str(),
                Some("generallyAvailable" | "deprecated" | "deleted")
            )
        {
            problems.push(format!(
                "{name}: lifecycleState must be generallyAvailable, deprecated or deleted"
            ));
        }
        if let Some(schedule) = object.get("deprecationSchedule") {
            problems.extend(
                schedule_problems(schedule)
                    .into_iter()
                    .map(|problem| format!("{name}: deprecationSchedule {problem}")),
            );
        }
        let images = object.get("vmImages").and_then(Value::as_array);
        // One image per imageType the plan's skus allow (x64Gen1,
        // x64Gen2 and arm64Gen2 is an ordinary plan): the skus are checked
        // against the offer's state, the rest here.
        match images {
            Some(images) if !images.is_empty() => {
                let mut types: Vec<&str> = Vec::new();
                for (i, image) in images.iter().enumerate() {
                    check_image(&format!("{name}: vmImages[{i}]"), image, now, &mut problems);
                    if let Some(image_type) = image.get("imageType").and_then(Value::as_str) {
                        if types.contains(&image_type) {
                            problems.push(format!(
                                "{name}: vmImages holds imageType '{}' twice: one image per imageType",
                                untrusted(image_type, 40)
                            ));
                        }
                        types.push(image_type);
                    }
                }
            }
            _ => problems.push(format!(
                "{name}: vmImages must list an image for each imageType of the plan's skus"
            )),
        }
    }
    problems.truncate(MOST_PROBLEMS);
    (versions, problems)
}

/// What the service's schema refuses in a `deprecationSchedule`: a
/// `dateOffset` that is not an ISO 8601 duration (`P90D`), a `reason`
/// other than its three, an `alternative` that names no plan or product.
/// A `null` where text belongs is named too: the service refuses the whole
/// list it is sent back in ("Value is "null" but should be "string"").
pub(super) fn schedule_problems(schedule: &Value) -> Vec<String> {
    let Some(schedule) = schedule.as_object() else {
        return vec!["must be an object".to_owned()];
    };
    let mut problems = Vec::new();
    match schedule.get("dateOffset") {
        None => {}
        Some(Value::String(offset)) if is_duration(offset) => {}
        Some(_) => {
            problems.push("dateOffset must be an ISO 8601 duration, such as P90D or P3M".to_owned())
        }
    }
    match schedule.get("reason").map(Value::as_str) {
        None | Some(Some("criticalSecurityIssue" | "endOfSupport" | "other")) => {}
        Some(_) => problems.push(
            "reason must be criticalSecurityIssue, endOfSupport or other (the service refuses a null reason when the list is sent back)".to_owned(),
        ),
    }
    if let Some(alternative) = schedule.get("alternative") {
        let names = ["plan", "product"]
            .iter()
            .any(|field| alternative.get(field).and_then(Value::as_str).is_some());
        if !names {
            problems.push("alternative must name a plan or a product".to_owned());
        }
    }
    problems
}

/// `P` and numbers with the units ISO 8601 durations use (`P90D`, `P1Y2M`,
/// `PT12H`).
fn is_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else {
        return false;
    };
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let valid = |part: &str, units: &str| {
        let mut digits = 0;
        for c in part.chars() {
            if c.is_ascii_digit() {
                digits += 1;
            } else if units.contains(c) && digits > 0 {
                digits = 0;
            } else {
                return false;
            }
        }
        digits == 0
    };
    !(date.is_empty() && time.is_empty())
        && valid(date, "YMWD")
        && valid(time, "HMS")
        && !(rest.contains('T') && time.is_empty())
}

/// `version 1.2.3`, or `version #2` when the number cannot be read.
fn version_name(version: &Value, n: usize) -> String {
    match version.get("versionNumber").and_then(Value::as_str) {
        Some(number) => format!("version {}", untrusted(number, 40)),
        None => format!("version #{}", n + 1),
    }
}

/// `N.N.N`, each part a number below 2^31, at most 32 characters.
fn is_version_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    text.len() <= 32
        && parts.len() == 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_digit())
                && part.parse::<u64>().is_ok_and(|n| n < 1 << 31)
        })
}

fn check_image(name: &str, image: &Value, now: SystemTime, problems: &mut Vec<String>) {
    if image.get("imageType").and_then(Value::as_str).is_none() {
        problems.push(format!("{name}.imageType is missing"));
    }
    let source = image.get("source");
    match source
        .and_then(|s| s.get("sourceType"))
        .and_then(Value::as_str)
    {
        Some("sasUri") => {
            let source = source.expect("read above");
            match source.pointer("/osDisk/uri").and_then(Value::as_str) {
                Some(uri) => {
                    if let Err(why) = check_sas(uri, now) {
                        problems.push(format!("{name}.source.osDisk.uri {why}"));
                    }
                }
                None => problems.push(format!("{name}.source.osDisk.uri is missing")),
            }
            let disks = source
                .get("dataDisks")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if disks.len() > 16 {
                problems.push(format!("{name}.source.dataDisks: at most 16 data disks"));
            }
            for (d, disk) in disks.iter().enumerate() {
                let field = format!("{name}.source.dataDisks[{d}]");
                if disk
                    .get("lunNumber")
                    .and_then(Value::as_u64)
                    .is_none_or(|lun| lun > 15)
                {
                    problems.push(format!("{field}.lunNumber must be 0 to 15"));
                }
                match disk.get("uri").and_then(Value::as_str) {
                    Some(uri) => {
                        if let Err(why) = check_sas(uri, now) {
                            problems.push(format!("{field}.uri {why}"));
                        }
                    }
                    None => problems.push(format!("{field}.uri is missing")),
                }
            }
        }
        Some("sharedImageGallery") => {
            let shared = source.and_then(|s| s.get("sharedImage"));
            let tenant = shared
                .and_then(|s| s.get("tenantId"))
                .and_then(Value::as_str);
            if !tenant.is_some_and(is_guid) {
                problems.push(format!(
                    "{name}.source.sharedImage.tenantId must be the gallery's tenant ID (a GUID)"
                ));
            }
            let resource = shared
                .and_then(|s| s.get("resourceId"))
                .and_then(Value::as_str);
            if !resource.is_some_and(is_image_version_id) {
                problems.push(format!(
                    "{name}.source.sharedImage.resourceId must be a full image version ID: /subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/galleries/…/images/…/versions/…"
                ));
            }
        }
        _ => problems.push(format!(
            "{name}.source.sourceType must be sasUri or sharedImageGallery"
        )),
    }
}

/// A SAS URI the service can read through certification: https, read
/// permission, an expiry at least `SAS_AHEAD` after `now`.
fn check_sas(uri: &str, now: SystemTime) -> Result<(), String> {
    let shown = without_query(uri);
    let Ok(url) = Url::parse(uri) else {
        return Err(format!("('{shown}') is not a URL"));
    };
    if url.scheme() != "https" {
        return Err(format!("('{shown}') must be https"));
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if param("sig").is_none() {
        return Err(format!(
            "('{shown}') is not a shared access signature URI (no sig)"
        ));
    }
    let permissions = param("sp").unwrap_or_default();
    if !permissions.contains('r') {
        return Err(format!(
            "('{shown}') must grant read permission (sp with r)"
        ));
    }
    if let Some(more) = permissions
        .chars()
        .find(|p| matches!(p, 'w' | 'd' | 'a' | 'c' | 'x' | 'y'))
    {
        return Err(format!(
            "('{shown}') grants more than reading (sp has '{more}'): anyone who reads it could change the image; make a read-only SAS (sp=r)"
        ));
    }
    if let Some(start) = param("st")
        && !is_full_time(&start)
    {
        return Err(format!(
            "('{shown}') has a start time (st) that is not a full YYYY-MM-DDTHH:MM:SSZ: certification fails days later \"due to incorrect SAS Uri\"; give st in that form, or leave it out"
        ));
    }
    let now_seconds = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    let ahead = i64::try_from(SAS_AHEAD.as_secs()).unwrap_or(i64::MAX);
    match param("se").as_deref().and_then(stamp) {
        Some((expiry, _)) if expiry >= now_seconds.saturating_add(ahead) => Ok(()),
        Some(_) => Err(format!(
            "('{shown}') expires in less than 3 weeks: the service copies the disks during certification, which takes days; make a SAS that lasts longer"
        )),
        None => Err(format!("('{shown}') has no readable expiry (se)")),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly, as Microsoft's SAS page asks of `st`
/// and `se`, and a time that exists.
fn is_full_time(text: &str) -> bool {
    text.len() == 20 && text.ends_with('Z') && stamp(text).is_some()
}

pub(super) fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_image_version_id(text: &str) -> bool {
    let parts: Vec<&str> = text.split('/').collect();
    matches!(
        parts.as_slice(),
        ["", subscriptions, _, groups, _, providers, compute, galleries, _, images, _, versions, version]
            if subscriptions.eq_ignore_ascii_case("subscriptions")
                && groups.eq_ignore_ascii_case("resourceGroups")
                && providers.eq_ignore_ascii_case("providers")
                && compute.eq_ignore_ascii_case("Microsoft.Compute")
                && galleries.eq_ignore_ascii_case("galleries")
                && images.eq_ignore_ascii_case("images")
                && versions.eq_ignore_ascii_case("versions")
                && !version.is_empty()
    ) && parts.iter().skip(1).all(|p| !p.is_empty())
}

/// A URL as it may be shown: without its query, which for a SAS URI is
/// the secret.
pub fn without_query(uri: &str) -> String {
    untrusted(uri.split('?').next().unwrap_or_default(), 300)
}

/// What must be masked before anything is printed, from every URL in the
/// values as the URL parser reads it (the parse the checks use, so that
/// `HTTPS://` or a leading space changes nothing): its query as written and
/// as parsed, and each `sig` value on its own, raw and percent-decoded, so
/// that a service that quotes a decoded query back is covered too.
pub fn sas_queries(values: &[Value]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut keep = |value: String| {
        if !value.is_empty() && !found.contains(&value) {
            found.push(value);
        }
    };
    let mut visit = vec![values.iter().collect::<Vec<_>>()];
    while let Some(values) = visit.pop() {
        for value in values {
            match value {
                Value::String(text) => {
                    let Ok(url) = Url::parse(text.trim()) else {
                        continue;
                    };
                    if !matches!(url.scheme(), "https" | "http") {
                        continue;
                    }
                    if let Some((_, written)) = text.trim().split_once('?') {
                        let written = written.split('#').next().unwrap_or_default();
                        keep(written.to_owned());
                        for pair in written.split('&') {
                            if let Some((key, sig)) = pair.split_once('=')
                                && percent_encoding::percent_decode_str(key)
                                    .decode_utf8_lossy()
                                    .eq_ignore_ascii_case("sig")
                            {
                                keep(sig.to_owned());
                                keep(
                                    percent_encoding::percent_decode_str(sig)
                                        .decode_utf8_lossy()
                                        .into_owned(),
                                );
                            }
                        }
                    }
                    if let Some(parsed) = url.query() {
                        keep(parsed.to_owned());
                    }
                }
                Value::Array(items) => visit.push(items.iter().collect()),
                Value::Object(map) => visit.push(map.values().collect()),
                _ => {}
            }
        }
    }
    found
}
