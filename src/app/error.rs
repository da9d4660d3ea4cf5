//! Why a run could not produce a trustworthy result, and the exit code each reason maps to.
//!
//! Exit codes (SPEC §2): 0 clean, 1 findings at or above `--fail-on`, 2 usage or configuration
//! error (nothing was fetched), 3 the inventory could not be read completely and correctly. A
//! CI gate must never pass on a partial inventory, so every doubt about the inventory is 3.
// miette's derive expands to assignments that recent rustc flags as unused.
#![allow(unused_assignments)]

use miette::Diagnostic;

use crate::api::FetchError;
use crate::inventory::InventoryError;
use crate::policy::diagnostic::PolicyError;

/// Exit code: usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the inventory could not be read completely and correctly.
pub const EXIT_INCOMPLETE: u8 = 3;

/// A run that could not complete.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Failure {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Policy(#[from] PolicyError),

    #[error("{message}")]
    #[diagnostic(code(keylint::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot read the inventory from {source_name}: {reason}")]
    #[diagnostic(code(keylint::input))]
    InputUnreadable { source_name: String, reason: String },

    #[error("the inventory in {source_name} is malformed: {error}")]
    #[diagnostic(
        code(keylint::inventory),
        help("keylint evaluates only a complete, well-formed inventory; fix or re-fetch the file")
    )]
    Inventory {
        source_name: String,
        error: InventoryError,
    },

    /// A snapshot whose `fetched_at` is not a time: `diff` evaluates each side at it.
    #[error(
        "the inventory in {source_name} is malformed: its `fetched_at` is not an RFC 3339 time"
    )]
    #[diagnostic(
        code(keylint::inventory),
        help("keylint evaluates only a complete, well-formed inventory; fix or re-fetch the file")
    )]
    FetchedAt { source_name: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Fetch(#[from] FetchError),

    #[error("cannot use the baseline {path}: {reason}")]
    #[diagnostic(
        code(keylint::baseline),
        help("a baseline is written by `keylint check --write-baseline PATH`; write a new one")
    )]
    Baseline { path: String, reason: String },

    #[error("cannot write {path}: {reason}")]
    #[diagnostic(code(keylint::output))]
    Output { path: String, reason: String },
}

impl Failure {
    pub fn usage(message: impl Into<String>, help: Option<String>) -> Failure {
        Failure::Usage {
            message: message.into(),
            help,
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Policy(_)
            | Failure::Usage { .. }
            | Failure::InputUnreadable { .. }
            | Failure::Baseline { .. }
            | Failure::Output { .. } => EXIT_USAGE,
            Failure::Inventory { .. } | Failure::FetchedAt { .. } => EXIT_INCOMPLETE,
            Failure::Fetch(err) => err.exit_code(),
        }
    }
}
