//! The flows of a run: `run_each`, the one skeleton every run goes through
//! (one flow, or one per offer), and the `offers` input's run. Each offer
//! goes through the same `flow` as a single offer, concurrently, over one
//! client (one sign-in, `http::MOST_IN_FLIGHT` requests in flight at most).
//!
//! An offer's failure ends only its own flow. Each offer logs with its line
//! as a prefix, and writes into its entry of the `results` output instead
//! of the single-offer outputs; `results` is written again whenever an
//! operation becomes known, and at the end with every offer's status. The
//! aggregate `status`, the exit code and one summary table come from the
//! offers' ends.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, Instant};

use serde::ser::{SerializeMap, Serializer};

use crate::clock;
use crate::config::{Config, Listed, Mode, Target};
use crate::flow::{self, Flow, Outputs};
use crate::host::{ResultsEntry, Runner};
use crate::model::{OperationHandle, Outcome, Status};
use crate::publish::Publisher;
use crate::report::{Ended, Ending, Several, Summary};
use crate::signals::Signals;

/// The aggregate line (how many offers run, succeeded, failed) comes at
/// most this often, and at most once per `poll_interval`.
pub const TALLY_EVERY: Duration = Duration::from_secs(5 * 60);

/// One flow of a run, and what became of it.
pub(crate) struct FlowRun<'a> {
    target: Target,
    /// Prefixed with the offer when the run takes several.
    runner: Runner,
    /// The step's outputs, or the offer's entry of `results`.
    outputs: Box<dyn Outputs + 'a>,
    pub(crate) summary: Summary,
    /// How the flow ended, once it did.
    pub(crate) ended: Option<Ended>,
}

impl<'a> FlowRun<'a> {
    pub(crate) fn new(
        target: Target,
        runner: Runner,
        outputs: Box<dyn Outputs + 'a>,
        summary: Summary,
    ) -> FlowRun<'a> {
        FlowRun {
            target,
            runner,
            outputs,
            summary,
            ended: None,
        }
    }

    /// The flow, to its end.
    async fn go(&mut self, publisher: &dyn Publisher, config: &Config, started: Instant) {
        let flow = Flow {
            publisher,
            config,
            runner: &self.runner,
            outputs: self.outputs.as_ref(),
        };
        let ending = match flow.run(&self.target, &mut self.summary).await {
            Ok(ending) => ending,
            Err(failure) => flow::report_failure(
                &self.runner,
                self.outputs.as_ref(),
                &mut self.summary,
                &failure,
                config.mode,
            ),
        };
        self.finish(ending, started);
    }

    fn finish(&mut self, ending: Ending, started: Instant) {
        self.summary.elapsed = Some(clock::since(started));
        self.ended = Some(self.summary.ended(ending));
    }
}

/// The skeleton of every run, of one flow or of several: one client for
/// all (one sign-in, one limit on requests in flight), each flow run to
/// its end concurrently with `beside` (the tally of several), against
/// signals. A flow's failure ends only that flow, in its own words, and a
/// signal stops every flow still running, each saying what became of its
/// operation. Returns the signal that stopped the run, if one did.
pub(crate) async fn run_each(
    config: &Config,
    runs: &mut [FlowRun<'_>],
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    signals: &mut Signals,
    beside: impl Future<Output = Infallible>,
) -> Option<&'static str> {
    let started = clock::now();
    let stopped_by = match flow::connect(config, extra_roots, runner) {
        Err(failure) => {
            for run in runs.iter_mut() {
                let ending = flow::report_failure(
                    &run.runner,
                    run.outputs.as_ref(),
                    &mut run.summary,
                    &failure,
                    config.mode,
                );
                run.finish(ending, started);
            }
            None
        }
        Ok(publisher) => {
            let all = futures_util::future::join_all(
                runs.iter_mut()
                    .map(|run| run.go(publisher.as_ref(), config, started)),
            );
            tokio::select! {
                _ = all => None,
                never = beside => match never {},
                name = signals.received() => Some(name),
            }
        }
    };
    if let Some(signal) = stopped_by {
        for run in runs.iter_mut().filter(|run| run.ended.is_none()) {
            let ending = flow::report_stop(
                signal,
                &run.runner,
                run.outputs.as_ref(),
                &mut run.summary,
                config,
            );
            run.finish(ending, started);
        }
    }
    stopped_by
}

/// Runs every offer of `listed` to its end (or to a signal) and says how
/// the run ended.
pub async fn run(
    config: &Config,
    listed: &[Listed],
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    signals: &mut Signals,
    fitted: Option<String>,
) -> Ended {
    let started = clock::now();
    let api = config.endpoint.kind.api().name();
    let mut notes = Vec::new();
    if let Some(notice) = fitted {
        runner.notice(&notice);
        notes.push(notice);
    }
    runner.info(&format!(
        "{} offers, mode {}, through the {api} API at {}: each offer's lines start with its name",
        listed.len(),
        config.mode.as_input(),
        config.endpoint.base
    ));
    let results = Results::new(runner.clone(), listed);
    let mut runs: Vec<FlowRun> = listed
        .iter()
        .map(|listed| {
            FlowRun::new(
                config.mode.target(listed.offer.clone()),
                runner.for_offer(&listed.key),
                Box::new(results.entry(&listed.key)),
                Summary {
                    api,
                    offer: Some(listed.offer.clone()),
                    ..Summary::default()
                },
            )
        })
        .collect();
    let now_and_then = tally_now_and_then(config, &results, runner);
    let stopped_by = run_each(
        config,
        &mut runs,
        extra_roots,
        runner,
        signals,
        now_and_then,
    )
    .await;
    // Those the signal stopped that had started an operation.
    let stopped_running = runs.iter().any(|run| {
        run.summary.operation.is_some()
            && run
                .ended
                .is_some_and(|ended| matches!(ended.ending, Ending::Signal(_)))
    });
    if let Some(signal) = stopped_by
        && stopped_running
    {
        let advice = format!(
            "stopped by {signal}: the go-lives already started go on in the service; to follow them all again, {} the same offers",
            config.surface.follow_again()
        );
        runner.error(&advice);
        notes.push(advice);
    }

    if let Err(error) = results.write() {
        runner.warning(&format!("{error:#}"));
    }
    let statuses: Vec<Option<Status>> = runs.iter().map(|run| run.summary.status).collect();
    let status = aggregate(&statuses, config.mode, config.wait);
    if let Err(error) = runner.set_output("status", status.as_output()) {
        runner.warning(&format!("{error:#}"));
    }
    runner.info(&tally(&statuses, true));
    let mut ended = Ended::of_all(status, runs.iter().map(|run| run.ended), stopped_by);
    if config.mode == Mode::Plan {
        let offers: Vec<(&str, &Summary)> = runs
            .iter()
            .zip(listed)
            .map(|(run, listed)| (listed.key.as_str(), &run.summary))
            .collect();
        ended = flow::write_plan(config, runner, &offers, ended);
    }
    let several = Several {
        api,
        step: match config.mode {
            Mode::Check => "check",
            Mode::Plan => "plan",
            mode => mode.stage().request(),
        },
        status,
        offers: runs
            .iter()
            .zip(listed)
            .map(|(run, listed)| (listed.key.as_str(), &run.summary))
            .collect(),
        elapsed: clock::since(started),
        notes,
    };
    if let Err(error) = runner.add_summary(&several.to_markdown(), &several.to_text()) {
        runner.warning(&format!("{error:#}"));
    }
    ended
}

/// Every `max(poll_interval, TALLY_EVERY)`, a line telling how many offers
/// run, succeeded and failed. Never ends.
async fn tally_now_and_then(
    config: &Config,
    results: &Results,
    runner: &Runner,
) -> std::convert::Infallible {
    let every = tally_period(config.poll_interval);
    loop {
        tokio::time::sleep(every).await;
        runner.info(&tally(&results.statuses(), false));
    }
}

fn tally_period(poll_interval: Duration) -> Duration {
    poll_interval.max(TALLY_EVERY)
}

/// `10 offers: 3 running, 6 succeeded, 1 failed`, and any other status
/// after them. An offer without a status yet is running; at the end (`last`)
/// too, as its go-live goes on in the service.
fn tally(statuses: &[Option<Status>], last: bool) -> String {
    let count = |wanted: &[Status]| {
        statuses
            .iter()
            .filter(|s| wanted.contains(&s.unwrap_or(Status::Running)))
            .count()
    };
    let mut line = format!(
        "{} offers{}: {} running, {} succeeded, {} failed",
        statuses.len(),
        if last { " at the end" } else { "" },
        count(&[Status::Running]),
        count(&[Status::Succeeded]),
        count(&[Status::Failed, Status::Canceled]),
    );
    let counted = [
        Status::Running,
        Status::Succeeded,
        Status::Failed,
        Status::Canceled,
    ];
    let mut others: Vec<&str> = statuses
        .iter()
        .flatten()
        .filter(|s| !counted.contains(s))
        .map(|s| s.as_output())
        .collect();
    others.sort_unstable();
    others.dedup();
    for other in others {
        let n = statuses
            .iter()
            .flatten()
            .filter(|s| s.as_output() == other)
            .count();
        line.push_str(&format!(", {n} {other}"));
    }
    line
}

/// The aggregate `status` of the offers' statuses (`None`: an offer that
/// wrote none).
///
/// Going live or following: `failed` when any failed or was canceled;
/// `succeeded` when every offer succeeded (or was already live); `running`
/// when waiting and the others still ran at the deadline; `accepted` when
/// not waiting and each go-live was accepted or followed (or the offer was
/// live); else `unknown`.
///
/// Checking: `unknown` when any state could not be read; else what a
/// go-live run would meet first: `not-ready`, `running`, `ready`, and
/// `live` only when every offer is live.
fn aggregate(statuses: &[Option<Status>], mode: Mode, wait: bool) -> Status {
    use Status::*;
    let any = |wanted: &[Status]| statuses.iter().flatten().any(|s| wanted.contains(s));
    let all = |wanted: &[Status]| {
        statuses
            .iter()
            .all(|s| s.is_some_and(|s| wanted.contains(&s)))
    };
    if mode == Mode::Check {
        return if !all(&[Ready, Running, Live, NotReady]) {
            Unknown
        } else if any(&[NotReady]) {
            NotReady
        } else if any(&[Running]) {
            Running
        } else if any(&[Ready]) {
            Ready
        } else {
            Live
        };
    }
    if any(&[Failed, Canceled]) {
        Failed
    } else if all(&[Succeeded]) {
        Succeeded
    } else if wait && all(&[Succeeded, Running]) {
        Running
    } else if !wait && all(&[Accepted, Running, Succeeded]) {
        Accepted
    } else {
        Unknown
    }
}

/// The `results` output: one entry per offer, by its line, in the order of
/// the lines.
struct Results {
    runner: Runner,
    entries: RefCell<Vec<(String, Entry)>>,
}

/// One offer's entry in `results`, as the flow writes it.
#[derive(Default, Clone)]
struct Entry {
    operation_location: String,
    operation_id: String,
    /// Until the offer's flow ends: `running` once its operation is known,
    /// else `unknown`.
    status: Option<Status>,
    outcome: String,
    product_id: Option<String>,
    submission_id: Option<String>,
    target: Option<&'static str>,
}

impl Entry {
    /// The entry as `results` shows it.
    fn shown(&self) -> ResultsEntry {
        let status = self
            .status
            .unwrap_or(if self.operation_location.is_empty() {
                Status::Unknown
            } else {
                Status::Running
            });
        ResultsEntry {
            operation_location: self.operation_location.clone(),
            operation_id: self.operation_id.clone(),
            status: status.as_output().to_owned(),
            outcome: self.outcome.clone(),
            product_id: self.product_id.clone(),
            submission_id: self.submission_id.clone(),
            target: self.target.map(str::to_owned),
        }
    }
}

impl Results {
    fn new(runner: Runner, listed: &[Listed]) -> Results {
        Results {
            runner,
            entries: RefCell::new(
                listed
                    .iter()
                    .map(|listed| (listed.key.clone(), Entry::default()))
                    .collect(),
            ),
        }
    }

    /// Where the offer of this line writes.
    fn entry<'a>(&'a self, key: &'a str) -> OfferOutputs<'a> {
        OfferOutputs { results: self, key }
    }

    fn update(&self, key: &str, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.entries.borrow_mut();
        if let Some((_, entry)) = entries.iter_mut().find(|(known, _)| known == key) {
            change(entry);
        }
    }

    /// Each offer's status so far: none while its flow runs.
    fn statuses(&self) -> Vec<Option<Status>> {
        self.entries
            .borrow()
            .iter()
            .map(|(_, entry)| entry.status)
            .collect()
    }

    /// Writes the `results` output as it stands (the runner keeps the last
    /// value written).
    fn write(&self) -> anyhow::Result<()> {
        let json = {
            let entries = self.entries.borrow();
            let mut serializer = serde_json::Serializer::new(Vec::new());
            // In the order of the lines, which a map would not keep.
            let mut map = serializer.serialize_map(Some(entries.len()))?;
            for (key, entry) in entries.iter() {
                map.serialize_entry(key, &entry.shown())?;
            }
            map.end()?;
            String::from_utf8(serializer.into_inner())?
        };
        self.runner.set_output("results", &json)
    }
}

/// One offer's `Outputs`: its entry in `results`.
struct OfferOutputs<'a> {
    results: &'a Results,
    key: &'a str,
}

impl Outputs for OfferOutputs<'_> {
    fn operation(&self, operation: &OperationHandle) -> anyhow::Result<()> {
        self.results.update(self.key, |entry| {
            entry.operation_location = operation.location.to_string();
            entry.operation_id = operation.id.clone();
            entry.product_id = operation.product_id.clone();
            entry.submission_id = operation.submission_id.clone();
            entry.target = Some(operation.stage.as_output());
        });
        self.results.write()
    }

    fn outcome(&self, outcome: Outcome) -> anyhow::Result<()> {
        self.results.update(self.key, |entry| {
            entry.outcome = outcome.as_output().to_owned();
        });
        Ok(())
    }

    fn status(&self, status: Status) -> anyhow::Result<()> {
        self.results.update(self.key, |entry| {
            entry.status = Some(status);
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_comes_at_most_once_per_poll_interval() {
        assert_eq!(tally_period(Duration::from_secs(60)), TALLY_EVERY);
        assert_eq!(
            tally_period(Duration::from_secs(600)),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn the_tally_counts_each_status() {
        use Status::*;
        assert_eq!(
            tally(
                &[
                    None,
                    Some(Succeeded),
                    Some(Failed),
                    Some(Canceled),
                    Some(Accepted),
                    Some(Running)
                ],
                false
            ),
            "6 offers: 2 running, 1 succeeded, 2 failed, 1 accepted"
        );
    }

    #[test]
    fn the_aggregate_status_follows_the_rules_of_each_mode() {
        use Status::*;
        let cases: &[(&[Status], Mode, bool, Status)] = &[
            (&[Succeeded, Succeeded], Mode::GoLive, true, Succeeded),
            (&[Succeeded, Canceled], Mode::GoLive, true, Failed),
            (&[Running, Failed], Mode::GoLive, true, Failed),
            (&[Running, Succeeded], Mode::GoLive, true, Running),
            (&[Running, Unknown], Mode::GoLive, true, Unknown),
            (
                &[Accepted, Running, Succeeded],
                Mode::GoLive,
                false,
                Accepted,
            ),
            (&[Accepted, Unknown], Mode::GoLive, false, Unknown),
            (&[Succeeded, Succeeded], Mode::Follow, true, Succeeded),
            (&[Live, Ready], Mode::Check, false, Ready),
            (&[Live, Running, Ready], Mode::Check, false, Running),
            (&[NotReady, Running], Mode::Check, false, NotReady),
            (&[Live, Live], Mode::Check, false, Live),
            (&[Live, Unknown], Mode::Check, false, Unknown),
        ];
        for (statuses, mode, wait, expected) in cases {
            let statuses: Vec<Option<Status>> = statuses.iter().copied().map(Some).collect();
            assert_eq!(
                aggregate(&statuses, *mode, *wait),
                *expected,
                "{statuses:?}"
            );
        }
        // An offer that wrote no status is never counted a success.
        assert_eq!(
            aggregate(&[Some(Succeeded), None], Mode::GoLive, true),
            Unknown
        );
    }
}
