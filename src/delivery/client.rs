//! The HTTP client for push services, and one push request through it.
//!
//! hyper's pooled client, straight: HTTP/2 where the push service offers
//! it in TLS (ALPN), HTTP/1.1 otherwise, every name resolved through the
//! allow-list so that each connection is checked against private addresses
//! (DNS rebinding). No redirects are followed and no proxy is used: a push
//! endpoint is a capability, sent to where it names and nowhere else.
//!
//! A fan-out sends one request per subscriber, so what this layer costs
//! per request is paid a million times: the request is handed to hyper as
//! the `webpush` crate built it, with no middleware between.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::{Instant, timeout_at};

use super::allowlist::{AllowList, EndpointRefused};

/// The pooled client every sender shares.
pub type PushClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<HttpConnector<GuardedDns>>,
    Full<Bytes>,
>;

/// How long one request may take, answer included, before it counts as a
/// transport failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long opening a TCP connection may take; the name lookup and the TLS
/// handshake count against [`REQUEST_TIMEOUT`].
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an idle pooled connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The most of an answer's body that is read: push services answer with a
/// status and a short reason, and a larger body is cut, not buffered.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Why the client could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS for push services: {0}")]
pub struct ClientError(#[from] rustls::Error);

/// The client for push services: pooled (at most `per_origin` idle
/// connections kept per origin), HTTP/2 where the service offers it, and
/// resolving names through the allow-list. TLS trusts the system's
/// certificate store (`SSL_CERT_FILE` and `SSL_CERT_DIR` override it).
pub fn http_client(
    allow_list: Arc<AllowList>,
    per_origin: usize,
) -> Result<PushClient, ClientError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut tcp = HttpConnector::new_with_resolver(GuardedDns(allow_list));
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(tcp);
    Ok(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(per_origin)
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .build(connector),
    )
}

/// A push service's answer, as received.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// At most [`MAX_ANSWER_BYTES`] of it.
    pub body: Bytes,
}

impl Answer {
    /// What the answer means (RFC 8030 and the push services' practice).
    pub fn outcome(&self) -> webpush::Outcome {
        webpush::classify(self.status, self.retry_after.as_deref(), &self.body)
    }
}

/// Why a request got no answer. The reasons never name the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoAnswer {
    /// The request may not or cannot be sent: the allow-list refused where
    /// the name now leads, or the endpoint is no valid HTTP target.
    Refused(String),
    /// Connection refused or reset, timeout: worth another try.
    Transport(String),
}

/// Sends a prepared push request and reads the answer, all within
/// [`REQUEST_TIMEOUT`].
pub async fn post(client: &PushClient, request: webpush::PushRequest) -> Result<Answer, NoAnswer> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let request = http_request(request)?;
    let response = match timeout_at(deadline, client.request(request)).await {
        Err(_) => return Err(NoAnswer::Transport("timeout".to_owned())),
        Ok(Err(e)) => {
            return Err(match refusal(&e) {
                Some(refused) => NoAnswer::Refused(refused.to_string()),
                None => {
                    let kind = if e.is_connect() {
                        "connection failed"
                    } else {
                        "request failed"
                    };
                    NoAnswer::Transport(reason(kind, &e))
                }
            });
        }
        Ok(Ok(response)) => response,
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let accepted = (200..300).contains(&status);
    let body = match timeout_at(deadline, read_capped(response.into_body())).await {
        Ok(Ok(body)) => body,
        // Accepted is accepted, even if the rest of the answer was lost.
        _ if accepted => {
            tracing::debug!("push answer body lost after a 2xx");
            Bytes::new()
        }
        Err(_) => {
            return Err(NoAnswer::Transport(
                "timeout while reading the answer".to_owned(),
            ));
        }
        Ok(Err(e)) => {
            return Err(NoAnswer::Transport(reason(
                "connection broken while reading the answer",
                &e,
            )));
        }
    };
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// The request as hyper takes it: the endpoint and header values move in
/// without a copy.
fn http_request(request: webpush::PushRequest) -> Result<http::Request<Full<Bytes>>, NoAnswer> {
    let invalid = |what: &str| {
        NoAnswer::Refused(format!(
            "the stored subscription's {what} is not valid in HTTP"
        ))
    };
    let uri = http::Uri::try_from(String::from(request.url)).map_err(|_| invalid("endpoint"))?;
    let mut builder = http::Request::post(uri);
    for (name, value) in request.headers {
        let value = http::HeaderValue::try_from(value).map_err(|_| invalid("header value"))?;
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(request.body)))
        .map_err(|_| invalid("request"))
}

/// Reads a body up to [`MAX_ANSWER_BYTES`] and drops the rest.
async fn read_capped(mut body: Incoming) -> Result<Bytes, hyper::Error> {
    let mut read = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let room = MAX_ANSWER_BYTES - read.len();
            read.extend_from_slice(&data[..data.len().min(room)]);
            if read.len() == MAX_ANSWER_BYTES {
                break;
            }
        }
    }
    Ok(Bytes::from(read))
}

/// Resolves push-service names through the allow-list, so that every
/// connection is checked against private addresses (DNS rebinding).
#[derive(Clone)]
pub struct GuardedDns(Arc<AllowList>);

impl tower_service::Service<Name> for GuardedDns {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = EndpointRefused;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, EndpointRefused>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), EndpointRefused>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_list = self.0.clone();
        Box::pin(async move {
            let addresses = allow_list.delivery_addresses(name.as_str()).await?;
            Ok(addresses.into_iter())
        })
    }
}

type Cause<'e> = &'e (dyn std::error::Error + 'static);

/// What caused `e`, nearest first.
fn causes<'e>(e: Cause<'e>) -> impl Iterator<Item = Cause<'e>> {
    std::iter::successors(e.source(), |cause| cause.source())
}

/// The allow-list's refusal, when that is why the request failed.
fn refusal<'e>(e: Cause<'e>) -> Option<&'e EndpointRefused> {
    causes(e).find_map(|cause| cause.downcast_ref::<EndpointRefused>())
}

/// Why a request failed, for logs and operators: its kind and its root
/// cause (a socket or TLS error), never the URL, which is a capability.
fn reason(kind: &str, e: Cause<'_>) -> String {
    let root = causes(e).last().unwrap_or(e).to_string();
    if root.is_empty() || root.contains("://") {
        kind.to_owned()
    } else {
        format!("{kind}: {root}")
    }
}
