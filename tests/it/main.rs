//! The integration tests, in one binary: each module is one behaviour,
//! run through the built `go-live` binary against the emulator or a mock
//! server, asserting what a user sees.
//! `support` runs the binary the way the GitHub runner does.
#![allow(
    clippy::disallowed_methods,
    reason = "tests drive the product from outside: they read the clock and the environment"
)]

mod support;

mod auth;
mod cnab;
mod decisions;
mod draft;
mod e2e;
mod golive;
mod hostile;
mod hosts;
mod ingestion;
mod mistakes;
mod modes;
mod offers;
mod plan;
mod publish;
mod sign_in;
mod signals;
mod static_binary;
mod tidy;
mod traffic;
mod wait;
