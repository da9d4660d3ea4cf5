//! `model_limits` exactly as the gateway reads it (SPEC §4): split on `,` with no trimming.

use std::ops::Range;

/// One entry of `model_limits` split on `,` with no trimming, as the gateway reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry<'a> {
    pub text: &'a str,
    /// Byte range of the entry in the `model_limits` string.
    pub range: Range<usize>,
}

impl ModelEntry<'_> {
    /// Non-empty with no surrounding whitespace: the only kind of entry that can match a model.
    pub fn is_usable(&self) -> bool {
        !self.text.is_empty() && self.text.trim() == self.text
    }
}

/// Splits `model_limits` on `,` with no trimming; an empty string yields one empty entry.
pub fn model_entries(raw: &str) -> impl Iterator<Item = ModelEntry<'_>> + Clone {
    let mut start = 0;
    raw.split(',').map(move |text| {
        let range = start..start + text.len();
        start = range.end + 1;
        ModelEntry { text, range }
    })
}
