//! Compiling a `field` rule's `field`, `op` and `value` into a typed [`Condition`]: each
//! operator accepts only fields and values of matching types, and the error says which
//! parameter is wrong.

use toml::Value;

use super::{Condition, Globs, Literal, Op, Test};
use crate::inventory::{FieldName, FieldType};
use crate::text::suggest::did_you_mean;

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

type Compiled<T> = Result<T, ConditionError>;

/// The field a condition reads, with its name as written for messages.
struct Operand<'a> {
    field: FieldName,
    written: &'a str,
    ftype: FieldType,
}

impl Condition {
    /// Compiles `field`, `op` and `value` from a rule's parameters; `value` is `None` when absent.
    pub fn compile(field: &str, op: &str, value: Option<&Value>) -> Compiled<Condition> {
        let field_name = lookup_field(field)?;
        let op = lookup_op(op)?;
        let on = Operand {
            field: field_name,
            written: field,
            ftype: field_name.field_type(),
        };
        let test = match op {
            Op::Empty | Op::NotEmpty => emptiness(op, &on, value)?,
            Op::OlderThanDays | Op::NewerThanDays => days(op, &on, value)?,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => ordering(op, &on, value)?,
            Op::Eq => Test::Eq(literal(require(value, op)?, &on)?),
            Op::Ne => Test::Ne(literal(require(value, op)?, &on)?),
            Op::In | Op::NotIn => membership(op, &on, value)?,
            Op::Glob | Op::NotGlob => globs(op, &on, value)?,
        };
        Ok(Condition {
            field: field_name,
            test,
        })
    }
}

fn lookup_field(field: &str) -> Compiled<FieldName> {
    FieldName::from_name(field)
        .filter(|f| *f != FieldName::Key)
        .ok_or_else(|| {
            let valid: Vec<&str> = FieldName::ALL
                .iter()
                .filter(|f| **f != FieldName::Key)
                .map(|f| f.as_str())
                .collect();
            let err = ConditionError::new(Param::Field, format!("unknown field `{field}`"));
            match did_you_mean(field, valid.iter().copied()) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None => err.help(format!("valid fields: {}", valid.join(", "))),
            }
        })
}

fn lookup_op(op: &str) -> Compiled<Op> {
    Op::from_name(op).ok_or_else(|| {
        let names: Vec<&str> = Op::ALL.iter().map(|o| o.as_str()).collect();
        let err = ConditionError::new(Param::Op, format!("unknown operator `{op}`"));
        match did_you_mean(op, names.iter().copied()) {
            Some(s) => err.help(format!("did you mean `{s}`?")),
            None => err.help(format!("valid operators: {}", names.join(", "))),
        }
    })
}

fn is_text(ftype: FieldType) -> bool {
    matches!(ftype, FieldType::String | FieldType::NullableString)
}

/// `empty` / `not-empty`: string fields, no value.
fn emptiness(op: Op, on: &Operand<'_>, value: Option<&Value>) -> Compiled<Test> {
    let name = op.as_str();
    if !is_text(on.ftype) {
        return Err(ConditionError::new(
            Param::Op,
            format!(
                "`{name}` applies to string fields, and `{}` is {}",
                on.written,
                type_name(on.ftype)
            ),
        ));
    }
    if value.is_some() {
        return Err(ConditionError::new(
            Param::Value,
            format!("`{name}` takes no value"),
        ));
    }
    Ok(if op == Op::Empty {
        Test::Empty
    } else {
        Test::NotEmpty
    })
}

/// `older-than-days` / `newer-than-days`: time fields, whole days.
fn days(op: Op, on: &Operand<'_>, value: Option<&Value>) -> Compiled<Test> {
    let name = op.as_str();
    if !on.field.is_time() {
        return Err(ConditionError::new(
            Param::Op,
            format!(
                "`{name}` applies to time fields, and `{}` is not one",
                on.written
            ),
        )
        .help("time fields: created_time, accessed_time, expired_time"));
    }
    match require(value, op)? {
        Value::Integer(days) if *days >= 0 => Ok(if op == Op::OlderThanDays {
            Test::OlderThanDays(*days)
        } else {
            Test::NewerThanDays(*days)
        }),
        other => Err(ConditionError::new(
            Param::Value,
            format!(
                "`{name}` needs a whole number of days (0 or more), found {}",
                describe(other)
            ),
        )),
    }
}

/// `lt`, `le`, `gt`, `ge`: integer fields, an integer.
fn ordering(op: Op, on: &Operand<'_>, value: Option<&Value>) -> Compiled<Test> {
    if on.ftype != FieldType::Integer {
        return Err(ConditionError::new(
            Param::Op,
            format!(
                "`{}` compares numbers, and `{}` is {}",
                op.as_str(),
                on.written,
                type_name(on.ftype)
            ),
        ));
    }
    let n = match require(value, op)? {
        Value::Integer(n) => *n,
        other => return Err(mismatch(on, other)),
    };
    Ok(match op {
        Op::Lt => Test::Lt(n),
        Op::Le => Test::Le(n),
        Op::Gt => Test::Gt(n),
        _ => Test::Ge(n),
    })
}

/// `in` / `not-in`: an array of the field's type.
fn membership(op: Op, on: &Operand<'_>, value: Option<&Value>) -> Compiled<Test> {
    let items = match require(value, op)? {
        Value::Array(items) => items,
        other => {
            return Err(ConditionError::new(
                Param::Value,
                format!(
                    "`{}` needs an array, found {}",
                    op.as_str(),
                    toml_type(other)
                ),
            ));
        }
    };
    let literals = items
        .iter()
        .map(|item| literal(item, on))
        .collect::<Compiled<Vec<_>>>()?;
    Ok(if op == Op::In {
        Test::In(literals)
    } else {
        Test::NotIn(literals)
    })
}

/// `glob` / `not-glob`: string fields, a glob or an array of globs.
fn globs(op: Op, on: &Operand<'_>, value: Option<&Value>) -> Compiled<Test> {
    let name = op.as_str();
    if !is_text(on.ftype) {
        return Err(ConditionError::new(
            Param::Op,
            format!(
                "`{name}` matches text, and `{}` is {}",
                on.written,
                type_name(on.ftype)
            ),
        ));
    }
    let patterns: Vec<String> = match require(value, op)? {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(ConditionError::new(
                    Param::Value,
                    format!("glob patterns are strings, found {}", toml_type(other)),
                )),
            })
            .collect::<Compiled<_>>()?,
        other => {
            return Err(ConditionError::new(
                Param::Value,
                format!(
                    "`{name}` needs a glob or an array of globs, found {}",
                    toml_type(other)
                ),
            ));
        }
    };
    let globs = Globs::new(patterns).map_err(|(pattern, e)| {
        ConditionError::new(
            Param::Value,
            format!("invalid glob `{pattern}`: {}", e.kind()),
        )
    })?;
    Ok(if op == Op::Glob {
        Test::Glob(globs)
    } else {
        Test::NotGlob(globs)
    })
}

fn type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer => "an integer",
        FieldType::Bool => "a boolean",
        FieldType::String => "a string",
        FieldType::NullableString => "a string or null",
        FieldType::Setting => "an object",
    }
}

fn toml_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Integer(i) => i.to_string(),
        other => toml_type(other).to_owned(),
    }
}

fn require(value: Option<&Value>, op: Op) -> Compiled<&Value> {
    value.ok_or_else(|| {
        ConditionError::new(Param::Value, format!("`{}` needs a `value`", op.as_str()))
    })
}

fn literal(value: &Value, on: &Operand<'_>) -> Compiled<Literal> {
    match (on.ftype, value) {
        (FieldType::Integer, Value::Integer(i)) => Ok(Literal::Integer(*i)),
        (FieldType::Bool, Value::Boolean(b)) => Ok(Literal::Bool(*b)),
        (FieldType::String | FieldType::NullableString, Value::String(s)) => {
            Ok(Literal::String(s.clone()))
        }
        (_, other) => Err(mismatch(on, other)),
    }
}

/// A value whose type is not the field's.
fn mismatch(on: &Operand<'_>, value: &Value) -> ConditionError {
    ConditionError::new(
        Param::Value,
        format!(
            "`{}` is {}, but the value is {}",
            on.written,
            type_name(on.ftype),
            toml_type(value)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
