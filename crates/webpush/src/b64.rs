//! Base64url helpers shared by the crate.
//!
//! Browsers hand out keys as unpadded base64url, some tools add `=` padding,
//! and a few older ones use the standard alphabet. Decoding accepts all of
//! these; encoding always produces unpadded base64url, the form RFC 8291 and
//! RFC 8292 use on the wire.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url (or standard base64) with or without `=` padding.
///
/// Returns `None` on any malformed input; callers turn that into an error
/// that names the field.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim().trim_end_matches('=');
    if trimmed.contains(['+', '/']) {
        STANDARD_NO_PAD.decode(trimmed).ok()
    } else {
        URL_SAFE_NO_PAD.decode(trimmed).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_padded_and_unpadded() {
        assert_eq!(decode("AQID").as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(decode("AQI=").as_deref(), Some(&[1u8, 2][..]));
        assert_eq!(decode("AQI").as_deref(), Some(&[1u8, 2][..]));
        assert_eq!(decode("-_8").as_deref(), Some(&[0xfbu8, 0xff][..]));
        assert_eq!(decode("+/8").as_deref(), Some(&[0xfbu8, 0xff][..]));
        assert_eq!(decode("*"), None);
    }

    #[test]
    fn encodes_unpadded_url_safe() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }
}
