//! Runs the emulator on its own, for trying the action by hand, rehearsing
//! a release workflow, and the benchmark. Prints its URLs, then serves until
//! it is stopped.
//!
//!     cargo run -p marketplace-emulator -- --help
//!
//! It listens on a free loopback port unless `--listen` names an address
//! (such as `0.0.0.0:8443`, to be reached from a container), and speaks
//! HTTPS with `--tls-cert` (the certificate chain) and `--tls-key`.
//!
//! A fault `F` is served instead of the next answer of its kind (a status,
//! a go-live or publish, Entra's token, a read of an offer's state):
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
//! benchmark's large resource trees). `--container-product argo-cd=standard`
//! makes a Kubernetes application product whose plans take CNAB bundles.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use marketplace_emulator::{Emulator, Fault, Knobs, ListShape, ProductLookup};

/// The emulator's command line.
#[derive(Parser, Debug)]
#[command(
    name = "marketplace-emulator",
    about = "A local emulator of the Cloud Partner Portal and Product Ingestion APIs, Entra and the CI OIDC providers."
)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDRESS")]
    listen: String,
    /// The certificate chain to speak HTTPS with (PEM), with --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's key (PEM), with --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// How long each publish step (or a preview submission) takes.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    step_ms: u64,
    /// How long the Live step of a go-live takes [default: --step-ms].
    #[arg(long, value_name = "MS")]
    live_ms: Option<u64>,
    /// A bearer token both APIs accept besides those Entra issues.
    #[arg(long, value_name = "TOKEN")]
    static_token: Option<String>,
    /// Accept every Cloud Partner Portal go-live at once, whatever the offer's state.
    #[arg(long)]
    stateless_go_live: bool,
    /// Publish a Cloud Partner Portal offer to preview at start.
    #[arg(long, value_name = "PUBLISHER/OFFER")]
    publish: Vec<String>,
    /// Publish a Product Ingestion product to preview at start.
    #[arg(long, value_name = "OFFER")]
    preview: Vec<String>,
    /// A fault served instead of the next status answer.
    #[arg(long, value_name = "F", value_parser = fault)]
    status_fault: Vec<Fault>,
    /// A fault served instead of the next go-live or publish answer.
    #[arg(long, value_name = "F", value_parser = fault)]
    go_live_fault: Vec<Fault>,
    /// A fault served instead of the next answer of Entra's token endpoint.
    #[arg(long, value_name = "F", value_parser = fault)]
    token_fault: Vec<Fault>,
    /// A fault served instead of the next read of an offer's state.
    #[arg(long, value_name = "F", value_parser = fault)]
    read_fault: Vec<Fault>,
    /// List every Product Ingestion product whatever external ID is asked for.
    #[arg(long)]
    unfiltered_lookup: bool,
    /// Page Product Ingestion collections by this many, links without $version.
    #[arg(long, value_name = "N")]
    page_size: Option<usize>,
    /// Wrap the Cloud Partner Portal's list of operations in {"value": [...]}.
    #[arg(long)]
    list_envelope: bool,
    /// Stop every publish at this step, blocked with this message.
    #[arg(long, value_name = "STEP=MESSAGE", value_parser = step)]
    blocked_step: Option<(String, String)>,
    /// A Product Ingestion virtual machine product with these plans (PLAN=BASE reuses BASE's configuration; PLAN[x64Gen1,arm64Gen2] has those skus).
    #[arg(long, value_name = "OFFER=PLAN,...")]
    vm_product: Vec<String>,
    /// A Product Ingestion Kubernetes application (container) product with these plans, each taking CNAB bundles.
    #[arg(long, value_name = "OFFER=PLAN,...")]
    container_product: Vec<String>,
    /// Give each plan of --vm-product this many image versions first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    vm_versions: usize,
}

fn fault(text: &str) -> Result<Fault, String> {
    text.parse()
}

fn step(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, message)| (name.to_owned(), message.to_owned()))
        .ok_or_else(|| "expected STEP=MESSAGE".to_owned())
}

fn main() {
    let args = Args::parse();
    let mut knobs = Knobs::new(Duration::from_millis(args.step_ms));
    knobs.live_duration = Duration::from_millis(args.live_ms.unwrap_or(args.step_ms));
    knobs.static_token = args.static_token;
    knobs.stateless_go_live = args.stateless_go_live;
    knobs.faults = args.status_fault;
    knobs.go_live_faults = args.go_live_fault;
    knobs.token_faults = args.token_fault;
    knobs.read_faults = args.read_fault;
    if args.unfiltered_lookup {
        knobs.product_lookup = ProductLookup::Unfiltered;
    }
    knobs.page_size = args.page_size;
    if args.list_envelope {
        knobs.list_shape = ListShape::Envelope;
    }
    knobs.blocked_step = args.blocked_step;
    let (publish, preview, vm_products, vm_versions) = (
        args.publish,
        args.preview,
        args.vm_product,
        args.vm_versions,
    );
    let (cert, key, listen) = (args.tls_cert, args.tls_key, args.listen);
    let tls = match (&cert, &key) {
        (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
        (None, None) => None,
        _ => unreachable!("clap asks for both"),
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
        let Some((offer, listed)) = product.split_once('=') else {
            usage("--vm-product takes OFFER=PLAN,PLAN=BASE,...")
        };
        let plans = plans(listed);
        emulator.create_vm_product(offer, &plans);
        if vm_versions > 0 {
            emulator.fill_versions(offer, vm_versions);
        }
        println!("product {offer} with plans {}", plans.join(", "));
    }
    for product in args.container_product {
        let Some((offer, listed)) = product.split_once('=') else {
            usage("--container-product takes OFFER=PLAN,...")
        };
        let plans: Vec<&str> = listed.split(',').collect();
        emulator.create_container_product(offer, &plans);
        println!("container product {offer} with plans {}", plans.join(", "));
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

/// A usage error, as clap words its own.
fn usage(problem: &str) -> ! {
    use clap::CommandFactory;
    Args::command()
        .error(clap::error::ErrorKind::InvalidValue, problem)
        .exit()
}

/// `a,b[x64Gen1,arm64Gen2],c=a`: the plans, split at the commas outside
/// brackets.
fn plans(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (at, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                found.push(&text[from..at]);
                from = at + 1;
            }
            _ => {}
        }
    }
    found.push(&text[from..]);
    found
}
