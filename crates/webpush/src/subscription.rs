//! Push subscriptions as browsers hand them out.
//!
//! A browser's `PushSubscription.toJSON()` gives an endpoint URL (a capability:
//! whoever knows it can push to the device, so it is never put in an error
//! message or a `Debug` string), an optional expiration time, and two keys:
//! `p256dh`, the subscriber's P-256 public key, and `auth`, a 16-byte secret.
//! [`Subscription`] is the validated form: every check is done once, at the
//! edge, and each failure is its own [`SubscriptionError`] variant.

use std::fmt;

use aws_lc_rs::agreement::{ECDH_P256, ParsedPublicKey, ParsedPublicKeyFormat, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::b64;

/// Length of an uncompressed P-256 point: `0x04 || X || Y`.
pub const P256DH_LEN: usize = 65;
/// Length of the subscriber's authentication secret (RFC 8291, section 3.2).
pub const AUTH_LEN: usize = 16;

/// Why a subscription was refused. Messages name the field, never its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The text is not JSON of the expected shape.
    #[error("subscription is not valid JSON: {0}")]
    InvalidJson(String),
    /// A required field is absent or null.
    #[error("subscription has no `{0}`")]
    MissingField(&'static str),
    /// The endpoint does not parse as a URL.
    #[error("subscription endpoint is not a valid URL: {0}")]
    InvalidEndpoint(#[source] url::ParseError),
    /// The endpoint uses another scheme than https.
    #[error("subscription endpoint must use https")]
    EndpointNotHttps,
    /// `expirationTime` is neither null nor a non-negative number.
    #[error("subscription expirationTime must be null or a non-negative number of milliseconds")]
    InvalidExpirationTime,
    /// A key is not base64url.
    #[error("subscription key `{field}` is not valid base64url")]
    InvalidBase64 {
        /// `p256dh` or `auth`.
        field: &'static str,
    },
    /// `p256dh` does not decode to 65 bytes.
    #[error("subscription key `p256dh` must be 65 bytes (an uncompressed P-256 point), got {got}")]
    P256dhLength {
        /// Number of bytes decoded.
        got: usize,
    },
    /// `p256dh` is 65 bytes but not an uncompressed point on P-256.
    #[error("subscription key `p256dh` is not an uncompressed point on the P-256 curve")]
    InvalidP256dh,
    /// `auth` does not decode to 16 bytes.
    #[error("subscription key `auth` must be 16 bytes, got {got}")]
    AuthSecretLength {
        /// Number of bytes decoded.
        got: usize,
    },
}

/// A validated push subscription.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "RawSubscription", into = "RawSubscription")]
pub struct Subscription {
    endpoint: Url,
    expiration_time: Option<u64>,
    p256dh: [u8; P256DH_LEN],
    auth: [u8; AUTH_LEN],
    /// The key parsed and checked once, reused for every message.
    parsed_key: ParsedPublicKey,
}

/// The wire form, field names as `toJSON()` writes them.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSubscription {
    endpoint: Option<String>,
    #[serde(default)]
    expiration_time: Option<f64>,
    keys: Option<RawKeys>,
}

#[derive(Serialize, Deserialize)]
struct RawKeys {
    p256dh: Option<String>,
    auth: Option<String>,
}

impl Subscription {
    /// Parses and validates the JSON of `PushSubscription.toJSON()`.
    ///
    /// # Errors
    /// One [`SubscriptionError`] variant per kind of problem.
    pub fn from_json(json: &str) -> Result<Self, SubscriptionError> {
        let raw: RawSubscription = serde_json::from_str(json)
            .map_err(|e| SubscriptionError::InvalidJson(e.to_string()))?;
        Self::try_from(raw)
    }

    /// Like [`Subscription::from_json`], but a plain `http` endpoint is also
    /// accepted: for a local push service (tests, benchmarks) that the
    /// application has decided to trust. Everything else is checked alike.
    ///
    /// # Errors
    /// As [`Subscription::from_json`], less [`SubscriptionError::EndpointNotHttps`]
    /// for `http`.
    pub fn from_json_allowing_http(json: &str) -> Result<Self, SubscriptionError> {
        let raw: RawSubscription = serde_json::from_str(json)
            .map_err(|e| SubscriptionError::InvalidJson(e.to_string()))?;
        Self::from_raw(raw, true)
    }

    /// Builds a subscription from its parts, already decoded.
    ///
    /// # Errors
    /// As [`Subscription::from_json`].
    pub fn new(
        endpoint: &str,
        p256dh: &[u8],
        auth: &[u8],
        expiration_time: Option<u64>,
    ) -> Result<Self, SubscriptionError> {
        Self::build(endpoint, p256dh, auth, expiration_time, false)
    }

    /// Like [`Subscription::new`], but a plain `http` endpoint is also
    /// accepted, as by [`Subscription::from_json_allowing_http`].
    ///
    /// # Errors
    /// As [`Subscription::new`], less [`SubscriptionError::EndpointNotHttps`]
    /// for `http`.
    pub fn new_allowing_http(
        endpoint: &str,
        p256dh: &[u8],
        auth: &[u8],
        expiration_time: Option<u64>,
    ) -> Result<Self, SubscriptionError> {
        Self::build(endpoint, p256dh, auth, expiration_time, true)
    }

    fn build(
        endpoint: &str,
        p256dh: &[u8],
        auth: &[u8],
        expiration_time: Option<u64>,
        allow_http: bool,
    ) -> Result<Self, SubscriptionError> {
        let endpoint = Url::parse(endpoint).map_err(SubscriptionError::InvalidEndpoint)?;
        let scheme_ok = endpoint.scheme() == "https" || (allow_http && endpoint.scheme() == "http");
        if !scheme_ok {
            return Err(SubscriptionError::EndpointNotHttps);
        }
        let p256dh: [u8; P256DH_LEN] = p256dh
            .try_into()
            .map_err(|_| SubscriptionError::P256dhLength { got: p256dh.len() })?;
        let auth: [u8; AUTH_LEN] = auth
            .try_into()
            .map_err(|_| SubscriptionError::AuthSecretLength { got: auth.len() })?;
        let parsed_key = parse_p256_point(&p256dh).ok_or(SubscriptionError::InvalidP256dh)?;
        Ok(Self {
            endpoint,
            expiration_time,
            p256dh,
            auth,
            parsed_key,
        })
    }

    /// Serialises back to the `toJSON()` shape (unpadded base64url keys).
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The push service URL to POST messages to. Treat it as a secret.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// When the subscription expires, in milliseconds since the Unix epoch.
    pub fn expiration_time(&self) -> Option<u64> {
        self.expiration_time
    }

    /// The subscriber's public key, an uncompressed P-256 point.
    pub fn p256dh(&self) -> &[u8; P256DH_LEN] {
        &self.p256dh
    }

    /// The subscriber's authentication secret.
    pub fn auth(&self) -> &[u8; AUTH_LEN] {
        &self.auth
    }

    pub(crate) fn parsed_key(&self) -> &ParsedPublicKey {
        &self.parsed_key
    }
}

/// Parses `bytes` as an uncompressed P-256 point, checking it lies on the curve.
pub(crate) fn parse_p256_point(bytes: &[u8]) -> Option<ParsedPublicKey> {
    if bytes.len() != P256DH_LEN || bytes[0] != 0x04 {
        return None;
    }
    let key = ParsedPublicKey::try_from(UnparsedPublicKey::new(&ECDH_P256, bytes)).ok()?;
    (key.format() == ParsedPublicKeyFormat::Uncompressed).then_some(key)
}

impl TryFrom<RawSubscription> for Subscription {
    type Error = SubscriptionError;

    fn try_from(raw: RawSubscription) -> Result<Self, Self::Error> {
        Self::from_raw(raw, false)
    }
}

impl Subscription {
    fn from_raw(raw: RawSubscription, allow_http: bool) -> Result<Self, SubscriptionError> {
        let endpoint = raw
            .endpoint
            .ok_or(SubscriptionError::MissingField("endpoint"))?;
        let keys = raw.keys.ok_or(SubscriptionError::MissingField("keys"))?;
        let p256dh = keys
            .p256dh
            .ok_or(SubscriptionError::MissingField("keys.p256dh"))?;
        let auth = keys
            .auth
            .ok_or(SubscriptionError::MissingField("keys.auth"))?;
        let expiration_time = match raw.expiration_time {
            None => None,
            Some(ms) if ms.is_finite() && ms >= 0.0 && ms < u64::MAX as f64 => Some(ms as u64),
            Some(_) => return Err(SubscriptionError::InvalidExpirationTime),
        };
        let p256dh =
            b64::decode(&p256dh).ok_or(SubscriptionError::InvalidBase64 { field: "p256dh" })?;
        let auth = b64::decode(&auth).ok_or(SubscriptionError::InvalidBase64 { field: "auth" })?;
        Self::build(&endpoint, &p256dh, &auth, expiration_time, allow_http)
    }
}

impl From<Subscription> for RawSubscription {
    fn from(sub: Subscription) -> Self {
        Self {
            endpoint: Some(sub.endpoint.into()),
            expiration_time: sub.expiration_time.map(|ms| ms as f64),
            keys: Some(RawKeys {
                p256dh: Some(b64::encode(&sub.p256dh)),
                auth: Some(b64::encode(&sub.auth)),
            }),
        }
    }
}

impl fmt::Debug for Subscription {
    /// Shows the push service's origin only: the full endpoint is a capability.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field(
                "endpoint_origin",
                &self.endpoint.origin().ascii_serialization(),
            )
            .field("expiration_time", &self.expiration_time)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The subscriber key from RFC 8291, Appendix A.
    const P256DH: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    fn json(endpoint: &str, p256dh: &str, auth: &str) -> String {
        format!(
            r#"{{"endpoint":"{endpoint}","expirationTime":null,"keys":{{"p256dh":"{p256dh}","auth":"{auth}"}}}}"#
        )
    }

    #[test]
    fn parses_a_browser_subscription() {
        let sub = Subscription::from_json(&json("https://push.example.net/x/y", P256DH, AUTH))
            .expect("valid");
        assert_eq!(sub.endpoint().as_str(), "https://push.example.net/x/y");
        assert_eq!(sub.expiration_time(), None);
        assert_eq!(sub.auth().len(), 16);
        let again = Subscription::from_json(&sub.to_json()).expect("round trip");
        assert_eq!(again.p256dh(), sub.p256dh());
    }

    #[test]
    fn accepts_padded_keys_and_numeric_expiration() {
        let text = format!(
            r#"{{"endpoint":"https://p.example/a","expirationTime":1700000000000.5,"keys":{{"p256dh":"{P256DH}=","auth":"{AUTH}=="}}}}"#
        );
        let sub = Subscription::from_json(&text).expect("valid");
        assert_eq!(sub.expiration_time(), Some(1_700_000_000_000));
    }

    #[test]
    fn each_failure_has_its_variant_and_never_shows_the_endpoint() {
        let secret = "https://push.example.net/SECRET";
        type Check = fn(&SubscriptionError) -> bool;
        let cases: Vec<(String, Check)> = vec![
            ("{".into(), |e| {
                matches!(e, SubscriptionError::InvalidJson(_))
            }),
            (r#"{"keys":{}}"#.into(), |e| {
                matches!(e, SubscriptionError::MissingField("endpoint"))
            }),
            (json("http://push.example.net/SECRET", P256DH, AUTH), |e| {
                matches!(e, SubscriptionError::EndpointNotHttps)
            }),
            (json("not a url SECRET", P256DH, AUTH), |e| {
                matches!(e, SubscriptionError::InvalidEndpoint(_))
            }),
            (json(secret, "***", AUTH), |e| {
                matches!(e, SubscriptionError::InvalidBase64 { field: "p256dh" })
            }),
            (json(secret, "AAAA", AUTH), |e| {
                matches!(e, SubscriptionError::P256dhLength { got: 3 })
            }),
            (json(secret, &b64::encode(&[4u8; 65]), AUTH), |e| {
                matches!(e, SubscriptionError::InvalidP256dh)
            }),
            (json(secret, P256DH, "AAAA"), |e| {
                matches!(e, SubscriptionError::AuthSecretLength { got: 3 })
            }),
            (
                format!(
                    r#"{{"endpoint":"{secret}","expirationTime":-1,"keys":{{"p256dh":"{P256DH}","auth":"{AUTH}"}}}}"#
                ),
                |e| matches!(e, SubscriptionError::InvalidExpirationTime),
            ),
        ];
        for (text, check) in cases {
            let err = Subscription::from_json(&text).expect_err("must be refused");
            assert!(check(&err), "unexpected {err:?} for {text}");
            assert!(!err.to_string().contains("SECRET"), "{err}");
        }
    }

    #[test]
    fn plain_http_only_when_the_caller_allows_it() {
        let local = json("http://127.0.0.1:9100/push/1", P256DH, AUTH);
        assert!(matches!(
            Subscription::from_json(&local),
            Err(SubscriptionError::EndpointNotHttps)
        ));
        let sub = Subscription::from_json_allowing_http(&local).expect("allowed");
        assert_eq!(sub.endpoint().scheme(), "http");
        let again = Subscription::new_allowing_http(
            sub.endpoint().as_str(),
            sub.p256dh(),
            sub.auth(),
            None,
        )
        .expect("allowed");
        assert_eq!(again.endpoint(), sub.endpoint());
        let ftp = json("ftp://127.0.0.1/push/1", P256DH, AUTH);
        assert!(matches!(
            Subscription::from_json_allowing_http(&ftp),
            Err(SubscriptionError::EndpointNotHttps)
        ));
    }

    #[test]
    fn compressed_point_is_refused() {
        let mut full = b64::decode(P256DH).expect("b64");
        full.truncate(33);
        full[0] = 0x02;
        let err =
            Subscription::new("https://a.example/", &full, &[0; 16], None).expect_err("compressed");
        assert!(matches!(err, SubscriptionError::P256dhLength { got: 33 }));
    }

    #[test]
    fn debug_hides_the_endpoint_path() {
        let sub = Subscription::from_json(&json("https://push.example.net/SECRET", P256DH, AUTH))
            .expect("valid");
        let shown = format!("{sub:?}");
        assert!(shown.contains("push.example.net"));
        assert!(!shown.contains("SECRET"));
    }
}
