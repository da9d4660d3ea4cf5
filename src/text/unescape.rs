//! Undoing the encodings a secret may travel in, for the scrubber ([`crate::text::scrub`]): a
//! copy of a text with one level of percent-encoding, backslash escapes (JSON, Markdown,
//! [`crate::text::escape`]) and XML entities decoded, zero-width characters dropped and ASCII
//! case folded, which maps every byte back to the bytes of the original it came from. Linear
//! in the text.

/// The bytes that start an encoded character ([`normalise`]): `%`, `\`, `&`, and the first
/// byte of the zero-width characters and the byte order mark (U+200B.., U+2060.., U+FEFF), and of
/// the soft hyphen (U+00AD).
const ENCODING_BYTES: &[u8] = b"%\\&\xe2\xef\xc2";

/// Whether `bytes` may hold an encoded character.
pub(crate) fn has_encodings(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| ENCODING_BYTES.contains(b))
}

/// The zero-width characters that can split a secret without showing.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}')
}

/// A text with one level of encoding undone and ASCII case folded, and the way back to the
/// bytes of the original.
pub(crate) struct Normalised {
    pub(crate) text: Vec<u8>,
    /// Every place the text differs from the original: (start in `text`, length in `text`,
    /// start in the original, length in the original), in order. Bytes between two units are
    /// copied one to one.
    units: Vec<(usize, usize, usize, usize)>,
}

impl Normalised {
    /// The range of the original that `text[start..end]` came from, whole units included.
    pub(crate) fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.original(start).0, self.original(end - 1).1)
    }

    /// `span` of the original, widened to whole units where it begins or ends inside one.
    pub(crate) fn widen(&self, (mut start, mut end): (usize, usize)) -> (usize, usize) {
        let inside = |at: usize| {
            let index = self.units.partition_point(|unit| unit.2 < at);
            let (_, _, unit_start, len) = *self.units.get(index.checked_sub(1)?)?;
            (at < unit_start + len).then_some((unit_start, unit_start + len))
        };
        if let Some((unit_start, _)) = inside(start) {
            start = unit_start;
        }
        if let Some((_, unit_end)) = inside(end) {
            end = unit_end;
        }
        (start, end)
    }

    /// The range of the original that the byte `text[at]` came from.
    fn original(&self, at: usize) -> (usize, usize) {
        let index = self.units.partition_point(|unit| unit.0 <= at);
        let Some(&(text_start, text_len, start, len)) =
            index.checked_sub(1).map(|i| &self.units[i])
        else {
            return (at, at + 1);
        };
        if at < text_start + text_len {
            (start, start + len)
        } else {
            let copied = start + len + (at - text_start - text_len);
            (copied, copied + 1)
        }
    }
}

/// Undoes one level of the encodings a secret may travel in, in one pass: `%XX`; the
/// backslash escapes of JSON (`\"`, `\\`, `\n`, `\uXXXX`), of Markdown (`\|`) and of
/// [`crate::text::escape`] (`\u{200b}`); the XML entities (`&lt;`, `&#60;`, `&#x3c;`); drops
/// zero-width characters; and folds ASCII case.
pub(crate) fn normalise(bytes: &[u8]) -> Normalised {
    let mut normal = Normalised {
        text: Vec::with_capacity(bytes.len()),
        units: Vec::new(),
    };
    let mut at = 0;
    while at < bytes.len() {
        let decoded = match bytes[at] {
            b'%' => percent(&bytes[at..]).map(|(byte, len)| (Decoded::Byte(byte), len)),
            b'\\' => backslash(&bytes[at..]).map(|(c, len)| (Decoded::Char(c), len)),
            b'&' => entity(&bytes[at..]).map(|(c, len)| (Decoded::Char(c), len)),
            0xc2 | 0xe2 | 0xef => zero_width(&bytes[at..]).map(|len| (Decoded::Nothing, len)),
            _ => None,
        };
        match decoded {
            Some((decoded, len)) => {
                let text_start = normal.text.len();
                match decoded {
                    Decoded::Byte(byte) => normal.text.push(byte.to_ascii_lowercase()),
                    Decoded::Char(c) if is_zero_width(c) => {}
                    Decoded::Char(c) => {
                        let mut buf = [0; 4];
                        let encoded = c.to_ascii_lowercase().encode_utf8(&mut buf);
                        normal.text.extend_from_slice(encoded.as_bytes());
                    }
                    Decoded::Nothing => {}
                }
                let text_len = normal.text.len() - text_start;
                normal.units.push((text_start, text_len, at, len));
                at += len;
            }
            None => {
                normal.text.push(bytes[at].to_ascii_lowercase());
                at += 1;
            }
        }
    }
    normal
}

/// What one encoded sequence stands for.
enum Decoded {
    Byte(u8),
    Char(char),
    Nothing,
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(digits).ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// `%XX`: the byte and the length of the sequence.
fn percent(bytes: &[u8]) -> Option<(u8, usize)> {
    let value = hex_value(bytes.get(1..3)?)?;
    Some((u8::try_from(value).ok()?, 3))
}

/// A backslash escape: the character and the length of the sequence.
fn backslash(bytes: &[u8]) -> Option<(char, usize)> {
    let next = *bytes.get(1)?;
    let simple = match next {
        b'n' => Some('\n'),
        b't' => Some('\t'),
        b'r' => Some('\r'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'u' => None,
        c if c.is_ascii_punctuation() => Some(char::from(c)),
        _ => return None,
    };
    if let Some(c) = simple {
        return Some((c, 2));
    }
    if bytes.get(2) == Some(&b'{') {
        let close = bytes.iter().take(10).position(|&b| b == b'}')?;
        let c = char::from_u32(hex_value(&bytes[3..close])?)?;
        return Some((c, close + 1));
    }
    let unit = hex_value(bytes.get(2..6)?)?;
    if (0xd800..0xdc00).contains(&unit) && bytes.get(6..8) == Some(b"\\u") {
        let low = hex_value(bytes.get(8..12)?)?;
        if (0xdc00..0xe000).contains(&low) {
            let c = char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))?;
            return Some((c, 12));
        }
    }
    Some((char::from_u32(unit)?, 6))
}

/// An XML entity: the character and the length of the sequence.
fn entity(bytes: &[u8]) -> Option<(char, usize)> {
    let close = bytes.iter().take(12).position(|&b| b == b';')?;
    let name = &bytes[1..close];
    let c = match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x' | b'X', hex @ ..] => char::from_u32(hex_value(hex)?)?,
        [b'#', decimal @ ..] => char::from_u32(std::str::from_utf8(decimal).ok()?.parse().ok()?)?,
        _ => return None,
    };
    Some((c, close + 1))
}

/// The length of the zero-width character that starts `bytes`, if one does.
fn zero_width(bytes: &[u8]) -> Option<usize> {
    let len = match bytes[0] {
        0xc2 => 2,
        _ => 3,
    };
    let c = std::str::from_utf8(bytes.get(..len)?)
        .ok()?
        .chars()
        .next()?;
    is_zero_width(c).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_one_level_and_maps_back() {
        let text = br#"a%2Fb\"c&lt;D\u{200b}e\u00e9f"#;
        let normal = normalise(text);
        assert_eq!(normal.text, "a/b\"c<de\u{e9}f".as_bytes());
        // `/` came from `%2F`, `<` from `&lt;`, `é` from `\u00e9`; `e` follows the dropped
        // zero-width escape.
        assert_eq!(normal.original_span(1, 2), (1, 4));
        assert_eq!(normal.original_span(5, 6), (8, 12));
        assert_eq!(normal.original_span(6, 8), (12, 22));
        assert_eq!(normal.original_span(8, 10), (22, 28));
        assert!(!has_encodings(b"plain text"));
        assert_eq!(
            normalise(b"50% \\q &bogus; %zz").text,
            b"50% \\q &bogus; %zz"
        );
    }
}
