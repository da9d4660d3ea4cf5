//! `allow_ips` exactly as the gateway reads it (SPEC §4): split on `\n`, every ASCII space and
//! then surrounding whitespace removed, commas deleted, each entry an address, a CIDR or
//! nothing the gateway can use.

use std::borrow::Cow;
use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;

/// One line of `allow_ips` (split on `\n` only), as the gateway cleans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowLine<'a> {
    /// Byte range of the raw line in the `allow_ips` string.
    pub raw: Range<usize>,
    /// The line with every ASCII space removed and surrounding whitespace trimmed, commas kept.
    /// Borrowed from the `allow_ips` string unless the line held inner spaces.
    pub cleaned: Cow<'a, str>,
}

impl AllowLine<'_> {
    /// Whether the line holds a comma once leading and trailing commas are stripped: the
    /// gateway deletes commas, so `1.2.3.4,5.6.7.8` becomes one bogus entry.
    pub fn has_inner_comma(&self) -> bool {
        self.cleaned.trim_matches(',').contains(',')
    }
}

/// One `allow_ips` entry after normalisation, with what it parses to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry<'a> {
    /// The normalised entry text (spaces and commas deleted); borrowed from the `allow_ips`
    /// string unless normalising changed more than the line's ends.
    pub text: Cow<'a, str>,
    /// Index of the line it came from in [`AllowList::lines`].
    pub line: usize,
    pub parsed: ParsedEntry,
}

/// What an `allow_ips` entry is to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedEntry {
    /// A single address.
    Address(IpAddr),
    /// A CIDR, host bits kept as written.
    Cidr(IpNet),
    /// Neither: the gateway skips it.
    Invalid,
}

impl ParsedEntry {
    /// The set of addresses the entry admits, as a network with host bits cleared.
    pub fn network(&self) -> Option<IpNet> {
        match *self {
            ParsedEntry::Address(addr) => Some(IpNet::from(addr)),
            ParsedEntry::Cidr(net) => Some(net.trunc()),
            ParsedEntry::Invalid => None,
        }
    }
}

/// `allow_ips` as the gateway reads it (SPEC §4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList<'a> {
    /// Every raw line, including blank ones (entries refer to lines by index).
    pub lines: Vec<AllowLine<'a>>,
    /// The non-empty entries in order.
    pub entries: Vec<AllowEntry<'a>>,
}

impl<'a> AllowList<'a> {
    /// Reads `allow_ips`: `None` (JSON null) or a string that is empty once ASCII spaces are
    /// removed means no restriction (no entries).
    pub fn parse(raw: Option<&'a str>) -> AllowList<'a> {
        let Some(raw) = raw else {
            return AllowList::default();
        };
        if raw.bytes().all(|b| b == b' ') {
            return AllowList::default();
        }
        let line_count = raw.bytes().filter(|&b| b == b'\n').count() + 1;
        let mut list = AllowList {
            lines: Vec::with_capacity(line_count),
            entries: Vec::with_capacity(line_count),
        };
        let mut start = 0;
        for piece in raw.split('\n') {
            let range = start..start + piece.len();
            start = range.end + 1;
            let cleaned = clean_line(piece);
            let text = without_commas(&cleaned);
            let line = list.lines.len();
            if !text.is_empty() {
                let parsed = parse_entry(&text);
                list.entries.push(AllowEntry { text, line, parsed });
            }
            list.lines.push(AllowLine {
                raw: range,
                cleaned,
            });
        }
        list
    }

    /// Whether the list restricts nothing (no entries after normalisation).
    pub fn is_unrestricted(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A raw line with every ASCII space removed, then surrounding whitespace trimmed. Borrows the
/// line when it holds no space between other characters.
fn clean_line(piece: &str) -> Cow<'_, str> {
    let trimmed = piece.trim();
    if !trimmed.contains(' ') {
        // Removing spaces first and trimming after gives the same text: the spaces the trim
        // leaves in place are inner ones, and there are none.
        return Cow::Borrowed(trimmed);
    }
    let without_spaces: String = piece.chars().filter(|&c| c != ' ').collect();
    match without_spaces.trim() {
        t if t.len() == without_spaces.len() => Cow::Owned(without_spaces),
        t => Cow::Owned(t.to_owned()),
    }
}

/// An entry's text: the cleaned line with its commas deleted.
fn without_commas<'a>(cleaned: &Cow<'a, str>) -> Cow<'a, str> {
    match cleaned {
        c if c.contains(',') => Cow::Owned(c.chars().filter(|&c| c != ',').collect()),
        Cow::Borrowed(c) => Cow::Borrowed(c),
        Cow::Owned(c) => Cow::Owned(c.clone()),
    }
}

fn parse_entry(text: &str) -> ParsedEntry {
    if text.contains('/') {
        text.parse::<IpNet>()
            .map(ParsedEntry::Cidr)
            .unwrap_or(ParsedEntry::Invalid)
    } else {
        text.parse::<IpAddr>()
            .map(ParsedEntry::Address)
            .unwrap_or(ParsedEntry::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_clean_lines_like_the_gateway() {
        let raw = " 1.2.3.4 \n\t10.0.0.1,\n1 .2.3.4\n\n5.6.7.8, 9.9.9.9\r";
        let list = AllowList::parse(Some(raw));
        let cleaned: Vec<&str> = list.lines.iter().map(|l| l.cleaned.as_ref()).collect();
        assert_eq!(
            cleaned,
            ["1.2.3.4", "10.0.0.1,", "1.2.3.4", "", "5.6.7.8,9.9.9.9"]
        );
        let texts: Vec<(&str, usize)> = list
            .entries
            .iter()
            .map(|e| (e.text.as_ref(), e.line))
            .collect();
        assert_eq!(
            texts,
            [
                ("1.2.3.4", 0),
                ("10.0.0.1", 1),
                ("1.2.3.4", 2),
                ("5.6.7.89.9.9.9", 4)
            ]
        );
        assert_eq!(&raw[list.lines[4].raw.clone()], "5.6.7.8, 9.9.9.9\r");
        assert!(AllowList::parse(Some("   ")).is_unrestricted());
        assert!(AllowList::parse(None).is_unrestricted());
    }
}
