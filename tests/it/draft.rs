//! A change of the draft (`vm_image_versions` with `plan`, Product
//! Ingestion): the plan's technical configuration read, the versions
//! upserted with every other one kept, sent whole and followed to its end;
//! an unchanged draft sends nothing; every problem of the file (exit 2) or
//! of the offer's state (exit 1) is listed before any write; SAS queries
//! are masked before anything is printed and shown nowhere.

use std::time::{Duration, SystemTime};

use crate::support::Action;
use crate::support::emulated::{Api, configured, ingestion_go_live, knobs};
use marketplace_emulator::{Emulator, Knobs};
use serde_json::{Value, json};

const OFFER: &str = "contoso-vm";

/// A virtual machine product with plan `standard`, and `byol` reusing its
/// technical configuration.
fn vm_product(knobs: Knobs) -> Emulator {
    let emulator = Emulator::start(knobs);
    emulator.create_vm_product(OFFER, &["standard", "byol=standard"]);
    emulator
}

/// `YYYY-MM-DDTHH:MM:SSZ`, `days` from now.
fn days_from_now(days: u64) -> String {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + days * 24 * 3600;
    let date = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
    // "Sun, 06 Nov 1994 08:49:37 GMT" to RFC 3339.
    let parts: Vec<&str> = date.split(' ').collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])
    .unwrap()
        + 1;
    format!("{}-{month:02}-{}T{}Z", parts[3], parts[1], parts[4])
}

const SIG: &str = "c2VjcmV0LXNpZ25hdHVyZQ";

fn sas(blob: &str, days: u64) -> String {
    format!(
        "https://contoso.blob.core.windows.net/vhds/{blob}.vhd?sv=2023-11-03&se={}&sr=b&sp=r&sig={SIG}",
        days_from_now(days)
    )
}

fn version(number: &str, uri: &str) -> Value {
    json!({"versionNumber": number, "vmImages": [{"imageType": "x64Gen2",
        "source": {"sourceType": "sasUri", "osDisk": {"uri": uri}, "dataDisks": []}}]})
}

/// A run of `mode` for plan `plan` with this file in the workspace.
fn with_file(emulator: &Emulator, mode: &str, plan: &str, file: &Value) -> Action {
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", mode)
        .with("plan", plan)
        .with("vm_image_versions", "release/versions.json")
        .with("configure_timeout", "1m")
        .secret(SIG);
    action.workspace_file("release/versions.json", &file.to_string())
}

/// The draft changes of a technical configuration the emulator received.
fn draft_changes(emulator: &Emulator) -> Vec<Value> {
    configured(emulator, "technical-configuration")
}

fn versions_of(emulator: &Emulator, plan: &str) -> Vec<String> {
    emulator.draft_tech(OFFER, plan).unwrap()["vmImageVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["versionNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_new_version_goes_into_the_draft_and_a_re_run_sends_nothing() {
    let emulator = vm_product(knobs());
    let file = json!([
        version("1.0.0", &sas("a", 30)),
        version("1.1.0", &sas("b", 30))
    ]);
    let run = with_file(&emulator, "draft", "standard", &file).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(run.outputs["target"], "draft");
    assert!(
        run.log()
            .contains("The draft was read again: it holds the change as sent"),
        "{}",
        run.stdout
    );
    assert_eq!(versions_of(&emulator, "standard"), ["1.0.0", "1.1.0"]);
    let sent = draft_changes(&emulator);
    assert_eq!(sent.len(), 1);
    // The whole resource, as read, under the live schema host.
    let resource = &sent[0]["resources"][0];
    assert!(resource["$schema"].as_str().unwrap().starts_with(
        "https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/"
    ));
    assert_eq!(resource["operatingSystem"]["friendlyName"], "Contoso Linux");
    assert_eq!(resource["skus"][0]["imageType"], "x64Gen2");
    // No submission was made.
    assert!(
        !emulator
            .requests()
            .iter()
            .any(|r| r.body.contains("\"preview\""))
    );

    // The same file again: nothing to change, nothing sent.
    let again = with_file(&emulator, "draft", "standard", &file).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    assert!(
        again
            .annotations("notice")
            .iter()
            .any(|n| n.contains("already holds the image versions of release/versions.json")),
        "{}",
        again.stdout
    );
    assert_eq!(draft_changes(&emulator).len(), 1);

    // One more version: upserted, the others kept.
    let more = json!(version("1.2.0", &sas("c", 30)));
    let run = with_file(&emulator, "draft", "standard", &more).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(
        versions_of(&emulator, "standard"),
        ["1.0.0", "1.1.0", "1.2.0"]
    );
}

#[test]
fn a_sas_signature_is_masked_first_and_shown_nowhere() {
    let emulator = vm_product(knobs());
    let uri = sas("a", 30);
    let file = json!([version("1.0.0", &uri)]);
    let run = with_file(&emulator, "draft", "standard", &file).run();
    run.check_ended(0, "succeeded", Some("started"));
    // The support's check: no SAS signature outside a mask line, in the
    // log, the outputs or the summary.
    run.assert_not_shown(SIG);
    let query = uri.split_once('?').unwrap().1.to_owned();
    assert!(
        run.masked_before(&query, "Reading the draft"),
        "{}",
        run.stdout
    );

    // A refused file names the blob without its query.
    let short = json!([version("1.1.0", &sas("b", 3))]);
    let run = with_file(&emulator, "draft", "standard", &short).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error().contains(
            "('https://contoso.blob.core.windows.net/vhds/b.vhd') expires in less than 3 weeks"
        ),
        "{}",
        run.error()
    );
    run.assert_not_shown(SIG);
}

#[test]
fn the_version_and_its_publish_go_to_preview_then_live() {
    let emulator = vm_product(knobs());
    let file = json!([version("1.0.0", &sas("a", 30))]);
    let run = with_file(&emulator, "publish", "standard", &file).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(run.outputs["target"], "preview");
    assert_eq!(draft_changes(&emulator).len(), 1);
    let log = run.log();
    let changed = log
        .find("The draft was read again: it holds the change as sent")
        .expect("the draft change ended");
    let published = log
        .find("publish to preview accepted")
        .expect("the publish");
    assert!(changed < published, "{log}");

    let live = Api::ProductIngestion.single(&emulator, OFFER).run();
    live.check_ended(0, "succeeded", Some("started"));
    assert_eq!(live.outputs["submission_id"], run.outputs["submission_id"]);

    // A published version can be deprecated, not changed.
    let changed = json!([version("1.0.0", &sas("other", 30))]);
    let run = with_file(&emulator, "draft", "standard", &changed).run();
    run.check_ended(1, "failed", None);
    assert!(
        run.error().contains("version 1.0.0 is already published (in preview or live): it cannot be changed, only deprecated"),
        "{}",
        run.error()
    );
    let mut deprecated = version("1.0.0", &sas("a", 40));
    deprecated["lifecycleState"] = json!("deprecated");
    let run = with_file(&emulator, "draft", "standard", &json!([deprecated])).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(draft_changes(&emulator).len(), 2);
}

#[test]
fn every_problem_is_listed_before_any_write() {
    // In the file and in the offer's state, listed at once: exit 2, as
    // the file is at fault, and nothing but reads was sent.
    let emulator = vm_product(knobs());
    let arm = json!({"versionNumber": "1.2.0", "vmImages": [{"imageType": "arm64Gen2",
        "source": {"sourceType": "sasUri", "osDisk": {"uri": sas("c", 30)}, "dataDisks": []}}]});
    let bad = json!([
        version("1.0", &sas("a", 30)),
        version("1.1.0", &sas("b", 2)),
        arm
    ]);
    let run = with_file(&emulator, "draft", "standard", &bad).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "failed", "{}", run.stdout);
    let error = run.error();
    assert!(error.starts_with("vm_image_versions 'release/versions.json' cannot be used: version 1.0: versionNumber must be three numbers"), "{error}");
    assert!(
        error.contains("; version 1.1.0: vmImages[0].source.osDisk.uri"),
        "{error}"
    );
    assert!(
        error.contains(
            "; version 1.2.0: imageType 'arm64Gen2' is not one of plan 'standard''s skus (x64Gen2)"
        ),
        "{error}"
    );
    assert!(
        emulator.requests().iter().all(|r| r.method == "GET"),
        "only reads"
    );

    // In the offer's state: exit 1, nothing sent.
    let arm = json!({"versionNumber": "1.0.0", "vmImages": [{"imageType": "arm64Gen2",
        "source": {"sourceType": "sasUri", "osDisk": {"uri": sas("a", 30)}, "dataDisks": []}}]});
    let run = with_file(&emulator, "draft", "standard", &json!([arm])).run();
    run.check_ended(1, "failed", None);
    assert!(
        run.error()
            .contains("imageType 'arm64Gen2' is not one of plan 'standard''s skus (x64Gen2)"),
        "{}",
        run.error()
    );
    let run = with_file(
        &emulator,
        "draft",
        "byol",
        &json!([version("1.0.0", &sas("a", 30))]),
    )
    .run();
    run.check_ended(1, "failed", None);
    assert!(
        run.error()
            .contains("plan 'byol' reuses the technical configuration of plan 'standard': change that plan's image versions instead"),
        "{}",
        run.error()
    );
    let run = with_file(
        &emulator,
        "draft",
        "premium",
        &json!([version("1.0.0", &sas("a", 30))]),
    )
    .run();
    run.check_ended(1, "failed", None);
    assert!(
        run.error()
            .contains("has no plan 'premium' in its draft (its plans: standard, byol)"),
        "{}",
        run.error()
    );
    assert!(draft_changes(&emulator).is_empty());
}

#[test]
fn the_draft_is_never_changed_under_a_running_publish() {
    let emulator = vm_product(Knobs {
        step_duration: Duration::from_secs(600),
        ..knobs()
    });
    emulator.publish_preview(OFFER);
    let run = with_file(
        &emulator,
        "draft",
        "standard",
        &json!([version("1.0.0", &sas("a", 30))]),
    )
    .run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    assert!(
        error.contains("a publish is in progress on offer 'contoso-vm': submission "),
        "{error}"
    );
    assert!(
        error.contains("the draft is not changed under it"),
        "{error}"
    );
    assert!(draft_changes(&emulator).is_empty());
}

#[test]
fn file_inputs_are_refused_where_they_cannot_apply() {
    let emulator = vm_product(knobs());
    let file = json!([version("1.0.0", &sas("a", 30))]);
    type Change = fn(Action) -> Action;
    let cases: [(&str, Change, &str); 6] = [
        (
            "the Cloud Partner Portal",
            |a: Action| {
                a.with("api", "cloud-partner-portal")
                    .with("publisher_id", "contoso")
            },
            "vm_image_versions is not taken by the Cloud Partner Portal API",
        ),
        (
            "no plan",
            |a: Action| a.with("plan", ""),
            "vm_image_versions needs plan",
        ),
        (
            "offers",
            |a: Action| a.with("offer_id", "").with("offers", "contoso-vm"),
            "vm_image_versions cannot be given with offers",
        ),
        (
            "mode go-live",
            |a: Action| a.with("mode", "go-live"),
            "only mode: draft and mode: publish do",
        ),
        (
            "mode draft without a file",
            |a: Action| a.with("vm_image_versions", "").with("plan", ""),
            "mode: draft changes the draft as vm_image_versions, cnab_bundles or configure asks",
        ),
        (
            "a missing file",
            |a: Action| a.with("vm_image_versions", "release/missing.json"),
            "vm_image_versions 'release/missing.json' cannot be read",
        ),
    ];
    for (case, change, expected) in cases {
        let run = change(with_file(&emulator, "draft", "standard", &file)).run();
        assert_eq!(run.code, Some(2), "{case}: {}", run.stdout);
        assert!(run.error().contains(expected), "{case}: {}", run.error());
    }
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}

#[test]
fn a_re_run_of_a_publish_finds_the_draft_unchanged_and_follows_the_preview() {
    let emulator = vm_product(Knobs {
        step_duration: Duration::from_secs(3),
        ..knobs()
    });
    let file = json!([version("1.0.0", &sas("a", 30))]);
    let first = with_file(&emulator, "publish", "standard", &file)
        .with("wait", "false")
        .run();
    first.check_ended(0, "accepted", Some("started"));
    // The job that ran out is re-run while its preview is in progress:
    // nothing is changed or sent again, and the preview is followed.
    let again = with_file(&emulator, "publish", "standard", &file)
        .with("wait", "false")
        .run();
    again.check_ended(0, "running", Some("followed"));
    assert_eq!(again.outputs["target"], "preview");
    assert_eq!(draft_changes(&emulator).len(), 1);
    let publishes = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("\"preview\""))
        .count();
    assert_eq!(publishes, 1, "{}", again.stdout);
}

/// A run of `mode` with this `configure` file in the workspace.
fn with_resources(emulator: &Emulator, mode: &str, file: &Value) -> Action {
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("mode", mode)
        .with("configure", "release/draft.json")
        .with("configure_timeout", "1m");
    action.workspace_file("release/draft.json", &file.to_string())
}

#[test]
fn a_configure_file_is_sent_as_it_is_and_not_again() {
    let emulator = vm_product(knobs());
    let product = emulator.product_id(OFFER).unwrap();
    let guid = product.trim_start_matches("product/");
    let listing = json!({
        "$schema": "https://product-ingestion.azureedge.net/schema/listing/2022-03-01-preview2",
        "id": format!("listing/{guid}/public/main/default/en-us"),
        "product": product,
        "title": "Contoso VM 2",
    });
    // A resource-tree export, with the draft's own submission entry.
    let export = json!({
        "$schema": "https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2",
        "root": product,
        "target": {"targetType": "draft"},
        "resources": [listing, {"id": format!("submission/{guid}/0"), "product": product, "target": {"targetType": "draft"}}],
    });
    let run = with_resources(&emulator, "draft", &export).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert!(
        run.annotations("notice")
            .iter()
            .any(|n| n.ends_with("is the draft's own submission entry: it is left out")),
        "{}",
        run.stdout
    );
    let held = emulator.draft_resources(OFFER);
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["title"], "Contoso VM 2");
    assert_eq!(
        held[0]["$schema"],
        "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2"
    );

    let again = with_resources(&emulator, "draft", &export).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    let sent = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("listing/"))
        .count();
    assert_eq!(sent, 1);

    // The mode decides what is submitted, and one file changes a draft.
    let preview = json!([{"$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
        "product": product, "target": {"targetType": "preview"}}]);
    let run = with_resources(&emulator, "draft", &preview).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error()
            .contains("a submission to preview is refused: the mode decides what is submitted"),
        "{}",
        run.error()
    );
    let both = with_resources(&emulator, "draft", &export)
        .with("vm_image_versions", "release/draft.json")
        .with("plan", "standard")
        .run();
    assert_eq!(both.code, Some(2), "{}", both.stdout);
    assert!(
        both.error()
            .contains("vm_image_versions and configure cannot be given together")
    );
}

/// The draft changes and publishes the emulator received.
fn posts(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target.contains("/configure?"))
        .count()
}

#[test]
fn a_list_that_lacks_a_published_version_is_never_sent() {
    let emulator = vm_product(knobs());
    let published = with_file(
        &emulator,
        "publish",
        "standard",
        &json!([
            version("1.0.0", &sas("a", 30)),
            version("1.1.0", &sas("b", 30))
        ]),
    )
    .run();
    published.check_ended(0, "succeeded", Some("started"));
    let sent = posts(&emulator);

    // A configure file with the plan's configuration without 1.0.0.
    let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
    tech["vmImageVersions"] = json!([
        version("1.1.0", &sas("b", 30)),
        version("2.0.0", &sas("c", 30))
    ]);
    let run = with_resources(&emulator, "publish", &json!([tech])).run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    assert!(
        error.contains("lacks published image version(s) 1.0.0 (held in preview or live); its list is sent whole, so sending it would ask the service to delete them"),
        "{error}"
    );
    assert!(
        error.contains("put them back in release/draft.json and run this again"),
        "{error}"
    );
    assert_eq!(posts(&emulator), sent, "nothing was sent");

    // The draft's configuration came back without its versions (another
    // writer, a read that lost them): image versions are not merged into
    // what would delete the published ones.
    let mut emptied = emulator.draft_tech(OFFER, "standard").unwrap();
    emptied.as_object_mut().unwrap().remove("vmImageVersions");
    emulator.set_draft_resource(OFFER, emptied);
    let run = with_file(
        &emulator,
        "publish",
        "standard",
        &json!([version("2.0.0", &sas("c", 30))]),
    )
    .run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    assert!(
        error.contains("lacks published image version(s) 1.0.0, 1.1.0 (held in preview or live)"),
        "{error}"
    );
    assert_eq!(posts(&emulator), sent, "nothing was sent");
}

#[test]
fn a_configure_file_that_lacks_a_published_cnab_reference_is_never_sent() {
    let emulator = Emulator::start(knobs());
    emulator.create_product("argo-cd-cnab");
    let product = emulator.product_id("argo-cd-cnab").unwrap();
    let guid = product.trim_start_matches("product/");
    let plan = format!("plan/{guid}/c9257046-f7bf-44df-8f4c-a78bc0814958");
    let reference = |tag: &str, digest: char| {
        json!({"tenantId": "c977ffe0-e8f3-4d6f-ab49-e03bbc3287b1",
            "subscriptionId": "b297ab83-361f-424f-804c-0c44fa26e903",
            "resourceGroupName": "contoso-marketplace", "registryName": "contosoacr",
            "repositoryName": "contoso.argo-cd", "tag": tag,
            "digest": format!("sha256:{}", digest.to_string().repeat(64))})
    };
    let config = |references: Vec<Value>| {
        json!({"$schema": "https://schema.mp.microsoft.com/schema/container-plan-technical-configuration/2022-03-01-preview3",
            "id": format!("container-plan-technical-configuration/{guid}/c9257046-f7bf-44df-8f4c-a78bc0814958"),
            "product": product, "plan": plan, "payloadType": "cnab",
            "clusterExtensionType": "contoso.argo-cd", "cnabReferences": references})
    };
    emulator.set_draft_resource("argo-cd-cnab", config(vec![reference("2.13.1", 'a')]));
    emulator.publish_preview("argo-cd-cnab");
    assert!(emulator.wait_for_preview("argo-cd-cnab", Duration::from_secs(20)));

    let file = json!([config(vec![reference("2.14.0", 'b')])]);
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", "argo-cd-cnab")
        .with("mode", "draft")
        .with("configure", "release/draft.json");
    let run = action
        .workspace_file("release/draft.json", &file.to_string())
        .run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    assert!(
        error.contains(
            "lacks published CNAB reference(s) contoso.argo-cd:2.13.1 (held in preview or live)"
        ),
        "{error}"
    );
    assert_eq!(posts(&emulator), 0, "nothing was sent");
}

#[test]
fn a_changed_draft_is_published_again_and_an_unchanged_one_is_not() {
    let emulator = vm_product(knobs());
    let one = json!([version("1.0.0", &sas("a", 30))]);
    let first = with_file(&emulator, "publish", "standard", &one).run();
    first.check_ended(0, "succeeded", Some("started"));
    // The job re-run after it succeeded: nothing to change, nothing to
    // publish.
    let again = with_file(&emulator, "publish", "standard", &one).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    assert_eq!(
        again.outputs["submission_id"],
        first.outputs["submission_id"]
    );
    // A new version: the draft changes, and a new preview is made.
    let two = json!([version("1.1.0", &sas("b", 30))]);
    let next = with_file(&emulator, "publish", "standard", &two).run();
    next.check_ended(0, "succeeded", Some("started"));
    assert_ne!(
        next.outputs["submission_id"],
        first.outputs["submission_id"]
    );
    assert_eq!(draft_changes(&emulator).len(), 2);
}

#[test]
fn a_lost_answer_to_a_draft_change_is_settled_by_reading_the_draft() {
    // The change landed, then the service failed to say so.
    let emulator = vm_product(Knobs {
        go_live_faults: vec![marketplace_emulator::Fault::AcceptThenFail(500)],
        ..knobs()
    });
    let file = json!([version("1.0.0", &sas("a", 30))]);
    let run = with_file(&emulator, "draft", "standard", &file).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert!(
        run.annotations("notice")
            .iter()
            .any(|n| n.contains("and the draft now holds it: it landed")),
        "{}",
        run.stdout
    );
    assert_eq!(draft_changes(&emulator).len(), 1, "never sent again");
    assert_eq!(versions_of(&emulator, "standard"), ["1.0.0"]);

    // It did not land: the outcome is not known, and a re-run is safe.
    let emulator = vm_product(Knobs {
        go_live_faults: vec![marketplace_emulator::Fault::Status(500, None)],
        ..knobs()
    });
    let run = with_file(&emulator, "draft", "standard", &file).run();
    run.check_ended(1, "unknown", None);
    assert!(
        run.error().contains(
            "the draft does not hold it yet; a re-run sends it again whole, which is safe"
        ),
        "{}",
        run.error()
    );
    let again = with_file(&emulator, "draft", "standard", &file).run();
    again.check_ended(0, "succeeded", Some("started"));
}

#[test]
fn a_property_on_in_live_and_off_in_the_draft_is_named_and_left_as_read() {
    let emulator = vm_product(knobs());
    let one = json!([version("1.0.0", &sas("a", 30))]);
    with_file(&emulator, "publish", "standard", &one)
        .run()
        .check_ended(0, "succeeded", Some("started"));
    let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
    tech["vmProperties"]["supportsNVMe"] = json!(true);
    with_resources(&emulator, "publish", &json!([tech]))
        .run()
        .check_ended(0, "succeeded", Some("started"));
    Api::ProductIngestion
        .single(&emulator, OFFER)
        .run()
        .check_ended(0, "succeeded", Some("started"));
    // The draft shows it off again, as the service's may.
    tech["vmProperties"]["supportsNVMe"] = json!(false);
    with_resources(&emulator, "draft", &json!([tech]))
        .run()
        .check_ended(0, "succeeded", Some("started"));

    let run = with_file(
        &emulator,
        "draft",
        "standard",
        &json!([version("1.1.0", &sas("b", 30))]),
    )
    .run();
    run.check_ended(0, "succeeded", Some("started"));
    assert!(
        run.annotations("notice").iter().any(|n| n.contains(
            "plan 'standard': vmProperties.supportsNVMe is on in the live offer and off in the draft; go-live never changes vmProperties"
        )),
        "{}",
        run.stdout
    );
    let sent = draft_changes(&emulator);
    assert_eq!(
        sent.last().unwrap()["resources"][0]["vmProperties"]["supportsNVMe"],
        json!(false)
    );
}

#[test]
fn a_file_that_is_too_large_or_not_json_is_refused_by_name() {
    let emulator = vm_product(knobs());
    let action = |text: &str| {
        let action = ingestion_go_live(&emulator.ingestion_url())
            .with("mode", "draft")
            .with("plan", "standard")
            .with("vm_image_versions", "versions.json");
        std::fs::write(action.dir().join("versions.json"), text).unwrap();
        let dir = action.dir();
        action.env("GITHUB_WORKSPACE", dir.to_str().unwrap())
    };
    for (text, expected) in [
        (
            "[{\"versionNumber\": ".to_owned(),
            "vm_image_versions 'versions.json' cannot be used: is not JSON",
        ),
        (
            " ".repeat(1024 * 1024 + 1),
            "vm_image_versions 'versions.json' is larger than 1024 KiB",
        ),
        (
            "[]".to_owned(),
            "vm_image_versions 'versions.json' cannot be used: holds no image version",
        ),
    ] {
        let run = action(&text).run();
        assert_eq!(run.code, Some(2), "{expected}: {}", run.stdout);
        assert!(run.error().starts_with(expected), "{}", run.error());
    }
    assert!(emulator.requests().is_empty());
}

#[test]
fn a_draft_change_still_running_at_configure_timeout_says_so_and_publishes_nothing() {
    let emulator = vm_product(Knobs {
        step_duration: Duration::from_secs(600),
        ..knobs()
    });
    let run = with_file(
        &emulator,
        "publish",
        "standard",
        &json!([version("1.0.0", &sas("a", 30))]),
    )
    .with("configure_timeout", "300ms")
    .run();
    run.check_ended(1, "unknown", None);
    let error = run.error();
    assert!(
        error.contains("the draft change is still running after configure_timeout (300ms)"),
        "{error}"
    );
    assert!(
        error.contains("nothing was published: run this again later"),
        "{error}"
    );
    assert!(
        !emulator
            .requests()
            .iter()
            .any(|r| r.body.contains("\"preview\""))
    );
}

#[test]
fn a_resources_kind_is_its_schemas_as_the_service_reads_it() {
    let emulator = vm_product(knobs());
    let product = emulator.product_id(OFFER).unwrap();
    let guid = product.trim_start_matches("product/");
    // A submission to live under a listing's id.
    let disguised = json!([{
        "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
        "id": format!("listing/{guid}/public/main/default/en-us"),
        "product": product,
        "target": {"targetType": "live"},
    }]);
    let run = with_resources(&emulator, "draft", &disguised).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error().contains(&format!(
            "resource listing/{guid}/public/main/default/en-us: its $schema names a submission and its id a listing: the service goes by the $schema, so the file is refused"
        )),
        "{}",
        run.error()
    );
    // The schema's path in another case is the same kind.
    let shouting = json!([{
        "$schema": "https://schema.mp.microsoft.com/Schema/Submission/2022-03-01-preview2",
        "product": product,
        "target": {"targetType": "live"},
    }]);
    let run = with_resources(&emulator, "draft", &shouting).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error()
            .contains("a submission to live is refused: the mode decides what is submitted"),
        "{}",
        run.error()
    );
    assert!(
        emulator
            .requests()
            .iter()
            .all(|r| r.method == "GET" || r.target.contains("/token")),
        "nothing was sent"
    );
}

#[test]
fn a_draft_changed_after_ours_is_never_published() {
    let emulator = vm_product(Knobs {
        draft_overwritten: true,
        ..knobs()
    });
    let file = json!([version("2.0.0", &sas("a", 30))]);
    let run = with_file(&emulator, "publish", "standard", &file).run();
    run.check_ended(1, "failed", None);
    let error = run.error();
    assert!(
        error.contains("the draft was changed after ours: its job succeeded, but the draft read again does not hold it (image version 2.0.0 of virtual-machine-plan-technical-configuration/"),
        "{error}"
    );
    assert!(error.contains("nothing was published"), "{error}");
    assert!(
        !run.log()
            .contains("The draft was read again: it holds the change as sent\n"),
        "{}",
        run.stdout
    );
    let publishes = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("\"preview\""))
        .count();
    assert_eq!(publishes, 0, "{}", run.stdout);
}

#[test]
fn a_run_stopped_while_its_draft_change_runs_says_it_started_and_how_to_follow_it() {
    let emulator = vm_product(Knobs {
        step_duration: Duration::from_secs(600),
        ..knobs()
    });
    let file = json!([version("2.0.0", &sas("a", 30))]);
    let action = with_file(&emulator, "publish", "standard", &file);
    let run = action.interrupt_after(action.command(), "TERM", Some, |line| {
        line.starts_with("Following the draft change every")
    });
    assert_eq!(run.code, Some(143), "{}", run.stdout);
    assert_eq!(run.outputs["status"], "running");
    assert_eq!(run.outputs["target"], "draft");
    let location = &run.outputs["operation_location"];
    assert!(location.contains("/configure/"), "{location}");
    let error = run.error();
    assert!(
        error.contains(
            "stopped by SIGTERM while following the operation; it goes on in the service"
        ),
        "{error}"
    );
    assert!(!error.contains("did not start"), "{error}");
    assert!(
        error.contains(&format!(
            "run this action with mode: follow and operation_location: {location}"
        )),
        "{error}"
    );
    // Nothing was published.
    assert!(
        !emulator
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.body.contains("\"preview\""))
    );
}

#[test]
fn a_version_holds_one_image_per_image_type_of_the_plans_skus() {
    let emulator = Emulator::start(knobs());
    emulator.create_vm_product(OFFER, &["freebsd[x64Gen1,x64Gen2,arm64Gen2]"]);
    let image = |image_type: &str, blob: &str| {
        json!({"imageType": image_type, "source": {"sourceType": "sasUri",
            "osDisk": {"uri": sas(blob, 30)}, "dataDisks": []}})
    };
    let three = json!([{"versionNumber": "14.3.0", "vmImages": [
        image("x64Gen1", "a"), image("x64Gen2", "b"), image("arm64Gen2", "c")]}]);
    let run = with_file(&emulator, "draft", "freebsd", &three).run();
    run.check_ended(0, "succeeded", Some("started"));
    let held = emulator.draft_tech(OFFER, "freebsd").unwrap();
    assert_eq!(
        held["vmImageVersions"][0]["vmImages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let twice = json!([{"versionNumber": "14.4.0", "vmImages": [
        image("x64Gen2", "a"), image("x64Gen2", "b")]}]);
    let run = with_file(&emulator, "draft", "freebsd", &twice).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error().contains(
            "version 14.4.0: vmImages holds imageType 'x64Gen2' twice: one image per imageType"
        ),
        "{}",
        run.error()
    );
}

#[test]
fn a_configure_file_the_draft_holds_but_for_asset_signatures_is_unchanged() {
    let emulator = vm_product(knobs());
    let product = emulator.product_id(OFFER).unwrap();
    let guid = product.trim_start_matches("product/");
    let asset = json!([{
        "$schema": "https://schema.mp.microsoft.com/schema/listing-asset/2022-03-01-preview2",
        "id": format!("listing-asset/{guid}/public/main/default/en-us/logo"),
        "product": product,
        "type": "azureLogoLarge",
        "url": "https://contoso.blob.core.windows.net/assets/logo.png?sv=2023-11-03&se=2026-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=exported",
    }]);
    let run = with_resources(&emulator, "draft", &asset).run();
    run.check_ended(0, "succeeded", Some("started"));
    // The service signs the URL anew at every read: the same asset.
    let again = with_resources(&emulator, "draft", &asset).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    let sent = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("listing-asset/"))
        .count();
    assert_eq!(sent, 1);
    // Another asset is a change.
    let mut other = asset.clone();
    other[0]["url"] = json!("https://contoso.blob.core.windows.net/assets/logo-2.png?sig=x");
    let changed = with_resources(&emulator, "draft", &other).run();
    changed.check_ended(0, "succeeded", Some("started"));
}

#[test]
fn a_resource_tree_as_large_as_real_offers_have_is_read() {
    let emulator = Emulator::start(knobs());
    emulator.create_vm_product(OFFER, &["a", "b", "c", "standard"]);
    emulator.fill_versions(OFFER, 99);
    let run = with_file(
        &emulator,
        "draft",
        "standard",
        &json!([version("2.0.0", &sas("z", 30))]),
    )
    .run();
    run.check_ended(0, "succeeded", Some("started"));
    let tree = emulator
        .requests()
        .iter()
        .filter(|r| r.target.contains("/resource-tree/"))
        .count();
    assert!(tree >= 1);
    assert_eq!(versions_of(&emulator, "standard").len(), 100);
}

#[test]
fn a_sas_that_grants_writing_or_starts_at_a_bare_date_is_refused() {
    let emulator = vm_product(knobs());
    let writable = sas("a", 30).replace("sp=r", "sp=racwd");
    let bare_start = sas("b", 30).replace("sv=2023-11-03", "sv=2023-11-03&st=2026-01-01");
    let file = json!([version("1.0.0", &writable), version("1.0.1", &bare_start)]);
    let run = with_file(&emulator, "draft", "standard", &file).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let error = run.error();
    assert!(
        error.contains("version 1.0.0: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/a.vhd') grants more than reading (sp has 'a')"),
        "{error}"
    );
    assert!(
        error.contains("version 1.0.1: vmImages[0].source.osDisk.uri ('https://contoso.blob.core.windows.net/vhds/b.vhd') has a start time (st) that is not a full YYYY-MM-DDTHH:MM:SSZ"),
        "{error}"
    );
    assert!(
        emulator.requests().iter().all(|r| r.method == "GET"),
        "nothing but reads"
    );
}

#[test]
fn keep_versions_deprecates_the_oldest_published_in_the_same_write() {
    let emulator = vm_product(knobs());
    let first = json!([
        version("1.0.0", &sas("a", 30)),
        version("1.1.0", &sas("b", 30))
    ]);
    with_file(&emulator, "publish", "standard", &first)
        .run()
        .check_ended(0, "succeeded", Some("started"));
    let next = json!([version("1.2.0", &sas("c", 30))]);
    let run = with_file(&emulator, "draft", "standard", &next)
        .with("keep_versions", "2")
        .run();
    run.check_ended(0, "succeeded", Some("started"));
    let tech = emulator.draft_tech(OFFER, "standard").unwrap();
    let states: Vec<String> = tech["vmImageVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["versionNumber"].as_str().unwrap(),
                v["lifecycleState"].as_str().unwrap_or("generallyAvailable")
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            "1.0.0 deprecated",
            "1.1.0 generallyAvailable",
            "1.2.0 generallyAvailable"
        ]
    );
    let notices = run.annotations("notice").join("\n");
    assert!(
        notices.contains("~ 1.0.0 x64Gen2 …/a.vhd lifecycleState generallyAvailable → deprecated (keep_versions 2)"),
        "{notices}"
    );
    // Only with vm_image_versions, and a whole number from 1.
    for (input, value, expected) in [
        (
            "keep_versions",
            "0",
            "keep_versions '0' is not valid: expected a whole number from 1 to 100",
        ),
        ("keep_versions", "two", "keep_versions 'two' is not valid"),
    ] {
        let run = with_file(&emulator, "draft", "standard", &next)
            .with(input, value)
            .run();
        assert_eq!(run.code, Some(2), "{}", run.stdout);
        assert!(run.error().contains(expected), "{}", run.error());
    }
}

#[test]
fn a_deprecation_schedule_is_checked_in_the_file_and_in_the_draft() {
    let emulator = vm_product(knobs());
    let mut scheduled = version("1.0.0", &sas("a", 30));
    scheduled["deprecationSchedule"] = json!({"dateOffset": "90 days", "reason": "endOfSupport"});
    let run = with_file(&emulator, "draft", "standard", &json!([scheduled])).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error().contains("version 1.0.0: deprecationSchedule dateOffset must be an ISO 8601 duration, such as P90D or P3M"),
        "{}",
        run.error()
    );
    // A schedule stored with a null reason: named before any write.
    let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
    let mut stored = version("0.9.0", &sas("z", 30));
    stored["deprecationSchedule"] = json!({"dateOffset": "P90D", "reason": null});
    tech["vmImageVersions"] = json!([stored]);
    emulator.set_draft_resource(OFFER, tech);
    let run = with_file(
        &emulator,
        "draft",
        "standard",
        &json!([version("1.0.0", &sas("a", 30))]),
    )
    .run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.error().contains("version 0.9.0 as the draft holds it: deprecationSchedule reason must be criticalSecurityIssue, endOfSupport or other"),
        "{}",
        run.error()
    );
    assert!(draft_changes(&emulator).is_empty());
}
