//! The SSRF guard at send time: a push-service name that resolves to a
//! private or loopback address when a message is sent (DNS rebinding after
//! registration) is refused before any connection is made, and recorded as a
//! failure, not retried.

use std::sync::Arc;

use herald::delivery::allowlist::{AllowList, Resolver};
use herald::delivery::sender::{Delivery, Sender};
use herald::store::Recipient;

#[tokio::test]
async fn a_name_that_now_resolves_inside_is_refused_before_connecting() {
    // No test can control real DNS: this table stands in for it.
    let dns = [
        ("rebound.notify.windows.com", "127.0.0.1"),
        ("inside.push.apple.com", "10.0.0.9"),
    ]
    .iter()
    .map(|(h, ip)| (h.to_string(), vec![ip.parse().expect("ip")]))
    .collect();
    let allow_list = Arc::new(AllowList::new(&[], Resolver::Static(dns)).expect("list"));
    let vapid = webpush::Vapid::new(
        webpush::VapidKeys::generate().expect("keys"),
        webpush::Subject::new("mailto:tests@example.org").expect("subject"),
    );
    let sender = Sender::new(vapid, allow_list, 4).expect("sender");
    let device = webpush::UserAgentKeys::generate().expect("keys");
    for endpoint in [
        "https://rebound.notify.windows.com/w/?token=a",
        "https://inside.push.apple.com/3/device/a",
    ] {
        let recipient = Recipient {
            id: 1,
            endpoint: endpoint.to_owned(),
            p256dh: webpush::base64url::encode(device.public_key()),
            auth: webpush::base64url::encode(device.auth()),
        };
        let options = webpush::PushOptions::default();
        let (delivery, _) = sender.send(&recipient, b"{}", &options).await;
        match delivery {
            Delivery::Unusable(reason) => {
                assert!(
                    reason.contains("private, loopback or link-local"),
                    "{reason}"
                );
                assert!(
                    !reason.contains("/w/") && !reason.contains("/3/"),
                    "no endpoint path in {reason}"
                );
            }
            other => panic!("{endpoint}: expected a refusal, got {other:?}"),
        }
    }
}
