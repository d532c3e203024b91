//! The neutral vocabulary every publishing API is read into: the offer to
//! take live, the operation that follows a go-live, and where it stands.
//! Nothing here knows an API's URLs, JSON or status words.

use reqwest::Url;

/// An offer as the inputs name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Required by APIs that address offers under a publisher; shown only
    /// by the others.
    pub publisher_id: Option<String>,
    /// The offer's ID as typed in Partner Center.
    pub offer_id: String,
}

impl Offer {
    /// `publisher/offer`, or `offer`: as a line of `offers` names it.
    pub fn key(&self) -> String {
        match &self.publisher_id {
            Some(publisher) => format!("{publisher}/{}", self.offer_id),
            None => self.offer_id.clone(),
        }
    }

    /// `offer 'x' of publisher 'y'`, or `offer 'x'`.
    pub fn describe(&self) -> String {
        match &self.publisher_id {
            Some(publisher) => format!("offer '{}' of publisher '{publisher}'", self.offer_id),
            None => format!("offer '{}'", self.offer_id),
        }
    }
}

/// The request that starts an operation (a go-live or a publish to
/// preview), as an API decided it after reading the offer's state: the
/// offer, and, for APIs that name them, the product and the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    pub offer: Offer,
    /// `product/<guid>`, where the API names products.
    pub product_id: Option<String>,
    /// `submission/<guid>/<n>`: the submission to promote.
    pub submission_id: Option<String>,
    /// For a publish to preview, the previews listed before it.
    pub earlier: Earlier,
}

/// The previews an offer listed before a publish to preview was sent, so
/// that the preview it makes is told apart from every earlier one, a
/// superseded preview that never went live included: a new preview has an
/// ID none of them had, and was made after the newest of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Earlier {
    pub previews: Vec<String>,
    /// The newest of their creation times, as the service wrote it.
    pub newest_created: Option<String>,
}

/// What reading an offer's state found: what go-live would do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing stands in the way: go-live would be sent with this request.
    Ready(StartRequest),
    /// A go-live is running on the offer.
    Running(OperationHandle),
    /// Already live, with nothing newer to promote. The text says what was
    /// seen.
    Live(String),
    /// The preview is not ready (a publish still running, a preview that
    /// failed, an offer never published). The text names the state and
    /// the step at fault.
    NotReady(String),
    /// The state was read but not recognised: go-live would be sent, and
    /// the service decide. The text says what was seen.
    Unrecognised(StartRequest, String),
    /// The state could not be read, though the offer could: go-live would
    /// be sent all the same. The text says what each read answered.
    Unreadable(StartRequest, String),
}

/// Which submission an operation takes the offer to: the `target` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    /// A publish to preview: it ends when the preview is ready to be
    /// checked (publisher signoff).
    Preview,
    /// A go-live.
    #[default]
    Live,
    /// A change of the draft (`configure` of its resources): it ends when
    /// the service has taken the change.
    Draft,
}

impl Stage {
    pub fn as_output(self) -> &'static str {
        match self {
            Stage::Preview => "preview",
            Stage::Live => "live",
            Stage::Draft => "draft",
        }
    }

    /// What the request that starts it is called in the log.
    pub fn request(self) -> &'static str {
        match self {
            Stage::Preview => "publish to preview",
            Stage::Live => "go-live",
            Stage::Draft => "draft change",
        }
    }
}

/// A change of the draft that the inputs ask for: a file read and checked
/// before any request; the API reads it again to apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftChange {
    pub what: DraftFile,
    /// The file's path as given, to name it.
    pub file: String,
    /// The file's text.
    pub text: String,
}

/// What a draft change's file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftFile {
    /// Image versions to put into this plan (its ID as typed in Partner
    /// Center): `vm_image_versions`.
    /// `keep`: `keep_versions`, the most versions left active, the oldest
    /// beyond it deprecated.
    Versions { plan: String, keep: Option<usize> },
    /// CNAB bundles to put into this Kubernetes application plan:
    /// `cnab_bundles`.
    Bundles { plan: String },
    /// Resources to send as they are: `configure`.
    Resources,
}

impl DraftChange {
    /// `the image versions of FILE for plan 'x'`, or `the resources of
    /// FILE`.
    pub fn describe(&self) -> String {
        match &self.what {
            DraftFile::Versions { plan, .. } => {
                format!("the image versions of {} for plan '{plan}'", self.file)
            }
            DraftFile::Bundles { plan } => {
                format!("the CNAB bundles of {} for plan '{plan}'", self.file)
            }
            DraftFile::Resources => format!("the resources of {}", self.file),
        }
    }
}

/// What a draft change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftAnswer {
    /// The draft already held exactly what was asked: nothing was sent.
    /// The text says what was seen.
    Unchanged { seen: String, notes: Vec<String> },
    /// The change was accepted as this operation (its stage `Draft`).
    Started {
        operation: OperationHandle,
        notes: Vec<String>,
    },
    /// The answer to the change was lost, but the draft holds it now: it
    /// landed, with no operation left to follow.
    Landed { seen: String, notes: Vec<String> },
}

/// What reading an offer's state found for a publish to preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishVerdict {
    /// Nothing stands in the way: the publish would be sent with this
    /// request (the offer, and the product where the API names one).
    Ready(StartRequest),
    /// A publish to preview runs (or waits at publisher signoff): follow
    /// it rather than send another.
    Running(OperationHandle),
    /// Something runs that a publish must not cross (a go-live): the text
    /// names it.
    Blocked(String),
}

/// An offer's state, as far as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferState {
    pub verdict: Verdict,
    /// What a publish to preview would do now.
    pub publish: PublishVerdict,
    /// The go-live of the offer's newest version, running or ended, when
    /// the API shows one: what `follow` reports.
    pub last_go_live: Option<OperationHandle>,
    /// What reading the state noticed that a person should see (for
    /// example an answer that did not say which product it was about).
    pub notes: Vec<String>,
}

/// What a run did about go-live: the `outcome` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Go-live was sent.
    Started,
    /// A go-live already running (or the offer's last one) was followed.
    Followed,
    /// Already live with nothing to promote: nothing was sent.
    AlreadyLive,
    /// The state was read and reported (`mode: check`).
    Checked,
    /// The draft already held what was asked: nothing was sent.
    Unchanged,
    /// A plan of the release was made (`mode: plan`): nothing was sent.
    Planned,
}

impl Outcome {
    pub fn as_output(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Followed => "followed",
            Outcome::AlreadyLive => "already-live",
            Outcome::Checked => "checked",
            Outcome::Unchanged => "unchanged",
            Outcome::Planned => "planned",
        }
    }
}

/// A go-live operation, started by this run or an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationHandle {
    /// The absolute URL of its status monitor: the `operation_location`
    /// output.
    pub location: Url,
    /// The `operation_id` output.
    pub id: String,
    /// The `product_id` output, where the API has one.
    pub product_id: Option<String>,
    /// The `submission_id` output, where the API has one.
    pub submission_id: Option<String>,
    /// A publish to preview or a go-live: what its status means, and the
    /// `target` output.
    pub stage: Stage,
    /// For a publish to preview, the previews listed before it, so that
    /// the new one can be told apart.
    pub earlier: Earlier,
}

impl OperationHandle {
    /// The first of its outputs that is not plain (`is_plain`), named,
    /// with its value escaped: an answer not understood, never written.
    pub fn odd_output(&self) -> Option<String> {
        [
            ("operation_location", Some(self.location.as_str())),
            ("operation_id", Some(self.id.as_str())),
            ("product_id", self.product_id.as_deref()),
            ("submission_id", self.submission_id.as_deref()),
        ]
        .into_iter()
        .find_map(|(name, value)| {
            let value = value?;
            (!is_plain(value)).then(|| {
                let shown: String = value.chars().take(100).collect();
                format!("{name} '{}'", shown.escape_default())
            })
        })
    }
}

/// Whether a value from a service may be written as an output, where a
/// later step may print it and a host parse it: IDs and URLs are made of
/// visible ASCII, with no `#`, quote, backslash or bracket of a command
/// and no leading `:`; anything else is an answer not understood.
pub fn is_plain(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 2048
        && !value.starts_with(':')
        && value.chars().all(|c| {
            c.is_ascii_graphic()
                && !matches!(
                    c,
                    '#' | '"' | '\'' | '`' | '\\' | '<' | '>' | '{' | '}' | '|' | '^'
                )
        })
}

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl State {
    /// The `status` output's word for it.
    pub fn as_output(self) -> &'static str {
        Status::from(self).as_output()
    }
}

/// The `status` output: the one place its words are spelt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Go-live was accepted, and the run did not wait.
    Accepted,
    /// The operation runs (a run that did not wait for it, or whose wait
    /// ran out, or one stopped while following it).
    Running,
    Succeeded,
    Failed,
    Canceled,
    /// Go-live may be under way, or a run that sends none could not tell.
    Unknown,
    /// `mode: check`: go-live would be sent now.
    Ready,
    /// `mode: check`: live, with nothing newer to promote.
    Live,
    /// `mode: check`: the preview is not ready for go-live.
    NotReady,
}

impl Status {
    pub fn as_output(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::Unknown => "unknown",
            Status::Ready => "ready",
            Status::Live => "live",
            Status::NotReady => "not-ready",
        }
    }

    /// Whether a run that ends with this status failed: the operation
    /// failed or was canceled, or its outcome is not known.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::Canceled | Status::Unknown)
    }
}

impl From<State> for Status {
    fn from(state: State) -> Status {
        match state {
            State::Running => Status::Running,
            State::Succeeded => Status::Succeeded,
            State::Failed => Status::Failed,
            State::Canceled => Status::Canceled,
        }
    }
}

/// One description of an operation by its status monitor. Every text field
/// is the server's, already cleaned and cut to size by the API's reader.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub state: State,
    /// The status as the service words it, for the log.
    pub status: String,
    pub steps: Vec<Step>,
    /// Why it failed or was canceled, in the service's words, one reason a
    /// line.
    pub reasons: Vec<String>,
    /// What else the service said that a person wants to see (for example
    /// the submission that went live).
    pub notes: Vec<String>,
    /// The submission the operation made, once the service lists it (the
    /// new preview of a publish): the `submission_id` output.
    pub submission: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub name: String,
    pub status: String,
    pub progress: Option<u8>,
    pub estimated_time_frame: Option<String>,
}

/// What one step of a release would do, as a plan tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Would {
    /// It would send its request.
    Send,
    /// Nothing to send: what it would send is there already.
    #[default]
    Unchanged,
    /// It would follow the operation already running.
    Follow,
    /// Nothing to send: the offer is live with nothing newer.
    Live,
    /// Not now: the preview is not ready for it.
    NotReady,
    /// A real run would refuse it, in the words of `why`.
    Refused,
}

impl Would {
    /// Whether the step would send a request that changes the offer.
    pub fn sends(self) -> bool {
        self == Would::Send
    }
}

/// One resource a draft change would send, or leave as it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedResource {
    /// What it is: its kind and the plan or product it belongs to.
    pub resource: String,
    pub change: Would,
    /// What would change, a line each (`+`, `~`, `-`, `=`).
    pub lines: Vec<String>,
}

/// A publish to preview or a go-live, as a plan sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct PlannedStep {
    pub would: Would,
    /// Why, as a sentence.
    pub why: String,
    /// The submission it would promote or follow, where the API names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    /// What it would change, a line each: for a publish, the draft (after
    /// the change) against the newest preview; for a go-live, the newest
    /// preview against live.
    pub lines: Vec<String>,
}

/// What a release would do to one offer, made of reads alone: the draft
/// change, the publish to preview and the go-live.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct OfferPlan {
    pub draft: Vec<PlannedResource>,
    pub publish: PlannedStep,
    pub go_live: PlannedStep,
}

impl OfferPlan {
    /// The resources the draft change would send.
    pub fn to_change(&self) -> usize {
        self.draft.iter().filter(|r| r.change.sends()).count()
    }

    /// Whether anything would be sent.
    pub fn changes(&self) -> bool {
        self.to_change() > 0 || self.publish.would.sends() || self.go_live.would.sends()
    }

    /// `plan: 1 resource to change, publish: yes, go-live: no`.
    pub fn tally(&self) -> String {
        let n = self.to_change();
        let yes = |step: &PlannedStep| if step.would.sends() { "yes" } else { "no" };
        format!(
            "plan: {n} resource{} to change, publish: {}, go-live: {}",
            if n == 1 { "" } else { "s" },
            yes(&self.publish),
            yes(&self.go_live)
        )
    }
}
