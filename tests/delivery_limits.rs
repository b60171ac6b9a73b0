//! How many messages the sender has in flight at one push service: the
//! first alone (for at most a second, should it hang), so that an HTTP/2
//! service gets one shared connection rather than a TLS handshake per
//! message in flight; then at most the configured concurrency.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sink::{Answer, Sink};
use herald::delivery::sender::{Delivery, Sender};
use herald::store::Recipient;

const PER_ORIGIN: usize = 4;
const MESSAGES: usize = 13;

#[tokio::test]
async fn a_push_services_first_message_goes_alone_then_at_most_the_limit() {
    let sink = Sink::start().await;
    // Slow answers keep each message in flight long enough to be counted.
    for n in 0..MESSAGES {
        sink.script(
            &format!("d{n}"),
            vec![Answer::Slow(Duration::from_millis(150))],
        );
    }
    let sender = sender_for(&sink);
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..MESSAGES {
        let recipient = recipient(&sink, n as i64, &format!("d{n}"));
        let sender = sender.clone();
        sends.spawn(async move {
            let options = webpush::PushOptions::default();
            sender
                .send(&recipient, b"{\"title\":\"t\"}", &options)
                .await
        });
    }
    while let Some(sent) = sends.join_next().await {
        let (delivery, host) = sent.expect("send");
        assert_eq!(delivery, Delivery::Answered(webpush::Outcome::Delivered));
        assert_eq!(host.as_str(), "127.0.0.1");
    }

    let mut received = sink.received();
    received.sort_by_key(|r| r.arrived_at);
    assert_eq!(received.len(), MESSAGES);
    assert!(
        received[0].at <= received[1].arrived_at,
        "the first message goes alone: the second arrived before it was answered"
    );
    let in_flight: Vec<usize> = received.iter().map(|r| r.in_flight).collect();
    assert!(
        in_flight.iter().all(|&n| n <= PER_ORIGIN),
        "never more than {PER_ORIGIN} in flight: {in_flight:?}"
    );
    assert!(
        in_flight.contains(&PER_ORIGIN),
        "the limit opens to {PER_ORIGIN} after the first answer: {in_flight:?}"
    );
}

#[tokio::test]
async fn a_first_message_that_hangs_holds_the_rest_back_only_a_moment() {
    let sink = Sink::start().await;
    // Far longer than FIRST_REQUEST_ALONE, which must let the others go.
    let hang = herald::delivery::sender::FIRST_REQUEST_ALONE * 4;
    sink.script("first", vec![Answer::Slow(hang)]);
    let sender = sender_for(&sink);
    let first = {
        let sender = sender.clone();
        let recipient = recipient(&sink, 0, "first");
        tokio::spawn(async move {
            sender
                .send(&recipient, b"{}", &webpush::PushOptions::default())
                .await
        })
    };
    // The first request is in flight before the others are asked for.
    while sink.in_flight() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for n in 1..3 {
        let (delivery, _) = sender
            .send(
                &recipient(&sink, n, &format!("later{n}")),
                b"{}",
                &webpush::PushOptions::default(),
            )
            .await;
        assert_eq!(delivery, Delivery::Answered(webpush::Outcome::Delivered));
    }
    assert!(
        sink.received_by("first").is_empty(),
        "the later messages were answered while the first still hung"
    );
    let (delivery, _) = first.await.expect("first send");
    assert_eq!(delivery, Delivery::Answered(webpush::Outcome::Delivered));
}

fn sender_for(sink: &Sink) -> Arc<Sender> {
    Arc::new(sink.sender(PER_ORIGIN))
}

fn recipient(sink: &Sink, id: i64, device: &str) -> Recipient {
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    Recipient {
        id,
        endpoint: sink.endpoint(device),
        p256dh: webpush::base64url::encode(keys.public_key()),
        auth: webpush::base64url::encode(keys.auth()),
    }
}
