//! `herald push send` against a local push service on loopback: the
//! request carries the RFC 8030 headers and a VAPID header signed with the
//! site's key, and its body decrypts (with the subscriber's private key) to
//! the notification JSON the service worker reads.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// What the local push service received.
#[derive(Default)]
struct Received {
    headers: Option<HeaderMap>,
    body: Vec<u8>,
}

/// A push service that answers `status` and keeps what it received.
async fn push_service(status: StatusCode) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let keep = received.clone();
    let app = Router::new().route(
        "/push/{id}",
        post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                let mut r = keep.lock().expect("lock");
                r.headers = Some(headers);
                r.body = body.to_vec();
                (status, [("retry-after", "30")], "answer body")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

fn herald(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("herald runs")
}

#[tokio::test]
async fn push_send_delivers_a_decryptable_signed_notification() {
    let (base, received) = push_service(StatusCode::CREATED).await;
    let data = tempfile::tempdir().expect("tmp");
    let receiver = webpush::UserAgentKeys::generate().expect("keys");
    let subscription = receiver
        .subscription("https://placeholder.example/x")
        .expect("subscription");
    let mut json: serde_json::Value = serde_json::from_str(&subscription.to_json()).expect("json");
    json["endpoint"] = serde_json::json!(format!("{base}/push/device-1"));
    let file = data.path().join("subscription.json");
    std::fs::write(&file, json.to_string()).expect("write");

    let out = tokio::task::spawn_blocking({
        let data = data.path().to_path_buf();
        let file = file.clone();
        let base = base.clone();
        move || {
            herald(
                &data,
                &[
                    "--push-allowed-hosts",
                    &base,
                    "--vapid-subject",
                    "mailto:ops@example.org",
                    "--base-url",
                    "https://news.example",
                    "push",
                    "send",
                    "--subscription",
                    file.to_str().expect("utf8"),
                    "--title",
                    "Ferry resumes",
                    "--body",
                    "Boats run again.",
                    "--url",
                    "/stories/ferry",
                    "--ttl",
                    "600",
                    "--urgency",
                    "high",
                    "--topic",
                    "story-7",
                ],
            )
        }
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("201 delivered"), "{stdout}");

    let received = received.lock().expect("lock");
    let headers = received.headers.as_ref().expect("a request arrived");
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["ttl"], "600");
    assert_eq!(headers["urgency"], "high");
    assert_eq!(headers["topic"], "story-7");
    let authorization = headers["authorization"].to_str().expect("ascii");
    let public_key = String::from_utf8_lossy(&herald(data.path(), &["vapid", "show"]).stdout)
        .trim()
        .to_owned();
    assert!(authorization.starts_with("vapid t="), "{authorization}");
    assert!(
        authorization.ends_with(&format!(", k={public_key}")),
        "{authorization}"
    );

    // A Declarative Web Push message, its link on the site's address.
    let plaintext = receiver.decrypt(&received.body).expect("decrypts");
    let shown = webpush::Notification::from_json(&plaintext).expect("a declarative message");
    assert_eq!(shown.title, "Ferry resumes");
    assert_eq!(shown.body, "Boats run again.");
    assert_eq!(shown.navigate, "https://news.example/stories/ferry");
    assert_eq!(
        shown.data["herald"]["kind"], "test",
        "no story's click to count"
    );
}

#[tokio::test]
async fn push_send_reports_the_classified_answer() {
    let (base, _) = push_service(StatusCode::TOO_MANY_REQUESTS).await;
    let data = tempfile::tempdir().expect("tmp");
    let receiver = webpush::UserAgentKeys::generate().expect("keys");
    let mut json: serde_json::Value = serde_json::from_str(
        &receiver
            .subscription("https://x.example/x")
            .expect("sub")
            .to_json(),
    )
    .expect("json");
    json["endpoint"] = serde_json::json!(format!("{base}/push/device-2"));
    let file = data.path().join("s.json");
    std::fs::write(&file, json.to_string()).expect("write");
    let out = tokio::task::spawn_blocking({
        let data = data.path().to_path_buf();
        move || {
            herald(
                &data,
                &[
                    "--push-allowed-hosts",
                    &base,
                    "--vapid-subject",
                    "https://news.example.org/contact",
                    "push",
                    "send",
                    "--subscription",
                    file.to_str().expect("utf8"),
                    "--title",
                    "T",
                    "--body",
                    "B",
                ],
            )
        }
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("429 retry later (after 30 s)"),
        "{stdout}"
    );
    assert!(stdout.contains("answer body"), "{stdout}");
}

#[test]
fn push_send_without_a_subject_says_how_to_set_it() {
    let data = tempfile::tempdir().expect("tmp");
    let file = data.path().join("s.json");
    let receiver = webpush::UserAgentKeys::generate().expect("keys");
    std::fs::write(
        &file,
        receiver
            .subscription("https://fcm.googleapis.com/x")
            .expect("sub")
            .to_json(),
    )
    .expect("write");
    let out = herald(
        data.path(),
        &[
            "push",
            "send",
            "--subscription",
            file.to_str().expect("utf8"),
            "--title",
            "T",
            "--body",
            "B",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HERALD_VAPID_SUBJECT") && err.contains("push.vapid_subject"),
        "{err}"
    );
    let out = herald(
        data.path(),
        &[
            "--vapid-subject",
            "ftp://x",
            "push",
            "send",
            "--subscription",
            file.to_str().expect("utf8"),
            "--title",
            "T",
            "--body",
            "B",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mailto:"), "{err}");
}

#[test]
fn vapid_show_is_stable_and_generate_replaces_it_with_a_warning() {
    let data = tempfile::tempdir().expect("tmp");
    let first = herald(data.path(), &["vapid", "show"]);
    let again = herald(data.path(), &["vapid", "show"]);
    assert_eq!(first.stdout, again.stdout);
    let key = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    assert_eq!(webpush::base64url::decode(&key).map(|k| k.len()), Some(65));
    let new = herald(data.path(), &["vapid", "generate"]);
    assert!(String::from_utf8_lossy(&new.stderr).contains("stops working"));
    assert_ne!(new.stdout, first.stdout);
    assert_eq!(herald(data.path(), &["vapid", "show"]).stdout, new.stdout);
    assert!(
        String::from_utf8_lossy(&new.stderr).find(&key).is_none(),
        "no key material in logs"
    );
}
