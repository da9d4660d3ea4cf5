//! "Did you mean" suggestions for misspelt rule ids, names, check kinds, fields and keys.

/// The candidate closest to `input` when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&input.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["no-expiry", "key-age", "stale-key"];
        assert_eq!(did_you_mean("no-expiri", names), Some("no-expiry"));
        assert_eq!(did_you_mean("KEY-AGE", names), Some("key-age"));
        assert_eq!(did_you_mean("zzzz", names), None);
    }
}
