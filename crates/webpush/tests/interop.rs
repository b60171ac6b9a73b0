//! Interoperability with independent implementations.
//!
//! Two third-party peers, run as subprocesses: `interop/webpush_peer.py`
//! (PyPI `http-ece`, `py-vapid`, `cryptography`) and
//! `interop/webpush_peer.mjs` (npm `web-push`, `http_ece`, `jws`). Each
//! decrypts what this crate encrypts and verifies its VAPID header, and
//! encrypts messages this crate must decrypt. A missing peer fails the test
//! with the install step; it is never skipped.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use webpush::base64url::{decode, encode};
use webpush::{
    DecryptError, Direction, MAX_PLAINTEXT, Notification, PushOptions, Subject, Topic, Urgency,
    UserAgentKeys, Vapid, VapidKeys, build_request, encrypt,
};

#[derive(Clone, Copy)]
enum Peer {
    Python,
    Node,
}

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

impl Peer {
    fn call(self, op: &str, request: &Value) -> Value {
        let dir = interop_dir();
        let (program, script) = match self {
            Peer::Python => ("python3", "webpush_peer.py"),
            Peer::Node => ("node", "webpush_peer.mjs"),
        };
        let install = "install the peers with `bash interop/install.sh` (CI runs it from .ci/run)";
        if let Peer::Node = self {
            assert!(
                dir.join("node_modules/web-push").is_dir(),
                "npm peer missing: {install}"
            );
        }
        let mut child = Command::new(program)
            .arg(script)
            .arg(op)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}; {install}"));
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(request.to_string().as_bytes())
            .expect("write request");
        let out = child.wait_with_output().expect("peer runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("ModuleNotFoundError") && !stderr.contains("ERR_MODULE_NOT_FOUND"),
            "peer {script} is not installed ({stderr}); {install}"
        );
        assert!(out.status.success(), "peer {script} {op} failed: {stderr}");
        serde_json::from_slice(&out.stdout).expect("peer answers JSON")
    }
}

fn payloads() -> Vec<Vec<u8>> {
    vec![
        b"When I grow up, I want to be a watermelon".to_vec(),
        Vec::new(),
        "Breaking: caf\u{e9} \u{1F4F0}".as_bytes().to_vec(),
        (0..MAX_PLAINTEXT).map(|i| (i % 251) as u8).collect(),
    ]
}

/// Encrypts `payload` for fresh keys and returns what `peer` decrypts.
fn through_peer(peer: Peer, payload: &[u8], padding: usize) -> Vec<u8> {
    let keys = UserAgentKeys::generate().expect("keys");
    let sub = keys
        .subscription("https://push.example.net/p/1")
        .expect("sub");
    let body = encrypt(&sub, payload, padding).expect("encrypt");
    let answer = peer.call(
        "decrypt",
        &json!({
            "private_key": encode(&keys.private_key_bytes().expect("export")),
            "auth": encode(keys.auth()),
            "body": encode(&body),
        }),
    );
    decode(answer["plaintext"].as_str().expect("plaintext")).expect("b64")
}

fn peer_decrypts_what_we_encrypt(peer: Peer) {
    for (payload, padding) in payloads().into_iter().zip([0, 100, 7, 0]) {
        let plaintext = through_peer(peer, &payload, padding);
        assert_eq!(plaintext, payload, "padding {padding}");
    }
}

/// A Declarative Web Push message with every member, its body too long
/// for one message and shortened to the budget.
fn declarative_message() -> Notification {
    let mut data = serde_json::Map::new();
    data.insert("story".into(), json!(42));
    let mut note = Notification {
        title: "Caf\u{e9}s reopen \u{1F4F0}".into(),
        body: "\u{e9}".repeat(3_000),
        navigate: "https://news.example/stories/cafes?from=notification".into(),
        tag: Some("42".into()),
        renotify: true,
        lang: Some("fr".into()),
        dir: Some(Direction::Ltr),
        icon: Some("https://news.example/icons/icon-192.png".into()),
        image: Some("https://news.example/media/cafe.jpg".into()),
        timestamp: Some(1_800_000_000_000),
        data,
        app_badge: Some(2),
        mutable: true,
    };
    assert_eq!(note.fit(MAX_PLAINTEXT), Ok(true), "shortened to fit");
    note
}

/// The third party's plaintext is the declarative message, whole: its
/// members where the W3C Push API puts them, the body shortened visibly.
fn peer_reads_a_declarative_message(peer: Peer) {
    let note = declarative_message();
    let plaintext = through_peer(peer, &note.to_json(), 0);
    let message: Value = serde_json::from_slice(&plaintext).expect("JSON");
    assert_eq!(message["web_push"], 8030);
    assert_eq!(message["mutable"], true);
    assert_eq!(message["app_badge"], 2);
    let shown = &message["notification"];
    assert_eq!(shown["title"], note.title);
    assert_eq!(shown["navigate"], note.navigate);
    assert_eq!(
        (&shown["tag"], &shown["lang"], &shown["dir"]),
        (&json!("42"), &json!("fr"), &json!("ltr"))
    );
    assert_eq!(shown["data"]["story"], 42);
    let shortened = shown["body"].as_str().expect("body");
    assert!(
        shortened.ends_with('\u{2026}') && shortened.len() > 3_000,
        "{}",
        shortened.len()
    );
    assert_eq!(Notification::from_json(&plaintext), Ok(note));
}

fn we_decrypt_what_peer_encrypts(peer: Peer) {
    let keys = UserAgentKeys::generate().expect("keys");
    for payload in payloads() {
        let answer = peer.call(
            "encrypt",
            &json!({
                "p256dh": encode(keys.public_key()),
                "auth": encode(keys.auth()),
                "plaintext": encode(&payload),
            }),
        );
        let body = decode(answer["body"].as_str().expect("body")).expect("b64");
        if payload.is_empty() && matches!(peer, Peer::Python) {
            // http-ece 1.2.1 writes a header and no record for an empty
            // plaintext. RFC 8188 needs a final record carrying the 0x02
            // delimiter, and a record-less body is unauthenticated, so it is
            // refused rather than read as an empty message.
            assert_eq!(keys.decrypt(&body), Err(DecryptError::NoRecord));
            continue;
        }
        assert_eq!(keys.decrypt(&body).expect("we decrypt"), payload);
        let mut altered = body.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(keys.decrypt(&altered).is_err());
    }
}

fn peer_accepts_our_request(peer: Peer) {
    let ua = UserAgentKeys::generate().expect("keys");
    let sub = ua
        .subscription("https://updates.push.example.net:8443/wpush/v2/abc")
        .expect("sub");
    let vapid = Vapid::new(
        VapidKeys::generate().expect("vapid keys"),
        Subject::new("mailto:newsroom@example.com").expect("subject"),
    );
    let options = PushOptions {
        urgency: Urgency::High,
        topic: Some(Topic::from_story_id(42)),
        ..PushOptions::default()
    };
    let payload = br#"{"title":"Hello","body":"World","url":"https://news.example/s/42"}"#;
    let request = build_request(&sub, payload, &options, &vapid).expect("request");

    let answer = peer.call(
        "verify-vapid",
        &json!({ "authorization": request.header("Authorization").expect("auth header") }),
    );
    assert_eq!(answer["k"], vapid.keys().public_key_base64url());
    let claims = &answer["claims"];
    assert_eq!(claims["aud"], "https://updates.push.example.net:8443");
    assert_eq!(claims["sub"], "mailto:newsroom@example.com");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let exp = claims["exp"].as_u64().expect("exp");
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp} now {now}");

    let answer = peer.call(
        "decrypt",
        &json!({
            "private_key": encode(&ua.private_key_bytes().expect("export")),
            "auth": encode(ua.auth()),
            "body": encode(&request.body),
        }),
    );
    assert_eq!(
        decode(answer["plaintext"].as_str().expect("plaintext")).expect("b64"),
        payload
    );
    assert_eq!(request.header("Content-Encoding"), Some("aes128gcm"));
    assert_eq!(request.header("Topic"), Some("story-42"));
}

#[test]
fn python_http_ece_decrypts_what_we_encrypt() {
    peer_decrypts_what_we_encrypt(Peer::Python);
}

#[test]
fn we_decrypt_what_python_http_ece_encrypts() {
    we_decrypt_what_peer_encrypts(Peer::Python);
}

#[test]
fn python_http_ece_reads_a_declarative_message() {
    peer_reads_a_declarative_message(Peer::Python);
}

#[test]
fn node_http_ece_reads_a_declarative_message() {
    peer_reads_a_declarative_message(Peer::Node);
}

#[test]
fn python_py_vapid_verifies_our_request() {
    peer_accepts_our_request(Peer::Python);
}

#[test]
fn node_http_ece_decrypts_what_we_encrypt() {
    peer_decrypts_what_we_encrypt(Peer::Node);
}

#[test]
fn we_decrypt_what_node_web_push_encrypts() {
    we_decrypt_what_peer_encrypts(Peer::Node);
}

#[test]
fn node_jws_verifies_our_request() {
    peer_accepts_our_request(Peer::Node);
}
