//! Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 6 digits, 30-second
//! steps, accepting the step before and after the current one for clock
//! drift. Pure functions; the caller remembers the last step used so that a
//! code is good only once.

use data_encoding::BASE32_NOPAD;
use totp_lite::{Sha1, totp_custom};

use super::secret::same_secret;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;

/// Digits in a code.
pub const DIGITS: u32 = 6;

/// Steps either side of now that are still accepted.
const DRIFT_STEPS: i64 = 1;

/// A new shared secret: 20 random bytes (RFC 4226's recommendation for
/// SHA-1), in base32 without padding, as authenticator apps take it.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    Ok(BASE32_NOPAD.encode(&bytes))
}

/// The time step `unix_seconds` falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code of `digits` digits for `key` at time step `step`.
fn code(key: &[u8], digits: u32, step: i64) -> String {
    let time = u64::try_from(step.max(0)).unwrap_or(0) * STEP_SECONDS as u64;
    totp_custom::<Sha1>(STEP_SECONDS as u64, digits, key, time)
}

/// The 6-digit code for the base32 `secret` at `unix_seconds`; `None` when
/// the secret is not base32.
pub fn code_at(secret: &str, unix_seconds: i64) -> Option<String> {
    let key = BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    Some(code(&key, DIGITS, step_at(unix_seconds)))
}

/// The time step whose code `submitted` is (spaces ignored), within one step
/// of `now`; `None` when it is no such code.
pub fn matching_step(secret: &str, submitted: &str, now: i64) -> Option<i64> {
    let submitted: String = submitted.chars().filter(|c| !c.is_whitespace()).collect();
    if submitted.len() != DIGITS as usize || !submitted.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    let current = step_at(now);
    (current - DRIFT_STEPS..=current + DRIFT_STEPS)
        .find(|step| same_secret(&code(&key, DIGITS, *step), &submitted))
}

/// The `otpauth://` URI authenticator apps read (usually from a QR code):
/// the account is labelled `issuer:account`.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let encode = |text: &str| -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(issuer),
        encode(account),
        encode(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, Appendix B: the SHA-1 column, 8 digits, the ASCII seed
    /// "12345678901234567890".
    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        let seed = b"12345678901234567890";
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, expected) in vectors {
            assert_eq!(code(seed, 8, step_at(time)), expected, "T = {time}");
        }
        // The same seed through the base32 path, 6 digits: the last six.
        let secret = BASE32_NOPAD.encode(seed);
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
    }

    #[test]
    fn codes_match_within_one_step_only() {
        let secret = new_secret().expect("random");
        let now = 1_700_000_000;
        let current = code_at(&secret, now).expect("code");
        assert_eq!(matching_step(&secret, &current, now), Some(step_at(now)));
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(step_at(now)));
        let previous = code_at(&secret, now - 30).expect("code");
        assert_eq!(
            matching_step(&secret, &previous, now),
            Some(step_at(now) - 1)
        );
        let old = code_at(&secret, now - 90).expect("code");
        if old != current && old != previous {
            assert_eq!(matching_step(&secret, &old, now), None);
        }
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn otpauth_uris_escape_the_label() {
        let uri = otpauth_uri("Daily Herald", "ana@example.org", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/Daily%20Herald:ana%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Daily%20Herald&algorithm=SHA1&digits=6&period=30"
        );
    }
}
