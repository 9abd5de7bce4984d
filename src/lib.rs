//! Onus: verify decentralized-AI traces (see docs/FORMAT.md).
//!
//! The core does no I/O: bytes in, one [`report::Report`] out. The CLI
//! (`main.rs`), the wasm bindings (`wasm.rs`) and the collector (`serve/`)
//! are thin shells around it.
#![forbid(unsafe_code)]

pub mod accountability;
pub mod demo;
pub mod fuzzing;
pub mod json;
pub mod merkle;
pub mod note;
pub mod poll;
pub mod receipt;
pub mod report;
pub mod signature;
pub mod statement;
pub mod verify;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use report::{Code, Finding, Report, Severity, Status};
pub use verify::{verify_bytes, Options, Verifier};
