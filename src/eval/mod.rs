//! Evaluation, pure and in memory: the engine runs every rule on every key, waivers and the
//! baseline mark what a person accepted; a finding names its subject (a key or a waiver) with a
//! type, and its fingerprint is made in one place ([`fingerprint`]).

pub mod baseline;
pub mod engine;
pub mod finding;
pub mod fingerprint;
pub mod waivers;
