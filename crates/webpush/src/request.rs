//! The HTTP request for one push message, as plain data for any client.
//!
//! [`build_request`] encrypts the payload for the subscription, takes the
//! cached VAPID `Authorization` value for the push service and lists the
//! RFC 8030 headers. The caller sends it with whatever HTTP client it uses;
//! this crate performs no I/O.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::ece::EncryptError;
use crate::headers::{Topic, Ttl, Urgency};
use crate::message::encrypt;
use crate::subscription::Subscription;
use crate::vapid::{Vapid, VapidError};

/// Per-message options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// How long the push service keeps an undelivered message.
    pub ttl: Ttl,
    /// Delivery urgency.
    pub urgency: Urgency,
    /// Lets a later message with the same topic replace this one.
    pub topic: Option<Topic>,
    /// Zero bytes added inside the record to hide the payload length.
    pub padding: usize,
}

/// A ready-to-send push request. `Debug` hides the endpoint and token.
#[derive(Clone, PartialEq, Eq)]
pub struct PushRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The subscription's endpoint (a capability: do not log it).
    pub url: Url,
    /// Header names and values, in order.
    pub headers: Vec<(&'static str, String)>,
    /// The `aes128gcm` body.
    pub body: Vec<u8>,
}

impl PushRequest {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for PushRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("PushRequest")
            .field("method", &self.method)
            .field("origin", &self.url.origin().ascii_serialization())
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The payload could not be encrypted (e.g. too large).
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
    /// No VAPID header could be made.
    #[error(transparent)]
    Vapid(#[from] VapidError),
}

/// Builds the request that delivers `payload` to `sub`.
///
/// # Errors
/// [`RequestError::Encrypt`] for a payload over the budget (never
/// truncated) and [`RequestError::Vapid`] if no token can be signed.
pub fn build_request(
    sub: &Subscription,
    payload: &[u8],
    options: &PushOptions,
    vapid: &Vapid,
) -> Result<PushRequest, RequestError> {
    let authorization: Arc<str> = vapid.authorization(sub.endpoint())?;
    let body = encrypt(sub, payload, options.padding)?;
    let mut headers = Vec::with_capacity(6);
    headers.push(("Content-Encoding", "aes128gcm".to_owned()));
    headers.push(("Content-Type", "application/octet-stream".to_owned()));
    headers.push(("TTL", options.ttl.header_value()));
    headers.push(("Urgency", options.urgency.as_str().to_owned()));
    if let Some(topic) = &options.topic {
        headers.push(("Topic", topic.as_str().to_owned()));
    }
    headers.push(("Authorization", authorization.to_string()));
    Ok(PushRequest {
        method: "POST",
        url: sub.endpoint().clone(),
        headers,
        body,
    })
}
