//! Evaluation, pure and in memory: the engine runs every rule on every key, waivers and the
//! baseline mark what a person accepted, and findings carry their fingerprints.

pub mod baseline;
pub mod engine;
pub mod finding;
pub mod fingerprint;
pub mod waivers;
