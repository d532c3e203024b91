//! Several offers in one run (the `offers` input): each offer goes through
//! the same `flow` as a single offer, concurrently, over one client (one
//! sign-in, `http::MOST_IN_FLIGHT` requests in flight at most).
//!
//! An offer's failure ends only its own flow. Each offer logs with its line
//! as a prefix, and writes into its entry of the `results` output instead
//! of the single-offer outputs; `results` is written again whenever an
//! operation becomes known, and at the end with every offer's status. The
//! aggregate `status`, the exit code and one summary table come from the
//! offers' ends.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::Signals;
use crate::config::{Config, Listed, Mode};
use crate::flow::{self, Flow, Outputs};
use crate::github::Runner;
use crate::model::{OperationHandle, Outcome};
use crate::publish::Publisher;
use crate::report::{Several, Summary, exit};

/// The aggregate line (how many offers run, succeeded, failed) comes at
/// most this often, and at most once per `poll_interval`.
pub const TALLY_EVERY: Duration = Duration::from_secs(5 * 60);

/// One offer of the run, and what became of it.
struct OfferRun<'a> {
    listed: &'a Listed,
    runner: Runner,
    summary: Summary,
    /// The offer's exit code, once its flow ended.
    code: Option<u8>,
}

/// Runs every offer of `listed` to its end (or to a signal) and returns the
/// run's exit code.
pub(crate) async fn run(
    config: &Config,
    listed: &[Listed],
    extra_roots: Vec<reqwest::Certificate>,
    runner: &Runner,
    signals: &mut Signals,
    fitted: Option<String>,
) -> u8 {
    let started = Instant::now();
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
    let mut runs: Vec<OfferRun> = listed
        .iter()
        .map(|listed| OfferRun {
            listed,
            runner: runner.for_offer(&listed.key),
            summary: Summary {
                api,
                offer: Some(listed.offer.clone()),
                ..Summary::default()
            },
            code: None,
        })
        .collect();

    let stopped_by = match crate::connect(config, extra_roots, runner) {
        Err(failure) => {
            for run in &mut runs {
                let outputs = results.entry(&run.listed.key);
                let code = flow::report_failure(
                    &run.runner,
                    &outputs,
                    &mut run.summary,
                    &failure,
                    config.mode,
                );
                run.code = Some(code);
            }
            None
        }
        Ok(publisher) => {
            let all = futures_util::future::join_all(
                runs.iter_mut()
                    .map(|run| run.go(publisher.as_ref(), config, &results, started)),
            );
            tokio::select! {
                _ = all => None,
                never = tally_now_and_then(config, &results, runner) => match never {},
                name = signals.received() => Some(name),
            }
        }
    };
    if let Some(signal) = stopped_by {
        let unfinished = runs.iter_mut().filter(|run| run.code.is_none());
        let mut any_started = false;
        for run in unfinished {
            let outputs = results.entry(&run.listed.key);
            flow::report_stop(signal, &run.runner, &outputs, &mut run.summary, config);
            run.summary.elapsed = Some(started.elapsed());
            any_started |= run.summary.operation.is_some();
        }
        if any_started {
            let advice = format!(
                "stopped by {signal}: the go-lives already started go on in the service; to follow them all again, run this action with mode: {} and the same offers",
                Mode::Follow.as_input()
            );
            runner.error(&advice);
            notes.push(advice);
        }
    }

    if let Err(error) = results.write() {
        runner.warning(&format!("{error:#}"));
    }
    let statuses: Vec<&str> = runs.iter().map(|run| run.summary.status.as_str()).collect();
    let status = aggregate(&statuses, config.mode, config.wait);
    if let Err(error) = runner.set_output("status", status) {
        runner.warning(&format!("{error:#}"));
    }
    runner.info(&tally(&statuses, true));
    let code = match stopped_by {
        Some(signal) => exit::signaled(signal),
        None => run_code(runs.iter().map(|run| run.code.unwrap_or(exit::FAILURE))),
    };
    let several = Several {
        api,
        status,
        offers: runs
            .iter()
            .map(|run| (run.listed.key.as_str(), &run.summary))
            .collect(),
        elapsed: started.elapsed(),
        notes,
    };
    if let Err(error) = runner.add_summary(&several.to_markdown()) {
        runner.warning(&format!("{error:#}"));
    }
    code
}

impl OfferRun<'_> {
    /// The offer's flow, to its end.
    async fn go(
        &mut self,
        publisher: &dyn Publisher,
        config: &Config,
        results: &Results,
        started: Instant,
    ) {
        let outputs = results.entry(&self.listed.key);
        let flow = Flow {
            publisher,
            config,
            runner: &self.runner,
            outputs: &outputs,
        };
        let target = config.mode.target(self.listed.offer.clone());
        let code = match flow.run(&target, &mut self.summary).await {
            Ok(code) => code,
            Err(failure) => flow::report_failure(
                &self.runner,
                &outputs,
                &mut self.summary,
                &failure,
                config.mode,
            ),
        };
        self.summary.elapsed = Some(started.elapsed());
        self.code = Some(code);
    }
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
        let statuses = results.statuses();
        let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
        runner.info(&tally(&statuses, false));
    }
}

fn tally_period(poll_interval: Duration) -> Duration {
    poll_interval.max(TALLY_EVERY)
}

/// `10 offers: 3 running, 6 succeeded, 1 failed`, and any other status
/// after them. An offer without a status yet is running; at the end (`last`)
/// too, as its go-live goes on in the service.
fn tally(statuses: &[&str], last: bool) -> String {
    let count = |wanted: &[&str]| statuses.iter().filter(|s| wanted.contains(s)).count();
    let mut line = format!(
        "{} offers{}: {} running, {} succeeded, {} failed",
        statuses.len(),
        if last { " at the end" } else { "" },
        count(&["", "running"]),
        count(&["succeeded"]),
        count(&["failed", "canceled"]),
    );
    let mut others: Vec<&str> = statuses
        .iter()
        .copied()
        .filter(|s| !["", "running", "succeeded", "failed", "canceled"].contains(s))
        .collect();
    others.sort_unstable();
    others.dedup();
    for other in others {
        line.push_str(&format!(", {} {other}", count(&[other])));
    }
    line
}

/// The aggregate `status` of the offers' statuses.
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
fn aggregate(statuses: &[&str], mode: Mode, wait: bool) -> &'static str {
    let any = |wanted: &[&str]| statuses.iter().any(|s| wanted.contains(s));
    let all = |wanted: &[&str]| statuses.iter().all(|s| wanted.contains(s));
    if mode == Mode::Check {
        return if !all(&["ready", "running", "live", "not-ready"]) {
            "unknown"
        } else if any(&["not-ready"]) {
            "not-ready"
        } else if any(&["running"]) {
            "running"
        } else if any(&["ready"]) {
            "ready"
        } else {
            "live"
        };
    }
    if any(&["failed", "canceled"]) {
        "failed"
    } else if all(&["succeeded"]) {
        "succeeded"
    } else if wait && all(&["succeeded", "running"]) {
        "running"
    } else if !wait && all(&["accepted", "running", "succeeded"]) {
        "accepted"
    } else {
        "unknown"
    }
}

/// 1 when any offer failed or its outcome is unknown, else 3 when any timed
/// out (with `fail_on_timeout`), else 0.
fn run_code(codes: impl Iterator<Item = u8> + Clone) -> u8 {
    if codes.clone().any(|code| code == exit::FAILURE) {
        exit::FAILURE
    } else if codes.clone().any(|code| code == exit::TIMED_OUT) {
        exit::TIMED_OUT
    } else if codes.clone().all(|code| code == exit::SUCCESS) {
        exit::SUCCESS
    } else {
        exit::FAILURE
    }
}

/// The `results` output: one entry per offer, by its line, in the order of
/// the lines.
struct Results {
    runner: Runner,
    entries: RefCell<Vec<(String, Entry)>>,
}

/// One offer's entry in `results`.
#[derive(Default, Clone, Serialize)]
struct Entry {
    operation_location: String,
    operation_id: String,
    /// Until the offer's flow ends: `running` once its operation is known,
    /// else `unknown`.
    status: String,
    outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    submission_id: Option<String>,
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

    /// Each offer's status so far: empty while its flow runs.
    fn statuses(&self) -> Vec<String> {
        self.entries
            .borrow()
            .iter()
            .map(|(_, entry)| entry.status.clone())
            .collect()
    }

    /// Writes the `results` output as it stands (the runner keeps the last
    /// value written).
    fn write(&self) -> anyhow::Result<()> {
        let json = {
            let entries = self.entries.borrow();
            let mut serializer = serde_json::Serializer::new(Vec::new());
            let mut map = serializer.serialize_map(Some(entries.len()))?;
            for (key, entry) in entries.iter() {
                let mut shown = entry.clone();
                if shown.status.is_empty() {
                    shown.status = if shown.operation_location.is_empty() {
                        "unknown"
                    } else {
                        "running"
                    }
                    .to_owned();
                }
                map.serialize_entry(key, &shown)?;
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
        });
        self.results.write()
    }

    fn outcome(&self, outcome: Outcome) -> anyhow::Result<()> {
        self.results.update(self.key, |entry| {
            entry.outcome = outcome.as_output().to_owned();
        });
        Ok(())
    }

    fn status(&self, status: &str) -> anyhow::Result<()> {
        self.results.update(self.key, |entry| {
            entry.status = status.to_owned();
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
        assert_eq!(
            tally(
                &["", "succeeded", "failed", "canceled", "accepted", "running"],
                false
            ),
            "6 offers: 2 running, 1 succeeded, 2 failed, 1 accepted"
        );
    }

    #[test]
    fn the_aggregate_status_follows_the_rules_of_each_mode() {
        let cases: &[(&[&str], Mode, bool, &str)] = &[
            (&["succeeded", "succeeded"], Mode::GoLive, true, "succeeded"),
            (&["succeeded", "canceled"], Mode::GoLive, true, "failed"),
            (&["running", "failed"], Mode::GoLive, true, "failed"),
            (&["running", "succeeded"], Mode::GoLive, true, "running"),
            (&["running", "unknown"], Mode::GoLive, true, "unknown"),
            (
                &["accepted", "running", "succeeded"],
                Mode::GoLive,
                false,
                "accepted",
            ),
            (&["accepted", "unknown"], Mode::GoLive, false, "unknown"),
            (&["succeeded", "succeeded"], Mode::Follow, true, "succeeded"),
            (&["live", "ready"], Mode::Check, false, "ready"),
            (&["live", "running", "ready"], Mode::Check, false, "running"),
            (&["not-ready", "running"], Mode::Check, false, "not-ready"),
            (&["live", "live"], Mode::Check, false, "live"),
            (&["live", "unknown"], Mode::Check, false, "unknown"),
        ];
        for (statuses, mode, wait, expected) in cases {
            assert_eq!(aggregate(statuses, *mode, *wait), *expected, "{statuses:?}");
        }
    }

    #[test]
    fn the_exit_code_puts_failures_before_timeouts() {
        assert_eq!(run_code([0, 3, 1].into_iter()), exit::FAILURE);
        assert_eq!(run_code([0, 3, 0].into_iter()), exit::TIMED_OUT);
        assert_eq!(run_code([0, 0].into_iter()), exit::SUCCESS);
    }
}
