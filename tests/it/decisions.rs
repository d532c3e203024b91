//! The decision table of `mode: check` and `mode: go-live`, for both APIs
//! from one table: each state an offer can be in, and the whole of what
//! the user sees (exit code, log, outputs), kept next to the test.

use std::time::Duration;

use crate::support::emulated::{Api, BOTH, emulator_with, go_live_requests, knobs};
use expect_test::{Expect, expect};
use marketplace_emulator::Knobs;

/// Each state, checked then gone live (without waiting), through `api`.
fn table(api: Api) -> String {
    // Ready, live after an earlier run, and a preview that failed.
    let emulator = emulator_with(api, knobs(), &["ready-vm", "live-vm"]);
    let earlier = api.single(&emulator, "live-vm").run();
    assert_eq!(earlier.code, Some(0), "{}", earlier.stdout);
    emulator.fail_offer("failed-vm");
    api.publish(&emulator, "contoso", "failed-vm");
    // A go-live that runs for longer than the test.
    let slow = emulator_with(
        api,
        Knobs {
            live_duration: Duration::from_secs(600),
            ..knobs()
        },
        &["running-vm"],
    );
    let started = api.single(&slow, "running-vm").with("wait", "false").run();
    assert_eq!(started.code, Some(0), "{}", started.stdout);

    let mut transcript = String::new();
    for (state, emulator, offer) in [
        ("ready", &emulator, "ready-vm"),
        ("running", &slow, "running-vm"),
        ("live", &emulator, "live-vm"),
        ("preview failed", &emulator, "failed-vm"),
    ] {
        for mode in ["check", "go-live"] {
            let sent = go_live_requests(emulator);
            let run = api
                .single(emulator, offer)
                .with("mode", mode)
                .with("wait", "false")
                .run();
            let now_sent = go_live_requests(emulator) - sent;
            transcript.push_str(&format!(
                "==== {state}, mode {mode}: {now_sent} go-live request(s)\n{}\n",
                run.transcript()
            ));
        }
    }
    transcript
}

fn check(api: Api, expected: Expect) {
    expected.assert_eq(&table(api));
}

#[test]
fn each_state_decides_what_check_and_go_live_do_in_the_cloud_partner_portal() {
    check(
        BOTH[0],
        expect![[r#"
            ==== ready, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'ready-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode check (this mode never sends go-live)
            ::notice::what goes live (the preview against live):%0Athe whole offer: nothing is live yet (its first go-live)
            ::notice::offer 'ready-vm' of publisher 'contoso' is ready: go-live would be sent now
            -- outputs
            outcome = checked
            status = ready

            ==== ready, mode go-live: 1 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'ready-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
            ::notice::what goes live (the preview against live):%0Athe whole offer: nothing is live yet (its first go-live)
            Requesting go-live of offer 'ready-vm' of publisher 'contoso'
            go-live accepted: operation <id>
              http://127.0.0.1:<port>/api/publishers/contoso/offers/ready-vm/operations/<id>?api-version=2017-10-31
            -- outputs
            operation_id = <id>
            operation_location = http://127.0.0.1:<port>/api/publishers/contoso/offers/ready-vm/operations/<id>?api-version=2017-10-31
            outcome = started
            status = accepted
            target = live

            ==== running, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'running-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode check (this mode never sends go-live)
            ::notice::a go-live is running on offer 'running-vm' of publisher 'contoso': operation <id>
            -- outputs
            operation_id = <id>
            operation_location = http://127.0.0.1:<port>/api/publishers/contoso/offers/running-vm/operations/<id>?api-version=2017-10-31
            outcome = checked
            status = running
            target = live

            ==== running, mode go-live: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'running-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
            ::notice::a go-live is already running on offer 'running-vm' of publisher 'contoso': operation <id>; nothing was sent, and wait is false: follow it with mode: follow
            -- outputs
            operation_id = <id>
            operation_location = http://127.0.0.1:<port>/api/publishers/contoso/offers/running-vm/operations/<id>?api-version=2017-10-31
            outcome = followed
            status = running
            target = live

            ==== live, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'live-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode check (this mode never sends go-live)
            ::notice::offer 'live-vm' of publisher 'contoso' is already live: its last go-live completed and nothing was published since
            -- outputs
            outcome = checked
            status = live

            ==== live, mode go-live: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'live-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
            ::notice::offer 'live-vm' of publisher 'contoso' is already live: its last go-live completed and nothing was published since; nothing was sent
            -- outputs
            outcome = already-live
            status = succeeded

            ==== preview failed, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'failed-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode check (this mode never sends go-live)
            ::notice::the last publish to preview of offer 'failed-vm' of publisher 'contoso' is 'failed' (The operation failed: see the messages of its failed step; step 'Certification': The Certification step failed for offer failed-vm): fix the offer and publish it to preview again
            -- outputs
            outcome = checked
            status = not-ready

            ==== preview failed, mode go-live: 0 go-live request(s)
            exit 1
            ::add-mask::<secret>
            Reading the state of offer 'failed-vm' of publisher 'contoso' through the Cloud Partner Portal API at http://127.0.0.1:<port>/ for mode go-live
            ::error::go-live was not sent: the last publish to preview of offer 'failed-vm' of publisher 'contoso' is 'failed' (The operation failed: see the messages of its failed step; step 'Certification': The Certification step failed for offer failed-vm): fix the offer and publish it to preview again; no go-live request was sent
            -- outputs
            status = failed

        "#]],
    );
}

#[test]
fn each_state_decides_what_check_and_go_live_do_in_product_ingestion() {
    check(
        BOTH[1],
        expect![[r#"
            ==== ready, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'ready-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode check (this mode never sends go-live)
            ::notice::what goes live (the preview against live):%0Athe whole offer: live holds nothing yet (its first go-live)
            ::notice::offer 'ready-vm' is ready: go-live would be sent now
            -- outputs
            outcome = checked
            status = ready

            ==== ready, mode go-live: 1 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'ready-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
            ::notice::what goes live (the preview against live):%0Athe whole offer: live holds nothing yet (its first go-live)
            Requesting go-live of offer 'ready-vm'
            go-live accepted: operation <id>
              http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
            -- outputs
            operation_id = <id>
            operation_location = http://127.0.0.1:<port>/rp/product-ingestion/configure/<id>/status?$version=2022-03-01-preview2
            outcome = started
            product_id = product/<id>
            status = accepted
            submission_id = submission/<id>/1152921504606846977
            target = live

            ==== running, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'running-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode check (this mode never sends go-live)
            ::notice::a go-live is running on offer 'running-vm': operation submission/<id>/1152921504606846977
            -- outputs
            operation_id = submission/<id>/1152921504606846977
            operation_location = http://127.0.0.1:<port>/rp/product-ingestion/submission/<id>?$version=2022-03-01-preview2
            outcome = checked
            product_id = product/<id>
            status = running
            submission_id = submission/<id>/1152921504606846977
            target = live

            ==== running, mode go-live: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'running-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
            ::notice::a go-live is already running on offer 'running-vm': operation submission/<id>/1152921504606846977; nothing was sent, and wait is false: follow it with mode: follow
            -- outputs
            operation_id = submission/<id>/1152921504606846977
            operation_location = http://127.0.0.1:<port>/rp/product-ingestion/submission/<id>?$version=2022-03-01-preview2
            outcome = followed
            product_id = product/<id>
            status = running
            submission_id = submission/<id>/1152921504606846977
            target = live

            ==== live, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'live-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode check (this mode never sends go-live)
            ::notice::offer 'live-vm' is already live with its preview submission submission/<id>/1152921504606846978
            -- outputs
            outcome = checked
            status = live

            ==== live, mode go-live: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'live-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
            ::notice::offer 'live-vm' is already live with its preview submission submission/<id>/1152921504606846978; nothing was sent
            -- outputs
            outcome = already-live
            status = succeeded

            ==== preview failed, mode check: 0 go-live request(s)
            exit 0
            ::add-mask::<secret>
            Reading the state of offer 'failed-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode check (this mode never sends go-live)
            ::notice::the preview of offer 'failed-vm' (submission submission/<id>/1152921504606846980) failed: fix the offer and publish it to preview again
            -- outputs
            outcome = checked
            status = not-ready

            ==== preview failed, mode go-live: 0 go-live request(s)
            exit 1
            ::add-mask::<secret>
            Reading the state of offer 'failed-vm' through the Product Ingestion API at http://127.0.0.1:<port>/rp/product-ingestion/ for mode go-live
            ::error::go-live was not sent: the preview of offer 'failed-vm' (submission submission/<id>/1152921504606846980) failed: fix the offer and publish it to preview again; no go-live request was sent
            -- outputs
            status = failed

        "#]],
    );
}
