//! Where a finding points in the files of the repository: the definition of its rule (the rule
//! pack and the line of its `id`), or for a finding about a waiver (KL002, KL003) the policy
//! file and the line of the `[[waiver]]` header. Rules built into keylint (KL0xx, which no pack
//! defines) and any definition without a known file point at [`DEFAULT_PACK_PATH`] line 1, the
//! default pack's path in the keylint repository.
//!
//! A key is not a file, but code scanning and GitLab Code Quality both need a file and a line:
//! SARIF's `physicalLocation` takes the file as a URI reference ([`Definition::uri`]), GitLab's
//! `location` as a plain relative path ([`Definition::path`]). Both come from the one
//! [`Definition`] of a finding, so the two reports always name the same file and line.

use std::borrow::Cow;
use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::FindingView;
use crate::policy::{DEFAULT_PACK_PATH, Origin, Rule};

/// The file and line a finding points at (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition<'a> {
    /// The file as the policy names it (a pack path as given on the command line or in the
    /// config), or [`DEFAULT_PACK_PATH`].
    pub file: &'a str,
    /// 1-based.
    pub line: usize,
}

impl<'a> Definition<'a> {
    /// Where a rule is defined, or the default pack's first line for rules that no pack defines.
    pub fn of_rule(rule: &'a Rule) -> Self {
        Self::of_origin(&rule.origin)
    }

    /// A definition in a policy file (a rule, or a waiver), or the default pack's first line
    /// when it has no file.
    pub fn of_origin(origin: &'a Origin) -> Self {
        match origin.file.as_deref() {
            Some(file) if !file.is_empty() => Definition {
                file,
                line: origin.line.max(1),
            },
            _ => Definition {
                file: DEFAULT_PACK_PATH,
                line: 1,
            },
        }
    }

    /// The file as a URI reference, for SARIF's `artifactLocation.uri` ([`artifact_uri`]).
    pub fn uri(&self) -> String {
        artifact_uri(self.file)
    }

    /// The file as a plain path, for GitLab's `location.path`: forward slashes, no leading
    /// `./`, nothing encoded. A relative path stays relative (to the directory keylint ran in,
    /// normally the repository root in CI); an absolute one stays absolute.
    pub fn path(&self) -> String {
        let path = forward_slashes(self.file);
        without_dot_prefix(&path).to_owned()
    }
}

impl<'a> FindingView<'a> {
    /// Where the finding points: its waiver's definition for a finding about a waiver, else its
    /// rule's.
    pub fn definition(&self) -> Definition<'a> {
        match self.waiver() {
            Some(waiver) => Definition::of_origin(&waiver.origin),
            None => Definition::of_rule(self.rule),
        }
    }
}

/// What a relative pack path keeps unencoded in a URI reference: unreserved characters and `/`.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A pack path as a URI reference: relative paths stay relative (forward slashes, no leading
/// `./`, anything but unreserved characters and `/` percent-encoded), absolute paths become
/// `file://` URIs.
pub fn artifact_uri(path: &str) -> String {
    let path = forward_slashes(path);
    if Path::new(path.as_ref()).is_absolute()
        && let Ok(uri) = Url::from_file_path(path.as_ref())
    {
        return uri.into();
    }
    utf8_percent_encode(without_dot_prefix(&path), PATH_SEGMENT).to_string()
}

/// On Windows, the path with `/` for `\`; elsewhere the path itself.
fn forward_slashes(path: &str) -> Cow<'_, str> {
    if cfg!(windows) {
        Cow::Owned(path.replace('\\', "/"))
    } else {
        Cow::Borrowed(path)
    }
}

/// The path without leading `./` (and the slashes after one).
fn without_dot_prefix(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_uri_references() {
        assert_eq!(artifact_uri("rules/default.toml"), "rules/default.toml");
        assert_eq!(artifact_uri("./policy/acme.toml"), "policy/acme.toml");
        assert_eq!(artifact_uri(".//a.toml"), "a.toml");
        assert_eq!(artifact_uri("my rules/a:b.toml"), "my%20rules/a%3Ab.toml");
        assert_eq!(
            artifact_uri("/etc/keylint/ä.toml"),
            "file:///etc/keylint/%C3%A4.toml"
        );
        assert_eq!(artifact_uri("../shared/p.toml"), "../shared/p.toml");
        assert_eq!(
            artifact_uri("/etc/my rules/p#1.toml"),
            "file:///etc/my%20rules/p%231.toml"
        );
        assert_eq!(artifact_uri("a%b?.toml"), "a%25b%3F.toml");
    }

    #[test]
    fn paths_are_plain_and_name_the_same_file_as_the_uri() {
        let at = |file: &'static str| Definition { file, line: 3 };
        assert_eq!(at("./policy/acme.toml").path(), "policy/acme.toml");
        assert_eq!(at(".//a.toml").path(), "a.toml");
        assert_eq!(at("my rules/a:b.toml").path(), "my rules/a:b.toml");
        assert_eq!(at("/etc/keylint/p.toml").path(), "/etc/keylint/p.toml");
        assert_eq!(
            at("rules/default.toml").path(),
            at("rules/default.toml").uri()
        );
    }

    #[test]
    fn rules_without_a_pack_point_at_the_default_pack() {
        let mut rule = crate::policy::load_policy(&crate::policy::PolicyOptions {
            default_rules: true,
            packs: Vec::new(),
        })
        .expect("default policy")
        .rules
        .remove(0);
        assert_eq!(rule.origin.file, None);
        let definition = Definition::of_rule(&rule);
        assert_eq!(
            (definition.file, definition.line),
            ("rules/default.toml", 1)
        );
        rule.origin = Origin {
            file: Some("packs/acme.toml".into()),
            line: 12,
        };
        let definition = Definition::of_rule(&rule);
        assert_eq!(
            (definition.uri(), definition.line),
            ("packs/acme.toml".into(), 12)
        );
        rule.origin.file = Some(String::new());
        assert_eq!(Definition::of_rule(&rule).file, DEFAULT_PACK_PATH);
    }
}
