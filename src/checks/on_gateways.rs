//! The "On each gateway" section of `keylint explain`: which of each dialect's fields a rule
//! reads, what the gateway does with them, and where the rule does not apply.

use std::fmt::Write as _;

use super::{CheckKind, Params};
use crate::inventory::{Dialect, FieldName};

/// How the IP restriction reads on `dialect`.
fn ip_reading(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::NewApi => {
            "`allow_ips`, one address or CIDR per line; unreadable entries are skipped and a \
             list of nothing readable denies every request. A record without \
             `cross_group_retry` comes from a version before CIDR allowlists and is read as \
             new-api-legacy (override with `--cidr-allowlists`)."
        }
        Dialect::NewApiLegacy => {
            "`allow_ips`, single addresses only, compared with the client address as text; \
             CIDR lines are dropped, and a list with nothing left admits every address."
        }
        Dialect::OneApi | Dialect::OneApiLaisky => {
            "`subnet`, comma-separated CIDRs; a bare address or anything unreadable never \
             matches; empty or null admits every address."
        }
        Dialect::OneHub => {
            "`setting.limits.limits_ip_setting`, enforced only when `enabled` and the whitelist \
             is non-empty; entries with `/` are CIDRs, others are compared as text; nothing is \
             validated on save."
        }
    }
}

/// How the model restriction reads on `dialect`.
fn model_reading(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::NewApi | Dialect::NewApiLegacy => {
            "`model_limits_enabled` switches `model_limits` on: split on `,`, no trimming, exact \
             match; off, the list is ignored."
        }
        Dialect::OneApi | Dialect::OneApiLaisky => {
            "`models`, with no switch: empty or null allows every model, anything else is \
             split on `,` (no trimming) and matched exactly; a list is never ignored."
        }
        Dialect::OneHub => {
            "`setting.limits.limit_model_setting`: when `enabled`, exactly the listed models — \
             none when the list is empty; not enabled, the list is ignored."
        }
    }
}

/// The section for a rule of `kind` with `params`.
pub fn section(kind: &CheckKind, params: &Params) -> String {
    let mut text = String::from("## On each gateway\n\n");
    for dialect in Dialect::ALL {
        let _ = write!(text, "- **{dialect}** ({}): ", dialect.gateways());
        match lacking(kind, params, dialect) {
            Some(field) => {
                let _ = writeln!(
                    text,
                    "does not apply: its records have no `{field}` or anything that stands \
                     for it."
                );
            }
            None => {
                let _ = writeln!(text, "{}", reading(kind, dialect));
            }
        }
    }
    text
}

/// The first field the rule needs that `dialect` has nothing for.
fn lacking(kind: &CheckKind, params: &Params, dialect: Dialect) -> Option<FieldName> {
    let field = match params {
        Params::Field(condition) => Some(condition.field),
        _ => None,
    };
    let needs = kind.needs.iter().copied();
    let answering = |f: FieldName| dialect.answering(f).is_some();
    needs
        .filter(|f| !answering(*f))
        .chain(field.filter(|f| !dialect.has(*f)))
        .next()
}

/// What the rule reads on `dialect`.
fn reading(kind: &CheckKind, dialect: Dialect) -> String {
    let needs = kind.needs;
    if needs.contains(&FieldName::AllowIps) {
        return format!("reads {}", ip_reading(dialect));
    }
    if needs.contains(&FieldName::ModelLimits) || needs.contains(&FieldName::ModelLimitsEnabled) {
        return format!("reads {}", model_reading(dialect));
    }
    "reads the same fields, with the same meaning.".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::lookup;

    #[test]
    fn each_dialect_is_described_with_its_own_fields() {
        let kl301 = lookup("no-ip-allowlist").unwrap();
        let text = section(kl301, &Params::defaults(kl301));
        assert!(text.contains("**one-api**") && text.contains("`subnet`, comma-separated"));
        assert!(text.contains("`setting.limits.limits_ip_setting`"));
        let kl506 = lookup("ineffective-cross-group-retry").unwrap();
        let text = section(kl506, &Params::defaults(kl506));
        assert!(text.contains("**one-hub** (one-hub, done-hub): does not apply"));
        assert!(text.contains("**new-api** (CometAPI, new-api since 2025-06): reads the same"));
    }
}
