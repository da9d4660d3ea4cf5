//! What every layer shares about text: the one escaper of untrusted text, the one secret
//! scrubber, bounded reads of files and streams, short digests, "did you mean" suggestions, windows of long source text for snippets, and
//! time.

pub mod bounded;
pub mod clock;
pub mod digest;
pub mod escape;
pub mod scrub;
pub mod suggest;
pub mod window;

pub use escape::escape;
