//! A keyring of AES-256-GCM keys and the sealed form of a secret:
//! `sealed:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id
//! (the first 4 bytes of the key's SHA-256, in hex) says which key opens
//! it; a fresh random 96-bit nonce is drawn for every seal. The caller
//! names what a value is (`context`, bound as associated data), so a
//! sealed value copied into another row or column does not open there.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The length of a key, in bytes.
pub const KEY_BYTES: usize = 32;

/// What every sealed value starts with.
const PREFIX: &str = "sealed:v1:";

/// Why a keyring could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("no key is given")]
    Empty,
    #[error("key {position} is not a base64 encoding of {KEY_BYTES} bytes")]
    Malformed { position: usize },
    #[error("cannot draw a random key: {0}")]
    Random(getrandom::Error),
}

/// Why a sealed value could not be opened or a value sealed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error(
        "the value was sealed with key {0}, which is not among the configured keys (was the secret key changed without `herald secrets rotate`?)"
    )]
    UnknownKey(String),
    #[error("the sealed value does not open with key {0}: it was altered, or belongs elsewhere")]
    Altered(String),
    #[error("cannot draw a random nonce: {0}")]
    Random(getrandom::Error),
}

struct Key {
    id: String,
    material: [u8; KEY_BYTES],
    aead: LessSafeKey,
}

/// The site's keys: the first seals, each opens what it sealed.
pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    /// Key ids only: key material never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

/// Whether `value` is in the sealed form (rather than a plain value kept
/// by an older Herald).
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}

impl Keyring {
    /// A keyring of one new random key.
    pub fn generate() -> Result<Keyring, KeyringError> {
        let mut material = [0u8; KEY_BYTES];
        getrandom::fill(&mut material).map_err(KeyringError::Random)?;
        Ok(Keyring {
            keys: vec![Key::new(material)],
        })
    }

    /// The keys in `text`: base64 keys separated by newlines, commas or
    /// spaces, the current one first; `#` starts a comment line.
    pub fn from_text(text: &str) -> Result<Keyring, KeyringError> {
        let mut keys: Vec<Key> = Vec::new();
        let words = text
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(|line| line.split([',', ' ', '\t']))
            .filter(|word| !word.is_empty());
        for (index, word) in words.enumerate() {
            let material: [u8; KEY_BYTES] = base64::engine::general_purpose::STANDARD
                .decode(word)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(KeyringError::Malformed {
                    position: index + 1,
                })?;
            let key = Key::new(material);
            if !keys.iter().any(|k| k.id == key.id) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Keyring { keys })
    }

    /// The keyring as [`Keyring::from_text`] reads it, one key per line.
    pub fn to_text(&self) -> String {
        self.keys
            .iter()
            .map(|k| base64::engine::general_purpose::STANDARD.encode(k.material) + "\n")
            .collect()
    }

    /// This keyring with `newer` in front: `newer` seals from now on, and
    /// every key here still opens.
    pub fn rotated_to(self, newer: Keyring) -> Keyring {
        let mut keys = newer.keys;
        for key in self.keys {
            if !keys.iter().any(|k| k.id == key.id) {
                keys.push(key);
            }
        }
        Keyring { keys }
    }

    /// The current key alone, for when nothing sealed by the others is left.
    pub fn current_only(mut self) -> Keyring {
        self.keys.truncate(1);
        self
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The ids of every key, the current one first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// `plain` sealed with the current key, for the place `context` names.
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, SealError> {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(SealError::Random)?;
        let mut sealed = plain.as_bytes().to_vec();
        key.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SealError::Malformed)?;
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            key.id,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload)
        ))
    }

    /// The plain value of `sealed`, which was sealed for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SealError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(SealError::Malformed)?;
        let (id, payload) = rest.split_once(':').ok_or(SealError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_owned()))?;
        let mut payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| SealError::Malformed)?;
        if payload.len() < NONCE_LEN {
            return Err(SealError::Malformed);
        }
        let mut sealed = payload.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&payload).map_err(|_| SealError::Malformed)?;
        let plain = key
            .aead
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut sealed)
            .map_err(|_| SealError::Altered(key.id.clone()))?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::Malformed)
    }

    /// Whether `sealed` is sealed with the current key (nothing to redo).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.keys[0].id)
    }
}

impl Key {
    fn new(material: [u8; KEY_BYTES]) -> Key {
        let id = Sha256::digest(material)[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let aead = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &material).expect("AES-256-GCM takes a 32-byte key"),
        );
        Key { id, material, aead }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let ring = Keyring::generate().expect("key");
        let sealed = ring
            .seal("JBSWY3DPEHPK3PXP", "users.totp_secret:7")
            .expect("sealed");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DP"), "{sealed}");
        assert_ne!(
            sealed,
            ring.seal("JBSWY3DPEHPK3PXP", "users.totp_secret:7")
                .expect("works")
        );
        assert_eq!(
            ring.open(&sealed, "users.totp_secret:7").expect("works"),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(matches!(
            ring.open(&sealed, "users.totp_secret:8"),
            Err(SealError::Altered(_))
        ));
        let other = Keyring::generate().expect("key");
        assert!(matches!(
            other.open(&sealed, "users.totp_secret:7"),
            Err(SealError::UnknownKey(_))
        ));
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(ring.open(&altered, "users.totp_secret:7").is_err());
        assert!(matches!(
            ring.open("JBSWY3DP", "x"),
            Err(SealError::Malformed)
        ));
    }

    #[test]
    fn a_rotated_ring_seals_with_the_new_key_and_opens_the_old() {
        let old = Keyring::generate().expect("key");
        let sealed_before = old.seal("secret", "c").expect("works");
        let old_id = old.current_id().to_owned();
        let new = Keyring::generate().expect("key");
        let new_id = new.current_id().to_owned();
        let ring = old.rotated_to(new);
        assert_eq!(ring.ids(), vec![new_id.as_str(), old_id.as_str()]);
        assert_eq!(ring.open(&sealed_before, "c").expect("works"), "secret");
        assert!(!ring.is_current(&sealed_before));
        let sealed_after = ring.seal("secret", "c").expect("works");
        assert!(ring.is_current(&sealed_after));
        let text = ring.to_text();
        let read = Keyring::from_text(&text).expect("read back");
        assert_eq!(read.ids(), ring.ids());
        let only = read.current_only();
        assert_eq!(only.open(&sealed_after, "c").expect("works"), "secret");
        assert!(only.open(&sealed_before, "c").is_err());
    }

    #[test]
    fn key_text_is_checked_and_never_shown() {
        assert!(matches!(
            Keyring::from_text(" \n# none\n"),
            Err(KeyringError::Empty)
        ));
        let err = Keyring::from_text("abc").expect_err("short");
        assert_eq!(
            err.to_string(),
            "key 1 is not a base64 encoding of 32 bytes"
        );
        let ring = Keyring::generate().expect("works");
        let text = ring.to_text();
        let two = Keyring::from_text(&format!(
            "{}, {}",
            text.trim(),
            Keyring::generate().expect("works").to_text().trim()
        ))
        .expect("works");
        assert_eq!(two.ids().len(), 2);
        assert!(!format!("{ring:?}").contains(text.trim()));
    }
}
