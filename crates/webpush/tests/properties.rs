//! Property tests: round trips within the budget, tamper detection, and
//! refusal (never truncation) beyond the budget.

use std::sync::OnceLock;

use proptest::prelude::*;
use webpush::budget::{HEADER_LEN, encrypted_len};
use webpush::{
    EncryptError, MAX_BODY, MAX_PLAINTEXT, Notification, Subscription, UserAgentKeys, encrypt,
};

fn keys() -> &'static (UserAgentKeys, Subscription) {
    static KEYS: OnceLock<(UserAgentKeys, Subscription)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let keys = UserAgentKeys::generate().expect("keys");
        let sub = keys.subscription("https://push.example/p").expect("sub");
        (keys, sub)
    })
}

/// A payload and padding whose total fits the budget.
fn within_budget() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (0..=MAX_PLAINTEXT).prop_flat_map(|len| {
        (
            proptest::collection::vec(any::<u8>(), len),
            0..=(MAX_PLAINTEXT - len),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_payload_within_the_budget_round_trips((payload, padding) in within_budget()) {
        let (keys, sub) = keys();
        let body = encrypt(sub, &payload, padding).expect("fits, so encrypts");
        prop_assert_eq!(body.len(), encrypted_len(payload.len(), padding));
        prop_assert!(body.len() <= MAX_BODY);
        prop_assert_eq!(keys.decrypt(&body).expect("decrypts"), payload);
    }

    #[test]
    fn any_changed_byte_is_rejected(
        payload in proptest::collection::vec(any::<u8>(), 0..600),
        padding in 0usize..64,
        position in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let (keys, sub) = keys();
        let mut body = encrypt(sub, &payload, padding).expect("encrypts");
        // Salt (0..16), key id (21..86) and every record byte; the record
        // size and key-id length fields are covered by fixed tests below.
        let tamperable: Vec<usize> = (0..16).chain(21..body.len()).collect();
        let at = tamperable[position.index(tamperable.len())];
        body[at] ^= flip;
        prop_assert!(keys.decrypt(&body).is_err(), "byte {} changed yet accepted", at);
    }

    #[test]
    fn a_payload_over_the_budget_is_refused(
        extra in 1usize..5000,
        padding in 0usize..200,
    ) {
        let (_, sub) = keys();
        let len = MAX_PLAINTEXT + extra - padding.min(extra);
        let payload = vec![b'x'; len];
        let err = encrypt(sub, &payload, padding).expect_err("over budget");
        prop_assert_eq!(err, EncryptError::PayloadTooLarge { len, padding, max: MAX_PLAINTEXT });
    }

    #[test]
    fn fitted_notifications_fit_and_keep_a_prefix(
        title in "\\PC{0,400}",
        body in "\\PC{0,3000}",
        budget in 120usize..4000,
    ) {
        let mut note = Notification {
            title: title.clone(),
            body: body.clone(),
            navigate: "https://news.example/s/1".into(),
            ..Notification::default()
        };
        if note.fit(budget).is_ok() {
            prop_assert!(note.to_json().len() <= budget);
            let kept_body = note.body.trim_end_matches('…');
            prop_assert!(body.starts_with(kept_body));
            let kept_title = note.title.trim_end_matches('…');
            prop_assert!(title.starts_with(kept_title));
        }
    }
}

#[test]
fn changing_the_record_size_or_key_id_length_is_rejected() {
    let (keys, sub) = keys();
    let body = encrypt(sub, &[7u8; 300], 0).expect("encrypts");
    // The record is 300 + 1 + 16 = 317 bytes. A smaller record size splits
    // it differently, so authentication fails. RFC 8291 section 4 lets a
    // sender pick any rs larger than its single record, and rs is not
    // authenticated, so a larger value reads the same message.
    let with_rs = |rs: u32| {
        let mut altered = body.clone();
        altered[16..20].copy_from_slice(&rs.to_be_bytes());
        keys.decrypt(&altered)
    };
    for rs in [0u32, 17, 18, 100, 316] {
        assert!(with_rs(rs).is_err(), "rs {rs}");
    }
    for rs in [317u32, 4095, u32::MAX] {
        assert_eq!(with_rs(rs).expect("same message"), vec![7u8; 300]);
    }
    for id_len in [0u8, 64, 66, 255] {
        let mut altered = body.clone();
        altered[20] = id_len;
        assert!(keys.decrypt(&altered).is_err(), "idlen {id_len}");
    }
    assert!(keys.decrypt(&body[..HEADER_LEN]).is_err());
    assert!(keys.decrypt(&body[..body.len() - 1]).is_err());
}
