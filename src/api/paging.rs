//! How each dialect of the family pages its list (SPEC §3a, GATEWAYS.md §1): the page
//! parameter and its base, the size parameter (or none), whether a total comes with the page,
//! and the request that starts detection.
//!
//! | dialect | query | first page | size |
//! |---|---|---|---|
//! | new-api | `p=N&page_size=S` | 1 | S (capped at 100 by the server) |
//! | new-api-legacy, one-api-laisky | `p=N&size=S` | 0 | S |
//! | one-api | `p=N` | 0 | always 10 |
//! | one-hub | `page=N&size=S` | 1 | S (more than 100 is an error) |
//!
//! The detection probe is new-api's own first page, `p=1&page_size=S`: new-api reads it as page
//! 1 and its answer is kept; one-hub reads it as its first page at its default size and the
//! 0-based dialects as their second page, so once the shape has named them the walk starts
//! again at their first page.

use crate::inventory::Dialect;

/// Who the walk is talking to: a known dialect, or a gateway that answers bare `data` arrays
/// with no total whose records have not yet said whether it is new-api-legacy or one-api.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaking {
    Dialect(Dialect),
    /// new-api-legacy or one-api; both page with a 0-based `p` and take `size` or ignore it.
    UntotalledArray,
}

impl Speaking {
    /// The dialect, once known; an untold bare-array gateway reads as new-api-legacy.
    pub(crate) fn dialect(self) -> Dialect {
        match self {
            Speaking::Dialect(d) => d,
            Speaking::UntotalledArray => Dialect::NewApiLegacy,
        }
    }

    /// The number of the first page.
    pub(crate) fn first_page(self) -> u64 {
        match self.dialect() {
            Dialect::NewApi | Dialect::OneHub => 1,
            Dialect::NewApiLegacy | Dialect::OneApi | Dialect::OneApiLaisky => 0,
        }
    }

    /// Whether pages carry a total (the completeness checks of SPEC §3) or not (two walks
    /// that must agree).
    pub(crate) fn has_total(self) -> bool {
        matches!(
            self.dialect(),
            Dialect::NewApi | Dialect::OneHub | Dialect::OneApiLaisky
        )
    }

    /// The keys per page the gateway serves when asked for `requested`.
    pub(crate) fn page_size(self, requested: u32) -> u32 {
        match self {
            Speaking::Dialect(Dialect::OneApi) => 10,
            _ => requested,
        }
    }

    /// The query of page `page`, in this dialect's parameters.
    pub(crate) fn query(self, page: u64, size: u32) -> String {
        match self {
            Speaking::Dialect(Dialect::NewApi) => format!("p={page}&page_size={size}"),
            Speaking::Dialect(Dialect::OneApi) => format!("p={page}"),
            Speaking::Dialect(Dialect::OneHub) => format!("page={page}&size={size}"),
            Speaking::Dialect(Dialect::NewApiLegacy | Dialect::OneApiLaisky)
            | Speaking::UntotalledArray => format!("p={page}&size={size}"),
        }
    }

    /// The name of the page parameter, for messages.
    pub(crate) fn page_parameter(self) -> &'static str {
        match self.dialect() {
            Dialect::OneHub => "page",
            _ => "p",
        }
    }
}

/// The query of the detection probe (`--gateway auto`): new-api's first page.
pub(crate) fn probe_query(size: u32) -> String {
    Speaking::Dialect(Dialect::NewApi).query(1, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_pages_with_its_own_parameters() {
        let query = |d, page| Speaking::Dialect(d).query(page, 100);
        assert_eq!(query(Dialect::NewApi, 1), "p=1&page_size=100");
        assert_eq!(query(Dialect::NewApiLegacy, 0), "p=0&size=100");
        assert_eq!(query(Dialect::OneApi, 0), "p=0");
        assert_eq!(query(Dialect::OneHub, 1), "page=1&size=100");
        assert_eq!(query(Dialect::OneApiLaisky, 2), "p=2&size=100");
        assert_eq!(Speaking::UntotalledArray.query(0, 50), "p=0&size=50");
        assert_eq!(probe_query(100), "p=1&page_size=100");
    }

    #[test]
    fn bases_sizes_and_totals() {
        let first = |d| Speaking::Dialect(d).first_page();
        assert_eq!(first(Dialect::NewApi), 1);
        assert_eq!(first(Dialect::OneHub), 1);
        assert_eq!(first(Dialect::NewApiLegacy), 0);
        assert_eq!(first(Dialect::OneApi), 0);
        assert_eq!(first(Dialect::OneApiLaisky), 0);
        assert_eq!(Speaking::UntotalledArray.first_page(), 0);
        assert_eq!(Speaking::Dialect(Dialect::OneApi).page_size(100), 10);
        assert_eq!(Speaking::Dialect(Dialect::OneHub).page_size(100), 100);
        assert!(Speaking::Dialect(Dialect::OneApiLaisky).has_total());
        assert!(!Speaking::Dialect(Dialect::OneApi).has_total());
        assert!(!Speaking::UntotalledArray.has_total());
        assert_eq!(Speaking::Dialect(Dialect::OneHub).page_parameter(), "page");
    }
}
