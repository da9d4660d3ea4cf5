//! `--format html`: one self-contained page for a person doing a security review (SPEC §10).
//! It opens offline from disk: no network request, no external script, style or font; a
//! Content-Security-Policy meta tag ([`csp`]) allows only the page's own inline style and
//! script, by their SHA-256 hashes, and forbids every load.
//!
//! The page is written with `maud`, which escapes every interpolated value for HTML, so a key
//! named `<script>…` or `"><img src=x onerror=…>` shows as text. Values from the inventory or
//! the policy also go through [`crate::text::escape::escape`] first (control and bidi
//! characters become visible escapes) wherever they are shown, as in every other format; the
//! `data-rule` attributes the script filters on hold the rule id as the policy spells it. The
//! charts (`charts`) are inline SVG built the same way; the only markup that is not escaped
//! is the page's own style and script (`STYLE`, `SCRIPT`), constants of keylint. The
//! script reads what it filters and sorts from the table's own attributes: no data is embedded
//! in a script element, so no key name can end one.
//!
//! The page shows exactly the run's findings ([`super::Run::findings`], the same as the JSON
//! report), suppressed ones marked. Unlike the streaming formats, the page is built in memory
//! before it is written: a person reads it, so it is for inventories a person can read.

mod charts;
mod page;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::Run;

/// The page's stylesheet, inlined in a `<style>` element.
const STYLE: &str = include_str!("style.css");
/// The page's one script (filtering and sorting the findings table), inlined in a `<script>`.
const SCRIPT: &str = include_str!("script.js");

/// `'sha256-<base64>'`: a CSP source matching an inline element of exactly these bytes.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy: nothing loads, only the inline style and script run.
pub fn csp() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// Renders the HTML report.
pub fn render(run: &Run<'_>) -> String {
    page::page(run).into_string()
}

/// Writes the HTML report to `out`.
pub fn write(run: &Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(render(run).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_hashes_of_the_inline_style_and_script() {
        let policy = csp();
        assert!(policy.starts_with("default-src 'none'; "));
        assert!(policy.contains(&csp_hash(SCRIPT)));
        assert!(policy.contains(&csp_hash(STYLE)));
        // The SHA-256 of the empty string, as CSP spells it.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
        assert!(!policy.contains("unsafe"));
    }
}
