//! One key as a check sees it: the record, its effective status, the evaluation time, and one
//! accessor per record field that a check reads.
//!
//! The engine runs a check on a key only when every field the check's kind declares in `needs`
//! is present and well-typed, so the accessors return values, not `Option`s: a check never
//! re-checks presence by hand. A field read without being declared would be skipped silently on
//! a record that lacks it; every read is therefore recorded in test builds, and the registry
//! test `checks_read_only_the_fields_they_declare` runs every check on records missing each
//! field and fails on any read of a field the check did not declare. (Outside that contract an
//! accessor gives the type's zero value; it never panics.)

#[cfg(test)]
use std::cell::Cell;
use std::cell::OnceCell;

use crate::inventory::{
    AllowList, EffectiveStatus, Field, FieldName, FieldState, FieldValue, KeyRecord,
};

/// One key as a check sees it.
pub struct KeyContext<'a> {
    pub record: &'a KeyRecord,
    pub status: EffectiveStatus,
    /// Evaluation time, unix seconds.
    pub now: i64,
    /// Boxed: a context per key is kept while the inventory-wide rules run.
    allow_list: OnceCell<Box<AllowList<'a>>>,
    /// The fields read through the accessors, one bit per [`FieldName`].
    #[cfg(test)]
    read: Cell<u32>,
}

impl<'a> KeyContext<'a> {
    pub fn new(record: &'a KeyRecord, now: i64) -> KeyContext<'a> {
        KeyContext {
            record,
            status: record.effective_status(now),
            now,
            allow_list: OnceCell::new(),
            #[cfg(test)]
            read: Cell::new(0),
        }
    }

    /// Drops the parsed `allow_ips`, if any; the next [`KeyContext::allow_list`] parses it again.
    /// The engine calls it once a key's per-key rules have run, so the memory is reused for
    /// the next key instead of piling up.
    pub fn release_allow_list(&mut self) {
        self.allow_list.take();
    }

    /// A field's value, noting the read in test builds.
    fn read<T>(&self, name: FieldName, field: &'a Field<T>) -> Option<&'a T> {
        self.note(name);
        field.get()
    }

    fn note(&self, name: FieldName) {
        #[cfg(test)]
        self.read.set(self.read.get() | 1 << name as u32);
        #[cfg(not(test))]
        let _ = name;
    }

    /// The fields read so far through the accessors.
    #[cfg(test)]
    pub fn fields_read(&self) -> Vec<FieldName> {
        FieldName::ALL
            .into_iter()
            .filter(|f| self.read.get() & (1 << *f as u32) != 0)
            .collect()
    }

    fn integer(&self, name: FieldName, field: &'a Field<i64>) -> i64 {
        self.read(name, field).copied().unwrap_or_default()
    }

    fn boolean(&self, name: FieldName, field: &'a Field<bool>) -> bool {
        self.read(name, field).copied().unwrap_or_default()
    }

    fn text(&self, name: FieldName, field: &'a Field<String>) -> &'a str {
        self.read(name, field).map_or("", String::as_str)
    }

    /// `status` as the gateway stores it (1 enabled, 2 disabled, 3 expired, 4 exhausted);
    /// [`KeyContext::status`] is the effective one.
    pub fn raw_status(&self) -> i64 {
        self.integer(FieldName::Status, &self.record.status)
    }

    pub fn name(&self) -> &'a str {
        self.text(FieldName::Name, &self.record.name)
    }

    pub fn created_time(&self) -> i64 {
        self.integer(FieldName::CreatedTime, &self.record.created_time)
    }

    pub fn accessed_time(&self) -> i64 {
        self.integer(FieldName::AccessedTime, &self.record.accessed_time)
    }

    /// `-1`: never expires.
    pub fn expired_time(&self) -> i64 {
        self.integer(FieldName::ExpiredTime, &self.record.expired_time)
    }

    pub fn remain_quota(&self) -> i64 {
        self.integer(FieldName::RemainQuota, &self.record.remain_quota)
    }

    pub fn unlimited_quota(&self) -> bool {
        self.boolean(FieldName::UnlimitedQuota, &self.record.unlimited_quota)
    }

    pub fn model_limits_enabled(&self) -> bool {
        self.boolean(
            FieldName::ModelLimitsEnabled,
            &self.record.model_limits_enabled,
        )
    }

    pub fn model_limits(&self) -> &'a str {
        self.text(FieldName::ModelLimits, &self.record.model_limits)
    }

    /// `allow_ips` as sent: `None` for JSON `null` (no restriction).
    pub fn allow_ips(&self) -> Option<&'a str> {
        self.read(FieldName::AllowIps, &self.record.allow_ips)
            .and_then(|v| v.as_deref())
    }

    /// `allow_ips` as the gateway reads it, parsed once per key on first use.
    pub fn allow_list(&self) -> &AllowList<'a> {
        let raw = self.allow_ips();
        self.allow_list
            .get_or_init(|| Box::new(AllowList::parse(raw)))
    }

    pub fn group(&self) -> &'a str {
        self.text(FieldName::Group, &self.record.group)
    }

    pub fn cross_group_retry(&self) -> bool {
        self.boolean(FieldName::CrossGroupRetry, &self.record.cross_group_retry)
    }

    /// Any field's value, for the `field` check (whose rule needs the field it names).
    pub fn field(&self, name: FieldName) -> FieldValue<'a> {
        self.note(name);
        match self.record.field(name) {
            FieldState::Present(value) => value,
            FieldState::Missing | FieldState::Mistyped(_) => FieldValue::Null,
        }
    }
}
