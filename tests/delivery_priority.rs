//! Serving before sending (issue 20): a delivering site encrypts its
//! notifications on threads of their own (`herald-encrypt`) at a lower OS
//! priority, and every other thread of the process — the web server's
//! runtime, the store's connections — keeps the process's priority. Read
//! from `/proc/self/task`, so Linux only.
#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use common::devices::{register_many, wait_done};
use common::sink::Sink;
use herald::delivery::encryption::EncryptionThreads;
use herald::delivery::sender::Delivery;
use herald::store::Recipient;

const MESSAGES: usize = 1000;

/// One thread of this process, as `/proc/self/task/<id>/stat` shows it.
#[derive(Debug)]
struct Thread {
    name: String,
    nice: i32,
    /// User and system CPU time, in clock ticks.
    cpu_ticks: u64,
}

/// Every thread of this process.
fn threads() -> Vec<Thread> {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("stat")).ok())
        .map(|stat| parse_stat(&stat))
        .collect()
}

/// `pid (name) state ppid …`: the name may hold spaces and parentheses,
/// so the fields are counted from its last `)`; utime and stime are
/// fields 14 and 15, nice field 19.
fn parse_stat(stat: &str) -> Thread {
    let open = stat.find('(').expect("(");
    let close = stat.rfind(')').expect(")");
    let name = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    let field = |n: usize| fields[n - 3];
    Thread {
        name,
        nice: field(19).parse().expect("nice"),
        cpu_ticks: field(14).parse::<u64>().expect("utime")
            + field(15).parse::<u64>().expect("stime"),
    }
}

/// This process's own nice value (its first thread's).
fn process_nice() -> i32 {
    parse_stat(&std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat")).nice
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fanout_is_encrypted_on_niced_threads_and_the_web_keeps_its_priority() {
    let sink = Sink::start().await;
    let site = common::devices::delivering_site(&sink).await;
    register_many(&site, &sink, "politics", MESSAGES).await;
    let story = site
        .publish(&common::story_json("storm", "Storm", &["Politics"]))
        .await;
    let stats = wait_done(&site, story.id, Duration::from_secs(120)).await;
    assert_eq!(stats["delivered"], MESSAGES, "{stats}");

    let process = process_nice();
    let all = threads();
    let (encrypting, others): (Vec<&Thread>, Vec<&Thread>) =
        all.iter().partition(|t| t.name == "herald-encrypt");
    assert!(!encrypting.is_empty(), "no encryption threads: {all:?}");
    for thread in &encrypting {
        assert_eq!(thread.nice, (process + 10).min(19), "{thread:?}");
    }
    // The messages were encrypted there, not on the web server's threads.
    let cpu: u64 = encrypting.iter().map(|t| t.cpu_ticks).sum();
    assert!(
        cpu > 0,
        "the encryption threads did no work: {encrypting:?}"
    );
    // Nothing else was lowered: not the web runtime, not a database
    // connection's thread opened while a fan-out ran.
    for thread in &others {
        assert_eq!(thread.nice, process, "{thread:?}");
    }
}

#[tokio::test]
async fn a_batch_sealed_on_the_encryption_threads_keeps_its_order_and_its_failures() {
    let sink = Sink::start().await;
    let threads = EncryptionThreads::start(2, 10).expect("threads");
    let sender = sink.sender(4).encrypting_on(threads);
    let devices: Vec<webpush::UserAgentKeys> = (0..7)
        .map(|_| webpush::UserAgentKeys::generate().expect("keys"))
        .collect();
    let mut recipients: Vec<Recipient> = devices
        .iter()
        .enumerate()
        .map(|(n, keys)| Recipient {
            id: n as i64,
            endpoint: sink.endpoint(&format!("d{n}")),
            p256dh: webpush::base64url::encode(keys.public_key()),
            auth: webpush::base64url::encode(keys.auth()),
        })
        .collect();
    recipients[3].p256dh = "not base64url!".into();
    let payload = b"{\"title\":\"t\"}";
    let sealed = sender
        .seal_all(&recipients, payload, &webpush::PushOptions::default())
        .await;
    assert_eq!(sealed.len(), recipients.len());
    for (n, sealed) in sealed.into_iter().enumerate() {
        let (delivery, _) = sender.deliver(sealed).await;
        if n == 3 {
            assert!(matches!(delivery, Delivery::Unusable(_)), "{delivery:?}");
            continue;
        }
        assert_eq!(delivery, Delivery::Answered(webpush::Outcome::Delivered));
        // Sealed for its own recipient, whatever thread sealed it: its
        // device reads it.
        let received = sink.received_by(&format!("d{n}"));
        assert_eq!(received.len(), 1, "device {n}");
        let plaintext = devices[n].decrypt(&received[0].body).expect("decrypts");
        assert_eq!(plaintext, payload, "device {n}");
    }
}
