//! Sending push messages: one pooled HTTP client (see [`super::client`]),
//! bounded concurrency per push-service origin, VAPID tokens cached per
//! origin by the `webpush` crate, and the answer classified. What the
//! sender keeps per origin (its limit and its host name) is looked up by
//! the endpoint's origin as the URL parser wrote it, so a message allocates
//! nothing for it. Messages are encrypted on the sender's
//! [`EncryptionThreads`] when it has them (at a lower priority than the web
//! server's), inline otherwise.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use webpush::{Outcome, PushOptions, PushRequest, Vapid};

use super::allowlist::AllowList;
use super::client::{ClientError, NoAnswer, PushClient, http_client, post};
use super::encryption::EncryptionThreads;
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
    client: PushClient,
    /// Shared with the encryption threads, which sign with it.
    vapid: Arc<Vapid>,
    allow_list: Arc<AllowList>,
    per_origin: usize,
    routes: Mutex<HashMap<String, Arc<Route>>>,
    /// Where messages are encrypted; `None`: inline, on the caller's
    /// thread.
    encryption: Option<EncryptionThreads>,
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

/// A message encrypted and signed for its recipient, with the route to its
/// push service; or what became of it when it cannot be sent.
#[derive(Debug)]
pub struct Sealed(Result<(Arc<Route>, PushRequest), (Delivery, Host)>);

/// One subscription's request once built (`None`: there was no usable
/// subscription to build it for).
type Built = Option<Result<PushRequest, Delivery>>;

impl Sealed {
    fn of(route: Result<Arc<Route>, String>, built: Built) -> Sealed {
        Sealed(match (route, built) {
            (Err(reason), _) => Err((Delivery::Unusable(reason), Host::default())),
            (Ok(route), Some(Ok(request))) => Ok((route, request)),
            (Ok(route), Some(Err(delivery))) => Err((delivery, route.host.clone())),
            (Ok(route), None) => Err((
                Delivery::Transport("not encrypted".into()),
                route.host.clone(),
            )),
        })
    }
}

impl Sender {
    pub fn new(
        vapid: Vapid,
        allow_list: Arc<AllowList>,
        per_origin: usize,
    ) -> Result<Sender, ClientError> {
        Ok(Sender {
            client: http_client(allow_list.clone(), per_origin)?,
            vapid: Arc::new(vapid),
            allow_list,
            per_origin: per_origin.max(1),
            routes: Mutex::new(HashMap::new()),
            encryption: None,
        })
    }

    /// The same sender, encrypting on `threads` instead of inline.
    pub fn encrypting_on(mut self, threads: EncryptionThreads) -> Sender {
        self.encryption = Some(threads);
        self
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
        let sealed = self
            .seal_all(std::slice::from_ref(recipient), payload, options)
            .await;
        match sealed.into_iter().next() {
            Some(sealed) => self.deliver(sealed).await,
            None => (
                Delivery::Transport("nothing sealed".into()),
                Host::default(),
            ),
        }
    }

    /// Encrypts and signs `payload` for each of `recipients`, in order: on
    /// the encryption threads when the sender has them (the batch shared
    /// out among them), inline otherwise.
    pub async fn seal_all(
        &self,
        recipients: &[Recipient],
        payload: &[u8],
        options: &PushOptions,
    ) -> Vec<Sealed> {
        // Parsed, checked and routed here; only the crypto moves.
        let mut routes = Vec::with_capacity(recipients.len());
        let mut subscriptions = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            match self.subscription(recipient) {
                Ok(subscription) => {
                    routes.push(Ok(self.route(subscription.endpoint())));
                    subscriptions.push(Some(subscription));
                }
                Err(reason) => {
                    routes.push(Err(reason));
                    subscriptions.push(None);
                }
            }
        }
        let built = self.build_all(subscriptions, payload, options).await;
        routes
            .into_iter()
            .zip(built)
            .map(|(route, built)| Sealed::of(route, built))
            .collect()
    }

    /// Sends a sealed message, waiting for a free slot at its push
    /// service. Returns the outcome and the service's host.
    pub async fn deliver(&self, sealed: Sealed) -> (Delivery, Host) {
        let (route, request) = match sealed.0 {
            Ok(ready) => ready,
            Err(failed) => return failed,
        };
        let host = route.host.clone();
        let Ok(_permit) = route.limit.acquire().await else {
            return (Delivery::Transport("sender closed".into()), host);
        };
        let _open = OpenOnDrop(&route, self.per_origin);
        match post(&self.client, request).await {
            Ok(answer) => (Delivery::Answered(answer.outcome()), host),
            Err(NoAnswer::Refused(reason)) => (Delivery::Unusable(reason), host),
            Err(NoAnswer::Transport(reason)) => (Delivery::Transport(reason), host),
        }
    }

    /// The requests for `subscriptions` (`None` stays `None`).
    async fn build_all(
        &self,
        subscriptions: Vec<Option<webpush::Subscription>>,
        payload: &[u8],
        options: &PushOptions,
    ) -> Vec<Built> {
        let count = subscriptions.len();
        let build = {
            let (payload, options, vapid) = (payload.to_vec(), options.clone(), self.vapid.clone());
            move |subscription: Option<webpush::Subscription>| {
                subscription.map(|s| {
                    webpush::build_request(&s, &payload, &options, &vapid)
                        .map_err(|e| Delivery::Unusable(e.to_string()))
                })
            }
        };
        match &self.encryption {
            None => subscriptions.into_iter().map(build).collect(),
            Some(threads) => match threads.map(subscriptions, build).await {
                Ok(built) => built,
                // Stopping: worth another try, by whoever resumes.
                Err(stopped) => vec![Some(Err(Delivery::Transport(stopped.to_string()))); count],
            },
        }
    }

    fn subscription(&self, recipient: &Recipient) -> Result<webpush::Subscription, String> {
        let decode = |field: &str, value: &str| {
            webpush::base64url::decode(value)
                .ok_or_else(|| format!("stored {field} is not base64url"))
        };
        let p256dh = decode("p256dh", &recipient.p256dh)?;
        let auth = decode("auth", &recipient.auth)?;
        // Parsed once, then held to the allow-list's word on plain http.
        let subscription =
            webpush::Subscription::new_allowing_http(&recipient.endpoint, &p256dh, &auth, None)
                .map_err(|e| e.to_string())?;
        let endpoint = subscription.endpoint();
        if endpoint.scheme() == "http" && !self.allow_list.names_plain_http_url(endpoint) {
            return Err(super::allowlist::EndpointRefused::NotHttps.to_string());
        }
        Ok(subscription)
    }
}
