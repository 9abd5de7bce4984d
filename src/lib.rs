//! Onus: verify decentralized-AI traces (see docs/FORMAT.md).
//!
//! This library is the core: it parses and verifies, and does no I/O. Bytes
//! go in and one [`report::Report`] comes out. Its shells are thin: the CLI
//! and the collector (`src/bin/onus/`), and the wasm bindings the page's
//! workers use (`wasm.rs`).
#![forbid(unsafe_code)]

pub mod accountability;
pub mod cosignature;
pub mod json;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod poll;
pub mod publish;
pub mod receipt;
pub mod report;
pub mod signature;
pub mod statement;
pub mod tiled;
pub mod fork;
pub mod tiles;
pub mod types;
pub mod verify;
pub mod witness;

/// A simulated network, written as a trace (tests, benchmarks, `onus demo`).
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;

/// OpenGradient's TEE receipts and settlement batches (docs/OPENGRADIENT.md).
#[cfg(feature = "og")]
pub mod og;

/// The main wasm module's bindings; the OpenGradient module has its own (`og::wasm`).
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod wasm;
/// Both wasm modules' panic hook and `lastPanic`.
#[cfg(all(target_arch = "wasm32", any(feature = "page", feature = "og")))]
pub mod wasm_panic;

pub use report::{Code, Finding, Report, Severity, Status};
pub use verify::{verify_bytes, Options, Verifier};
