//! A push service of our own for tests, on loopback: it records every
//! message it receives and answers what the test scripted for each
//! endpoint — 201, 429 with Retry-After, 500, 503, 404, 410, slowly — so
//! that the delivery engine's handling of each answer can be checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    Created,
    Status(u16),
    RetryAfter(u16, &'static str),
    Slow(Duration),
}

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub device: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// When the answer was sent.
    pub at: Instant,
    pub arrived_at: Instant,
    pub answered: u16,
    /// Requests the sink was handling when this one arrived, itself
    /// included.
    pub in_flight: usize,
}

#[derive(Default)]
struct Inner {
    scripts: HashMap<String, Vec<Answer>>,
    received: Vec<Received>,
    in_flight: usize,
}

/// The running sink.
#[derive(Clone)]
pub struct Sink {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Sink {
    pub async fn start() -> Sink {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/push/{device}", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Sink {
            base: format!("http://{address}"),
            inner,
        }
    }

    pub fn endpoint(&self, device: &str) -> String {
        format!("{}/push/{device}", self.base)
    }

    /// The answers `device` gets, in order; after the last, 201.
    pub fn script(&self, device: &str, answers: Vec<Answer>) {
        self.inner
            .lock()
            .expect("lock")
            .scripts
            .insert(device.to_owned(), answers);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("lock").received.clone()
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.inner.lock().expect("lock").in_flight
    }

    pub fn received_by(&self, device: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.device == device)
            .collect()
    }

    /// A sender allowed to reach this sink, with `per_origin` requests in
    /// flight at most, encrypting inline.
    pub fn sender(&self, per_origin: usize) -> herald::delivery::sender::Sender {
        let allow_list = herald::delivery::allowlist::AllowList::new(
            std::slice::from_ref(&self.base),
            herald::delivery::allowlist::Resolver::System,
        )
        .expect("allow list");
        let vapid = webpush::Vapid::new(
            webpush::VapidKeys::generate().expect("keys"),
            webpush::Subject::new("mailto:tests@example.org").expect("subject"),
        );
        herald::delivery::sender::Sender::new(vapid, Arc::new(allow_list), per_origin)
            .expect("sender")
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived_at = Instant::now();
    let (answer, in_flight) = {
        let mut inner = inner.lock().expect("lock");
        inner.in_flight += 1;
        let in_flight = inner.in_flight;
        let script = inner.scripts.entry(device.clone()).or_default();
        let answer = if script.is_empty() {
            Answer::Created
        } else {
            script.remove(0)
        };
        (answer, in_flight)
    };
    let (status, retry_after) = match &answer {
        Answer::Created => (201, None),
        Answer::Status(s) => (*s, None),
        Answer::RetryAfter(s, after) => (*s, Some(*after)),
        Answer::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            (201, None)
        }
    };
    {
        let mut inner = inner.lock().expect("lock");
        inner.in_flight -= 1;
        inner.received.push(Received {
            device,
            headers,
            body: body.to_vec(),
            at: Instant::now(),
            arrived_at,
            answered: status,
            in_flight,
        });
    }
    let mut response =
        (StatusCode::from_u16(status).expect("status"), "sink answer").into_response();
    if let Some(after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().expect("header"));
    }
    response
}
