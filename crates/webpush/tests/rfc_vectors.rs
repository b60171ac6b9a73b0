//! The worked examples of RFC 8291 (Appendix A) and RFC 8188 (section 3),
//! reproduced byte for byte. The bytes were also checked against Python's
//! `http_ece`, an independent implementation, which decrypts all three.

use webpush::base64url::{decode, encode};
use webpush::{DecryptError, Subscription, UserAgentKeys, ece, encrypt_with_keys};

fn b(text: &str) -> Vec<u8> {
    decode(text).expect("test vector is base64url")
}

mod rfc8291 {
    pub const PLAINTEXT: &str = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24";
    pub const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    pub const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    pub const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    pub const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    pub const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    pub const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    pub const MESSAGE: &str = concat!(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_",
        "yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    );
}

#[test]
fn rfc8291_appendix_a_encrypts_byte_for_byte() {
    let plaintext = b(rfc8291::PLAINTEXT);
    assert_eq!(plaintext, b"When I grow up, I want to be a watermelon");
    let sub = Subscription::new(
        "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV",
        &b(rfc8291::UA_PUBLIC),
        &b(rfc8291::AUTH),
        None,
    )
    .expect("RFC subscriber keys are valid");
    let salt: [u8; 16] = b(rfc8291::SALT).try_into().expect("16-byte salt");
    let body =
        encrypt_with_keys(&sub, &plaintext, 0, &salt, &b(rfc8291::AS_PRIVATE)).expect("encrypts");
    assert_eq!(encode(&body), rfc8291::MESSAGE);
    assert_eq!(body[21..86], b(rfc8291::AS_PUBLIC)[..]);
    assert_eq!(body.len(), 144);
}

#[test]
fn rfc8291_appendix_a_decrypts_with_the_user_agent_keys() {
    let keys = UserAgentKeys::from_bytes(&b(rfc8291::UA_PRIVATE), &b(rfc8291::AUTH))
        .expect("RFC user agent keys import");
    assert_eq!(encode(keys.public_key()), rfc8291::UA_PUBLIC);
    assert_eq!(
        keys.private_key_bytes().expect("export"),
        b(rfc8291::UA_PRIVATE)
    );
    let plaintext = keys.decrypt(&b(rfc8291::MESSAGE)).expect("decrypts");
    assert_eq!(plaintext, b"When I grow up, I want to be a watermelon");
}

#[test]
fn rfc8291_message_with_a_wrong_auth_secret_is_rejected() {
    let keys = UserAgentKeys::from_bytes(&b(rfc8291::UA_PRIVATE), &[0u8; 16]).expect("import");
    assert_eq!(
        keys.decrypt(&b(rfc8291::MESSAGE)),
        Err(DecryptError::Authentication { index: 0 })
    );
}

#[test]
fn rfc8188_section_3_1_single_record() {
    let body = b("I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg");
    let (header, _) = ece::Header::parse(&body).expect("header");
    assert_eq!(header.rs, 4096);
    assert!(header.key_id.is_empty());
    let plaintext = ece::decrypt_with_ikm(&b("yqdlZ-tYemfogSmv7Ws5PQ"), &body).expect("decrypts");
    assert_eq!(plaintext, b"I am the walrus");
}

#[test]
fn rfc8188_section_3_1_encrypts_byte_for_byte() {
    let body = b("I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg");
    let salt: [u8; 16] = body[..16].try_into().expect("salt");
    let again = ece::encrypt_single_record(
        &b("yqdlZ-tYemfogSmv7Ws5PQ"),
        &salt,
        4096,
        b"",
        b"I am the walrus",
        0,
    )
    .expect("encrypts");
    assert_eq!(again, body);
}

#[test]
fn rfc8188_section_3_2_multiple_records() {
    let body = b(concat!(
        "uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF",
        "1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA"
    ));
    let (header, records) = ece::Header::parse(&body).expect("header");
    assert_eq!(header.rs, 25);
    assert_eq!(header.key_id, b"a1");
    assert_eq!(records.len(), 50);
    let plaintext = ece::decrypt_with_ikm(&b("BO3ZVPxUlnLORbVGMpbT1Q"), &body).expect("decrypts");
    assert_eq!(plaintext, b"I am the walrus");

    // Dropping the last record is detected as truncation, not silently accepted.
    let cut = &body[..body.len() - 25];
    assert_eq!(
        ece::decrypt_with_ikm(&b("BO3ZVPxUlnLORbVGMpbT1Q"), cut),
        Err(DecryptError::Truncated)
    );
}
