//! The size of the log as code scanning receives it: gzip-compressed, at most 10 MB an upload
//! (SPEC §7a). keylint measures it before writing, so that it never writes a log GitHub
//! would reject.
//!
//! # How the bound is kept
//!
//! The budget is [`GZIP_BUDGET`], 7.5 MB: a quarter below GitHub's 10 MB, and 10 MB once
//! base64-encoded (the REST API carries the gzip as base64), so the log fits whichever of the
//! two GitHub measures and whichever compressor the uploader uses.
//!
//! - A log of at most [`PROVEN_RAW`] bytes fits without measuring: deflate (zlib, and so
//!   `upload-sarif` and `gzip`) stores a block that does not compress, and zlib's own bound on
//!   its output (`deflateBound`: the input, plus 1/4096 and 1/16384 of it, plus 13 bytes, plus
//!   the 18 bytes of the gzip wrapper) stays below the budget. Such a log is kept in memory
//!   while it is measured and written from there.
//! - A larger log is compressed as it is serialized (deflate at the fast level, into a
//!   counter: nothing is kept), and its size plus the gzip wrapper compared with the budget.
//!   The fast level compresses less than the default level uploaders use (zlib level 6), so
//!   the measure errs on the large side; this is a measurement, not a proof, and the margin
//!   covers the difference.
//!
//! When the log is over the budget, the caller keeps fewer results ([`fewer_results`]) and
//! measures again.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// The most a log may weigh gzip-compressed, in bytes.
pub const GZIP_BUDGET: u64 = 7_500_000;

/// The gzip header and trailer around the deflate stream.
const GZIP_WRAPPER: u64 = 18;

/// A log of at most this many bytes compresses within [`GZIP_BUDGET`] with any deflate that
/// falls back to stored blocks (see the module header).
pub const PROVEN_RAW: u64 = GZIP_BUDGET - GZIP_BUDGET / 1024 - 64;

/// What measuring a log found.
pub enum Measured {
    /// The log fits without compressing it: here it is.
    Small(Vec<u8>),
    /// The log is larger: its gzip-compressed size, in bytes.
    Compressed(u64),
}

/// Measures the document `write` writes.
pub fn measure(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<Measured> {
    let mut meter = Meter::Buffering(Vec::new());
    write(&mut meter)?;
    Ok(match meter {
        Meter::Buffering(bytes) => Measured::Small(bytes),
        Meter::Compressing(encoder) => Measured::Compressed(encoder.finish()?.0 + GZIP_WRAPPER),
    })
}

/// How many results to try next when a log of `kept` results compressed to `size` bytes: the
/// share of them that fits, less a tenth for the estimate, and always fewer than before.
pub fn fewer_results(kept: usize, size: u64) -> usize {
    let kept_wide = u64::try_from(kept).unwrap_or(u64::MAX);
    let fitting = u128::from(kept_wide) * u128::from(GZIP_BUDGET) * 9 / (u128::from(size) * 10);
    usize::try_from(fitting)
        .unwrap_or(usize::MAX)
        .min(kept.saturating_sub(1))
}

/// Keeps the first [`PROVEN_RAW`] bytes; past them, compresses everything into a counter.
enum Meter {
    Buffering(Vec<u8>),
    Compressing(DeflateEncoder<Counter>),
}

impl Write for Meter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Meter::Buffering(buffer) => {
                buffer.extend_from_slice(bytes);
                if u64::try_from(buffer.len()).unwrap_or(u64::MAX) > PROVEN_RAW {
                    let buffered = std::mem::take(buffer);
                    let mut encoder = DeflateEncoder::new(Counter(0), Compression::fast());
                    encoder.write_all(&buffered)?;
                    *self = Meter::Compressing(encoder);
                }
                Ok(bytes.len())
            }
            Meter::Compressing(encoder) => encoder.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // A flush would end a deflate block and cost compression: nothing waits here.
        Ok(())
    }
}

/// Counts the bytes written to it.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_logs_are_kept_and_large_ones_compressed() {
        let small = measure(|out| out.write_all(b"{}\n")).unwrap();
        assert!(matches!(small, Measured::Small(bytes) if bytes == b"{}\n"));
        let large = measure(|out| {
            for _ in 0..1_000 {
                out.write_all(&[b'a'; 8_192])?;
            }
            Ok(())
        })
        .unwrap();
        assert!(matches!(large, Measured::Compressed(size) if size < 100_000));
    }

    #[test]
    fn fewer_results_always_shrinks() {
        assert_eq!(fewer_results(25_000, GZIP_BUDGET * 2), 11_250);
        assert_eq!(fewer_results(10, GZIP_BUDGET), 9);
        assert_eq!(fewer_results(1, GZIP_BUDGET + 1), 0);
        assert_eq!(fewer_results(0, GZIP_BUDGET + 1), 0);
    }
}
