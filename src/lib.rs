//! keylint: a policy linter for the API keys of a CometAPI account or a self-hosted gateway of
//! the new-api / one-api family.

pub mod api;
pub mod checks;
pub mod clock;
pub mod inventory;
pub mod snapshot;
pub mod suggest;
