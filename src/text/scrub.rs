//! The one secret scrubber. keylint never prints the access token, but a server message, a key
//! name or an argument pasted by mistake can carry it back; [`Scrubber`] replaces it by
//! `[redacted]` in everything keylint writes: stdout, stderr, report files, snapshots and the
//! GitHub step summary. It knows every token of the run (the environment's and the one read
//! from `--token-file`), and ignores values too short to be an access token (`null`, `x`, a CI
//! placeholder): replacing those would rewrite ordinary words and break reports, and they
//! grant nothing.
//!
//! A secret is found in any ASCII case and in the encodings it may travel in: percent-encoded,
//! JSON-, Markdown- or XML-escaped (once or twice), split by zero-width characters
//! (`text::unescape`). What is replaced is always whole escape sequences, and
//! [`REDACTED`] needs no escaping in JSON, XML or Markdown, so scrubbing an encoded report keeps
//! it well-formed.
//!
//! Whatever the secrets of the run, anything shaped like a full API key (`sk-` and at least
//! [`MIN_KEY_BODY`] letters and digits) is replaced too: a key value keylint read as a key is
//! never kept, but a gateway or a user may put one into a key name.
//!
//! [`redact_opaque_runs`] is for text from the network only (server messages, transport
//! errors): it also replaces anything shaped like an API key or a long opaque token.

use std::borrow::Cow;
use std::io::Write;

use crate::text::unescape::{has_encodings, normalise};

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this many bytes are not scrubbed: no gateway of the family issues an
/// access token that short.
pub const MIN_SECRET_BYTES: usize = 8;

/// The fewest ASCII letters and digits after `sk-` that make an API key: real keys have 48,
/// masked ones (`sk-abcd**********wxyz`) and names such as `sk-prod` far fewer.
pub const MIN_KEY_BODY: usize = 32;

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

    /// `text` with every secret replaced by [`REDACTED`]; borrowed when it holds none. A secret
    /// is found in any ASCII case, and also when the text carries it encoded
    /// (`text::unescape`): percent-encoded, JSON-, Markdown- or XML-escaped, or split by
    /// zero-width characters. The whole encoded form is replaced, so an escape sequence is
    /// never cut in two and an encoded document stays well-formed.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let spans = self.secret_spans(text.as_bytes());
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (mut start, mut end) in spans {
            // A percent-decoded secret may match from inside a character: replace it whole.
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            out.push_str(&text[at..start.max(at)]);
            out.push_str(REDACTED);
            at = end.max(at);
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// `bytes` with every secret replaced as [`Scrubber::scrub`] does; borrowed when they hold
    /// none.
    pub fn scrub_bytes<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        let spans = self.secret_spans(bytes);
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (start, end) in spans {
            out.extend_from_slice(&bytes[at..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            at = end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// The byte ranges of `bytes` that hold a secret or an API key, sorted and merged.
    fn secret_spans(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut spans: Vec<_> = key_spans(bytes).collect();
        if self.secrets.is_empty() {
            return merge(spans);
        }
        let folded = bytes.to_ascii_lowercase();
        for secret in &self.secrets {
            let needle = secret.to_ascii_lowercase();
            spans.extend(find_all(&folded, needle.as_bytes()).map(|at| (at, at + needle.len())));
        }
        if !has_encodings(bytes) {
            return merge(spans);
        }
        // Once decoded, and decoded again: a report escapes a name that was escaped for
        // display (`\\u{200b}` in JSON is `\u{200b}` in the name, a zero-width space).
        let once = normalise(bytes);
        // A secret found as it is may begin or end inside an escape (`n...` in `\n...`):
        // replace the whole escape, never half of it.
        for span in &mut spans {
            *span = once.widen(*span);
        }
        let twice = has_encodings(&once.text).then(|| normalise(&once.text));
        for secret in &self.secrets {
            let raw = secret.to_ascii_lowercase();
            let decoded = normalise(secret.as_bytes()).text;
            for needle in [raw.as_bytes(), &decoded] {
                if needle.len() < MIN_SECRET_BYTES {
                    continue;
                }
                for at in find_all(&once.text, needle) {
                    spans.push(once.original_span(at, at + needle.len()));
                }
                if let Some(twice) = &twice {
                    for at in find_all(&twice.text, needle) {
                        let (start, end) = twice.original_span(at, at + needle.len());
                        spans.push(once.original_span(start, end));
                    }
                }
            }
        }
        merge(spans)
    }
}

/// The byte ranges of `bytes` shaped like a full API key: `sk-` in any case, then at least
/// [`MIN_KEY_BODY`] ASCII letters and digits (the whole run is the key).
fn key_spans(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    // Found from each `-`, which is rarer than the bytes between.
    memchr::memchr_iter(b'-', bytes).filter_map(move |dash| {
        let at = dash.checked_sub(2)?;
        if !bytes[at..dash].eq_ignore_ascii_case(b"sk") {
            return None;
        }
        let body = bytes[dash + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        (body >= MIN_KEY_BODY).then_some((at, dash + 1 + body))
    })
}

/// Every start of `needle` in `haystack`, left to right, without overlaps, in linear time
/// (Knuth–Morris–Pratt).
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    // fallback[i]: the length of the longest proper border of needle[..=i].
    let mut fallback = vec![0; needle.len()];
    let mut border = 0;
    for i in 1..needle.len() {
        while border > 0 && needle[i] != needle[border] {
            border = fallback[border - 1];
        }
        if needle[i] == needle[border] {
            border += 1;
        }
        fallback[i] = border;
    }
    let mut matched = 0;
    let mut position = 0;
    std::iter::from_fn(move || {
        if needle.is_empty() {
            return None;
        }
        while position < haystack.len() {
            let byte = haystack[position];
            position += 1;
            while matched > 0 && byte != needle[matched] {
                matched = fallback[matched - 1];
            }
            if byte == needle[matched] {
                matched += 1;
            }
            if matched == needle.len() {
                matched = 0;
                return Some(position - needle.len());
            }
        }
        None
    })
}

/// Sorts the spans and merges the ones that overlap or touch.
fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// A stream that scrubs what is written to it. It holds what it is given until a line is
/// complete, and scrubs whole lines, so a secret is seen whole however the writer splits its
/// output (serde and quick-xml write a document in many small pieces). Complete lines are passed
/// on in chunks of about [`CHUNK_BYTES`], or line by line for a stream a person watches
/// ([`Scrubbing::line_by_line`]); `flush` (and dropping the stream) passes on the rest. What is
/// held is bounded by the longest line of the output.
pub struct Scrubbing<'s, W: Write> {
    inner: W,
    scrubber: &'s Scrubber,
    pending: Vec<u8>,
    /// Pass on complete lines once this many bytes are held.
    hold_bytes: usize,
}

/// How much a [`Scrubbing`] stream gathers before it scrubs and passes on complete lines.
pub const CHUNK_BYTES: usize = 64 * 1024;

impl<'s, W: Write> Scrubbing<'s, W> {
    /// A stream that passes on complete lines in chunks: for reports and files.
    pub fn new(inner: W, scrubber: &'s Scrubber) -> Self {
        Scrubbing {
            inner,
            scrubber,
            pending: Vec::with_capacity(CHUNK_BYTES),
            hold_bytes: CHUNK_BYTES,
        }
    }

    /// A stream that passes on each line as soon as it is complete: for a terminal, and for
    /// stderr.
    pub fn line_by_line(inner: W, scrubber: &'s Scrubber) -> Self {
        Scrubbing {
            inner,
            scrubber,
            pending: Vec::new(),
            hold_bytes: 1,
        }
    }

    /// Scrubs and passes on the first `len` bytes held.
    fn pass_on(&mut self, len: usize) -> std::io::Result<()> {
        if len > 0 {
            let scrubbed = self.scrubber.scrub_bytes(&self.pending[..len]);
            self.inner.write_all(&scrubbed)?;
            self.pending.drain(..len);
        }
        Ok(())
    }
}

impl<W: Write> Write for Scrubbing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // The last line break held, if any, is in `buf`: only `buf` is searched, so a long line
        // written in many pieces costs no more than a short one.
        if self.pending.len() >= self.hold_bytes
            && let Some(at) = memchr::memrchr(b'\n', buf)
        {
            self.pass_on(self.pending.len() - buf.len() + at + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.pass_on(self.pending.len())?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Scrubbing<'_, W> {
    fn drop(&mut self) {
        // Whatever was not flushed yet; an error has nowhere to go here.
        let _ = self.flush();
    }
}

/// Replaces what is shaped like an API key or a long opaque token in runs of key-like
/// characters by [`REDACTED`]: a run 32 characters or longer whole, and in a shorter run
/// whatever follows an `sk-` (any case) anywhere in it, when that is 8 characters or more
/// (`k=sk-abc123` becomes `k=[redacted]`). A server message may quote an API key, masked or
/// not, or another token.
pub fn redact_opaque_runs(text: &str) -> String {
    fn key_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.' | '+' | '/' | '=')
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let key_at = run.to_ascii_lowercase().find("sk-");
        match key_at {
            _ if run.len() >= 32 => out.push_str(REDACTED),
            Some(at) if run.len() - at >= 8 => {
                out.push_str(&run[..at]);
                out.push_str(REDACTED);
            }
            _ => out.push_str(run),
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
/// ([`crate::text::escape::escape`]), and the length is capped at [`MAX_MESSAGE_CHARS`].
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
    fn replaces_full_api_keys_without_any_secret() {
        let key = format!("sk-{}", "aB3".repeat(16));
        let scrubber = Scrubber::default();
        assert_eq!(
            scrubber.scrub(&format!("key {key}, k={}!", key.to_uppercase())),
            "key [redacted], k=[redacted]!"
        );
        for kept in ["sk-abcd**********wxyz", "sk-prod-deploy", "risk-free"] {
            assert!(matches!(scrubber.scrub(kept), Cow::Borrowed(_)), "{kept}");
        }
        let json = format!("{{\"name\":\"{key}\"}}");
        assert_eq!(
            scrubber.scrub_bytes(json.as_bytes()).as_ref(),
            b"{\"name\":\"[redacted]\"}"
        );
    }

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
    fn scrubs_encoded_case_folded_and_split_secrets() {
        let scrubber = Scrubber::new(["Tok3n/SECRET+x"]);
        for text in [
            "a TOK3N/SECRET+X b",
            "a tok3n%2FSECRET%2bx b",
            "a tok3n\u{200b}/SEC\u{2060}RET+x b",
            "a tok3n\\u{200b}/SECRET+x b",
            "a tok3n\\/SECRET\\u002bx b",
            "a tok3n\\\\u{200b}/SECRET%252Bx b",
        ] {
            assert_eq!(scrubber.scrub(text), "a [redacted] b", "{text}");
        }
        // The split and encoded forms are replaced whole, nothing of them is left.
        assert_eq!(
            scrubber
                .scrub_bytes(b"x Tok3n\xef\xbb\xbf/SECRET+x\xff")
                .as_ref(),
            b"x [redacted]\xff"
        );
        // A percent-decoded secret that matches from inside a character takes the character.
        assert_eq!(
            Scrubber::new(["%80abcdefgh"]).scrub("x\u{140}abcdefgh %"),
            "x[redacted] %"
        );
        // A secret found as it is inside an escape takes the whole escape.
        let json = r#"["\nabcdefgh\u0041bcdefgh1"]"#;
        let scrubbed = Scrubber::new(["nabcdefgh", "abcdefgh1"])
            .scrub(json)
            .into_owned();
        assert_eq!(scrubbed, r#"["[redacted]"]"#);
        let xml = "<a>&amp;bcdefghi</a>";
        assert_eq!(
            Scrubber::new(["amp;bcdefghi"]).scrub(xml),
            "<a>[redacted]</a>"
        );
        // Text that holds no secret is left as it is, encodings and all.
        for text in ["50% of %zz \\q &amp; &bogus; \u{200b}", "tok3n%2FSECRE"] {
            assert!(matches!(scrubber.scrub(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn scrubs_secrets_as_json_and_xml_carry_them() {
        let token = "tok\"<&\\en-SECRET";
        let scrubber = Scrubber::new([token]);
        let json = serde_json::to_string(&serde_json::json!({ "name": token })).unwrap();
        let scrubbed = scrubber.scrub(&json);
        assert_eq!(scrubbed, r#"{"name":"[redacted]"}"#);
        let xml = r#"<t n="tok&quot;&lt;&amp;\en-SECRET">tok&#34;&#x3C;&amp;\en-secret</t>"#;
        assert_eq!(scrubber.scrub(xml), r#"<t n="[redacted]">[redacted]</t>"#);
        let markdown = r#"| tok\"<&\\en-SECRET |"#;
        assert_eq!(scrubber.scrub(markdown), "| [redacted] |");
        // What replaces a secret needs no escaping in any format.
        assert!(!REDACTED.contains(['"', '\\', '<', '>', '&', '\'', '|', '`', '%']));
    }

    #[test]
    fn scrubbing_streams_see_a_secret_whole_however_it_is_written() {
        let scrubber = Scrubber::new(["tok3n-SECRET"]);
        let text = "token tok3n-SECRET here\nand sk-abcdefghijklmnopqrstuvwxyz0123456789 too\n";
        let expected = "token [redacted] here\nand [redacted] too\n";
        for piece in [1, 2, 3, 7, 64] {
            for line_by_line in [false, true] {
                let mut out = Vec::new();
                {
                    let mut stream = if line_by_line {
                        Scrubbing::line_by_line(&mut out, &scrubber)
                    } else {
                        Scrubbing::new(&mut out, &scrubber)
                    };
                    for chunk in text.as_bytes().chunks(piece) {
                        stream.write_all(chunk).unwrap();
                    }
                    stream.flush().unwrap();
                }
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{piece}");
            }
        }
    }

    #[test]
    fn scrubbing_streams_pass_on_lines_as_promised() {
        let scrubber = Scrubber::new(["tok3n-SECRET"]);
        let mut out = Vec::new();
        let mut stream = Scrubbing::line_by_line(&mut out, &scrubber);
        stream.write_all(b"first line\nsecond tok3n-").unwrap();
        // The complete line is out; the incomplete one, which may hold a secret, is held.
        drop(stream);
        assert_eq!(String::from_utf8(out).unwrap(), "first line\nsecond tok3n-");
        let mut out = Vec::new();
        let mut stream = Scrubbing::new(&mut out, &scrubber);
        stream.write_all(b"short\n").unwrap();
        assert!(
            stream.pending.len() == 6,
            "a chunked stream holds short output"
        );
        stream.write_all(&vec![b'x'; CHUNK_BYTES]).unwrap();
        stream.write_all(b"\nrest").unwrap();
        assert_eq!(
            stream.pending, b"rest",
            "complete lines pass once a chunk is held"
        );
        drop(stream);
        assert_eq!(
            out.len(),
            6 + CHUNK_BYTES + 1 + 4,
            "dropping the stream passes the rest"
        );
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
            redact_opaque_runs("url ?a=1&k=sk-abc123&b=2 and SK-ABCDEF12"),
            "url ?a=1&k=[redacted]&b=2 and [redacted]"
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
