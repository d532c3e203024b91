//! Kubernetes applications (`cnab_bundles` with `plan`, Product
//! Ingestion): a new CNAB bundle into a plan's draft, then a publish to
//! preview and go-live, through the built binary against the emulator's
//! container product; a re-run that finds everything done sends nothing;
//! every refusal before any write.

use crate::support::Action;
use crate::support::emulated::{configured, ingestion_go_live, knobs};
use marketplace_emulator::Emulator;
use serde_json::{Value, json};

const OFFER: &str = "argo-cd-cnab";
const TENANT: &str = "c977ffe0-e8f3-4d6f-ab49-e03bbc3287b1";
const SUBSCRIPTION: &str = "b297ab83-361f-424f-804c-0c44fa26e903";

fn digest(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

/// A bundle as `cpa buildbundle` and `az acr repository show` give it,
/// with the registry's fields when `whole`.
fn bundle(tag: &str, n: u8, whole: bool) -> Value {
    let mut bundle =
        json!({"repositoryName": "com.contoso.argo-cd", "tag": tag, "digest": digest(n)});
    if whole {
        let fields = json!({"tenantId": TENANT, "subscriptionId": SUBSCRIPTION,
            "resourceGroupName": "marketplace", "registryName": "contosoacr"});
        bundle
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
    }
    bundle
}

fn container_product() -> Emulator {
    let emulator = Emulator::start(knobs());
    emulator.create_container_product(OFFER, &["standard"]);
    emulator
}

/// A run of `mode` for plan `standard` with this bundle file.
fn with_bundles(emulator: &Emulator, mode: &str, file: &Value) -> Action {
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", OFFER)
        .with("mode", mode)
        .with("plan", "standard")
        .with("cnab_bundles", "release/cnab-bundle.json")
        .with("configure_timeout", "1m");
    action.workspace_file("release/cnab-bundle.json", &file.to_string())
}

/// The draft changes of a technical configuration the emulator received.
fn draft_changes(emulator: &Emulator) -> Vec<Value> {
    configured(emulator, "container-plan-technical-configuration")
}

/// The tags of the plan's draft references.
fn tags(emulator: &Emulator) -> Vec<String> {
    emulator.draft_tech(OFFER, "standard").unwrap()["cnabReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"].as_str().unwrap().to_owned())
        .collect()
}

fn posts(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target.contains("/configure?"))
        .count()
}

#[test]
fn a_bundle_goes_through_the_whole_release_and_a_re_run_sends_nothing() {
    let emulator = container_product();
    let first = json!(bundle("1.0.0", 1, true));
    // Into the draft, then to preview.
    let run = with_bundles(&emulator, "publish", &first).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(run.outputs["target"], "preview");
    assert_eq!(tags(&emulator), ["1.0.0"]);
    // The draft change and the publish share one product lookup.
    let lookups = emulator
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/rp/product-ingestion/product?"))
        .count();
    assert_eq!(lookups, 1);
    let sent = draft_changes(&emulator);
    assert_eq!(sent.len(), 1);
    let resource = &sent[0]["resources"][0];
    assert_eq!(resource["payloadType"], "cnab");
    assert_eq!(resource["clusterExtensionType"], "contoso.standard");
    assert_eq!(resource["cnabReferences"], json!([first]));
    // What changed, as lines a reviewer reads.
    let notices = run.annotations("notice").join("\n");
    assert!(
        notices.contains(
            "plan 'standard', cluster extension type contoso.standard:\n+ 1.0.0 contosoacr/com.contoso.argo-cd@sha256:01010101…\n= kept 0 references"
        ),
        "{notices}"
    );
    // The summary a reviewer reads keeps the lines.
    assert!(
        run.summary.contains(
            "- plan 'standard', cluster extension type contoso.standard:<br>+ 1.0.0 contosoacr/com.contoso.argo-cd@sha256:01010101…<br>= kept 0 references"
        ),
        "{}",
        run.summary
    );
    // The gated go-live, unchanged; a re-run finds the offer live.
    let live = || {
        ingestion_go_live(&emulator.ingestion_url())
            .with("offer_id", OFFER)
            .run()
    };
    live().check_ended(0, "succeeded", Some("started"));
    live().check_ended(0, "succeeded", Some("already-live"));

    // The next release: a new tag, its registry fields taken from the
    // plan's newest reference; the published one kept.
    let next = json!([bundle("1.1.0", 2, false)]);
    let run = with_bundles(&emulator, "publish", &next).run();
    run.check_ended(0, "succeeded", Some("started"));
    assert_eq!(tags(&emulator), ["1.0.0", "1.1.0"]);
    assert_eq!(
        posts(&emulator),
        5,
        "two draft changes, two publishes, one go-live"
    );
    let notices = run.annotations("notice").join("\n");
    assert!(
        notices.contains("bundle com.contoso.argo-cd:1.1.0: tenantId, subscriptionId, resourceGroupName, registryName taken from the plan's newest reference (1.0.0)"),
        "{notices}"
    );
    assert!(
        notices.contains("= kept 1 references (1 published: 1.0.0)"),
        "{notices}"
    );
    // Before it is sent: what certification will be asked to check.
    assert!(
        notices.contains("what the publish sends for certification (the draft against the newest preview):\n+ container-plan-technical-configuration of plan 'standard' com.contoso.argo-cd:1.1.0"),
        "{notices}"
    );
    let sent = draft_changes(&emulator);
    assert_eq!(
        sent[1]["resources"][0]["cnabReferences"][1],
        bundle("1.1.0", 2, true)
    );
    // The publish ends with the page the approver reads: what goes live.
    let what = run
        .summary
        .split("what goes live (the preview against live):")
        .nth(1);
    assert!(
        what.is_some_and(|rest| rest
            .starts_with("<br>+ container-plan-technical-configuration of plan 'standard'")
            && rest.contains(" com.contoso.argo-cd:1.1.0")),
        "{}",
        run.summary
    );

    // A re-run finds the draft and the preview as asked: nothing sent.
    let before = posts(&emulator);
    let again = with_bundles(&emulator, "publish", &next).run();
    again.check_ended(0, "succeeded", Some("unchanged"));
    assert_eq!(posts(&emulator), before, "{}", again.stdout);

    // The approver's check, and the go-live, say what goes live first.
    let check = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", OFFER)
        .with("mode", "check")
        .run();
    check.check_ended(0, "ready", Some("checked"));
    let notices = check.annotations("notice").join("\n");
    assert!(
        notices.contains("what goes live (the preview against live):\n+ container-plan-technical-configuration of plan 'standard' com.contoso.argo-cd:1.1.0"),
        "{notices}"
    );
    assert!(
        check.summary.contains("what goes live (the preview against live):<br>+ container-plan-technical-configuration of plan 'standard'"),
        "{}",
        check.summary
    );
}

#[test]
fn a_tag_that_is_not_a_version_is_named() {
    let emulator = container_product();
    let run = with_bundles(&emulator, "draft", &json!(bundle("latest", 1, true))).run();
    run.check_ended(0, "succeeded", Some("started"));
    let notices = run.annotations("notice").join("\n");
    assert!(
        notices.contains("bundle com.contoso.argo-cd:latest: the tag 'latest' is not a version such as 1.2.3, which is what cpa buildbundle pushes"),
        "{notices}"
    );
}

#[test]
fn a_bundle_file_s_problems_are_listed_before_any_write() {
    let emulator = container_product();
    let file = json!([
        {"repositoryName": "com.contoso.argo-cd", "tag": "1.0.0", "digest": "sha256:6cd7"},
        {"repositoryName": "com.contoso.argo-cd", "tag": "1.0.1", "digest": digest(1),
            "registryName": "contosoacr.azurecr.io", "subscriptionId": "not-a-guid"},
    ]);
    let run = with_bundles(&emulator, "draft", &file).run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let error = run.error();
    for fragment in [
        "cnab_bundles 'release/cnab-bundle.json' cannot be used",
        "digest 'sha256:6cd7' must be sha256: and 64 hexadecimal digits",
        "subscriptionId 'not-a-guid' must be a GUID",
        "registryName 'contosoacr.azurecr.io' is the registry's login server: give its name alone, 'contosoacr'",
    ] {
        assert!(error.contains(fragment), "{fragment}: {error}");
    }
    assert_eq!(posts(&emulator), 0);
}

#[test]
fn a_published_bundle_is_never_changed_and_a_plan_s_first_bundle_gives_every_field() {
    let emulator = container_product();
    // The plan's first bundle without the registry's fields.
    let run = with_bundles(&emulator, "draft", &json!(bundle("1.0.0", 1, false))).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.error()
            .contains("tenantId is not given, and the plan has no reference to take it from: the plan's first bundle must give tenantId, subscriptionId, resourceGroupName and registryName"),
        "{}",
        run.stdout
    );
    assert_eq!(posts(&emulator), 0);
    // Published to preview, then the same tag rebuilt.
    with_bundles(&emulator, "publish", &json!(bundle("1.0.0", 1, true)))
        .run()
        .check_ended(0, "succeeded", Some("started"));
    let before = posts(&emulator);
    let run = with_bundles(&emulator, "draft", &json!(bundle("1.0.0", 7, false))).run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.error().contains("bundle com.contoso.argo-cd:1.0.0 is already published with digest sha256:01010101…: a published bundle version never changes; increment the version in manifest.yaml"),
        "{}",
        run.stdout
    );
    assert_eq!(posts(&emulator), before);
}

#[test]
fn each_plan_takes_its_own_kind_of_file() {
    let emulator = container_product();
    emulator.create_vm_product("contoso-vm", &["standard"]);
    let vm = with_bundles(&emulator, "draft", &json!(bundle("1.0.0", 1, true)))
        .with("offer_id", "contoso-vm")
        .run();
    assert_eq!(vm.code, Some(1), "{}", vm.stdout);
    assert!(
        vm.error().contains("plan 'standard' of offer 'contoso-vm' is a virtual machine plan: give its image versions in vm_image_versions, not cnab_bundles"),
        "{}",
        vm.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let gallery = json!({"versionNumber": "1.0.0", "vmImages": [{"imageType": "x64Gen2", "source": {
        "sourceType": "sharedImageGallery", "sharedImage": {"tenantId": TENANT,
        "resourceId": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/images/providers/Microsoft.Compute/galleries/contoso/images/argo/versions/1.0.0")}}}]});
    std::fs::write(dir.path().join("versions.json"), gallery.to_string()).unwrap();
    let container = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", OFFER)
        .with("mode", "draft")
        .with("plan", "standard")
        .with(
            "vm_image_versions",
            dir.path().join("versions.json").to_str().unwrap(),
        )
        .run();
    assert_eq!(container.code, Some(1), "{}", container.stdout);
    assert!(
        container.error().contains("is a Kubernetes application plan: give its bundles in cnab_bundles, not vm_image_versions"),
        "{}",
        container.stdout
    );
    // A plan without its extension type, or a container image plan.
    let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
    tech.as_object_mut().unwrap().remove("clusterExtensionType");
    emulator.set_draft_resource(OFFER, tech.clone());
    let run = with_bundles(&emulator, "draft", &json!(bundle("1.0.0", 1, true))).run();
    assert!(run.error().contains("has no clusterExtensionType: set it in Partner Center first (it cannot change once the plan is in preview)"), "{}", run.stdout);
    tech["payloadType"] = json!("image");
    emulator.set_draft_resource(OFFER, tech);
    let run = with_bundles(&emulator, "draft", &json!(bundle("1.0.0", 1, true))).run();
    assert!(
        run.error()
            .contains("is a container image plan (payloadType image)"),
        "{}",
        run.stdout
    );
    // With several offers, as for image versions.
    let run = with_bundles(&emulator, "publish", &json!(bundle("1.0.0", 1, true)))
        .with("offer_id", "")
        .with("offers", OFFER)
        .run();
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(
        run.error()
            .contains("cnab_bundles cannot be given with offers"),
        "{}",
        run.stdout
    );
    assert_eq!(posts(&emulator), 0);
}

#[test]
fn the_service_s_refusal_of_a_rebuilt_bundle_is_explained() {
    let emulator = container_product();
    with_bundles(&emulator, "publish", &json!(bundle("1.0.0", 1, true)))
        .run()
        .check_ended(0, "succeeded", Some("started"));
    // A configure file sends the resource as it is: the service refuses
    // the published tag with another digest, in its own words.
    let mut tech = emulator.draft_tech(OFFER, "standard").unwrap();
    tech["cnabReferences"][0]["digest"] = json!(digest(7));
    let action = ingestion_go_live(&emulator.ingestion_url())
        .with("offer_id", OFFER)
        .with("mode", "draft")
        .with("configure", "release/draft.json")
        .with("configure_timeout", "1m");
    let run = action
        .workspace_file("release/draft.json", &json!([tech]).to_string())
        .run();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let error = run.error();
    for fragment in [
        "the draft change failed",
        "a published bundle version was rebuilt: increment the version in manifest.yaml",
        "The CNAB has been updated without updating the version. Please publish again and increment your version from 1.0.0 to 1.0.1.",
    ] {
        assert!(error.contains(fragment), "{fragment}: {error}");
    }
}
