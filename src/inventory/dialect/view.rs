//! The normalised view of a key's restrictions: what the gateway that sent the record will
//! enforce, whatever its dialect calls the fields. The rules ask their questions of this view
//! (SPEC §4, "The same questions on every dialect"), so a rule means the same on every gateway.

use std::ops::Range;

use super::Dialect;
use crate::inventory::record::FieldName;
use crate::inventory::setting::{IP_PATH, MODEL_PATH};
use crate::inventory::{AllowEntry, AllowLine, ParsedEntry};

/// Both restrictions of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restrictions<'r> {
    pub ip: IpRestriction<'r>,
    pub model: ModelRestriction<'r>,
}

/// The key's IP restriction as the gateway enforces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpRestriction<'r> {
    pub dialect: Dialect,
    /// The record field that holds it: `allow_ips`, `subnet` or `setting`.
    pub field: FieldName,
    /// The lines as listed: `allow_ips` lines, `subnet` pieces, whitelist items (for one-hub,
    /// line `i` is `whitelist[i]` and its `raw` range is within that item).
    pub lines: Vec<AllowLine<'r>>,
    /// The non-empty entries, each with what the gateway does with it.
    pub entries: Vec<IpEntry<'r>>,
    /// Whether the gateway deletes commas inside a line (the `allow_ips` dialects), so that
    /// `1.2.3.4,5.6.7.8` becomes one bogus entry.
    pub deletes_commas: bool,
    /// Whether the gateway matches CIDR entries (all but the legacy reading of `allow_ips`).
    pub honours_cidr: bool,
    pub outcome: IpOutcome,
}

/// One entry of an IP restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpEntry<'r> {
    pub entry: AllowEntry<'r>,
    pub fate: IpFate,
}

/// What the gateway does with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFate {
    /// Matched against the client address.
    Enforced,
    /// Neither an address nor a CIDR the gateway reads: skipped (new-api), dropped (legacy),
    /// rejected on save (one-api) or stored and never matched (one-hub).
    Unreadable,
    /// A CIDR on a gateway that keeps single addresses only: dropped.
    CidrDropped,
    /// An address compared with the client's as text, written in a form the client address
    /// never takes (`2001:DB8::1`, `::ffff:1.2.3.4`): kept, never matches.
    NeverMatches,
}

/// What an IP restriction amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpOutcome {
    /// Nothing is configured: every address is admitted.
    Unrestricted,
    /// Entries or a switch say "restricted", but the gateway ignores them: every address is
    /// admitted.
    Ignored(Ignored),
    /// Some entries are enforced.
    Restricted,
    /// Entries are enforced and none can admit anything: every request is denied.
    DeniesAll,
}

impl IpOutcome {
    /// The outcome of a list in force: open when it has no entries, restricted while one
    /// entry is enforced, else denying everything.
    pub(super) fn of_entries(entries: &[IpEntry<'_>]) -> IpOutcome {
        if entries.is_empty() {
            IpOutcome::Unrestricted
        } else if entries.iter().any(|e| e.fate == IpFate::Enforced) {
            IpOutcome::Restricted
        } else {
            IpOutcome::DeniesAll
        }
    }
}

/// Why a gateway ignores an allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// new-api-legacy: no entry is a single address, and an empty result means unrestricted.
    NoSingleAddress,
    /// one-hub: the whitelist holds entries but its switch is off.
    SwitchedOff,
    /// one-hub: the switch is on but the whitelist is empty.
    EnabledEmpty,
}

impl IpRestriction<'_> {
    /// The entries the gateway enforces.
    pub fn enforced(&self) -> impl Iterator<Item = &IpEntry<'_>> {
        self.entries.iter().filter(|e| e.fate == IpFate::Enforced)
    }

    /// Whether the list is in force (entry-level rules apply only then).
    pub fn in_force(&self) -> bool {
        matches!(self.outcome, IpOutcome::Restricted | IpOutcome::DeniesAll)
    }

    /// How findings name line `line`: `allow_ips`, `subnet`, or
    /// `setting.limits.limits_ip_setting.whitelist[2]`.
    pub fn line_path(&self, line: usize) -> String {
        ip_line_path(self.field, line)
    }

    /// How findings name the restriction as a whole.
    pub fn path(&self) -> &'static str {
        match self.field {
            FieldName::Setting => IP_PATH,
            other => other.as_str(),
        }
    }
}

/// How findings name line `line` of the IP restriction held in `field`.
pub fn ip_line_path(field: FieldName, line: usize) -> String {
    match field {
        FieldName::Setting => format!("{IP_PATH}.whitelist[{line}]"),
        other => other.as_str().to_owned(),
    }
}

/// How findings name entry `index` of the model restriction held in `field`.
pub fn model_entry_path(field: FieldName, index: usize) -> String {
    match field {
        FieldName::Setting => format!("{MODEL_PATH}.models[{index}]"),
        other => other.as_str().to_owned(),
    }
}

/// The key's model restriction as the gateway enforces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRestriction<'r> {
    pub dialect: Dialect,
    /// The record field that holds the list: `model_limits`, `models` or `setting`.
    pub field: FieldName,
    /// The field of the switch, where there is one (`model_limits_enabled`, `setting`).
    pub switch_field: Option<FieldName>,
    /// The entries as the gateway splits them (for a list held in a string, only when the
    /// list is in force).
    pub entries: Vec<ModelEntryView<'r>>,
    /// The list as sent, for the dialects that hold it in a string.
    pub raw: Option<&'r str>,
    pub outcome: ModelOutcome,
}

/// One entry of a model list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntryView<'r> {
    pub text: &'r str,
    /// Position in the list.
    pub index: usize,
    /// Byte range in the field's string, for the lists held in a string.
    pub range: Option<Range<usize>>,
}

impl ModelEntryView<'_> {
    /// Non-empty with no surrounding whitespace: the only kind of entry that can match a model.
    pub fn is_usable(&self) -> bool {
        !self.text.is_empty() && self.text.trim() == self.text
    }
}

/// What a model restriction amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOutcome {
    /// No list applies: every model is allowed.
    Unrestricted,
    /// A list is written but its switch is off: every model is allowed.
    Ignored,
    /// The list is in force and some entry can match.
    Restricted,
    /// The list is in force and no entry can match: every model request is denied.
    DeniesAll,
}

impl ModelRestriction<'_> {
    /// Builds the view of a list in force from its entries.
    pub(super) fn in_force<'r>(
        dialect: Dialect,
        field: FieldName,
        switch_field: Option<FieldName>,
        entries: Vec<ModelEntryView<'r>>,
        raw: Option<&'r str>,
    ) -> ModelRestriction<'r> {
        let outcome = if entries.iter().any(ModelEntryView::is_usable) {
            ModelOutcome::Restricted
        } else {
            ModelOutcome::DeniesAll
        };
        ModelRestriction {
            dialect,
            field,
            switch_field,
            entries,
            raw,
            outcome,
        }
    }

    /// The list as evidence: the string as sent, or one-hub's items joined by `,`.
    pub fn list_text(&self) -> String {
        match self.raw {
            Some(raw) => raw.to_owned(),
            None => {
                let texts: Vec<&str> = self.entries.iter().map(|e| e.text).collect();
                texts.join(",")
            }
        }
    }

    /// How findings name the restriction as a whole.
    pub fn path(&self) -> &'static str {
        match self.field {
            FieldName::Setting => MODEL_PATH,
            other => other.as_str(),
        }
    }

    /// How findings name the switch (or the list, where there is none).
    pub fn switch_path(&self) -> &'static str {
        match self.switch_field {
            Some(FieldName::Setting) => MODEL_PATH,
            Some(other) => other.as_str(),
            None => self.path(),
        }
    }
}

/// The form in which a client address reaches the gateway, for an address entry.
pub fn canonical_text(entry: &AllowEntry<'_>) -> Option<String> {
    match entry.parsed {
        ParsedEntry::Address(addr) => Some(canonical(addr).to_string()),
        _ => None,
    }
}

fn canonical(addr: std::net::IpAddr) -> std::net::IpAddr {
    match addr {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `text` is the form in which a client address reaches a gateway that compares
/// addresses as text (Go's canonical form): `2001:db8::1`, not `2001:DB8::1` or
/// `2001:db8:0::1`.
pub(super) fn is_canonical_address(entry: &AllowEntry<'_>) -> bool {
    match entry.parsed {
        ParsedEntry::Address(addr) => canonical(addr).to_string() == entry.text,
        _ => false,
    }
}
