//! What every layer shares about text: the one escaper of untrusted text, the one secret
//! scrubber (and the decoding of the encodings a secret may travel in), bounded reads of files
//! and streams, short digests, "did you mean" suggestions, time, and bounded windows of a
//! source text for miette snippets.

pub mod bounded;
pub mod clock;
pub mod digest;
pub mod escape;
pub mod scrub;
pub mod suggest;
mod unescape;
pub mod window;

pub use escape::escape;
