//! Fuzzes the subscription parser: any input is accepted or refused with an
//! error, never a panic, and an accepted one round-trips through `to_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webpush::Subscription;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sub) = Subscription::from_json(text) {
        let again = Subscription::from_json(&sub.to_json()).expect("a parsed subscription re-parses");
        assert_eq!(again.p256dh(), sub.p256dh());
        assert_eq!(again.auth(), sub.auth());
        assert_eq!(again.endpoint(), sub.endpoint());
    }
});
