//! What every layer shares about text: escaping untrusted text for terminals, bounded reads of
//! files and streams, "did you mean" suggestions, and time.

pub mod bounded;
pub mod clock;
pub mod digest;
pub mod escape;
pub mod suggest;

pub use escape::escape;
