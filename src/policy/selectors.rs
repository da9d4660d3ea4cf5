//! `[rule.when]`: which keys a rule applies to (effective statuses, name and group globs, key
//! ids), validated into a [`Selector`]; and the glob sets that selectors and waivers share.

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::Selector;
use super::diagnostic::IssueSink;
use super::raw::RawWhen;
use crate::inventory::EffectiveStatus;

/// A rule's selector; omitted, the rule applies to enabled keys.
pub(super) fn validate_when(when: Option<RawWhen>, sink: &mut IssueSink) -> Selector {
    let Some(when) = when else {
        return Selector::enabled_keys();
    };
    Selector {
        statuses: match when.status {
            None => Some(vec![EffectiveStatus::Enabled]),
            Some(list) => statuses(list, sink),
        },
        names: when.name.and_then(|p| build_globs(p, sink)),
        groups: when.group.and_then(|p| build_globs(p, sink)),
        ids: when
            .ids
            .map(|ids| ids.into_iter().map(Spanned::into_inner).collect()),
    }
}

/// `status = [...]`: the statuses named, or `None` (any) when the list holds `any`.
fn statuses(
    list: Spanned<Vec<Spanned<String>>>,
    sink: &mut IssueSink,
) -> Option<Vec<EffectiveStatus>> {
    let span = list.span();
    let items = list.into_inner();
    if items.is_empty() {
        sink.push(
            Some(span),
            "`status` is empty, so the rule would apply to no key",
            "empty list",
            Some("use [\"any\"] for every key, or omit it for enabled keys".to_owned()),
        );
    }
    let any = items.iter().any(|s| s.get_ref() == "any");
    let mut statuses = Vec::new();
    for item in &items {
        match (
            item.get_ref().as_str(),
            EffectiveStatus::from_name(item.get_ref()),
        ) {
            ("any", _) => {}
            (_, Some(status)) => statuses.push(status),
            (other, None) => sink.push(
                Some(item.span()),
                format!("unknown key status `{other}`"),
                "not a status",
                Some(
                    "valid statuses: enabled, disabled, expired, exhausted, unknown, any"
                        .to_owned(),
                ),
            ),
        }
    }
    (!any).then_some(statuses)
}

/// A glob set with its patterns as written; `None` after reporting a pattern that does not
/// compile.
pub(super) fn build_globs(
    patterns: Vec<Spanned<String>>,
    sink: &mut IssueSink,
) -> Option<(GlobSet, Vec<String>)> {
    let mut builder = GlobSetBuilder::new();
    let mut written = Vec::new();
    let mut ok = true;
    for pattern in patterns {
        match Glob::new(pattern.get_ref()) {
            Ok(glob) => {
                builder.add(glob);
                written.push(pattern.into_inner());
            }
            Err(err) => {
                ok = false;
                sink.push(
                    Some(pattern.span()),
                    format!("invalid glob `{}`", pattern.get_ref()),
                    err.kind().to_string(),
                    None,
                );
            }
        }
    }
    let set = builder.build().ok()?;
    ok.then_some((set, written))
}
