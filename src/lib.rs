//! keylint: a policy linter for the API keys of a CometAPI account or a self-hosted gateway of
//! the new-api / one-api family.
//!
//! Data flows one way: [`app`] reads the command line, loads the [`policy`] and obtains the
//! [`inventory`] (fetched by [`api`] or read from a file); [`eval`] checks every key with the
//! [`checks`] of the policy and applies waivers and the baseline; [`report`] formats the
//! findings. [`text`] holds what every layer shares: escaping, bounded reads, time.

pub mod api;
pub mod app;
pub mod checks;
pub mod eval;
pub mod inventory;
pub mod policy;
pub mod report;
pub mod text;

pub use app::{Io, run, use_color};
