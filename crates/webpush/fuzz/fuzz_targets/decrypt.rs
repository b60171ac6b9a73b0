//! Fuzzes the decryptor with fixed user-agent keys: arbitrary bodies are
//! refused without panicking. Bodies that start with a valid header (the
//! input's first byte picks a real message to mutate) reach the record code.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use webpush::{UserAgentKeys, ece, encrypt};

struct Fixture {
    keys: UserAgentKeys,
    message: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys = UserAgentKeys::from_bytes(&[7u8; 32], &[9u8; 16]).expect("keys");
        let sub = keys.subscription("https://push.example/f").expect("sub");
        let message = encrypt(&sub, b"fuzz me", 3).expect("encrypt");
        Fixture { keys, message }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let _ = f.keys.decrypt(data);
    let _ = ece::decrypt_with_ikm(&[1u8; 16], data);
    // Splice the input into a genuine message's header.
    if let Some((&at, rest)) = data.split_first() {
        let mut body = f.message[..usize::from(at).min(f.message.len())].to_vec();
        body.extend_from_slice(rest);
        // AES-GCM: whatever decrypts is the genuine plaintext (a larger,
        // unauthenticated record size may still read the same record).
        if let Ok(plain) = f.keys.decrypt(&body) {
            assert_eq!(plain, b"fuzz me");
        }
    }
});
