//! Delivery over TLS, as push services take it: a push service of our own
//! on loopback speaking HTTP/2 over TLS, with a self-signed certificate
//! that Herald trusts only the way an operator would make it trust one
//! (`SSL_CERT_FILE`). A fan-out reaches every device over one shared
//! HTTP/2 connection, and a service whose certificate is not trusted gets
//! nothing.

mod common;

use std::convert::Infallible;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use common::process::{add_story, free_port, herald, seed_politics, wait_for, wait_healthy};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};

const DEVICES: usize = 30;

/// A request as the TLS push service received it.
struct Received {
    version: http::Version,
    device: String,
    body: Bytes,
}

/// A push service answering 201 over HTTP/2 with TLS only (ALPN `h2`).
struct TlsSink {
    /// `https://localhost:PORT`.
    base: String,
    /// Its certificate, PEM.
    certificate: String,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TlsSink {
    async fn start() -> TlsSink {
        let issued =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(issued.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![issued.cert.der().clone()], key.into())
            .expect("server config");
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (count, keep) = (connections.clone(), received.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let (acceptor, keep) = (acceptor.clone(), keep.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request| {
                        let keep = keep.clone();
                        async move { Ok::<_, Infallible>(record(request, &keep).await) }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TlsSink {
            base: format!("https://localhost:{port}"),
            certificate: issued.cert.pem(),
            connections,
            received,
        }
    }

    fn endpoint(&self, device: &str) -> String {
        format!("{}/push/{device}", self.base)
    }

    fn count(&self) -> usize {
        self.received.lock().expect("lock").len()
    }
}

async fn record(
    request: http::Request<hyper::body::Incoming>,
    keep: &Mutex<Vec<Received>>,
) -> http::Response<Empty<Bytes>> {
    let version = request.version();
    let device = request.uri().path().trim_start_matches("/push/").to_owned();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    keep.lock().expect("lock").push(Received {
        version,
        device,
        body,
    });
    http::Response::builder()
        .status(201)
        .body(Empty::new())
        .expect("response")
}

/// A data folder and config file naming `sink` as the one push service.
fn site_for(dir: &Path, sink: &TlsSink) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = dir.join("data");
    let config = dir.join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "[push]\nvapid_subject = \"mailto:tests@example.org\"\nallowed_hosts = [\"{}\"]\nworkers = 2\nbatch_size = 10\n",
            sink.base
        ),
    )
    .expect("config");
    (data, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fanout_over_tls_shares_one_http2_connection_and_every_device_decrypts() {
    let sink = TlsSink::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (data, config) = site_for(dir.path(), &sink);
    let trusted = dir.path().join("push-ca.pem");
    std::fs::write(&trusted, &sink.certificate).expect("pem");
    seed_politics(&data, &config);
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = herald(&data, &config, &["--bind", &bind, "serve"])
        .env("SSL_CERT_FILE", &trusted)
        .env_remove("SSL_CERT_DIR")
        .spawn()
        .expect("serve");
    wait_healthy(port).await;

    let client = reqwest::Client::new();
    let mut devices = Vec::new();
    for n in 0..DEVICES {
        let keys = webpush::UserAgentKeys::generate().expect("keys");
        let mut subscription: Value = serde_json::from_str(
            &keys
                .subscription(&sink.endpoint(&format!("d{n}")))
                .expect("subscription")
                .to_json(),
        )
        .expect("json");
        subscription["endpoint"] = json!(sink.endpoint(&format!("d{n}")));
        let answer = client
            .post(format!("http://{bind}/api/v1/push/subscriptions"))
            .json(&json!({"subscription": subscription, "topics": ["politics"]}))
            .send()
            .await
            .expect("register");
        assert_eq!(
            answer.status(),
            201,
            "{}",
            answer.text().await.unwrap_or_default()
        );
        devices.push(keys);
    }
    add_story(
        &data,
        &config,
        r#"{"slug": "tls", "headline": "Over TLS", "standfirst": "Sealed twice.", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    wait_for(
        "every device's notification",
        Duration::from_secs(60),
        || sink.count() >= DEVICES,
    )
    .await;
    // Time for a duplicate to show, were one sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill().expect("stop");
    server.wait().expect("reaped");

    let received = sink.received.lock().expect("lock");
    assert_eq!(received.len(), DEVICES, "one message per device");
    for message in received.iter() {
        assert_eq!(message.version, http::Version::HTTP_2);
        let n: usize = message
            .device
            .trim_start_matches('d')
            .parse()
            .expect("device");
        let payload = common::devices::shown(&devices[n], &message.body);
        assert_eq!(payload["title"], "Over TLS");
        assert_eq!(payload["body"], "Sealed twice.");
    }
    let mut names: Vec<&str> = received.iter().map(|m| m.device.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), DEVICES, "every device, once");
    assert_eq!(
        sink.connections.load(Ordering::SeqCst),
        1,
        "every message shared the first one's HTTP/2 connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_service_whose_certificate_is_not_trusted_gets_nothing() {
    let sink = TlsSink::start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (data, config) = site_for(dir.path(), &sink);
    let receiver = webpush::UserAgentKeys::generate().expect("keys");
    let subscription = dir.path().join("subscription.json");
    std::fs::write(
        &subscription,
        receiver
            .subscription(&sink.endpoint("device"))
            .expect("subscription")
            .to_json(),
    )
    .expect("write");
    let send = |trust: Option<&Path>| {
        let mut command: Command = herald(
            &data,
            &config,
            &[
                "push",
                "send",
                "--subscription",
                subscription.to_str().expect("utf8"),
                "--title",
                "Checked",
                "--body",
                "Only to a service we trust.",
            ],
        );
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .env_remove("SSL_CERT_DIR");
        match trust {
            Some(file) => command.env("SSL_CERT_FILE", file),
            None => command.env_remove("SSL_CERT_FILE"),
        };
        command.output().expect("push send")
    };

    // The commands block this thread; the sink runs on the other one.
    let refused = send(None);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "sent to an untrusted service");
    assert!(stderr.contains("certificate"), "says why: {stderr}");
    assert!(
        !stderr.contains("/push/device"),
        "never the endpoint: {stderr}"
    );
    assert_eq!(sink.count(), 0, "nothing reached the untrusted service");

    let trusted = dir.path().join("push-ca.pem");
    std::fs::write(&trusted, &sink.certificate).expect("pem");
    let sent = send(Some(&trusted));
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(String::from_utf8_lossy(&sent.stdout).starts_with("201 delivered"));
    let received = sink.received.lock().expect("lock");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].version, http::Version::HTTP_2);
    let payload = common::devices::shown(&receiver, &received[0].body);
    assert_eq!(payload["title"], "Checked");
}
