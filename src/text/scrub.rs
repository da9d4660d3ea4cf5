//! The one secret scrubber. keylint never prints the access token, but a server message, a key
//! name or an argument pasted by mistake can carry it back; [`Scrubber`] replaces it by
//! `[redacted]` in everything keylint writes: stdout, stderr, report files, snapshots and the
//! GitHub step summary. It knows every token of the run (the environment's and the one read
//! from `--token-file`), and ignores values too short to be an access token (`null`, `x`, a CI
//! placeholder): replacing those would rewrite ordinary words and break reports, and they
//! grant nothing.
//!
//! [`redact_opaque_runs`] is for text from the network only (server messages, transport
//! errors): it also replaces anything shaped like an API key or a long opaque token.

use std::borrow::Cow;
use std::io::Write;

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this many bytes are not scrubbed: no gateway of the family issues an
/// access token that short.
pub const MIN_SECRET_BYTES: usize = 8;

/// The secrets of one run, and their replacement in text.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    /// A scrubber for these secrets (trimmed; blank and too short ones are left out).
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Scrubber {
        let mut scrubber = Scrubber::default();
        for secret in secrets {
            scrubber.add(secret.as_ref());
        }
        scrubber
    }

    /// Adds a secret (trimmed; ignored when too short to be a token).
    pub fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= MIN_SECRET_BYTES && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
    }

    /// `text` with every secret replaced by [`REDACTED`]; borrowed when it holds none.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
            }
        }
        text
    }

    /// `bytes` with every secret replaced; borrowed when they hold none.
    pub fn scrub_bytes<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(bytes);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => match self.scrub(text) {
                Cow::Borrowed(_) => Cow::Borrowed(bytes),
                Cow::Owned(text) => Cow::Owned(text.into_bytes()),
            },
            Err(_) => self.scrub_raw(bytes),
        }
    }

    /// [`Scrubber::scrub_bytes`] for bytes that are not UTF-8.
    fn scrub_raw<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        for secret in &self.secrets {
            let secret = secret.as_bytes();
            if !out.windows(secret.len()).any(|w| w == secret) {
                continue;
            }
            let mut replaced = Vec::with_capacity(out.len());
            let mut rest: &[u8] = &out;
            while let Some(at) = rest.windows(secret.len()).position(|w| w == secret) {
                replaced.extend_from_slice(&rest[..at]);
                replaced.extend_from_slice(REDACTED.as_bytes());
                rest = &rest[at + secret.len()..];
            }
            replaced.extend_from_slice(rest);
            out = Cow::Owned(replaced);
        }
        out
    }
}

/// A stream that scrubs what is written to it. keylint writes each report and message with one
/// `write_all` of a whole text (and formats a line's parts from whole strings), so a secret
/// cannot straddle two writes.
pub struct Scrubbing<'s, W> {
    inner: W,
    scrubber: &'s Scrubber,
}

impl<'s, W: Write> Scrubbing<'s, W> {
    pub fn new(inner: W, scrubber: &'s Scrubber) -> Self {
        Scrubbing { inner, scrubber }
    }
}

impl<W: Write> Write for Scrubbing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.scrubber.scrub_bytes(buf) {
            Cow::Borrowed(_) => self.inner.write(buf),
            Cow::Owned(scrubbed) => {
                self.inner.write_all(&scrubbed)?;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Replaces runs of key-like characters that start with `sk-` or are 32 characters or longer
/// by [`REDACTED`]: a server message may quote an API key, masked or not, or another token.
pub fn redact_opaque_runs(text: &str) -> String {
    fn key_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.' | '+' | '/' | '=')
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let looks_like_key = (run.starts_with("sk-") && run.len() >= 8) || run.len() >= 32;
        if looks_like_key {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if key_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The largest number of characters of a text from the network that keylint keeps.
pub const MAX_MESSAGE_CHARS: usize = 200;

/// Makes a text from the network (a server message, a `Location` header, a transport error)
/// safe to keep and show: every secret and anything shaped like an API key or a long opaque
/// token becomes [`REDACTED`], what must not reach a terminal is escaped
/// ([`crate::text::escape`]), and the length is capped at [`MAX_MESSAGE_CHARS`].
pub fn sanitize_message(text: &str, secrets: &[&str]) -> String {
    // Bound the work on hostile input before anything else.
    let text: String = text.chars().take(MAX_MESSAGE_CHARS * 8).collect();
    let text = Scrubber::new(secrets).scrub(&text).into_owned();
    crate::text::escape::escape_capped(&redact_opaque_runs(&text), MAX_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_every_secret_and_ignores_short_ones() {
        let scrubber = Scrubber::new([" tok3n-SECRET \n", "other-secret-2", "null", ""]);
        assert_eq!(
            scrubber.scrub("a tok3n-SECRET b other-secret-2 tok3n-SECRET"),
            "a [redacted] b [redacted] [redacted]"
        );
        assert!(matches!(scrubber.scrub("null and x"), Cow::Borrowed(_)));
        assert_eq!(
            scrubber.scrub_bytes(b"x tok3n-SECRET\xff").as_ref(),
            b"x [redacted]\xff"
        );
        assert_eq!(
            scrubber.scrub_bytes("é tok3n-SECRET".as_bytes()).as_ref(),
            "é [redacted]".as_bytes()
        );
        assert!(matches!(
            Scrubber::new(["1234567"]).scrub("1234567"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn scrubbing_streams_replace_secrets_in_each_write() {
        let scrubber = Scrubber::new(["tok3n-SECRET"]);
        let mut out = Vec::new();
        let mut stream = Scrubbing::new(&mut out, &scrubber);
        let token = String::from("tok3n-SECRET");
        write!(stream, "token {token} here").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "token [redacted] here");
    }

    #[test]
    fn opaque_runs_are_redacted() {
        assert_eq!(
            redact_opaque_runs("key sk-CANARYabcdef0123 leaked"),
            "key [redacted] leaked"
        );
        assert_eq!(
            redact_opaque_runs("masked sk-CANA**********wxyz here"),
            "masked [redacted] here"
        );
        assert_eq!(
            redact_opaque_runs(&format!("opaque {} end", "A".repeat(32))),
            "opaque [redacted] end"
        );
        assert_eq!(
            redact_opaque_runs(&format!("just {} under", "A".repeat(31))),
            format!("just {} under", "A".repeat(31))
        );
        assert_eq!(
            redact_opaque_runs("short ids 1234 sk-12 ok"),
            "short ids 1234 sk-12 ok"
        );
    }

    #[test]
    fn sanitize_escapes_controls_and_caps_length() {
        assert_eq!(
            sanitize_message("a\nb\u{1b}[31mc", &[]),
            "a\\nb\\u{001b}[31mc"
        );
        assert_eq!(sanitize_message("x\u{202e}y", &[]), "x\\u{202e}y");
        let long = "word ".repeat(100);
        let out = sanitize_message(&long, &[]);
        assert_eq!(out.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(out.ends_with('…'));
        assert_eq!(
            sanitize_message("无权进行此操作，access token 无效", &[]),
            "无权进行此操作，access token 无效"
        );
    }

    #[test]
    fn sanitize_redacts_secrets_and_key_shapes() {
        let out = sanitize_message("token tok3n-SECRET is bad", &["tok3n-SECRET"]);
        assert_eq!(out, "token [redacted] is bad");
        let out = sanitize_message("key sk-CANARYabcdef0123 leaked", &[]);
        assert_eq!(out, "key [redacted] leaked");
        let out = sanitize_message("masked sk-CANA**********wxyz here", &[]);
        assert_eq!(out, "masked [redacted] here");
        let out = sanitize_message(&format!("opaque {} end", "A".repeat(40)), &[]);
        assert_eq!(out, "opaque [redacted] end");
        assert_eq!(
            sanitize_message("short ids 1234 ok", &[]),
            "short ids 1234 ok"
        );
    }
}
