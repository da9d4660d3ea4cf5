//! keylint's own diagnostics (KL0xx) as check kinds of the closed registry: they have a name,
//! a long documentation and a default rule like every other kind, but the engine (KL001) and
//! the waiver pass (KL002, KL003) produce their findings, so no rule pack can name them in
//! `check = "..."`.

use super::{CheckKind, Eval, Own};
use crate::eval::finding::Severity;

/// KL001: a record lacks fields that other rules need.
pub static INCOMPLETE_RECORD: CheckKind = CheckKind {
    name: "incomplete-record",
    doc: INCOMPLETE_RECORD_DOC,
    params: &[],
    needs: &[],
    eval: Eval::Own(Own::IncompleteRecord),
};

/// KL002: a waiver's `expires` date has passed.
pub static EXPIRED_WAIVER: CheckKind = CheckKind {
    name: "expired-waiver",
    doc: EXPIRED_WAIVER_DOC,
    params: &[],
    needs: &[],
    eval: Eval::Own(Own::ExpiredWaiver),
};

/// KL003: a waiver matched no finding.
pub static UNUSED_WAIVER: CheckKind = CheckKind {
    name: "unused-waiver",
    doc: UNUSED_WAIVER_DOC,
    params: &[],
    needs: &[],
    eval: Eval::Own(Own::UnusedWaiver),
};

/// The default rule of one of keylint's own diagnostics.
pub struct OwnRule {
    pub id: &'static str,
    pub kind: &'static CheckKind,
    pub severity: Severity,
    pub summary: &'static str,
    pub help: &'static str,
}

/// keylint's own rules, which exist whatever files are loaded.
pub static OWN_RULES: [OwnRule; 3] = [
    OwnRule {
        id: "KL001",
        kind: &INCOMPLETE_RECORD,
        severity: Severity::Error,
        summary: "Key record lacks fields that the rules need",
        help: "Check --base-url and the input file; rules that need a missing field were not evaluated for this key.",
    },
    OwnRule {
        id: "KL002",
        kind: &EXPIRED_WAIVER,
        severity: Severity::Warning,
        summary: "Waiver past its expiry date",
        help: "Fix the keys and delete the waiver, or renew it with a new expires date in a reviewed change.",
    },
    OwnRule {
        id: "KL003",
        kind: &UNUSED_WAIVER,
        severity: Severity::Warning,
        summary: "Waiver that matched no finding",
        help: "Delete the waiver, or correct its rules, keys or ids.",
    },
];

const INCOMPLETE_RECORD_DOC: &str = "\
## What it does

Reports a key whose record lacks `status`, or lacks (or holds a wrongly typed value in) a
field that an enabled rule applying to the key needs. One finding per key lists every such
field. The rules that need a missing field are not evaluated for that key, so without this
finding a gap in the data would look like a clean key.

## Why it matters

keylint reads what the list API returns. A gateway version that renames or drops a field, a
proxy that rewrites the response, or a hand-edited snapshot can leave fields out; a linter that
skipped them silently would pass keys it never checked.

## How to fix

Check that `--base-url` points at a gateway of the new-api / one-api family and that the
snapshot or response file was not edited. Fetch again with `keylint fetch -o snapshot.json` and
compare. If the gateway really does not return the field, switch off the rules that need it in
your policy (they cannot be checked), or re-level KL001.

## Example

```json
{ \"id\": 1234, \"name\": \"ci-deploy\", \"status\": 1, \"expired_time\": \"never\" }
```

fires `KL001 incomplete-record` listing `expired_time (string, expected integer)`, and the
expiry rules are not evaluated for the key.
";

const EXPIRED_WAIVER_DOC: &str = "\
## What it does

Reports a `[[waiver]]` whose `expires` date has passed. A waiver is valid through the end of its
`expires` day (UTC, evaluated against `--now`); after that it no longer applies, so the findings it
waived count again, and this finding says why they came back. One finding per expired waiver,
located at the waiver in the policy file.

## Why it matters

A waiver is a time-boxed exception that someone granted for a reason. When the time is up, the
exception must be looked at again: either the keys were fixed and the waiver can go, or the
exception is renewed, reviewed like any change to the policy.

## How to fix

Fix the keys the waiver covered and delete the waiver; or, if the exception still stands, set a
new `expires` date (and update the `reason`) in a reviewed change to `keylint.toml`.

## Example

```toml
[[waiver]]
rules = [\"KL301\"]
keys = [\"ci-runner-*\"]
reason = \"CI runners have no fixed egress (SEC-142)\"
owner = \"platform-team\"
expires = \"2027-03-31\"
```

run with `--now 2027-04-01T00:00:00Z` (or later) fires `KL002 expired-waiver` at the waiver,
and the KL301 findings of the `ci-runner-*` keys fail the run again.
";

const UNUSED_WAIVER_DOC: &str = "\
## What it does

Reports a `[[waiver]]` that matched no finding in this run: none of its `rules` fired on any of
the keys it names. Expired waivers are reported by KL002 instead, and a waiver whose rules were
all switched off in this run (by `--select`, `--ignore` or the config) is not judged. One
finding per unused waiver, located at the waiver in the policy file.

## Why it matters

Waivers outlive the problems they were written for: the key was fixed, renamed or deleted, and the
waiver stays behind, ready to hide the next problem on a key that happens to match. Stale
waivers should be cleaned up.

## How to fix

Delete the waiver if the keys are fixed or gone. If it should still apply, correct its `rules`
(ids or names), `keys` (name globs) or `ids`: `keylint check --format json` lists the findings
with their rule ids, key ids and names.

## Example

```toml
[[waiver]]
rules = [\"no-ip-allowlist\"]
keys = [\"ci-runer-*\"]   # a typo: matches no key
reason = \"CI runners have no fixed egress (SEC-142)\"
```

fires `KL003 unused-waiver` at the waiver.
";
