//! Product Ingestion's draft change: the draft and what is published read,
//! a file's image versions merged or its resources taken as they are,
//! every whole list checked to keep what is published, the change sent
//! once (never under a running publish), a lost answer settled by reading
//! the draft again, and the draft read again after the job to verify it.

use super::draft::TechConfig;
use super::*;

/// What a file asks to put into a plan's whole list.
pub(super) enum Asked<'a> {
    /// Image versions, for a virtual machine plan, and `keep_versions`.
    Versions(&'a [Value], Option<usize>),
    /// CNAB bundles, for a Kubernetes application plan.
    Bundles(&'a [bundles::Bundle]),
}

impl Client {
    /// Reads the draft (and what is published), merges the image versions
    /// into the plan's technical configuration, and sends the whole
    /// resource unless the draft already holds it. Nothing is sent under a
    /// running publish.
    pub(super) async fn change_draft(
        &self,
        offer: &Offer,
        change: &DraftChange,
    ) -> Result<DraftAnswer, Failure> {
        let (product, _) = self.product(offer).await?;
        let not_read = |ReadError(message, _)| Failure::NotSent(message);
        // First: which targets were ever published, and whether a publish
        // is in progress, which forbids the change.
        self.known_submissions(&product.id)
            .await
            .map_err(not_read)?;
        let draft = self
            .known_tree(&product.id, "draft")
            .await
            .map_err(not_read)?;
        let (resources, unchanged, notes, published) = match &change.what {
            DraftFile::Versions { plan, .. } | DraftFile::Bundles { plan } => {
                let published = self.published(&product.id).await?;
                let (merged, mut notes) = self.merged(offer, &draft, &published, plan, change)?;
                if !merged.unchanged {
                    notes.push(merged.lines.join("\n"));
                }
                (vec![merged.resource], merged.unchanged, notes, published)
            }
            DraftFile::Resources => {
                let (resources, notes) =
                    draft::read_resources(&change.text).map_err(|problems| {
                        Failure::NotSent(format!("{}: {}", change.file, problems.join("; ")))
                    })?;
                // What preview and live hold matters only to a whole list.
                let published = if resources.iter().any(lists::lists_whole) {
                    self.published(&product.id).await?
                } else {
                    Published::default()
                };
                let unchanged = draft::already_holds(&draft, &resources);
                (resources, unchanged, notes, published)
            }
        };
        let partial = lists::left_out(&resources, &[&published.preview, &published.live]);
        if !partial.is_empty() {
            return Err(Failure::NotSent(partial_refusal(offer, change, &partial)));
        }
        if unchanged {
            return Ok(DraftAnswer::Unchanged {
                seen: format!(
                    "the draft of offer '{}' already holds {}: nothing to change",
                    offer.offer_id,
                    change.describe()
                ),
                notes,
            });
        }
        Ok(match self.send_draft(offer, &product, resources).await? {
            Sent::Job(operation) => DraftAnswer::Started { operation, notes },
            Sent::Landed(seen) => DraftAnswer::Landed { seen, notes },
        })
    }

    /// The draft read again after a change of this run succeeded: what of
    /// it is not there as sent.
    pub(super) async fn verify_draft(&self, operation: &OperationHandle) -> Result<(), String> {
        let sent = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&operation.id)
            .cloned();
        let Some((product, resources)) = sent else {
            return Ok(());
        };
        let draft = self.known_tree(&product, "draft").await.map_err(|ReadError(message, _)| {
            format!("the draft could not be read again to check that it holds the change ({message})")
        })?;
        let missing = lists::not_held(&draft, &resources);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing.join("; "))
        }
    }

    /// The technical configurations of the preview and live trees
    /// (`published_tree`: a target never published holds nothing). Any
    /// other failure ends the change before anything is sent: without the
    /// tree, a whole list cannot be checked to keep what is published.
    pub(super) async fn published(&self, product_id: &str) -> Result<Published, Failure> {
        let mut published = Published::default();
        for target in ["preview", "live"] {
            let tree = self
                .published_tree(product_id, target)
                .await
                .map_err(|ReadError(message, _)| {
                    Failure::NotSent(format!(
                        "{message}; without it, the list sent cannot be checked to keep every published version, so the draft was not changed: run this again"
                    ))
                })?;
            // Only the technical configurations count: the rest is let go
            // at once, as a tree of many plans and versions is large.
            let configs: Vec<Value> = tree.into_iter().filter(lists::lists_whole).collect();
            match target {
                "preview" => published.preview = configs,
                _ => published.live = configs,
            }
        }
        Ok(published)
    }

    /// The newest preview, when it succeeded and its tree equals the
    /// draft's (`draft::same_tree`): a publish would change nothing.
    pub(super) async fn already_published(&self, request: &StartRequest) -> DraftAgainstPreview {
        self.draft_against_preview(request)
            .await
            .unwrap_or(DraftAgainstPreview::Unknown)
    }

    async fn draft_against_preview(&self, request: &StartRequest) -> Option<DraftAgainstPreview> {
        let product = request.product_id.as_deref()?;
        let preview = request.submission_id.as_deref()?;
        let submissions = self.known_submissions(product).await.ok()?;
        let newest = submissions
            .iter()
            .filter(|s| s.target() == SubmissionTarget::Preview)
            .max_by_key(|s| s.number())?;
        if newest.id != preview || newest.state() != SubmissionState::Succeeded {
            return None;
        }
        let draft = self.known_tree(product, "draft").await.ok()?;
        let published = self.known_tree(product, "preview").await.ok()?;
        if !draft::same_tree(&draft, &published) {
            return Some(DraftAgainstPreview::Changes(compare::difference(
                &published, &draft,
            )));
        }
        Some(DraftAgainstPreview::Held(
            Box::new(self.submission_handle(product, preview, Stage::Preview)),
            format!(
                "the preview of offer '{}' (submission {}) already holds its draft as it stands: nothing to publish",
                request.offer.offer_id,
                untrusted(preview, 100)
            ),
        ))
    }

    /// The newest preview's tree against live's: what going live changes.
    /// Live never published holds nothing; a tree that cannot be read
    /// tells nothing.
    pub(super) async fn what_goes_live(&self, product: &str) -> Option<Vec<String>> {
        let preview = self.published_tree(product, "preview").await.ok()?;
        if preview.is_empty() {
            return None;
        }
        let live = self.published_tree(product, "live").await.ok()?;
        if live.is_empty() {
            return Some(vec![
                "the whole offer: live holds nothing yet (its first go-live)".to_owned(),
            ]);
        }
        Some(compare::difference(&live, &preview))
    }

    /// The plan's technical configuration with the file's image versions
    /// or CNAB bundles merged in, from the draft and what is published.
    /// Every problem is listed at once: the file's (then the run ends as a
    /// refused input does) with the offer's state's.
    pub(super) fn merged(
        &self,
        offer: &Offer,
        draft: &[Value],
        published: &Published,
        plan: &str,
        change: &DraftChange,
    ) -> Result<(draft::Merged, Vec<String>), Failure> {
        let (input, in_file, merged) = match &change.what {
            DraftFile::Bundles { .. } => {
                let (asked, in_file, notices) = bundles::read_bundles(&change.text);
                let merged = self
                    .merge_into(offer, draft, published, plan, Asked::Bundles(&asked))
                    .map(|(merged, notes)| (merged, [notices, notes].concat()));
                ("cnab_bundles", in_file, merged)
            }
            _ => {
                let keep = match change.what {
                    DraftFile::Versions { keep, .. } => keep,
                    _ => None,
                };
                let (asked, in_file) = draft::read_versions_all(&change.text, clock::wall());
                let asked = Asked::Versions(&asked, keep);
                let merged = self.merge_into(offer, draft, published, plan, asked);
                ("vm_image_versions", in_file, merged)
            }
        };
        let shown_plan = untrusted(plan, 50);
        match (in_file.is_empty(), merged) {
            (true, Ok(merged)) => Ok(merged),
            (true, Err(in_state)) => Err(Failure::NotSent(format!(
                "the draft of plan '{shown_plan}' was not changed: {}",
                in_state.join("; ")
            ))),
            (false, merged) => {
                let mut problems = in_file;
                if let Err(in_state) = merged {
                    problems.extend(in_state);
                }
                problems.truncate(draft::MOST_PROBLEMS);
                Err(Failure::Invalid(format!(
                    "{} '{}' cannot be used: {}; the draft of plan '{shown_plan}' was not changed",
                    self.transport.surface().input(input),
                    change.file.escape_default(),
                    problems.join("; ")
                )))
            }
        }
    }

    /// The merge of `asked` into the plan's draft technical configuration,
    /// or every problem the offer's state finds with it. The plan's kind
    /// must be the file's: a virtual machine plan takes image versions, a
    /// Kubernetes application plan CNAB bundles.
    pub(super) fn merge_into(
        &self,
        offer: &Offer,
        draft: &[Value],
        published: &Published,
        plan: &str,
        asked: Asked<'_>,
    ) -> Result<(draft::Merged, Vec<String>), Vec<String>> {
        let surface = self.transport.surface();
        let shown_plan = untrusted(plan, 50);
        let plan_id = draft::plan_id(draft, plan).ok_or_else(|| {
            vec![format!(
                "offer '{}' has no plan '{shown_plan}' in its draft (its plans: {}): check {}",
                offer.offer_id,
                draft::plan_names(draft).join(", "),
                surface.input("plan")
            )]
        })?;
        let (kinds, other_kinds, what, other, other_input) = match asked {
            Asked::Versions(..) => (
                &draft::VM_CONFIGURATION[..],
                &bundles::CONTAINER_CONFIGURATION[..],
                "virtual machine",
                "a Kubernetes application plan: give its bundles in",
                "cnab_bundles",
            ),
            Asked::Bundles(_) => (
                &bundles::CONTAINER_CONFIGURATION[..],
                &draft::VM_CONFIGURATION[..],
                "container (Kubernetes application)",
                "a virtual machine plan: give its image versions in",
                "vm_image_versions",
            ),
        };
        let configuration =
            |tree: &[Value], kinds: &[&str]| TechConfig::of_plan(tree, &plan_id, kinds);
        let Some(read) = configuration(draft, kinds) else {
            let is_other = configuration(draft, other_kinds).is_some();
            return Err(vec![if is_other {
                format!(
                    "plan '{shown_plan}' of offer '{}' is {other} {}, not {}",
                    offer.offer_id,
                    surface.input(other_input),
                    surface.input(match other_input {
                        "cnab_bundles" => "vm_image_versions",
                        _ => "cnab_bundles",
                    })
                )
            } else {
                format!(
                    "plan '{shown_plan}' of offer '{}' has no {what} technical configuration in its draft",
                    offer.offer_id
                )
            }]);
        };
        let published_configs = [&published.preview, &published.live]
            .into_iter()
            .filter_map(|tree| configuration(tree, kinds));
        let (asked, keep) = match asked {
            Asked::Bundles(bundles) => {
                let references: Vec<Value> = published_configs
                    .flat_map(|config| config.references().to_vec())
                    .collect();
                let merged = bundles::merge_bundles(&shown_plan, &read, &references, bundles)?;
                let resource = draft::Merged {
                    resource: merged.resource,
                    unchanged: merged.unchanged,
                    lines: merged.lines,
                };
                return Ok((resource, merged.notes));
            }
            Asked::Versions(asked, keep) => (asked, keep),
        };
        // A plan that reuses another's technical configuration: that plan
        // is named as the user knows it, by its external ID.
        if let Some(base) = read.base_plan() {
            let named = draft::plan_external_id(draft, base)
                .map(|name| format!("plan '{}'", untrusted(&name, 50)))
                .unwrap_or_else(|| format!("plan {}", untrusted(base, 200)));
            return Err(vec![format!(
                "plan '{shown_plan}' reuses the technical configuration of {named}: change that plan's image versions instead"
            )]);
        }
        let mut versions = Vec::new();
        let mut notes = Vec::new();
        if let Some(config) = configuration(&published.preview, kinds) {
            versions.extend_from_slice(config.versions());
        }
        if let Some(config) = configuration(&published.live, kinds) {
            versions.extend_from_slice(config.versions());
            notes.extend(draft::sticky_properties(&read, &config).into_iter().map(|name| {
                format!(
                    "plan '{shown_plan}': vmProperties.{name} is on in the live offer and off in the draft; go-live never changes vmProperties, and the service may keep it on (it cannot be turned off once on)"
                )
            }));
        }
        let merged = draft::merge(&shown_plan, &read, &versions, asked, keep)?;
        Ok((merged, notes))
    }

    /// Sends the resources to `configure` as one draft change, unless a
    /// publish is in progress.
    pub(super) async fn send_draft(
        &self,
        offer: &Offer,
        product: &Product,
        resources: Vec<Value>,
    ) -> Result<Sent, Failure> {
        let not_read = |ReadError(message, _)| Failure::NotSent(message);
        let submissions = self
            .known_submissions(&product.id)
            .await
            .map_err(not_read)?;
        if let Some(busy) = busy_refusal(offer, &submissions) {
            return Err(Failure::NotSent(busy));
        }
        self.forget(&product.id, Write::Draft);
        let body = serde_json::json!({
            "$schema": CONFIGURE_SCHEMA,
            "resources": resources,
        })
        .to_string();
        let url = self.url("configure", &[]);
        let reply = match self.transport.send(Method::POST, &url, Some(&body)).await {
            Ok(reply) => reply,
            Err(error) if error.nothing_sent() => {
                return Err(Failure::NotSent(format!("the draft change: {error}")));
            }
            Err(error) => {
                return self
                    .settle_draft(product, &resources, &error.to_string())
                    .await;
            }
        };
        let status = reply.status;
        let detail = error_detail(&reply.body);
        if status.is_success() {
            let job = serde_json::from_str::<JobStatus>(&reply.body)
                .ok()
                .and_then(|job| job.job_id)
                .filter(|id| is_job_id(id));
            return match job {
                Some(job_id) => {
                    self.sent
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(job_id.clone(), (product.id.clone(), resources));
                    let request = StartRequest {
                        offer: offer.clone(),
                        product_id: Some(product.id.clone()),
                        submission_id: None,
                        earlier: Earlier::default(),
                    };
                    Ok(Sent::Job(self.handle(&job_id, &request, Stage::Draft)))
                }
                None => {
                    let what = format!("HTTP {} without a job to follow", status_text(status));
                    self.settle_draft(product, &resources, &what).await
                }
            };
        }
        if status.is_server_error() {
            let what = format!("HTTP {}{detail}", status_text(status));
            return self.settle_draft(product, &resources, &what).await;
        }
        Err(Failure::NotSent(format!(
            "the draft change was refused with HTTP {}{detail}: {}; the draft was not changed",
            status_text(status),
            self.hint(status, Some(&reply.body))
        )))
    }

    /// An answer to the draft change that may hide its landing: the draft
    /// is read again, and holds the change (it landed, nothing more is
    /// sent) or does not (it may still land: a re-run is safe, as the
    /// change is sent whole).
    pub(super) async fn settle_draft(
        &self,
        product: &Product,
        resources: &[Value],
        what: &str,
    ) -> Result<Sent, Failure> {
        match self.tree(&product.id, "draft").await {
            Ok(draft) if draft::already_holds(&draft, resources) => Ok(Sent::Landed(format!(
                "the draft change got {what}, and the draft now holds it: it landed"
            ))),
            Ok(_) => Err(Failure::MayHaveStarted(format!(
                "the draft change got {what}, and the draft does not hold it yet; a re-run sends it again whole, which is safe"
            ))),
            Err(ReadError(message, _)) => Err(Failure::MayHaveStarted(format!(
                "the draft change got {what}, and reading the draft again failed too ({message}); a re-run sends it again whole, which is safe"
            ))),
        }
    }
}

/// A real run's refusal of a whole list that leaves out what is
/// published.
pub(super) fn partial_refusal(offer: &Offer, change: &DraftChange, partial: &[String]) -> String {
    format!(
        "the draft of offer '{}' was not changed and nothing was published: {}; put them back in {} and run this again",
        offer.offer_id,
        partial.join("; "),
        match change.what {
            DraftFile::Versions { .. } | DraftFile::Bundles { .. } =>
                "the draft (Partner Center, or a configure file that restores them)".to_owned(),
            DraftFile::Resources => change.file.clone(),
        }
    )
}

/// A real run's refusal to change the draft under a publish in progress.
pub(super) fn busy_refusal(offer: &Offer, submissions: &[Submission]) -> Option<String> {
    let busy = submissions
        .iter()
        .find(|s| s.state() == SubmissionState::InProgress)?;
    Some(format!(
        "a publish is in progress on offer '{}': {}; the draft is not changed under it: wait for it to end, then run this again",
        offer.offer_id,
        busy.describe()
    ))
}
