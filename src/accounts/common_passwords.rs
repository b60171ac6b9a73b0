//! The list of commonly used passwords a new password must not be in
//! (NIST SP 800-63B: breached and commonly used passwords): the most
//! common ones long enough to pass the length rule, compiled into the
//! binary as gzipped text and read once, on the first check. Where the
//! list comes from, its licence and how to rebuild it:
//! `src/accounts/common_passwords/SOURCE.md`.

use std::collections::HashSet;
use std::io::Read;
use std::sync::LazyLock;

/// The list as shipped: lowercase, one password a line, gzipped.
const COMPRESSED: &[u8] = include_bytes!("common_passwords/common-passwords.txt.gz");

/// The list, unpacked on first use (about 44,000 entries, 2 MB in memory).
static COMMON: LazyLock<HashSet<Box<str>>> = LazyLock::new(|| {
    let mut text = String::new();
    flate2::read::GzDecoder::new(COMPRESSED)
        .read_to_string(&mut text)
        .expect("the bundled password list is valid gzipped UTF-8 (checked by its unit test)");
    text.lines().map(Box::from).collect()
});

/// Whether `password`, ignoring case, is in the list.
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::password::MIN_PASSWORD_CHARS;

    #[test]
    fn the_list_unpacks_and_is_lowercase() {
        assert!(COMMON.len() > 40_000, "{} entries", COMMON.len());
        assert!(COMMON.iter().all(|p| p.to_lowercase() == **p));
    }

    #[test]
    fn the_list_starts_at_the_minimum_length() {
        // Shorter entries would be dead weight (the length rule refuses
        // them first); a longer shortest entry would mean the minimum was
        // lowered without regenerating the list (see SOURCE.md).
        let shortest = COMMON.iter().map(|p| p.chars().count()).min();
        assert_eq!(shortest, Some(MIN_PASSWORD_CHARS));
    }

    #[test]
    fn common_passwords_are_found_whatever_their_case() {
        for common in [
            "password1234",
            "PassWord1234",
            "qwertyuiop12",
            "123456789012",
        ] {
            assert!(is_common(common), "{common}");
        }
        for rare in ["correct horse battery staple", "tarn-pebble-quiet-otter"] {
            assert!(!is_common(rare), "{rare}");
        }
    }
}
