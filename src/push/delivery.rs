//! Sending push messages: one pooled HTTP client (HTTP/2 where the push
//! service offers it, HTTP/1.1 otherwise), bounded concurrency per
//! push-service origin, VAPID tokens cached per origin by the `webpush`
//! crate, and the answer classified. What the sender keeps per origin (its
//! limit and its host name) is looked up by the endpoint's origin as the
//! URL parser wrote it, so a message allocates nothing for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use webpush::{Outcome, PushOptions, Vapid};

use super::allowlist::AllowList;
use crate::store::Recipient;

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The push service answered.
    Answered(Outcome),
    /// No answer: connection refused or reset, timeout. Worth another try.
    Transport(String),
    /// The stored subscription cannot be used (it was valid when stored, so
    /// this means the allow-list changed or the row is damaged).
    Unusable(String),
}

/// The sender every worker shares.
#[derive(Debug)]
pub struct Sender {
    client: reqwest::Client,
    vapid: Vapid,
    allow_list: Arc<AllowList>,
    per_origin: usize,
    routes: Mutex<HashMap<String, Arc<Route>>>,
}

/// What the sender keeps for one push-service origin.
#[derive(Debug)]
struct Route {
    /// Requests in flight to the origin at most: one until its first
    /// request has ended or [`FIRST_REQUEST_ALONE`] has passed, then the
    /// sender's `per_origin` (see [`Route::open`]).
    limit: Semaphore,
    opened: AtomicBool,
    /// Its host name, for metrics and logs (never the endpoint: a
    /// capability).
    host: Host,
}

/// How long an origin's first request goes alone at most: a push service
/// that hangs on it holds the rest back no longer than this.
pub const FIRST_REQUEST_ALONE: Duration = Duration::from_secs(1);

impl Route {
    /// Opens the rest of the limit, once. Until an origin's first request
    /// has ended (however it ended), or for [`FIRST_REQUEST_ALONE`] if it
    /// takes longer, its messages go one at a time: an HTTP/2 push service
    /// then gets one connection that every later message shares, rather
    /// than one connection and TLS handshake per message in flight, and a
    /// fan-out's first message does not wait behind a hundred handshakes.
    fn open(&self, per_origin: usize) {
        if !self.opened.load(Ordering::Acquire) && !self.opened.swap(true, Ordering::AcqRel) {
            self.limit.add_permits(per_origin.saturating_sub(1));
        }
    }
}

/// Opens a route's limit when dropped: at the end of its first request,
/// even one cut short.
struct OpenOnDrop<'a>(&'a Route, usize);

impl Drop for OpenOnDrop<'_> {
    fn drop(&mut self) {
        self.0.open(self.1);
    }
}

/// A push service's host name, shared by every message sent there.
pub type Host = Arc<String>;

/// How long one request may take before it counts as a transport failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Sender {
    pub fn new(
        vapid: Vapid,
        allow_list: Arc<AllowList>,
        per_origin: usize,
    ) -> Result<Sender, reqwest::Error> {
        Ok(Sender {
            client: http_client(allow_list.clone(), per_origin)?,
            vapid,
            allow_list,
            per_origin: per_origin.max(1),
            routes: Mutex::new(HashMap::new()),
        })
    }

    fn route(&self, endpoint: &url::Url) -> Arc<Route> {
        // Scheme, host and port, lower-cased and without a default port.
        let origin = &endpoint[..url::Position::BeforePath];
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(route) = routes.get(origin) {
            return route.clone();
        }
        let route = Arc::new(Route {
            limit: Semaphore::new(1),
            opened: AtomicBool::new(false),
            host: Arc::new(endpoint.host_str().unwrap_or_default().to_owned()),
        });
        routes.insert(origin.to_owned(), route.clone());
        // The route is made for its first message, which takes the one
        // permit at once: should that request hang, the rest go anyway.
        let opener = route.clone();
        let per_origin = self.per_origin;
        tokio::spawn(async move {
            tokio::time::sleep(FIRST_REQUEST_ALONE).await;
            opener.open(per_origin);
        });
        route
    }

    /// Encrypts `payload` for `recipient` and sends it, waiting for a free
    /// slot at its push service. Returns the outcome and the service's host.
    pub async fn send(
        &self,
        recipient: &Recipient,
        payload: &[u8],
        options: &PushOptions,
    ) -> (Delivery, Host) {
        let subscription = match self.subscription(recipient) {
            Ok(s) => s,
            Err(reason) => return (Delivery::Unusable(reason), Host::default()),
        };
        let route = self.route(subscription.endpoint());
        let host = route.host.clone();
        let Ok(_permit) = route.limit.acquire().await else {
            return (Delivery::Transport("sender closed".into()), host);
        };
        let _open = OpenOnDrop(&route, self.per_origin);
        let request = match webpush::build_request(&subscription, payload, options, &self.vapid) {
            Ok(r) => r,
            Err(e) => return (Delivery::Unusable(e.to_string()), host),
        };
        match post(&self.client, request).await {
            Ok(answer) => (Delivery::Answered(answer.outcome()), host),
            Err(NoAnswer::Refused(reason)) => (Delivery::Unusable(reason), host),
            Err(NoAnswer::Transport(reason)) => (Delivery::Transport(reason), host),
        }
    }

    fn subscription(&self, recipient: &Recipient) -> Result<webpush::Subscription, String> {
        let decode = |field: &str, value: &str| {
            webpush::base64url::decode(value)
                .ok_or_else(|| format!("stored {field} is not base64url"))
        };
        let p256dh = decode("p256dh", &recipient.p256dh)?;
        let auth = decode("auth", &recipient.auth)?;
        let result = if self.allow_list.names_plain_http(&recipient.endpoint) {
            webpush::Subscription::new_allowing_http(&recipient.endpoint, &p256dh, &auth, None)
        } else {
            webpush::Subscription::new(&recipient.endpoint, &p256dh, &auth, None)
        };
        result.map_err(|e| e.to_string())
    }
}

/// The HTTP client for push services: pooled, HTTP/2 where the service
/// offers it, and resolving names through the allow-list.
pub fn http_client(
    allow_list: Arc<AllowList>,
    per_origin: usize,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedDns(allow_list)))
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(per_origin)
        .build()
}

/// A push service's answer, as received.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: axum::body::Bytes,
}

impl Answer {
    /// What the answer means (RFC 8030 and the push services' practice).
    pub fn outcome(&self) -> Outcome {
        webpush::classify(self.status, self.retry_after.as_deref(), &self.body)
    }
}

/// Why a request got no answer. The reasons never name the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoAnswer {
    /// The allow-list refused where the name now leads.
    Refused(String),
    /// Connection refused or reset, timeout: worth another try.
    Transport(String),
}

/// Sends a prepared push request and reads the answer.
pub async fn post(
    client: &reqwest::Client,
    request: webpush::PushRequest,
) -> Result<Answer, NoAnswer> {
    let mut builder = client.post(request.url);
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    // Never the error's own text: it names the endpoint.
    let response = builder
        .body(request.body)
        .send()
        .await
        .map_err(|e| match refusal(&e) {
            Some(refused) => NoAnswer::Refused(refused.to_string()),
            None => NoAnswer::Transport(transport_reason(&e)),
        })?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match response.bytes().await {
        Ok(b) => b,
        // Accepted is accepted, even if the rest of the answer was lost.
        Err(e) if (200..300).contains(&status) => {
            tracing::debug!(
                reason = transport_reason(&e),
                "push answer body lost after a 2xx"
            );
            Default::default()
        }
        Err(e) => return Err(NoAnswer::Transport(transport_reason(&e))),
    };
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// Resolves push-service names through the allow-list, so that every
/// connection is checked against private addresses (DNS rebinding).
struct GuardedDns(Arc<AllowList>);

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_list = self.0.clone();
        Box::pin(async move {
            let addresses = allow_list
                .delivery_addresses(name.as_str())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The allow-list's refusal, when that is why the request failed.
fn refusal(e: &reqwest::Error) -> Option<&super::allowlist::EndpointRefused> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<super::allowlist::EndpointRefused>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
}

/// Why a request failed, for logs and operators: its kind and its root
/// cause (a socket or TLS error), never the URL, which is a capability.
fn transport_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "connection broken while reading the answer"
    } else {
        "request failed"
    };
    let mut root = None;
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        root = Some(cause.to_string());
        source = cause.source();
    }
    match root.filter(|r| !r.contains("://") && !r.is_empty()) {
        Some(root) => format!("{kind}: {root}"),
        None => kind.to_owned(),
    }
}
