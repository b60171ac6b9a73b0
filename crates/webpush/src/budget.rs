//! How much plaintext fits in one Web Push message.
//!
//! RFC 8030 section 7.2 lets a push service refuse bodies over 4096 bytes.
//! An RFC 8291 body spends 86 bytes on its header (salt, record size, key-id
//! length and the 65-byte sender key), 1 on the record delimiter and 16 on
//! the AES-GCM tag, leaving 3993 bytes for plaintext and padding together.

use crate::ece::{FIXED_HEADER_LEN, TAG_LEN};
use crate::subscription::P256DH_LEN;

/// Largest encrypted body a push service must accept.
pub const MAX_BODY: usize = 4096;
/// Header length of an RFC 8291 body.
pub const HEADER_LEN: usize = FIXED_HEADER_LEN + P256DH_LEN;
/// Bytes an RFC 8291 body adds to the plaintext besides padding.
pub const OVERHEAD: usize = HEADER_LEN + 1 + TAG_LEN;
/// Largest plaintext that fits when no padding is added (3993).
pub const MAX_PLAINTEXT: usize = MAX_BODY - OVERHEAD;
/// Record size written in the header (RFC 8291 section 4 and RFC 8188).
pub const RECORD_SIZE: u32 = 4096;

/// Plaintext bytes that fit alongside `padding` bytes of padding.
pub const fn plaintext_budget(padding: usize) -> usize {
    MAX_PLAINTEXT.saturating_sub(padding)
}

/// Length of the encrypted body for a plaintext of `len` bytes and `padding`.
pub const fn encrypted_len(len: usize, padding: usize) -> usize {
    OVERHEAD + len + padding
}

/// Whether a plaintext of `len` bytes with `padding` fits in one message.
pub const fn fits(len: usize, padding: usize) -> bool {
    match len.checked_add(padding) {
        Some(total) => total <= MAX_PLAINTEXT,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_8291_section_4() {
        assert_eq!(HEADER_LEN, 86);
        assert_eq!(MAX_PLAINTEXT, 3993);
        assert_eq!(encrypted_len(MAX_PLAINTEXT, 0), MAX_BODY);
        assert!(fits(3993, 0));
        assert!(!fits(3993, 1));
        assert!(!fits(usize::MAX, 1));
        assert_eq!(plaintext_budget(100), 3893);
    }
}
