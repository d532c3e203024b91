//! Runs the emulator on its own, for trying the action by hand, rehearsing
//! a release workflow, and the benchmark. Prints its URLs, then serves until
//! it is stopped.
//!
//!     cargo run -p marketplace-emulator -- [--listen ADDRESS] [--tls-cert PEM --tls-key PEM]
//!         [--step-ms N] [--live-ms N] [--static-token T]
//!         [--stateless-go-live] [--publish PUBLISHER/OFFER] [--preview OFFER]
//!         [--status-fault F] [--go-live-fault F] [--token-fault F]
//!         [--unfiltered-lookup] [--page-size N] [--list-envelope]
//!         [--blocked-step STEP=MESSAGE] [--vm-product OFFER=PLAN,PLAN=BASE,...]
//!         [--vm-versions N]
//!
//! It listens on a free loopback port unless `--listen` names an address
//! (such as `0.0.0.0:8443`, to be reached from a container), and speaks
//! HTTPS with `--tls-cert` (the certificate chain) and `--tls-key`.
//!
//! A fault `F` is served instead of the next answer of its kind:
//! `status:CODE[:RETRY_AFTER]`, `cut`, `malformed`, `slow:MS`,
//! `accept-then-fail:CODE` or `huge:CODE:BYTES`.
//!
//! The answers seen in real traffic: `--unfiltered-lookup` lists every
//! Product Ingestion product whatever external ID is asked for,
//! `--page-size` pages its collections with links that carry no
//! `$version`, `--list-envelope` wraps the Cloud Partner Portal's list of
//! operations in `{"value": [...]}`, and `--blocked-step` stops every
//! publish at that step, blocked with that error message.
//!
//! `--vm-product contoso-vm=standard,byol=standard` makes a Product
//! Ingestion virtual machine product with a draft only and those plans
//! (`byol` reusing `standard`'s technical configuration), to rehearse a
//! draft change and a publish. `--vm-versions 100` gives each of their
//! plans that many image versions first, as long-lived images have (the
//! benchmark's large resource trees).

use std::time::Duration;

use marketplace_emulator::{Emulator, Fault, Knobs, ListShape, ProductLookup};

const USAGE: &str = "usage: marketplace-emulator [--listen ADDRESS] [--tls-cert PEM --tls-key PEM] [--step-ms N] [--live-ms N] [--static-token T] [--stateless-go-live] [--publish PUBLISHER/OFFER]... [--preview OFFER]... [--status-fault F]... [--go-live-fault F]... [--token-fault F]... [--unfiltered-lookup] [--page-size N] [--list-envelope] [--blocked-step STEP=MESSAGE] [--vm-product OFFER=PLAN,PLAN=BASE,...] [--vm-versions N]";

fn main() {
    let mut knobs = Knobs::new(Duration::from_millis(500));
    let mut publish = Vec::new();
    let mut preview = Vec::new();
    let mut vm_products = Vec::new();
    let mut vm_versions = 0;
    let mut listen = "127.0.0.1:0".to_owned();
    let (mut cert, mut key) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        let millis = |text: String| {
            Duration::from_millis(
                text.parse()
                    .unwrap_or_else(|_| usage("expected milliseconds")),
            )
        };
        match arg.as_str() {
            "--listen" => listen = value(),
            "--tls-cert" => cert = Some(std::path::PathBuf::from(value())),
            "--tls-key" => key = Some(std::path::PathBuf::from(value())),
            "--step-ms" => knobs.step_duration = millis(value()),
            "--live-ms" => knobs.live_duration = millis(value()),
            "--static-token" => knobs.static_token = Some(value()),
            "--stateless-go-live" => knobs.stateless_go_live = true,
            "--publish" => publish.push(value()),
            "--preview" => preview.push(value()),
            "--vm-product" => vm_products.push(value()),
            "--vm-versions" => {
                vm_versions = value()
                    .parse()
                    .unwrap_or_else(|_| usage("expected a number"))
            }
            "--status-fault" => knobs.faults.push(fault(value())),
            "--go-live-fault" => knobs.go_live_faults.push(fault(value())),
            "--token-fault" => knobs.token_faults.push(fault(value())),
            "--unfiltered-lookup" => knobs.product_lookup = ProductLookup::Unfiltered,
            "--page-size" => {
                knobs.page_size = Some(
                    value()
                        .parse()
                        .unwrap_or_else(|_| usage("expected a number")),
                )
            }
            "--list-envelope" => knobs.list_shape = ListShape::Envelope,
            "--blocked-step" => {
                let step = value();
                let Some((name, message)) = step.split_once('=') else {
                    usage("--blocked-step takes STEP=MESSAGE")
                };
                knobs.blocked_step = Some((name.to_owned(), message.to_owned()));
            }
            _ => usage(&format!("unknown argument {arg}")),
        }
    }
    let tls = match (&cert, &key) {
        (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
        (None, None) => None,
        _ => usage("--tls-cert and --tls-key go together"),
    };
    let emulator =
        Emulator::serve(knobs.clone(), &listen, tls).unwrap_or_else(|error| usage(&error));
    println!("{}", emulator.url());
    println!("Product Ingestion API: {}", emulator.ingestion_url());
    println!(
        "tenant_id {} client_id {} client_secret {}",
        knobs.tenant_id, knobs.client_id, knobs.client_secret
    );
    for offer in publish {
        let Some((publisher, offer)) = offer.split_once('/') else {
            usage("--publish takes PUBLISHER/OFFER")
        };
        match emulator.publish(publisher, offer) {
            Ok(location) => println!("publishing {publisher}/{offer} to preview: {location}"),
            Err(error) => println!("publish of {publisher}/{offer} failed: {error}"),
        }
    }
    for product in vm_products {
        let Some((offer, plans)) = product.split_once('=') else {
            usage("--vm-product takes OFFER=PLAN,PLAN=BASE,...")
        };
        let plans: Vec<&str> = plans.split(',').collect();
        emulator.create_vm_product(offer, &plans);
        if vm_versions > 0 {
            emulator.fill_versions(offer, vm_versions);
        }
        println!("product {offer} with plans {}", plans.join(", "));
    }
    for offer in preview {
        println!(
            "publishing product {offer} to preview: {}",
            emulator.publish_preview(&offer)
        );
    }
    loop {
        std::thread::park();
    }
}

fn fault(text: String) -> Fault {
    text.parse()
        .unwrap_or_else(|problem: String| usage(&problem))
}

fn usage(problem: &str) -> ! {
    println!("marketplace-emulator: {problem}\n{USAGE}");
    std::process::exit(2)
}
