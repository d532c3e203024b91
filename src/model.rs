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
    /// `offer 'x' of publisher 'y'`, or `offer 'x'`.
    pub fn describe(&self) -> String {
        match &self.publisher_id {
            Some(publisher) => format!("offer '{}' of publisher '{publisher}'", self.offer_id),
            None => format!("offer '{}'", self.offer_id),
        }
    }
}

/// What an API decided to send after reading the offer's state: the offer,
/// and, for APIs that promote a submission, which one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoLiveRequest {
    pub offer: Offer,
    /// `product/<guid>`, where the API names products.
    pub product_id: Option<String>,
    /// `submission/<guid>/<n>`: the submission to promote.
    pub submission_id: Option<String>,
}

/// What reading the offer's state before go-live decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send go-live with this request.
    Send(GoLiveRequest),
    /// Nothing to promote: what is in preview is live already. The text
    /// says what was seen.
    AlreadyLive(String),
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
        match self {
            State::Running => "running",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Canceled => "canceled",
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
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub name: String,
    pub status: String,
    pub progress: Option<u8>,
    pub estimated_time_frame: Option<String>,
}
