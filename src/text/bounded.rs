//! Bounded reads of the files and streams keylint is handed (inventories, policy files,
//! baselines, token files): input can be hostile, so no read is unbounded.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// Why a bounded read failed.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// The input holds more than the limit, in bytes.
    TooLarge(u64),
    NotUtf8,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::TooLarge(limit) if *limit >= 1024 * 1024 => {
                write!(f, "larger than {} MiB", limit / 1024 / 1024)
            }
            ReadError::TooLarge(limit) => write!(f, "larger than {} KiB", limit / 1024),
            ReadError::NotUtf8 => f.write_str("not UTF-8 text"),
        }
    }
}

/// Reads at most `limit` bytes; more is [`ReadError::TooLarge`]. `size_hint` pre-sizes the buffer.
pub fn read(reader: impl Read, limit: u64, size_hint: u64) -> Result<Vec<u8>, ReadError> {
    let capacity = usize::try_from(size_hint.min(limit)).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// Reads a whole file of at most `limit` bytes.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    read(file, limit, size)
}

/// Reads a whole UTF-8 text file of at most `limit` bytes.
pub fn read_text_file(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read_file(path, limit)?).map_err(|_| ReadError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_more() {
        assert_eq!(read(&b"12345"[..], 5, 0).unwrap(), b"12345");
        assert!(matches!(
            read(&b"123456"[..], 5, 0),
            Err(ReadError::TooLarge(5))
        ));
        assert_eq!(
            ReadError::TooLarge(4 * 1024 * 1024).to_string(),
            "larger than 4 MiB"
        );
        assert_eq!(
            ReadError::TooLarge(64 * 1024).to_string(),
            "larger than 64 KiB"
        );
    }

    #[test]
    fn text_files_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_text_file(&path, 10), Err(ReadError::NotUtf8)));
        assert!(matches!(
            read_text_file(&dir.path().join("missing"), 10),
            Err(ReadError::Io(_))
        ));
    }
}
