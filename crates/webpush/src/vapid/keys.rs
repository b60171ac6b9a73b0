//! The application server's VAPID key pair: generate, store, load, sign.
//!
//! Stored either as PKCS#8 DER or as the raw 32-byte private scalar; the
//! public key is derived, never stored separately, so the two cannot
//! disagree.

use std::fmt;

use aws_lc_rs::agreement::{ECDH_P256, PrivateKey};
use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use super::VapidError;
use crate::b64;
use crate::subscription::P256DH_LEN;

/// A P-256 key pair for ES256 VAPID tokens. `Debug` shows the public key only.
pub struct VapidKeys {
    pair: EcdsaKeyPair,
    public: [u8; P256DH_LEN],
}

impl VapidKeys {
    /// Generates a new key pair.
    ///
    /// # Errors
    /// [`VapidError::Crypto`] if key generation fails.
    pub fn generate() -> Result<Self, VapidError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| VapidError::Crypto)?;
        Self::from_pair(pair)
    }

    /// Loads a key pair from PKCS#8 DER (as [`VapidKeys::to_pkcs8`] writes).
    ///
    /// # Errors
    /// [`VapidError::InvalidPrivateKey`].
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, VapidError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| VapidError::InvalidPrivateKey)?;
        Self::from_pair(pair)
    }

    /// Loads a key pair from the raw 32-byte big-endian private scalar.
    ///
    /// # Errors
    /// [`VapidError::InvalidPrivateKey`].
    pub fn from_private_key_bytes(private_key: &[u8]) -> Result<Self, VapidError> {
        let scalar = PrivateKey::from_private_key(&ECDH_P256, private_key)
            .map_err(|_| VapidError::InvalidPrivateKey)?;
        let public = scalar
            .compute_public_key()
            .map_err(|_| VapidError::InvalidPrivateKey)?;
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            private_key,
            public.as_ref(),
        )
        .map_err(|_| VapidError::InvalidPrivateKey)?;
        Self::from_pair(pair)
    }

    fn from_pair(pair: EcdsaKeyPair) -> Result<Self, VapidError> {
        let public: [u8; P256DH_LEN] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| VapidError::Crypto)?;
        Ok(Self { pair, public })
    }

    /// The key pair as PKCS#8 v1 DER, for storing in a file (mode 0600).
    ///
    /// # Errors
    /// [`VapidError::Crypto`] if serialisation fails.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, VapidError> {
        let doc = self.pair.to_pkcs8v1().map_err(|_| VapidError::Crypto)?;
        Ok(doc.as_ref().to_vec())
    }

    /// The raw 32-byte big-endian private scalar.
    ///
    /// # Errors
    /// [`VapidError::Crypto`] if export fails.
    pub fn private_key_bytes(&self) -> Result<Vec<u8>, VapidError> {
        let bin: EcPrivateKeyBin<'_> = self
            .pair
            .private_key()
            .as_be_bytes()
            .map_err(|_| VapidError::Crypto)?;
        Ok(bin.as_ref().to_vec())
    }

    /// The public key, a 65-byte uncompressed point.
    pub fn public_key(&self) -> &[u8; P256DH_LEN] {
        &self.public
    }

    /// The public key as unpadded base64url: the `applicationServerKey`
    /// browsers take and the `k=` of the header.
    pub fn public_key_base64url(&self) -> String {
        b64::encode(&self.public)
    }

    /// ES256 signature (64 bytes, `r || s`) over `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, VapidError> {
        let sig = self
            .pair
            .sign(&SystemRandom::new(), message)
            .map_err(|_| VapidError::Crypto)?;
        Ok(sig.as_ref().to_vec())
    }
}

impl fmt::Debug for VapidKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VapidKeys")
            .field("public", &self.public_key_base64url())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_and_raw_bytes_round_trip() {
        let keys = VapidKeys::generate().expect("generate");
        let der = keys.to_pkcs8().expect("pkcs8");
        let again = VapidKeys::from_pkcs8(&der).expect("load pkcs8");
        assert_eq!(again.public_key(), keys.public_key());
        let raw = keys.private_key_bytes().expect("raw");
        assert_eq!(raw.len(), 32);
        let again = VapidKeys::from_private_key_bytes(&raw).expect("load raw");
        assert_eq!(again.public_key(), keys.public_key());
        assert_eq!(keys.public_key()[0], 4);
        assert_eq!(keys.public_key_base64url().len(), 87);
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            VapidKeys::from_pkcs8(b"nope").map(|_| ()),
            Err(VapidError::InvalidPrivateKey)
        );
        assert_eq!(
            VapidKeys::from_private_key_bytes(&[0u8; 32]).map(|_| ()),
            Err(VapidError::InvalidPrivateKey)
        );
        assert_eq!(
            VapidKeys::from_private_key_bytes(&[1u8; 31]).map(|_| ()),
            Err(VapidError::InvalidPrivateKey)
        );
    }

    #[test]
    fn debug_shows_no_private_key() {
        let keys = VapidKeys::generate().expect("generate");
        let shown = format!("{keys:?}");
        assert!(shown.contains(&keys.public_key_base64url()));
    }
}
