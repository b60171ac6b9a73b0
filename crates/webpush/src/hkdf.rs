//! HKDF-SHA-256 (RFC 5869) for outputs of at most one block (32 bytes).
//!
//! Web Push derives a 32-byte IKM, a 16-byte key and a 12-byte nonce base,
//! each a single HMAC block. Built on `aws_lc_rs::hmac` so the extracted PRK
//! is keyed once and reused for several expansions (aws-lc-rs's own `hkdf`
//! repeats the extract step for every expansion). This is on the per-message
//! path, where every microsecond counts against the ECDH floor.

use aws_lc_rs::hmac;

/// Length of one SHA-256 output block.
pub const BLOCK: usize = 32;

/// HKDF-Extract: the pseudorandom key, ready to key HKDF-Expand.
pub fn extract(salt: &[u8], ikm: &[u8]) -> hmac::Key {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref())
}

/// HKDF-Expand for `out.len()` ≤ 32 bytes, `info` given in parts.
///
/// Longer outputs are a programming error: debug builds assert, release
/// builds write the first 32 bytes only.
pub fn expand(prk: &hmac::Key, info: &[&[u8]], out: &mut [u8]) {
    debug_assert!(out.len() <= BLOCK, "single-block HKDF only");
    let mut ctx = hmac::Context::with_key(prk);
    for part in info {
        ctx.update(part);
    }
    ctx.update(&[1]);
    let tag = ctx.sign();
    let n = out.len().min(BLOCK);
    out[..n].copy_from_slice(&tag.as_ref()[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn rfc5869_test_case_1() {
        let prk = extract(&hex("000102030405060708090a0b0c"), &[0x0b; 22]);
        let mut okm = [0u8; 32];
        expand(&prk, &[&hex("f0f1f2f3f4"), &hex("f5f6f7f8f9")], &mut okm);
        assert_eq!(
            okm.to_vec(),
            hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")
        );
    }
}
