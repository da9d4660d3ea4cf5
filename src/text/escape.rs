//! The one escaper of untrusted text (key names, groups, allow_ips, model_limits, server
//! messages) before it reaches a terminal, a CI log or a report: control characters, the Unicode
//! characters that can reorder or hide text, and the noncharacters become visible `\u{..}`
//! escapes. [`is_unsafe`] is the one definition of what must not pass as is.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach a terminal, a log or a report as is: C0 and C1 controls
/// (DEL included), zero-width characters and directional marks, line and paragraph separators,
/// bidi embeddings, overrides and isolates, invisible operators, the byte order mark, and the
/// noncharacters (U+FDD0..U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF
/// and so on), which XML forbids and no text should hold.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width space, joiners, directional marks
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{206f}' // word joiner, invisible operators, bidi isolates
            | '\u{feff}'               // byte order mark
            | '\u{fdd0}'..='\u{fdef}') // noncharacters
        || (u32::from(c) & 0xfffe) == 0xfffe // U+FFFE, U+FFFF, U+1FFFE, ... U+10FFFF
}

/// `text` with every unsafe character escaped: `\n`, `\t`, `\r` stay readable, anything
/// else becomes `\u{XXXX}`. Borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape`] of each line of `text`: what is unsafe becomes visible, the line breaks stay (for a
/// message of several lines). Borrowed when nothing needed escaping.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] of at most the first `max_chars` characters of `text`, followed by `…` when
/// `text` is longer.
pub fn escape_capped(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (count, c) in text.chars().enumerate() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Appends one character, escaped when it is unsafe.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// `text` as a double-quoted literal with unsafe characters and quotes escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(escape("plain-name"), "plain-name");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\nb\tc\u{1b}[31m"), "a\\nb\\tc\\u{001b}[31m");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("\u{85}"), "\\u{0085}");
        assert_eq!(escape("\u{7f}"), "\\u{007f}");
        assert_eq!(escape("a\u{fffe}\u{ffff}b"), "a\\u{fffe}\\u{ffff}b");
        assert_eq!(escape("\u{1fffe}\u{10ffff}"), "\\u{1fffe}\\u{10ffff}");
        assert_eq!(escape("\u{fdd0}"), "\\u{fdd0}");
        assert_eq!(
            escape("\u{2069}\u{2064}\u{feff}"),
            "\\u{2069}\\u{2064}\\u{feff}"
        );
        // Text that merely looks unusual passes: letters, CJK, emoji, U+FFFD.
        assert_eq!(escape("ü名😀\u{fffd}\u{2070}"), "ü名😀\u{fffd}\u{2070}");
        assert_eq!(escape("back\\slash"), "back\\slash");
        assert_eq!(quote("a\\b"), "\"a\\\\b\"");
        assert_eq!(escape_capped("ab\u{1b}cd", 3), "ab\\u{001b}…");
        assert_eq!(escape_capped("abc", 3), "abc");
        assert_eq!(
            escape_lines("a\nb\u{1b}\u{7}\t"),
            "a\nb\\u{001b}\\u{0007}\\t"
        );
        assert!(matches!(escape_lines("a\nb"), Cow::Borrowed(_)));
        assert_eq!(quote("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
    }
}
