//! Short hex digests of SHA-256: the one way keylint hashes values, for a snapshot's
//! `key_sha256`, finding fingerprints and SARIF location hashes.

use sha2::{Digest, Sha256};

/// The first `bytes` bytes (at most 32) of the SHA-256 of `parts` joined by NUL bytes, as
/// lowercase hex. The separator keeps `("ab", "c")` and `("a", "bc")` apart.
pub fn sha256_hex(parts: &[&[u8]], bytes: usize) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update([0]);
        }
        hasher.update(part);
    }
    let digest = hasher.finalize();
    hex::encode(&digest[..bytes.min(digest.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_truncated_sha256_of_the_joined_parts() {
        // SHA-256("abc") begins ba7816bf8f01cfea.
        assert_eq!(sha256_hex(&[b"abc"], 8), "ba7816bf8f01cfea");
        assert_eq!(sha256_hex(&[b"a", b"bc"], 8), sha256_hex(&[b"a\0bc"], 8));
        assert_ne!(sha256_hex(&[b"a", b"bc"], 8), sha256_hex(&[b"ab", b"c"], 8));
        assert_eq!(sha256_hex(&[b"abc"], 16).len(), 32);
        assert_eq!(sha256_hex(&[b"abc"], 99).len(), 64);
    }
}
