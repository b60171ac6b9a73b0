//! The VAPID JWT (RFC 8292 section 2): ES256 over `{"aud","exp","sub"}`.
//!
//! `aud` is the push service's origin, `exp` at most 24 hours ahead, and
//! `sub` a contact URL for the push service's operators.

use std::fmt;

use serde::Serialize;
use url::Url;

use super::{VapidError, VapidKeys};
use crate::b64;

/// The contact URL sent as `sub`: a `mailto:` or `https:` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    /// Validates a subject such as `mailto:ops@example.com` or `https://example.com/contact`.
    ///
    /// # Errors
    /// [`VapidError::InvalidSubject`] for any other scheme, or a URL with no
    /// address or host.
    pub fn new(subject: &str) -> Result<Self, VapidError> {
        let url = Url::parse(subject.trim()).map_err(|_| VapidError::InvalidSubject)?;
        let ok = match url.scheme() {
            "mailto" => url.path().contains('@'),
            "https" => url.host_str().is_some_and(|h| !h.is_empty()),
            _ => false,
        };
        if ok {
            Ok(Self(subject.trim().to_owned()))
        } else {
            Err(VapidError::InvalidSubject)
        }
    }

    /// The subject as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The audience for an endpoint: `scheme://host`, plus `:port` when not the default.
///
/// # Errors
/// [`VapidError::NoOrigin`] when the URL has no http(s) origin.
pub fn audience(endpoint: &Url) -> Result<String, VapidError> {
    if !matches!(endpoint.scheme(), "https" | "http") {
        return Err(VapidError::NoOrigin);
    }
    let origin = endpoint.origin();
    if !origin.is_tuple() {
        return Err(VapidError::NoOrigin);
    }
    Ok(origin.ascii_serialization())
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: u64,
    sub: &'a str,
}

/// `{"typ":"JWT","alg":"ES256"}`, base64url-encoded.
const HEADER_B64: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";

/// Signs a VAPID JWT for `aud`, expiring at `exp` (seconds since the Unix epoch).
///
/// # Errors
/// [`VapidError::Crypto`] if signing fails.
pub fn sign(
    keys: &VapidKeys,
    aud: &str,
    exp: u64,
    subject: &Subject,
) -> Result<String, VapidError> {
    let claims = serde_json::to_vec(&Claims {
        aud,
        exp,
        sub: subject.as_str(),
    })
    .map_err(|_| VapidError::Crypto)?;
    let mut jwt = format!("{HEADER_B64}.{}", b64::encode(&claims));
    let signature = keys.sign(jwt.as_bytes())?;
    jwt.push('.');
    jwt.push_str(&b64::encode(&signature));
    Ok(jwt)
}

/// The `Authorization` header value for a token: `vapid t=<jwt>, k=<public key>`.
pub fn header_value(jwt: &str, keys: &VapidKeys) -> String {
    format!("vapid t={jwt}, k={}", keys.public_key_base64url())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn subjects() {
        assert!(Subject::new("mailto:ops@example.com").is_ok());
        assert!(Subject::new("https://example.com/contact").is_ok());
        for bad in [
            "http://example.com",
            "ops@example.com",
            "mailto:",
            "ftp://x",
            "",
        ] {
            assert_eq!(Subject::new(bad), Err(VapidError::InvalidSubject), "{bad}");
        }
    }

    #[test]
    fn audience_is_the_origin() {
        let aud = |s: &str| audience(&Url::parse(s).expect("url"));
        assert_eq!(
            aud("https://fcm.googleapis.com/fcm/send/abc"),
            Ok("https://fcm.googleapis.com".into())
        );
        assert_eq!(
            aud("https://push.example:443/x"),
            Ok("https://push.example".into())
        );
        assert_eq!(
            aud("https://push.example:8443/x"),
            Ok("https://push.example:8443".into())
        );
        assert_eq!(
            aud("http://127.0.0.1:9000/x"),
            Ok("http://127.0.0.1:9000".into())
        );
        assert_eq!(aud("data:text/plain,x"), Err(VapidError::NoOrigin));
    }

    #[test]
    fn token_verifies_and_carries_the_claims() {
        let keys = VapidKeys::generate().expect("keys");
        let sub = Subject::new("mailto:ops@example.com").expect("subject");
        let jwt = sign(&keys, "https://push.example", 1_700_000_000, &sub).expect("sign");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            b64::decode(parts[0]).expect("b64"),
            br#"{"typ":"JWT","alg":"ES256"}"#
        );
        let claims: serde_json::Value =
            serde_json::from_slice(&b64::decode(parts[1]).expect("b64")).expect("json");
        assert_eq!(claims["aud"], "https://push.example");
        assert_eq!(claims["exp"], 1_700_000_000);
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        let signature = b64::decode(parts[2]).expect("b64");
        assert_eq!(signature.len(), 64);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, keys.public_key())
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("signature verifies");
        let header = header_value(&jwt, &keys);
        assert_eq!(
            header,
            format!("vapid t={jwt}, k={}", keys.public_key_base64url())
        );
    }
}
