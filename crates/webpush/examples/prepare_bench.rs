//! Benchmark: prepared pushes per second on one thread.
//!
//! One prepared push = encrypt a 200-byte payload for a subscription (fresh
//! salt, fresh ephemeral P-256 key, ECDH, HKDF, AES-GCM) and attach the cached
//! VAPID header: exactly what `build_request` does per message. Also times the
//! unavoidable floor (one key generation plus one ECDH) in aws-lc-rs alone.
//! Run with `--release`; `bench/webpush.sh` compares it with OpenSSL.
//!
//! Usage: `prepare_bench [SECONDS]` (default 5). Prints `key value` lines.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
use webpush::{PushOptions, Subject, Topic, UserAgentKeys, Vapid, VapidKeys, build_request};

fn per_second(seconds: f64, mut op: impl FnMut()) -> f64 {
    // Warm up, then count whole batches until the time is up.
    for _ in 0..200 {
        op();
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            op();
        }
        count += 100;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5.0);
    let ua = UserAgentKeys::generate()?;
    let sub = ua.subscription("https://fcm.googleapis.com/fcm/send/bench")?;
    let vapid = Vapid::new(
        VapidKeys::generate()?,
        Subject::new("mailto:bench@example.com")?,
    );
    let options = PushOptions {
        topic: Some(Topic::from_story_id(123_456)),
        ..PushOptions::default()
    };
    let payload = [b'a'; 200];
    let check = build_request(&sub, &payload, &options, &vapid)?;
    assert_eq!(ua.decrypt(&check.body)?, payload);

    let pushes = per_second(seconds, || {
        let request = build_request(&sub, black_box(&payload), &options, &vapid);
        black_box(request.map(|r| r.body.len()).unwrap_or(0));
    });

    let encrypt_only = per_second(seconds, || {
        black_box(
            webpush::encrypt(&sub, black_box(&payload), 0)
                .map(|b| b.len())
                .ok(),
        );
    });

    let keygen = per_second(seconds, || {
        let ours = PrivateKey::generate(&ECDH_P256);
        black_box(
            ours.and_then(|k| k.compute_public_key())
                .map(|p| p.as_ref()[1])
                .ok(),
        );
    });

    let peer = *ua.public_key();
    let floor = per_second(seconds, || {
        let ours = PrivateKey::generate(&ECDH_P256);
        if let Ok(ours) = ours {
            let public = ours.compute_public_key().map(|p| p.as_ref()[1]);
            let secret =
                agreement::agree(&ours, UnparsedPublicKey::new(&ECDH_P256, &peer), (), |s| {
                    Ok(s[0])
                });
            black_box((public.ok(), secret.ok()));
        }
    });

    let ecdh_only = {
        let ours = PrivateKey::generate(&ECDH_P256)?;
        per_second(seconds, || {
            let secret =
                agreement::agree(&ours, UnparsedPublicKey::new(&ECDH_P256, &peer), (), |s| {
                    Ok(s[0])
                });
            black_box(secret.ok());
        })
    };

    println!("prepared_push_per_s {pushes:.0}");
    println!("prepared_push_us {:.2}", 1e6 / pushes);
    println!("encrypt_only_per_s {encrypt_only:.0}");
    println!("awslc_keygen_per_s {keygen:.0}");
    println!("awslc_keygen_plus_ecdh_per_s {floor:.0}");
    println!("awslc_ecdh_per_s {ecdh_only:.0}");
    Ok(())
}
