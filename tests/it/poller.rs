//! The poller on its own, driven in-process against a mock status monitor.

use std::time::Duration;

use std::sync::Arc;

use go_live::config::{Config, Mode, Target};
use go_live::host::Runner;
use go_live::http::Transport;
use go_live::model::{OperationHandle, Stage, State};
use go_live::poll::follow;
use go_live::publish::{Endpoint, Kind};
use go_live::secret::Secret;
use go_live::sign_in::Credentials;
use mockito::{Matcher, Server};

fn operation(location: &str) -> OperationHandle {
    OperationHandle {
        location: location.parse().unwrap(),
        id: "1".into(),
        product_id: None,
        submission_id: None,
        stage: Stage::Live,
        earlier: Default::default(),
    }
}

fn config(api_url: &str, location: &str) -> Config {
    Config {
        target: Target::Follow(operation(location)),
        mode: Mode::Follow,
        credentials: Credentials::Token(Secret::new("t".into())),
        wait: true,
        wait_timeout: Duration::from_secs(30),
        poll_interval: Duration::from_millis(5),
        fail_on_timeout: true,
        request_timeout: Duration::from_secs(5),
        notification_emails: Vec::new(),
        draft: None,
        configure_timeout: Duration::from_secs(30),
        masks: Vec::new(),
        sign_in: None,
        sign_in_notes: Vec::new(),
        surface: go_live::surface::Surface::Action,
        endpoint: Endpoint {
            kind: Kind::CloudPartnerPortal,
            base: format!("{api_url}/").parse().unwrap(),
            version: "2017-10-31".into(),
        },
    }
}

/// The monitor answers `statuses` in turn; the poller must end with
/// `expected` after exactly as many requests.
async fn check(statuses: &[&str], expected: State) {
    let mut server = Server::new_async().await;
    let mut mocks = Vec::new();
    for status in statuses {
        let body = format!(r#"[{{"status":"{status}","steps":[]}}]"#);
        mocks.push(
            server
                .mock("GET", "/op/1")
                .match_query(Matcher::UrlEncoded(
                    "api-version".into(),
                    "2017-10-31".into(),
                ))
                .with_body(body)
                .expect(1)
                .create_async()
                .await,
        );
    }
    let url = format!("{}/op/1", server.url());
    let config = config(&server.url(), &url);
    let runner = Runner::github(None, None, false);
    let api = config.endpoint.kind.api();
    let transport = Transport::new(
        config.endpoint.base.clone(),
        config.credentials.clone(),
        api.scope(),
        config.request_timeout,
        Vec::new(),
        runner.clone(),
        config.poll_interval,
    )
    .unwrap();
    let publisher = api.connect(config.endpoint.clone(), Arc::new(transport));
    let mut latest = None;
    let end = follow(
        publisher.as_ref(),
        &operation(&url),
        &config,
        go_live::poll::Limit {
            input: "wait_timeout",
            length: config.wait_timeout,
        },
        &runner,
        &mut latest,
    )
    .await
    .expect("a final state");
    assert_eq!(end, expected, "{statuses:?}");
    assert_eq!(latest.unwrap().status, *statuses.last().unwrap());
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn the_poller_stops_at_the_first_final_status() {
    check(
        &["not started", "running", "inProgress", "completed"],
        State::Succeeded,
    )
    .await;
    check(&["waitingForPublisherReview", "Failed"], State::Failed).await;
    check(&["cancelled"], State::Canceled).await;
}
