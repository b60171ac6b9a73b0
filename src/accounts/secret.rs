//! Random secrets and how they are kept: a session cookie, a CSRF token or
//! an API token is 32 random bytes (base64url) shown once; the database
//! keeps only its SHA-256, so a leaked database logs nobody in. The
//! generator and the hash are the ones reader subscription tokens use
//! ([`crate::subscriptions::token`]); comparisons of secrets a request presents
//! against expected values are constant-time.

use subtle::ConstantTimeEq;

pub use crate::subscriptions::token::{new_token as random_secret, token_hash as hash_secret};

/// Whether two secrets are equal, in time that does not depend on where
/// they differ (their lengths are not secret).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }
}
