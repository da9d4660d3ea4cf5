//! `field`: the generic check behind custom rules — "fire when `field op value` holds".
//!
//! The condition is typed when the policy is loaded: each operator accepts only fields and
//! values of matching types (`lt` on a string field, or `eq` of an integer field against a
//! string, is a configuration error rather than a condition that is silently never true).

use globset::{Glob, GlobMatcher};

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::{FieldName, FieldState, FieldType, FieldValue};
use crate::text::clock::DAY;

pub static CHECK: CheckKind = CheckKind {
    name: "field",
    doc: DOC,
    params: &[],
    needs: &[],
    eval: Eval::PerKey(check),
};

const DOC: &str = "\
## What it does

The generic check of custom rules: it fires on a key when `field op value` holds. Parameters:
`field` (a key record field such as `group`, `name`, `remain_quota`, `created_time`), `op` and,
for every operator but `empty` / `not-empty`, `value`.

| op | fields | value | fires when |
|---|---|---|---|
| `eq`, `ne` | any | same type as the field | equal / not equal |
| `lt`, `le`, `gt`, `ge` | integer fields | integer | the comparison holds |
| `in`, `not-in` | any | array of the field's type | the value is / is not in the array |
| `glob`, `not-glob` | string fields | glob or array of globs | some glob matches / none matches |
| `empty`, `not-empty` | string fields, `allow_ips` | none | blank (or null) / not blank |
| `older-than-days`, `newer-than-days` | `created_time`, `accessed_time`, `expired_time` | whole days | more than / fewer than N days before now |

Types are checked when the policy loads: comparing a number to a string is an error, not a
condition that is never true. `expired_time = -1` (never expires) is neither older nor newer
than any number of days.

## Why it matters

Every organisation has conventions the default pack cannot know: a group that production keys
must not use, a naming scheme, a quota ceiling. A `field` rule states such a convention once and
enforces it on every key.

## How to fix

What to change is the rule's own `help` text; the record field it names is labelled in the report.

## Example

```toml
[[rule]]
id = \"ACME002\"
name = \"no-auto-group\"
severity = \"warning\"
check = \"field\"
summary = \"Keys must not use the auto group\"
help = \"Pin the key to a named group: API Keys -> Edit -> Group.\"
[rule.params]
field = \"group\"
op = \"eq\"
value = \"auto\"
```
";

/// The operators of the `field` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Glob,
    NotGlob,
    Empty,
    NotEmpty,
    OlderThanDays,
    NewerThanDays,
}

impl Op {
    pub const ALL: [Op; 14] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::In,
        Op::NotIn,
        Op::Glob,
        Op::NotGlob,
        Op::Empty,
        Op::NotEmpty,
        Op::OlderThanDays,
        Op::NewerThanDays,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::In => "in",
            Op::NotIn => "not-in",
            Op::Glob => "glob",
            Op::NotGlob => "not-glob",
            Op::Empty => "empty",
            Op::NotEmpty => "not-empty",
            Op::OlderThanDays => "older-than-days",
            Op::NewerThanDays => "newer-than-days",
        }
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// A typed literal of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Integer(i64),
    Bool(bool),
    String(String),
}

/// The compiled right-hand side of a condition.
#[derive(Debug, Clone)]
pub enum Operand {
    None,
    One(Literal),
    Many(Vec<Literal>),
    Globs(Vec<(String, GlobMatcher)>),
    Days(i64),
}

impl PartialEq for Operand {
    fn eq(&self, other: &Operand) -> bool {
        match (self, other) {
            (Operand::None, Operand::None) => true,
            (Operand::One(a), Operand::One(b)) => a == b,
            (Operand::Many(a), Operand::Many(b)) => a == b,
            (Operand::Globs(a), Operand::Globs(b)) => {
                a.iter().map(|g| &g.0).eq(b.iter().map(|g| &g.0))
            }
            (Operand::Days(a), Operand::Days(b)) => a == b,
            _ => false,
        }
    }
}

/// A validated `field op value` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: FieldName,
    pub op: Op,
    pub operand: Operand,
}

/// Which parameter of a `field` rule a compile error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Field,
    Op,
    Value,
}

/// Why a `field` condition does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub param: Param,
    pub message: String,
    pub help: Option<String>,
}

impl ConditionError {
    fn new(param: Param, message: impl Into<String>) -> ConditionError {
        ConditionError {
            param,
            message: message.into(),
            help: None,
        }
    }
    fn help(mut self, help: impl Into<String>) -> ConditionError {
        self.help = Some(help.into());
        self
    }
}

fn type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer => "an integer",
        FieldType::Bool => "a boolean",
        FieldType::String => "a string",
        FieldType::NullableString => "a string or null",
    }
}

fn toml_type(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a datetime",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

impl Condition {
    /// Compiles `field`, `op` and `value` from a rule's parameters; `value` is `None` when absent.
    pub fn compile(
        field: &str,
        op: &str,
        value: Option<&toml::Value>,
    ) -> Result<Condition, ConditionError> {
        let field_name = FieldName::from_name(field)
            .filter(|f| *f != FieldName::Key)
            .ok_or_else(|| {
                let valid: Vec<&str> = FieldName::ALL
                    .iter()
                    .filter(|f| **f != FieldName::Key)
                    .map(|f| f.as_str())
                    .collect();
                let err = ConditionError::new(Param::Field, format!("unknown field `{field}`"));
                match crate::text::suggest::did_you_mean(field, valid.iter().copied()) {
                    Some(s) => err.help(format!("did you mean `{s}`?")),
                    None => err.help(format!("valid fields: {}", valid.join(", "))),
                }
            })?;
        let op_kind = Op::from_name(op).ok_or_else(|| {
            let names: Vec<&str> = Op::ALL.iter().map(|o| o.as_str()).collect();
            let err = ConditionError::new(Param::Op, format!("unknown operator `{op}`"));
            match crate::text::suggest::did_you_mean(op, names.iter().copied()) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None => err.help(format!("valid operators: {}", names.join(", "))),
            }
        })?;
        let ftype = field_name.field_type();
        let operand = match op_kind {
            Op::Empty | Op::NotEmpty => {
                if !matches!(ftype, FieldType::String | FieldType::NullableString) {
                    return Err(ConditionError::new(
                        Param::Op,
                        format!(
                            "`{op}` applies to string fields, and `{field}` is {}",
                            type_name(ftype)
                        ),
                    ));
                }
                if value.is_some() {
                    return Err(ConditionError::new(
                        Param::Value,
                        format!("`{op}` takes no value"),
                    ));
                }
                Operand::None
            }
            Op::OlderThanDays | Op::NewerThanDays => {
                if !field_name.is_time() {
                    return Err(ConditionError::new(
                        Param::Op,
                        format!("`{op}` applies to time fields, and `{field}` is not one"),
                    )
                    .help("time fields: created_time, accessed_time, expired_time"));
                }
                match require(value, op)? {
                    toml::Value::Integer(days) if *days >= 0 => Operand::Days(*days),
                    other => {
                        return Err(ConditionError::new(
                            Param::Value,
                            format!(
                                "`{op}` needs a whole number of days (0 or more), found {}",
                                describe(other)
                            ),
                        ));
                    }
                }
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                if ftype != FieldType::Integer {
                    return Err(ConditionError::new(
                        Param::Op,
                        format!(
                            "`{op}` compares numbers, and `{field}` is {}",
                            type_name(ftype)
                        ),
                    ));
                }
                Operand::One(literal(require(value, op)?, ftype, field)?)
            }
            Op::Eq | Op::Ne => Operand::One(literal(require(value, op)?, ftype, field)?),
            Op::In | Op::NotIn => match require(value, op)? {
                toml::Value::Array(items) => Operand::Many(
                    items
                        .iter()
                        .map(|item| literal(item, ftype, field))
                        .collect::<Result<_, _>>()?,
                ),
                other => {
                    return Err(ConditionError::new(
                        Param::Value,
                        format!("`{op}` needs an array, found {}", toml_type(other)),
                    ));
                }
            },
            Op::Glob | Op::NotGlob => {
                if !matches!(ftype, FieldType::String | FieldType::NullableString) {
                    return Err(ConditionError::new(
                        Param::Op,
                        format!("`{op}` matches text, and `{field}` is {}", type_name(ftype)),
                    ));
                }
                let patterns: Vec<&str> = match require(value, op)? {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            toml::Value::String(s) => Ok(s.as_str()),
                            other => Err(ConditionError::new(
                                Param::Value,
                                format!("glob patterns are strings, found {}", toml_type(other)),
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                    other => {
                        return Err(ConditionError::new(
                            Param::Value,
                            format!(
                                "`{op}` needs a glob or an array of globs, found {}",
                                toml_type(other)
                            ),
                        ));
                    }
                };
                let globs = patterns
                    .into_iter()
                    .map(|p| {
                        Glob::new(p)
                            .map(|g| (p.to_owned(), g.compile_matcher()))
                            .map_err(|e| {
                                ConditionError::new(
                                    Param::Value,
                                    format!("invalid glob `{p}`: {}", e.kind()),
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?;
                Operand::Globs(globs)
            }
        };
        Ok(Condition {
            field: field_name,
            op: op_kind,
            operand,
        })
    }

    /// Whether the condition holds for a field value at `now`.
    pub fn holds(&self, value: &FieldValue<'_>, now: i64) -> bool {
        match (&self.operand, value) {
            (Operand::None, v) => {
                let blank = match v {
                    FieldValue::Null => true,
                    FieldValue::String(s) => s.trim().is_empty(),
                    _ => false,
                };
                (self.op == Op::Empty) == blank
            }
            (Operand::Days(days), FieldValue::Integer(t)) => {
                if self.field == FieldName::ExpiredTime && *t == -1 {
                    return false;
                }
                let age = now.saturating_sub(*t);
                let limit = days.saturating_mul(DAY);
                match self.op {
                    Op::OlderThanDays => age > limit,
                    _ => age < limit,
                }
            }
            (Operand::One(lit), v) => {
                let ord = compare(lit, v);
                match self.op {
                    Op::Eq => ord == Some(std::cmp::Ordering::Equal),
                    Op::Ne => ord != Some(std::cmp::Ordering::Equal),
                    Op::Lt => ord == Some(std::cmp::Ordering::Less),
                    Op::Le => matches!(
                        ord,
                        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                    ),
                    Op::Gt => ord == Some(std::cmp::Ordering::Greater),
                    _ => matches!(
                        ord,
                        Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                    ),
                }
            }
            (Operand::Many(list), v) => {
                let found = list
                    .iter()
                    .any(|lit| compare(lit, v) == Some(std::cmp::Ordering::Equal));
                (self.op == Op::In) == found
            }
            (Operand::Globs(globs), v) => {
                let text = match v {
                    FieldValue::String(s) => *s,
                    _ => "",
                };
                let matched = globs.iter().any(|(_, g)| g.is_match(text));
                (self.op == Op::Glob) == matched
            }
            (Operand::Days(_), _) => false,
        }
    }

    /// The condition as text, for messages (`group eq "auto"`).
    pub fn describe(&self) -> String {
        let rhs = match &self.operand {
            Operand::None => String::new(),
            Operand::One(l) => format!(" {}", show(l)),
            Operand::Many(list) => format!(
                " [{}]",
                list.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
            Operand::Globs(globs) => format!(
                " [{}]",
                globs
                    .iter()
                    .map(|(p, _)| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Operand::Days(d) => format!(" {d}"),
        };
        format!("{} {}{}", self.field, self.op.as_str(), rhs)
    }
}

fn show(l: &Literal) -> String {
    match l {
        Literal::Integer(i) => i.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::String(s) => format!("{s:?}"),
    }
}

fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(i) => i.to_string(),
        other => toml_type(other).to_owned(),
    }
}

fn require<'v>(
    value: Option<&'v toml::Value>,
    op: &str,
) -> Result<&'v toml::Value, ConditionError> {
    value.ok_or_else(|| ConditionError::new(Param::Value, format!("`{op}` needs a `value`")))
}

fn literal(value: &toml::Value, ftype: FieldType, field: &str) -> Result<Literal, ConditionError> {
    match (ftype, value) {
        (FieldType::Integer, toml::Value::Integer(i)) => Ok(Literal::Integer(*i)),
        (FieldType::Bool, toml::Value::Boolean(b)) => Ok(Literal::Bool(*b)),
        (FieldType::String | FieldType::NullableString, toml::Value::String(s)) => {
            Ok(Literal::String(s.clone()))
        }
        (_, other) => Err(ConditionError::new(
            Param::Value,
            format!(
                "`{field}` is {}, but the value is {}",
                type_name(ftype),
                toml_type(other)
            ),
        )),
    }
}

fn compare(lit: &Literal, value: &FieldValue<'_>) -> Option<std::cmp::Ordering> {
    match (value, lit) {
        (FieldValue::Integer(v), Literal::Integer(l)) => Some(v.cmp(l)),
        (FieldValue::Bool(v), Literal::Bool(l)) => Some(v.cmp(l)),
        (FieldValue::String(v), Literal::String(l)) => Some((*v).cmp(l.as_str())),
        _ => None,
    }
}

fn check(key: &KeyContext<'_>, params: &Params, out: &mut Vec<Violation>) {
    let Params::Field(condition) = params else {
        return;
    };
    let FieldState::Present(value) = key.record.field(condition.field) else {
        return;
    };
    if condition.holds(&value, key.now) {
        let shown = match &value {
            FieldValue::Integer(i) => i.to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::String(s) => format!("{s:?}"),
            FieldValue::Null => "null".to_owned(),
        };
        out.push(Violation {
            message: format!(
                "{} is {shown} (condition: {})",
                condition.field,
                condition.describe()
            ),
            target: Target::Field(condition.field),
            evidence: shown,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{DAY, NOW, key, run_with};
    use crate::inventory::Field;

    fn cond(field: &str, op: &str, value: Option<toml::Value>) -> Params {
        Params::Field(Condition::compile(field, op, value.as_ref()).expect("compiles"))
    }

    fn fires(params: &Params, record: &crate::inventory::KeyRecord) -> bool {
        !run_with(&CHECK, record, params).is_empty()
    }

    #[test]
    fn eq_and_ne_on_strings() {
        let mut record = key();
        record.group = Field::Present("auto".into());
        let eq = cond("group", "eq", Some("auto".into()));
        let ne = cond("group", "ne", Some("auto".into()));
        assert!(fires(&eq, &record));
        assert!(!fires(&ne, &record));
        record.group = Field::Present("default".into());
        assert!(!fires(&eq, &record));
        assert!(fires(&ne, &record));
    }

    #[test]
    fn ordering_operators_on_both_sides_of_the_value() {
        let mut record = key();
        for (op, below, at, above) in [
            ("lt", true, false, false),
            ("le", true, true, false),
            ("gt", false, false, true),
            ("ge", false, true, true),
        ] {
            let params = cond("remain_quota", op, Some(100.into()));
            record.remain_quota = Field::Present(99);
            assert_eq!(fires(&params, &record), below, "{op} 99");
            record.remain_quota = Field::Present(100);
            assert_eq!(fires(&params, &record), at, "{op} 100");
            record.remain_quota = Field::Present(101);
            assert_eq!(fires(&params, &record), above, "{op} 101");
        }
    }

    #[test]
    fn in_and_not_in() {
        let mut record = key();
        let list = toml::Value::Array(vec!["a".into(), "b".into()]);
        let is_in = cond("group", "in", Some(list.clone()));
        let not_in = cond("group", "not-in", Some(list));
        record.group = Field::Present("b".into());
        assert!(fires(&is_in, &record));
        assert!(!fires(&not_in, &record));
        record.group = Field::Present("c".into());
        assert!(!fires(&is_in, &record));
        assert!(fires(&not_in, &record));
    }

    #[test]
    fn glob_and_not_glob() {
        let mut record = key();
        let glob = cond("name", "glob", Some("prod-*".into()));
        let not_glob = cond("name", "not-glob", Some("prod-*".into()));
        record.name = Field::Present("prod-api".into());
        assert!(fires(&glob, &record));
        assert!(!fires(&not_glob, &record));
        record.name = Field::Present("staging-api".into());
        assert!(!fires(&glob, &record));
        assert!(fires(&not_glob, &record));
    }

    #[test]
    fn empty_and_not_empty_treat_blank_and_null_as_empty() {
        let mut record = key();
        let empty = cond("allow_ips", "empty", None);
        let not_empty = cond("allow_ips", "not-empty", None);
        for blank in [None, Some("  ".to_owned()), Some(String::new())] {
            record.allow_ips = Field::Present(blank);
            assert!(fires(&empty, &record));
            assert!(!fires(&not_empty, &record));
        }
        record.allow_ips = Field::Present(Some("1.2.3.4".into()));
        assert!(!fires(&empty, &record));
        assert!(fires(&not_empty, &record));
    }

    #[test]
    fn day_operators_are_strict_on_both_sides() {
        let mut record = key();
        let older = cond("created_time", "older-than-days", Some(30.into()));
        let newer = cond("created_time", "newer-than-days", Some(30.into()));
        record.created_time = Field::Present(NOW - 30 * DAY);
        assert!(!fires(&older, &record));
        assert!(!fires(&newer, &record));
        record.created_time = Field::Present(NOW - 30 * DAY - 1);
        assert!(fires(&older, &record));
        record.created_time = Field::Present(NOW - 30 * DAY + 1);
        assert!(fires(&newer, &record));
        // A key that never expires has no expiry date to be old or new.
        record.expired_time = Field::Present(-1);
        let never = cond("expired_time", "older-than-days", Some(0.into()));
        assert!(!fires(&never, &record));
    }

    #[test]
    fn type_mismatches_are_errors() {
        let err = |f: &str, op: &str, v: Option<toml::Value>| {
            Condition::compile(f, op, v.as_ref()).expect_err("must not compile")
        };
        assert_eq!(
            err("remain_quota", "eq", Some("10".into())).param,
            Param::Value
        );
        assert_eq!(err("group", "lt", Some(1.into())).param, Param::Op);
        assert_eq!(err("status", "glob", Some("1*".into())).param, Param::Op);
        assert_eq!(err("status", "empty", None).param, Param::Op);
        assert_eq!(
            err("name", "older-than-days", Some(1.into())).param,
            Param::Op
        );
        assert_eq!(
            err("created_time", "older-than-days", Some((-1).into())).param,
            Param::Value
        );
        assert_eq!(err("group", "eq", None).param, Param::Value);
        assert_eq!(err("group", "empty", Some("x".into())).param, Param::Value);
        assert_eq!(err("group", "in", Some("x".into())).param, Param::Value);
        assert_eq!(err("group", "glob", Some("[".into())).param, Param::Value);
        let unknown = err("gruop", "eq", Some("x".into()));
        assert_eq!(unknown.param, Param::Field);
        assert_eq!(unknown.help.as_deref(), Some("did you mean `group`?"));
        assert_eq!(err("key", "empty", None).param, Param::Field);
        assert_eq!(err("group", "equals", Some("x".into())).param, Param::Op);
    }
}
