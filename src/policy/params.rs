//! A rule's `params`, validated against its check kind: the kind's declared numeric parameters
//! (known names, integers within bounds), or the `field` check's `field`, `op` and `value`,
//! compiled into a typed condition.

use std::ops::Range;

use toml::Spanned;

use super::diagnostic::IssueSink;
use super::raw::RawParams;
use crate::checks::field::{Condition, Param};
use crate::checks::{CheckKind, ParamSpec, Params};
use crate::text::suggest::did_you_mean;

/// Validates a rule's parameters against its check kind. `base` holds the values that
/// unmentioned parameters keep (an override's rule); without it, the kind's defaults.
/// `check_span` is where a missing `field` parameter is reported.
pub(super) fn validate_params(
    kind: &'static CheckKind,
    params: Option<RawParams>,
    check_span: Range<usize>,
    base: Option<&Params>,
    sink: &mut IssueSink,
) -> Option<Params> {
    let params = params.unwrap_or_default();
    if kind.name == crate::checks::field::CHECK.name {
        return validate_field_params(params, check_span, sink);
    }
    let mut values: Vec<(&'static str, i64)> = match base {
        Some(Params::Numbers(values)) => values.clone(),
        _ => kind.params.iter().map(|p| (p.name, p.default)).collect(),
    };
    let mut ok = true;
    for (key, value) in params {
        let Some(spec) = kind.params.iter().find(|p| p.name == key.get_ref()) else {
            ok = false;
            push_unknown_param(kind, &key, sink);
            continue;
        };
        match number_in_bounds(spec, &value, sink) {
            Some(n) => {
                if let Some(slot) = values.iter_mut().find(|(n, _)| *n == spec.name) {
                    slot.1 = n;
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(Params::Numbers(values))
}

fn push_unknown_param(kind: &CheckKind, key: &Spanned<String>, sink: &mut IssueSink) {
    let names: Vec<&str> = kind.params.iter().map(|p| p.name).collect();
    let help = match did_you_mean(key.get_ref(), names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => format!("`{}` takes no parameters", kind.name),
        None => format!("`{}` takes: {}", kind.name, names.join(", ")),
    };
    sink.push(
        Some(key.span()),
        format!(
            "unknown parameter `{}` for check `{}`",
            key.get_ref(),
            kind.name
        ),
        "unknown parameter",
        Some(help),
    );
}

/// A parameter's value, if it is an integer within the parameter's bounds.
fn number_in_bounds(
    spec: &ParamSpec,
    value: &Spanned<toml::Value>,
    sink: &mut IssueSink,
) -> Option<i64> {
    match value.get_ref() {
        toml::Value::Integer(n) if (spec.min..=spec.max).contains(n) => Some(*n),
        toml::Value::Integer(n) => {
            sink.push(
                Some(value.span()),
                format!(
                    "`{}` is {n}, outside {}..={}",
                    spec.name, spec.min, spec.max
                ),
                "out of range",
                Some(spec.doc.to_owned()),
            );
            None
        }
        _ => {
            sink.push(
                Some(value.span()),
                format!("`{}` must be an integer", spec.name),
                "not an integer",
                Some(spec.doc.to_owned()),
            );
            None
        }
    }
}

/// One parameter of a `field` rule as written: its key and value.
type Entry = (Spanned<String>, Spanned<toml::Value>);

/// The `field` check's parameters: `field`, `op` and `value`, compiled into a condition.
fn validate_field_params(
    mut params: RawParams,
    check_span: Range<usize>,
    sink: &mut IssueSink,
) -> Option<Params> {
    let mut take = |name: &str| {
        let key = params.keys().find(|k| k.get_ref() == name).cloned()?;
        params.remove_entry(&key)
    };
    let (field, op, value) = (take("field"), take("op"), take("value"));
    let ok = params.is_empty();
    for key in params.keys() {
        let help = did_you_mean(key.get_ref(), ["field", "op", "value"]).map_or_else(
            || "`field` takes: field, op, value".to_owned(),
            |s| format!("did you mean `{s}`?"),
        );
        sink.push(
            Some(key.span()),
            format!("unknown parameter `{}` for check `field`", key.get_ref()),
            "unknown parameter",
            Some(help),
        );
    }
    let field_name = string_param(field.as_ref(), "field", &check_span, sink);
    let op_name = string_param(op.as_ref(), "op", &check_span, sink);
    let (Some(field_name), Some(op_name)) = (field_name, op_name) else {
        return None;
    };
    match Condition::compile(
        field_name,
        op_name,
        value.as_ref().map(|(_, v)| v.get_ref()),
    ) {
        Ok(condition) => ok.then_some(Params::Field(condition)),
        Err(err) => {
            let at = |entry: &Option<Entry>| entry.as_ref().map(|(_, v)| v.span());
            let span = match err.param {
                Param::Field => at(&field),
                Param::Op => at(&op),
                Param::Value => at(&value).or(at(&op)),
            };
            sink.push(span, err.message, "here", err.help);
            None
        }
    }
}

/// The text of a required string parameter of a `field` rule; reports it missing or mistyped.
fn string_param<'e>(
    entry: Option<&'e Entry>,
    name: &str,
    check_span: &Range<usize>,
    sink: &mut IssueSink,
) -> Option<&'e str> {
    let Some((_, value)) = entry else {
        sink.push(
            Some(check_span.clone()),
            format!("check `field` needs `params.{name}`"),
            "in this rule",
            None,
        );
        return None;
    };
    match value.get_ref() {
        toml::Value::String(s) => Some(s),
        _ => {
            sink.push(
                Some(value.span()),
                format!("`{name}` must be a string"),
                "not a string",
                None,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::layers::testkit::messages;

    #[test]
    fn params_are_checked_against_the_kind() {
        let found = messages(
            r#"
[[rule]]
id = "A1"
name = "a"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-day = 3 }

[[rule]]
id = "A2"
name = "b"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-days = "3" }

[[rule]]
id = "A3"
name = "c"
severity = "note"
check = "key-age"
summary = "s"
params = { max-age-days = -1 }
"#,
        );
        assert_eq!(
            found,
            vec![
                "unknown parameter `max-age-day` for check `key-age`",
                "`max-age-days` must be an integer",
                "`max-age-days` is -1, outside 0..=36500",
            ]
        );
    }

    #[test]
    fn field_conditions_are_typed() {
        let found = messages(
            r#"
[[rule]]
id = "A1"
name = "a"
severity = "note"
check = "field"
summary = "s"
params = { field = "remain_quota", op = "eq", value = "10" }

[[rule]]
id = "A2"
name = "b"
severity = "note"
check = "field"
summary = "s"
params = { field = "group" }
"#,
        );
        assert_eq!(
            found,
            vec![
                "`remain_quota` is an integer, but the value is a string",
                "check `field` needs `params.op`",
            ]
        );
    }
}
