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
//!
//! Checks declare their needs in new-api's vocabulary (`allow_ips`, `model_limits`); the
//! context knows the dialect the key came from and answers with that dialect's own fields
//! ([`Dialect::answering`]): [`KeyContext::ip`] and [`KeyContext::models`] are what the gateway
//! enforces, whatever it calls the fields.

#[cfg(test)]
use std::cell::Cell;
use std::cell::OnceCell;

use crate::inventory::dialect::{IpRestriction, ModelRestriction};
use crate::inventory::{
    CidrSupport, Dialect, EffectiveStatus, Field, FieldName, FieldState, FieldValue, KeyRecord,
    Restrictions,
};

/// One key as a check sees it.
pub struct KeyContext<'a> {
    pub record: &'a KeyRecord,
    pub status: EffectiveStatus,
    /// Evaluation time, unix seconds.
    pub now: i64,
    /// The dialect of the gateway the key came from.
    pub dialect: Dialect,
    /// Whether a new-api gateway honours CIDR allowlists.
    cidr: CidrSupport,
    /// Boxed: a context per key is kept while the inventory-wide rules run.
    restrictions: OnceCell<Box<Restrictions<'a>>>,
    /// The fields read through the accessors, one bit per [`FieldName`].
    #[cfg(test)]
    read: Cell<u32>,
}

impl<'a> KeyContext<'a> {
    /// A key of a new-api gateway (CIDR support read from the record).
    #[cfg(test)]
    pub fn new(record: &'a KeyRecord, now: i64) -> KeyContext<'a> {
        KeyContext::reading(record, now, Dialect::NewApi, CidrSupport::Auto)
    }

    /// A key of a gateway of `dialect`.
    pub fn reading(
        record: &'a KeyRecord,
        now: i64,
        dialect: Dialect,
        cidr: CidrSupport,
    ) -> KeyContext<'a> {
        KeyContext {
            record,
            status: record.effective_status(now),
            now,
            dialect,
            cidr,
            restrictions: OnceCell::new(),
            #[cfg(test)]
            read: Cell::new(0),
        }
    }

    /// The dialect whose field set the record is read with: a new-api record from before CIDR
    /// allowlists has the legacy fields (no `cross_group_retry`).
    pub fn fields_dialect(&self) -> Dialect {
        match self.dialect {
            Dialect::NewApi if !self.cidr.honoured(self.record) => Dialect::NewApiLegacy,
            d => d,
        }
    }

    /// Drops the computed restrictions, if any; the next [`KeyContext::ip`] computes them again.
    /// The engine calls it once a key's per-key rules have run, so the memory is reused for
    /// the next key instead of piling up.
    pub fn release_restrictions(&mut self) {
        self.restrictions.take();
    }

    fn restrictions(&self) -> &Restrictions<'a> {
        self.restrictions
            .get_or_init(|| Box::new(self.dialect.restrictions(self.record, self.cidr)))
    }

    /// Notes a read of the dialect's field that answers for `field`.
    fn note_answering(&self, field: FieldName) {
        if let Some(own) = self.dialect.answering(field) {
            self.note(own);
        }
    }

    /// The key's IP restriction as its gateway enforces it (needs `allow_ips`).
    pub fn ip(&self) -> &IpRestriction<'a> {
        self.note_answering(FieldName::AllowIps);
        &self.restrictions().ip
    }

    /// The key's model restriction as its gateway enforces it (needs `model_limits_enabled`
    /// and `model_limits`).
    pub fn models(&self) -> &ModelRestriction<'a> {
        self.note_answering(FieldName::ModelLimitsEnabled);
        self.note_answering(FieldName::ModelLimits);
        &self.restrictions().model
    }

    /// Whether a model list applies to the key at all (needs `model_limits_enabled` only):
    /// the switch where the dialect has one, a list that is not empty on one-api.
    pub fn model_limits_apply(&self) -> bool {
        match self.dialect {
            Dialect::NewApi | Dialect::NewApiLegacy => self.model_limits_enabled(),
            Dialect::OneApi | Dialect::OneApiLaisky => {
                self.note(FieldName::Models);
                self.record
                    .models
                    .get()
                    .and_then(|m| m.as_deref())
                    .is_some_and(|m| !m.is_empty())
            }
            Dialect::OneHub => {
                self.note(FieldName::Setting);
                self.record.setting.get().is_some_and(|s| s.model.enabled)
            }
        }
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
