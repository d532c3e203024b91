//! The inputs that name the offers: `offer_id` with `publisher_id`, or
//! `offers`, one offer a line, each line checked and every bad one named
//! before anything is sent.

use super::Listed;
use crate::inputs::{InputError, RawInputs, invalid, parse_id};
use crate::model::Offer;
use crate::publish::Api;
use crate::surface::Surface;

/// The most offers one run takes.
const MOST_OFFERS: usize = 256;

/// The offer, with a publisher where the API needs one.
pub(super) fn parse_offer(
    raw: &RawInputs,
    api: &dyn Api,
    surface: Surface,
) -> Result<Offer, InputError> {
    let (offer_input, publisher_input) = (surface.input("offer_id"), surface.input("publisher_id"));
    let location = surface.input("operation_location");
    if let Some(offer_id) = raw.given("offer_id") {
        if offer_id.contains(',') {
            return Err(invalid(format!(
                "{offer_input} '{}' holds commas: it names one offer; {}",
                offer_id.escape_default(),
                match surface {
                    Surface::Action => "list several in offers, one offer a line",
                    Surface::CommandLine =>
                        "give each offer its own --offer, or list them in --offers-file, one offer a line",
                }
            )));
        }
        if let Some((publisher, offer)) = offer_id.split_once('/')
            && api.publisher_required()
        {
            return Err(invalid(format!(
                "{offer_input} '{}' holds a publisher: split it, {} and {} (or list it in offers, where a line may be publisher_id/offer_id)",
                offer_id.escape_default(),
                surface.setting("publisher_id", &publisher.escape_default().to_string()),
                surface.setting("offer_id", &offer.escape_default().to_string()),
            )));
        }
    }
    let publisher_id = match raw.given("publisher_id") {
        Some(publisher_id) => Some(parse_id(&publisher_input, publisher_id)?),
        None if api.publisher_required() => {
            return Err(invalid(format!(
                "{publisher_input} is required for the {} API (unless {location} is given): pass the ID shown in Partner Center",
                api.name()
            )));
        }
        None => None,
    };
    let Some(offer_id) = raw.given("offer_id") else {
        return Err(invalid(format!(
            "{offer_input} is required (unless {location} is given): pass the offer ID shown in Partner Center"
        )));
    };
    api.check_offer_id(offer_id).map_err(|expected| {
        invalid(format!(
            "{offer_input} '{}' is not valid: {expected}",
            offer_id.escape_default()
        ))
    })?;
    Ok(Offer {
        publisher_id,
        offer_id: offer_id.to_owned(),
    })
}

/// The `offers` input: one offer a line, `offer_id` or (for APIs that
/// address offers under a publisher) `publisher_id/offer_id`; blank lines
/// and `#` comments skipped. Every line is checked, and every bad one
/// named by its number, before anything is sent.
pub(super) fn parse_offers(
    raw: &RawInputs,
    api: &dyn Api,
    surface: Surface,
) -> Result<Vec<Listed>, InputError> {
    let follow = format!(
        "offers follows each offer's running go-live by itself with {}",
        surface.mode("follow")
    );
    for (other, why) in [
        ("offer_id", "name each offer in offers, one a line"),
        ("operation_location", follow.as_str()),
    ] {
        if raw.given(other).is_some() {
            let other = surface.input(other);
            return Err(invalid(format!(
                "offers and {other} cannot be given together: {why}, and leave {other} empty"
            )));
        }
    }
    let default_publisher = raw
        .given("publisher_id")
        .map(|publisher| parse_id(&surface.input("publisher_id"), publisher))
        .transpose()?;
    let text = raw.given("offers").unwrap_or_default();
    let mut listed: Vec<(usize, Listed)> = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_offer_line(line, default_publisher.as_deref(), api, surface) {
            Ok(offer) => match listed.iter().find(|(_, seen)| seen.offer == offer) {
                Some((first, _)) => problems.push(format!(
                    "offers line {number}: '{}' names the same offer as line {first}: list each offer once",
                    line.escape_default()
                )),
                None => listed.push((
                    number,
                    Listed {
                        key: line.to_owned(),
                        offer,
                    },
                )),
            },
            Err(problem) => problems.push(format!(
                "offers line {number}: '{}' {problem}",
                line.escape_default()
            )),
        }
    }
    if !problems.is_empty() {
        const SHOWN: usize = 10;
        let more = problems.len().saturating_sub(SHOWN);
        problems.truncate(SHOWN);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        return Err(invalid(problems.join("\n")));
    }
    if listed.is_empty() {
        return Err(invalid(
            "offers lists no offer (only blank lines and # comments): give one offer ID a line"
                .to_owned(),
        ));
    }
    if listed.len() > MOST_OFFERS {
        return Err(invalid(format!(
            "offers lists {} offers, more than the {MOST_OFFERS} one run takes: split them over several steps or jobs",
            listed.len()
        )));
    }
    Ok(listed.into_iter().map(|(_, listed)| listed).collect())
}

/// One line of `offers`, already trimmed; the error completes
/// "line N: 'text' ...".
fn parse_offer_line(
    line: &str,
    default_publisher: Option<&str>,
    api: &dyn Api,
    surface: Surface,
) -> Result<Offer, String> {
    if line.contains(',') {
        return Err(match surface {
            Surface::Action => "holds commas: list one offer a line".to_owned(),
            Surface::CommandLine => {
                "holds commas: list one offer a line (one --offer each)".to_owned()
            }
        });
    }
    let (publisher_id, offer_id) = match line.split_once('/') {
        Some(_) if !api.publisher_required() => {
            return Err(format!(
                "names a publisher, which the {} API does not use: give the offer ID alone",
                api.name()
            ));
        }
        Some((publisher, offer)) => {
            parse_id("publisher_id", publisher).map_err(|_| {
                "has a publisher ID that is not valid: expected letters, digits, '.', '_' or '-' before the '/'".to_owned()
            })?;
            (Some(publisher.to_owned()), offer)
        }
        None => (default_publisher.map(str::to_owned), line),
    };
    if publisher_id.is_none() && api.publisher_required() {
        return Err(format!(
            "has no publisher: write it as publisher_id/offer_id, or give {} for every line (the {} API needs one)",
            surface.input("publisher_id"),
            api.name()
        ));
    }
    api.check_offer_id(offer_id)
        .map_err(|expected| format!("is not a valid offer ID: {expected}"))?;
    Ok(Offer {
        publisher_id,
        offer_id: offer_id.to_owned(),
    })
}
