//! `field`: the generic check behind custom rules — "fire when `field op value` holds".
//!
//! The condition is typed when the policy is loaded: each operator accepts only fields and
//! values of matching types (`lt` on a string field, or `eq` of an integer field against a
//! string, is a configuration error rather than a condition that is silently never true).

mod compile;

use globset::{Glob, GlobSet, GlobSetBuilder};

pub use compile::{ConditionError, Param};

use super::{CheckKind, Eval, KeyContext, Params, Target, Violation};
use crate::inventory::{FieldName, FieldValue};
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

/// Glob patterns of a `glob` / `not-glob` test, compiled, with the patterns as written.
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    patterns: Vec<String>,
}

impl PartialEq for Globs {
    fn eq(&self, other: &Globs) -> bool {
        self.patterns == other.patterns
    }
}

impl Globs {
    /// Compiles patterns; the error names the first that does not compile.
    pub fn new(patterns: Vec<String>) -> Result<Globs, (String, globset::Error)> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            let glob = Glob::new(pattern).map_err(|e| (pattern.clone(), e))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| (patterns.join(", "), e))?;
        Ok(Globs { set, patterns })
    }
}

/// An operator with its operand: each operator holds exactly the operand it takes, so an
/// `empty` with a value or an `older-than-days` of a string cannot be built.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(Literal),
    Ne(Literal),
    /// The ordering tests compare integer fields with an integer.
    Lt(i64),
    Le(i64),
    Gt(i64),
    Ge(i64),
    In(Vec<Literal>),
    NotIn(Vec<Literal>),
    Glob(Globs),
    NotGlob(Globs),
    Empty,
    NotEmpty,
    /// Whole days, 0 or more.
    OlderThanDays(i64),
    NewerThanDays(i64),
}

impl Test {
    /// The operator, as rule packs name it.
    pub fn op(&self) -> Op {
        match self {
            Test::Eq(_) => Op::Eq,
            Test::Ne(_) => Op::Ne,
            Test::Lt(_) => Op::Lt,
            Test::Le(_) => Op::Le,
            Test::Gt(_) => Op::Gt,
            Test::Ge(_) => Op::Ge,
            Test::In(_) => Op::In,
            Test::NotIn(_) => Op::NotIn,
            Test::Glob(_) => Op::Glob,
            Test::NotGlob(_) => Op::NotGlob,
            Test::Empty => Op::Empty,
            Test::NotEmpty => Op::NotEmpty,
            Test::OlderThanDays(_) => Op::OlderThanDays,
            Test::NewerThanDays(_) => Op::NewerThanDays,
        }
    }

    /// The operand as text, with a leading space; empty for `empty` / `not-empty`.
    fn operand(&self) -> String {
        let list = |items: Vec<String>| format!(" [{}]", items.join(", "));
        match self {
            Test::Eq(l) | Test::Ne(l) => format!(" {}", show(l)),
            Test::Lt(n) | Test::Le(n) | Test::Gt(n) | Test::Ge(n) => format!(" {n}"),
            Test::OlderThanDays(d) | Test::NewerThanDays(d) => format!(" {d}"),
            Test::In(items) | Test::NotIn(items) => list(items.iter().map(show).collect()),
            Test::Glob(globs) | Test::NotGlob(globs) => {
                list(globs.patterns.iter().map(|p| format!("{p:?}")).collect())
            }
            Test::Empty | Test::NotEmpty => String::new(),
        }
    }
}

/// A validated `field op value` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: FieldName,
    pub test: Test,
}

impl Condition {
    /// Whether the condition holds for a field value at `now`.
    pub fn holds(&self, value: &FieldValue<'_>, now: i64) -> bool {
        use std::cmp::Ordering::Equal;
        let integer = match value {
            FieldValue::Integer(i) => Some(*i),
            _ => None,
        };
        match &self.test {
            Test::Eq(lit) => compare(lit, value) == Some(Equal),
            Test::Ne(lit) => compare(lit, value) != Some(Equal),
            Test::Lt(n) => integer.is_some_and(|v| v < *n),
            Test::Le(n) => integer.is_some_and(|v| v <= *n),
            Test::Gt(n) => integer.is_some_and(|v| v > *n),
            Test::Ge(n) => integer.is_some_and(|v| v >= *n),
            Test::In(list) => list.iter().any(|lit| compare(lit, value) == Some(Equal)),
            Test::NotIn(list) => !list.iter().any(|lit| compare(lit, value) == Some(Equal)),
            Test::Glob(globs) => globs.set.is_match(text_of(value)),
            Test::NotGlob(globs) => !globs.set.is_match(text_of(value)),
            Test::Empty => is_blank(value),
            Test::NotEmpty => !is_blank(value),
            Test::OlderThanDays(days) => self
                .age(integer, now)
                .is_some_and(|age| age > days.saturating_mul(DAY)),
            Test::NewerThanDays(days) => self
                .age(integer, now)
                .is_some_and(|age| age < days.saturating_mul(DAY)),
        }
    }

    /// How long ago a time field's value is; `None` for a key that never expires.
    fn age(&self, time: Option<i64>, now: i64) -> Option<i64> {
        let time = time?;
        if self.field == FieldName::ExpiredTime && time == -1 {
            return None;
        }
        Some(now.saturating_sub(time))
    }

    /// The condition as text, for messages (`group eq "auto"`).
    pub fn describe(&self) -> String {
        format!(
            "{} {}{}",
            self.field,
            self.test.op().as_str(),
            self.test.operand()
        )
    }
}

fn is_blank(value: &FieldValue<'_>) -> bool {
    match value {
        FieldValue::Null => true,
        FieldValue::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn text_of<'v>(value: &FieldValue<'v>) -> &'v str {
    match value {
        FieldValue::String(s) => s,
        _ => "",
    }
}

fn show(l: &Literal) -> String {
    match l {
        Literal::Integer(i) => i.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::String(s) => format!("{s:?}"),
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
    let value = key.field(condition.field);
    if condition.holds(&value, key.now) {
        let shown = match &value {
            FieldValue::Integer(i) => i.to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::String(s) => format!("{s:?}"),
            FieldValue::Null => "null".to_owned(),
            FieldValue::Setting(s) => serde_json::to_string(s).unwrap_or_default(),
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
    fn describe_writes_each_operand_as_a_rule_would() {
        let describe = |field: &str, op: &str, value: Option<toml::Value>| {
            Condition::compile(field, op, value.as_ref())
                .expect("compiles")
                .describe()
        };
        let list = toml::Value::Array(vec!["a".into(), "b*".into()]);
        assert_eq!(
            describe("group", "eq", Some("auto".into())),
            "group eq \"auto\""
        );
        assert_eq!(
            describe("remain_quota", "ge", Some(5.into())),
            "remain_quota ge 5"
        );
        assert_eq!(
            describe("group", "not-in", Some(list.clone())),
            "group not-in [\"a\", \"b*\"]"
        );
        assert_eq!(
            describe("name", "glob", Some("prod-*".into())),
            "name glob [\"prod-*\"]"
        );
        assert_eq!(
            describe("name", "not-glob", Some(list)),
            "name not-glob [\"a\", \"b*\"]"
        );
        assert_eq!(describe("allow_ips", "empty", None), "allow_ips empty");
        assert_eq!(
            describe("created_time", "older-than-days", Some(30.into())),
            "created_time older-than-days 30"
        );
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
}
