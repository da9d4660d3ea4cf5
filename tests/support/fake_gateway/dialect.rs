//! The dialects of the gateway family as the fake speaks them (GATEWAYS.md §1, §2): which
//! query parameters page the list, from which base, with which page size; the shape of the
//! answer and its total; the user header; the status of an invalid token.
//!
//! | dialect | page | size | `data` | total |
//! |---|---|---|---|---|
//! | `NewApi` | `p`, 1-based | `page_size` / `ps` / `size`, default 20, capped | `{page, page_size, total, items}` | `data.total` |
//! | `NewApiLegacy`, `Veloera` | `p`, 0-based | `size`, default 10, ≤ 100 | bare array | none |
//! | `OneApi` | `p`, 0-based | always 10 | bare array | none |
//! | `OneHub` | `page`, 1-based | `size`, default 10, > 100 is `success: false` | `{data, page, size, total_count}` | `data.total_count` |
//! | `OneApiLaisky` | `p`, 0-based | `size`, default 10, ≤ 100 | bare array | top-level `total` |
//!
//! Query values are read as the Go handlers read them: the first occurrence of a name counts,
//! a value that is not a number is as good as absent.

use serde_json::{Value, json};

use super::Options;

/// The dialect a fake gateway speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// CometAPI and new-api since 2025-06-12: `data.items`, `data.total`, `p` 1-based.
    #[default]
    NewApi,
    /// new-api from v0.0.4 until 2025-06-12: a bare `data` array, `p` 0-based, `size`;
    /// checks `New-Api-User` when a user id is set.
    NewApiLegacy,
    /// Veloera: as `NewApiLegacy`, but the user header is `Veloera-User`.
    Veloera,
    /// songquanpeng/one-api: a bare `data` array, `p` 0-based, always 10 per page.
    OneApi,
    /// MartialBE/one-hub and done-hub: `page` 1-based, `size` up to 100, `data.total_count`.
    OneHub,
    /// Laisky/one-api: a bare `data` array plus a top-level `total`, `p` 0-based, `size`;
    /// an invalid token is a 401.
    OneApiLaisky,
}

impl Dialect {
    /// Every dialect, for tests that go through all of them.
    pub const ALL: [Dialect; 6] = [
        Dialect::NewApi,
        Dialect::NewApiLegacy,
        Dialect::Veloera,
        Dialect::OneApi,
        Dialect::OneHub,
        Dialect::OneApiLaisky,
    ];

    /// Whether the page parameter counts from 0.
    pub fn zero_based(self) -> bool {
        !matches!(self, Dialect::NewApi | Dialect::OneHub)
    }

    /// The number of the first page (what a missing page parameter means).
    pub fn first_page(self) -> u64 {
        u64::from(!self.zero_based())
    }

    /// The name of the page parameter.
    pub fn page_param(self) -> &'static str {
        if self == Dialect::OneHub { "page" } else { "p" }
    }

    /// Whether the answer carries a total.
    pub fn has_total(self) -> bool {
        matches!(
            self,
            Dialect::NewApi | Dialect::OneHub | Dialect::OneApiLaisky
        )
    }

    /// The user header checked when [`Options::user_id`] is set, lower-cased.
    pub fn user_header(self) -> Option<&'static str> {
        match self {
            Dialect::NewApi | Dialect::NewApiLegacy => Some("new-api-user"),
            Dialect::Veloera => Some("veloera-user"),
            Dialect::OneApi | Dialect::OneHub | Dialect::OneApiLaisky => None,
        }
    }

    /// The HTTP status of the answer to a wrong token.
    pub fn bad_token_status(self) -> u16 {
        if self == Dialect::OneApiLaisky {
            401
        } else {
            200
        }
    }
}

/// The page a request asks for, as the dialect reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paging {
    /// As the dialect counts it (0-based or 1-based).
    pub page: u64,
    pub size: u64,
}

impl Paging {
    /// How many records come before this page.
    pub(super) fn offset(self, dialect: Dialect) -> usize {
        let index = self.page.saturating_sub(dialect.first_page());
        let offset = index.saturating_mul(self.size);
        usize::try_from(offset).unwrap_or(usize::MAX)
    }
}

/// The first value of `name` in `query`.
fn param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The value of `name` as a number, when it is one.
fn number(query: &str, name: &str) -> Option<i64> {
    param(query, name).and_then(|v| v.parse::<i64>().ok())
}

fn positive(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The paging a query asks for; `Err` is the `message` of a `success: false` answer.
pub(super) fn paging(opts: &Options, query: &str) -> Result<Paging, String> {
    let cap = opts.max_page_size.max(1);
    let zero_based_page = || positive(number(query, "p").unwrap_or(0));
    let size_up_to_100 = || match number(query, "size") {
        Some(n) if n > 0 => positive(n).min(100).min(cap),
        _ => 10_u64.min(cap),
    };
    let paging = match opts.dialect {
        Dialect::NewApi => {
            let page = param(query, "p")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
                .max(1);
            let size = ["page_size", "ps", "size"]
                .iter()
                .find_map(|name| param(query, name)?.parse::<u64>().ok().filter(|&n| n > 0))
                .unwrap_or(20)
                .clamp(1, cap);
            Paging { page, size }
        }
        Dialect::NewApiLegacy | Dialect::Veloera | Dialect::OneApiLaisky => Paging {
            page: zero_based_page(),
            size: size_up_to_100(),
        },
        Dialect::OneApi => Paging {
            page: zero_based_page(),
            size: 10,
        },
        Dialect::OneHub => {
            let page = positive(number(query, "page").unwrap_or(1)).max(1);
            let size = match number(query, "size") {
                Some(n) if n > 100 => return Err("size 参数不能超过 100".to_owned()),
                Some(n) if n > 0 => positive(n).min(cap),
                _ => 10_u64.min(cap),
            };
            Paging { page, size }
        }
    };
    Ok(paging)
}

/// The total to serve, after the total faults: `None` when it is left out.
pub(super) type Total = Option<Value>;

/// A successful list response: `items` on `paging`, with `total` where the dialect has one.
pub(super) fn envelope(opts: &Options, paging: Paging, items: Vec<Value>, total: Total) -> Value {
    let padding = (opts.padding > 0).then(|| json!("x".repeat(opts.padding)));
    let mut body = json!({"success": true, "message": opts.message});
    match opts.dialect {
        Dialect::NewApi => {
            let mut data = json!({"page": paging.page, "page_size": paging.size, "items": items});
            if let Some(padding) = padding {
                data["padding"] = padding;
            }
            if let Some(total) = total {
                data["total"] = total;
            }
            body["data"] = data;
        }
        Dialect::OneHub => {
            let rows = if items.is_empty() {
                Value::Null
            } else {
                Value::from(items)
            };
            let mut data = json!({"data": rows, "page": paging.page, "size": paging.size});
            if let Some(padding) = padding {
                data["padding"] = padding;
            }
            if let Some(total) = total {
                data["total_count"] = total;
            }
            body["data"] = data;
        }
        Dialect::NewApiLegacy | Dialect::Veloera | Dialect::OneApi | Dialect::OneApiLaisky => {
            body["data"] = Value::from(items);
            if let Some(padding) = padding {
                body["padding"] = padding;
            }
            if let (Dialect::OneApiLaisky, Some(total)) = (opts.dialect, total) {
                body["total"] = total;
            }
        }
    }
    body
}

/// A response holding every record on the dialect's first page, sized to hold them all.
pub(super) fn list_body(opts: &Options, records: Vec<Value>) -> Value {
    let count = records.len();
    let paging = Paging {
        page: opts.dialect.first_page(),
        size: u64::try_from(count).expect("count fits u64"),
    };
    let opts = Options {
        padding: 0,
        ..opts.clone()
    };
    envelope(&opts, paging, records, Some(json!(count)))
}

/// A list response in the dialect's shape that stops in the middle of a record.
pub(super) fn truncated_body(dialect: Dialect) -> &'static [u8] {
    match dialect {
        Dialect::NewApi => {
            br#"{"success":true,"message":"","data":{"page":1,"total":3,"items":[{"id":3,"name":"a"#
        }
        Dialect::OneHub => {
            br#"{"success":true,"message":"","data":{"page":1,"size":10,"total_count":3,"data":[{"id":3,"name":"a"#
        }
        Dialect::OneApiLaisky => br#"{"success":true,"message":"","total":3,"data":[{"id":3,"name":"a"#,
        _ => br#"{"success":true,"message":"","data":[{"id":3,"name":"a"#,
    }
}

/// A complete list response in the dialect's shape, of which [`super::Fault::DropMidBody`]
/// sends half.
pub(super) fn dropped_body(dialect: Dialect) -> &'static [u8] {
    match dialect {
        Dialect::NewApi => br#"{"success":true,"message":"","data":{"page":1,"total":3,"items":[]}}"#,
        Dialect::OneHub => {
            br#"{"success":true,"message":"","data":{"page":1,"size":10,"total_count":3,"data":null}}"#
        }
        Dialect::OneApiLaisky => br#"{"success":true,"message":"","data":[],"total":3}"#,
        _ => br#"{"success":true,"message":"","data":[{"id":3,"name":"a"}]}"#,
    }
}
