//! RFC 8291 message encryption for Web Push, and its decryption.
//!
//! The sender makes a fresh P-256 key pair and a fresh 16-byte salt for every
//! message, combines the ECDH secret with the subscriber's auth secret into
//! the RFC 8188 input keying material, and writes one `aes128gcm` record
//! whose key id is the ephemeral public key. [`UserAgentKeys`] is the other
//! side (what a browser holds): it decrypts such bodies, for tests, tools and
//! a local push service.

use std::fmt;

use aws_lc_rs::agreement::{self, ECDH_P256, ParsedPublicKey, PrivateKey};
use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};

use crate::budget::{MAX_PLAINTEXT, RECORD_SIZE, fits};
use crate::ece::{self, DecryptError, EncryptError, SALT_LEN};
use crate::subscription::{
    AUTH_LEN, P256DH_LEN, Subscription, SubscriptionError, parse_p256_point,
};
use crate::{b64, hkdf};

const KEY_INFO: &[u8] = b"WebPush: info\0";

/// Encrypts `plaintext` for `sub` with a fresh salt and ephemeral key.
///
/// `padding` zero bytes are added inside the record (hiding the length).
///
/// # Errors
/// [`EncryptError::PayloadTooLarge`] when plaintext and padding exceed
/// [`MAX_PLAINTEXT`](crate::MAX_PLAINTEXT); the payload is never truncated.
pub fn encrypt(
    sub: &Subscription,
    plaintext: &[u8],
    padding: usize,
) -> Result<Vec<u8>, EncryptError> {
    check_budget(plaintext.len(), padding)?;
    let mut salt = [0u8; SALT_LEN];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| EncryptError::Crypto)?;
    let ephemeral = PrivateKey::generate(&ECDH_P256).map_err(|_| EncryptError::Crypto)?;
    encrypt_inner(sub, plaintext, padding, &salt, &ephemeral)
}

/// Encrypts with a given salt and ephemeral private key (32 big-endian bytes).
///
/// For test vectors only: reusing a salt or key across messages breaks the
/// scheme's guarantees. Use [`encrypt`] for real messages.
///
/// # Errors
/// As [`encrypt`], and [`EncryptError::Crypto`] for an invalid private key.
pub fn encrypt_with_keys(
    sub: &Subscription,
    plaintext: &[u8],
    padding: usize,
    salt: &[u8; SALT_LEN],
    ephemeral_private_key: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    check_budget(plaintext.len(), padding)?;
    let ephemeral = PrivateKey::from_private_key(&ECDH_P256, ephemeral_private_key)
        .map_err(|_| EncryptError::Crypto)?;
    encrypt_inner(sub, plaintext, padding, salt, &ephemeral)
}

fn check_budget(len: usize, padding: usize) -> Result<(), EncryptError> {
    if fits(len, padding) {
        Ok(())
    } else {
        Err(EncryptError::PayloadTooLarge {
            len,
            padding,
            max: MAX_PLAINTEXT,
        })
    }
}

fn encrypt_inner(
    sub: &Subscription,
    plaintext: &[u8],
    padding: usize,
    salt: &[u8; SALT_LEN],
    ephemeral: &PrivateKey,
) -> Result<Vec<u8>, EncryptError> {
    let as_public = ephemeral
        .compute_public_key()
        .map_err(|_| EncryptError::Crypto)?;
    let ikm = derive_ikm(
        ephemeral,
        sub.parsed_key().clone(),
        sub.auth(),
        sub.p256dh(),
        as_public.as_ref(),
    )
    .ok_or(EncryptError::Crypto)?;
    ece::encrypt_single_record(
        &ikm,
        salt,
        RECORD_SIZE,
        as_public.as_ref(),
        plaintext,
        padding,
    )
}

/// RFC 8291 section 3.4: IKM = HKDF(auth, ECDH, "WebPush: info\0" || ua_public || as_public).
fn derive_ikm(
    own: &PrivateKey,
    peer: ParsedPublicKey,
    auth: &[u8; AUTH_LEN],
    ua_public: &[u8],
    as_public: &[u8],
) -> Option<[u8; 32]> {
    agreement::agree(own, peer, (), |ecdh_secret| {
        let mut ikm = [0u8; 32];
        let prk = hkdf::extract(auth, ecdh_secret);
        hkdf::expand(&prk, &[KEY_INFO, ua_public, as_public], &mut ikm);
        Ok::<_, ()>(ikm)
    })
    .ok()
}

/// Why user-agent keys could not be made or imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The private key is not a valid 32-byte P-256 scalar.
    #[error("private key is not a valid P-256 private key")]
    InvalidPrivateKey,
    /// The auth secret is not 16 bytes.
    #[error("auth secret must be 16 bytes, got {got}")]
    AuthSecretLength {
        /// Length given.
        got: usize,
    },
    /// The cryptographic library reported a failure.
    #[error("cryptographic operation failed")]
    Crypto,
}

/// The subscriber's side: private key and auth secret, able to decrypt.
///
/// What a browser keeps for a subscription; here for tests, tools and a
/// local push service. `Debug` shows the public key only.
pub struct UserAgentKeys {
    private: PrivateKey,
    public: [u8; P256DH_LEN],
    auth: [u8; AUTH_LEN],
}

impl UserAgentKeys {
    /// Makes a fresh key pair and auth secret.
    ///
    /// # Errors
    /// [`KeyError::Crypto`] if the random generator or key generation fails.
    pub fn generate() -> Result<Self, KeyError> {
        let private = PrivateKey::generate(&ECDH_P256).map_err(|_| KeyError::Crypto)?;
        let mut auth = [0u8; AUTH_LEN];
        aws_lc_rs::rand::fill(&mut auth).map_err(|_| KeyError::Crypto)?;
        Self::from_key(private, auth)
    }

    /// Imports a 32-byte big-endian private key and a 16-byte auth secret.
    ///
    /// # Errors
    /// [`KeyError::InvalidPrivateKey`] or [`KeyError::AuthSecretLength`].
    pub fn from_bytes(private_key: &[u8], auth: &[u8]) -> Result<Self, KeyError> {
        let auth: [u8; AUTH_LEN] = auth
            .try_into()
            .map_err(|_| KeyError::AuthSecretLength { got: auth.len() })?;
        let private = PrivateKey::from_private_key(&ECDH_P256, private_key)
            .map_err(|_| KeyError::InvalidPrivateKey)?;
        Self::from_key(private, auth)
    }

    fn from_key(private: PrivateKey, auth: [u8; AUTH_LEN]) -> Result<Self, KeyError> {
        let public_key = private.compute_public_key().map_err(|_| KeyError::Crypto)?;
        let public: [u8; P256DH_LEN] = public_key
            .as_ref()
            .try_into()
            .map_err(|_| KeyError::Crypto)?;
        Ok(Self {
            private,
            public,
            auth,
        })
    }

    /// The private key as 32 big-endian bytes (keep it secret).
    ///
    /// # Errors
    /// [`KeyError::Crypto`] if the key cannot be exported.
    pub fn private_key_bytes(&self) -> Result<Vec<u8>, KeyError> {
        let bin: EcPrivateKeyBin<'_> = self.private.as_be_bytes().map_err(|_| KeyError::Crypto)?;
        Ok(bin.as_ref().to_vec())
    }

    /// The public key, an uncompressed P-256 point (`keys.p256dh`).
    pub fn public_key(&self) -> &[u8; P256DH_LEN] {
        &self.public
    }

    /// The auth secret (`keys.auth`).
    pub fn auth(&self) -> &[u8; AUTH_LEN] {
        &self.auth
    }

    /// The subscription a browser holding these keys would hand out.
    ///
    /// # Errors
    /// As [`Subscription::new`] (e.g. a non-https endpoint).
    pub fn subscription(&self, endpoint: &str) -> Result<Subscription, SubscriptionError> {
        Subscription::new(endpoint, &self.public, &self.auth, None)
    }

    /// Decrypts an RFC 8291 `aes128gcm` body (any number of records).
    ///
    /// # Errors
    /// A [`DecryptError`]; an altered body fails with
    /// [`DecryptError::Authentication`].
    pub fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let (header, records) = ece::Header::parse(body)?;
        if header.key_id.len() != P256DH_LEN {
            return Err(DecryptError::KeyIdLength {
                expected: P256DH_LEN,
                got: header.key_id.len(),
            });
        }
        let sender = parse_p256_point(header.key_id).ok_or(DecryptError::InvalidSenderKey)?;
        let ikm = derive_ikm(
            &self.private,
            sender,
            &self.auth,
            &self.public,
            header.key_id,
        )
        .ok_or(DecryptError::Crypto)?;
        ece::decrypt_records(&ikm, &header, records)
    }
}

impl fmt::Debug for UserAgentKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserAgentKeys")
            .field("public", &b64::encode(&self.public))
            .finish_non_exhaustive()
    }
}
