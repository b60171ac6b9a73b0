//! RFC 8188 "Encrypted Content-Encoding for HTTP", the `aes128gcm` coding.
//!
//! A body is a header (`salt[16] || rs:u32 || idlen:u8 || keyid[idlen]`)
//! followed by records of at most `rs` bytes, each AES-128-GCM sealed with a
//! key and nonce derived by HKDF-SHA-256 from the salt and an input keying
//! material (IKM) that the layer above supplies (RFC 8291 derives it from
//! ECDH). Encryption here writes a single record, as Web Push requires;
//! decryption reads any number of records, so the RFC 8188 examples and other
//! senders' bodies can be checked.

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::hkdf;

/// Length of the salt at the start of the header.
pub const SALT_LEN: usize = 16;
/// Length of the AES-GCM authentication tag in every record.
pub const TAG_LEN: usize = 16;
/// Header length before the key id: salt, record size, key id length.
pub const FIXED_HEADER_LEN: usize = SALT_LEN + 4 + 1;

const CEK_INFO: &[u8] = b"Content-Encoding: aes128gcm\0";
const NONCE_INFO: &[u8] = b"Content-Encoding: nonce\0";
const DELIMITER_LAST: u8 = 2;
const DELIMITER_MORE: u8 = 1;

/// Why a body could not be encrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// Plaintext plus padding does not fit the budget; nothing is truncated.
    #[error(
        "payload of {len} bytes (with {padding} bytes of padding) exceeds the {max}-byte budget"
    )]
    PayloadTooLarge {
        /// Plaintext length.
        len: usize,
        /// Padding requested.
        padding: usize,
        /// Largest plaintext plus padding that fits.
        max: usize,
    },
    /// The key id is longer than the one-byte length field allows.
    #[error("key id of {0} bytes is longer than 255")]
    KeyIdTooLong(usize),
    /// The cryptographic library reported a failure (e.g. key generation).
    #[error("cryptographic operation failed")]
    Crypto,
}

/// Why a body could not be decrypted. None of these reveal plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The body is shorter than its header says.
    #[error("body is shorter than the aes128gcm header")]
    TruncatedHeader,
    /// The record size is below the RFC 8188 minimum of 18.
    #[error("record size {0} is below the minimum of 18")]
    InvalidRecordSize(u32),
    /// The key id is not what the layer above expects.
    #[error("key id must be {expected} bytes, got {got}")]
    KeyIdLength {
        /// Expected length (65 for Web Push).
        expected: usize,
        /// Length found in the header.
        got: usize,
    },
    /// The key id is not a valid P-256 public key.
    #[error("key id is not an uncompressed P-256 point")]
    InvalidSenderKey,
    /// The body has a header but no record.
    #[error("body has no record")]
    NoRecord,
    /// A record is too short to hold a tag and a delimiter.
    #[error("record {index} is too short")]
    RecordTooShort {
        /// Zero-based record index.
        index: usize,
    },
    /// A record failed authentication: wrong key, or altered bytes.
    #[error("record {index} failed authentication")]
    Authentication {
        /// Zero-based record index.
        index: usize,
    },
    /// A record has no delimiter, or a delimiter in the wrong place.
    #[error("record {index} has invalid padding")]
    InvalidPadding {
        /// Zero-based record index.
        index: usize,
    },
    /// The last record is marked as not last: the body was cut short.
    #[error("body is truncated: its last record is not marked final")]
    Truncated,
    /// The cryptographic library reported a failure.
    #[error("cryptographic operation failed")]
    Crypto,
}

/// The parsed `aes128gcm` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// Salt for HKDF, fresh per message.
    pub salt: [u8; SALT_LEN],
    /// Record size: the ciphertext length of every record but the last.
    pub rs: u32,
    /// Key id; in Web Push, the sender's ephemeral public key.
    pub key_id: &'a [u8],
}

impl<'a> Header<'a> {
    /// Splits `body` into its header and the records that follow.
    ///
    /// # Errors
    /// [`DecryptError::TruncatedHeader`] or [`DecryptError::InvalidRecordSize`].
    pub fn parse(body: &'a [u8]) -> Result<(Self, &'a [u8]), DecryptError> {
        let fixed = body
            .get(..FIXED_HEADER_LEN)
            .ok_or(DecryptError::TruncatedHeader)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&fixed[..SALT_LEN]);
        let rs = u32::from_be_bytes([fixed[16], fixed[17], fixed[18], fixed[19]]);
        if rs < 18 {
            return Err(DecryptError::InvalidRecordSize(rs));
        }
        let id_end = FIXED_HEADER_LEN + usize::from(fixed[20]);
        let key_id = body
            .get(FIXED_HEADER_LEN..id_end)
            .ok_or(DecryptError::TruncatedHeader)?;
        Ok((Self { salt, rs, key_id }, &body[id_end..]))
    }
}

/// Content-encryption key and nonce base derived from salt and IKM.
struct Keys {
    key: LessSafeKey,
    nonce_base: [u8; 12],
}

impl Keys {
    fn derive(salt: &[u8; SALT_LEN], ikm: &[u8]) -> Option<Self> {
        let prk = hkdf::extract(salt, ikm);
        let mut cek = [0u8; 16];
        hkdf::expand(&prk, &[CEK_INFO], &mut cek);
        let mut nonce_base = [0u8; 12];
        hkdf::expand(&prk, &[NONCE_INFO], &mut nonce_base);
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).ok()?);
        Some(Self { key, nonce_base })
    }

    /// RFC 8188 section 2.3: the nonce is the base XOR the record sequence number.
    fn nonce(&self, seq: usize) -> Nonce {
        let mut nonce = self.nonce_base;
        let seq = (seq as u64).to_be_bytes();
        for (n, s) in nonce[4..].iter_mut().zip(seq) {
            *n ^= s;
        }
        Nonce::assume_unique_for_key(nonce)
    }
}

/// Encrypts `plaintext` as one `aes128gcm` record with `padding` zero bytes.
///
/// `rs` is written to the header; the record must fit in it.
///
/// # Errors
/// [`EncryptError::PayloadTooLarge`] when the record would exceed `rs`.
pub fn encrypt_single_record(
    ikm: &[u8],
    salt: &[u8; SALT_LEN],
    rs: u32,
    key_id: &[u8],
    plaintext: &[u8],
    padding: usize,
) -> Result<Vec<u8>, EncryptError> {
    let id_len =
        u8::try_from(key_id.len()).map_err(|_| EncryptError::KeyIdTooLong(key_id.len()))?;
    let max = (rs as usize).saturating_sub(TAG_LEN + 1);
    if plaintext.len().saturating_add(padding) > max {
        return Err(EncryptError::PayloadTooLarge {
            len: plaintext.len(),
            padding,
            max,
        });
    }
    let keys = Keys::derive(salt, ikm).ok_or(EncryptError::Crypto)?;
    let header_len = FIXED_HEADER_LEN + key_id.len();
    let mut body = Vec::with_capacity(header_len + plaintext.len() + 1 + padding + TAG_LEN);
    body.extend_from_slice(salt);
    body.extend_from_slice(&rs.to_be_bytes());
    body.push(id_len);
    body.extend_from_slice(key_id);
    body.extend_from_slice(plaintext);
    body.push(DELIMITER_LAST);
    body.resize(body.len() + padding, 0);
    let tag = keys
        .key
        .seal_in_place_separate_tag(keys.nonce(0), Aad::empty(), &mut body[header_len..])
        .map_err(|_| EncryptError::Crypto)?;
    body.extend_from_slice(tag.as_ref());
    Ok(body)
}

/// Decrypts the records that follow `header`, given the IKM.
///
/// # Errors
/// A [`DecryptError`] naming the first record that fails.
pub fn decrypt_records(
    ikm: &[u8],
    header: &Header<'_>,
    records: &[u8],
) -> Result<Vec<u8>, DecryptError> {
    if records.is_empty() {
        return Err(DecryptError::NoRecord);
    }
    let keys = Keys::derive(&header.salt, ikm).ok_or(DecryptError::Crypto)?;
    let rs = header.rs as usize;
    let count = records.len().div_ceil(rs);
    let mut out = Vec::with_capacity(records.len());
    let mut buf = Vec::with_capacity(rs.min(records.len()));
    for (index, record) in records.chunks(rs).enumerate() {
        if record.len() <= TAG_LEN {
            return Err(DecryptError::RecordTooShort { index });
        }
        buf.clear();
        buf.extend_from_slice(record);
        let plain = keys
            .key
            .open_in_place(keys.nonce(index), Aad::empty(), &mut buf)
            .map_err(|_| DecryptError::Authentication { index })?;
        let end = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(DecryptError::InvalidPadding { index })?;
        let last = index + 1 == count;
        match (plain[end], last) {
            (DELIMITER_LAST, true) => {}
            (DELIMITER_MORE, false) => {}
            (DELIMITER_MORE, true) => return Err(DecryptError::Truncated),
            _ => return Err(DecryptError::InvalidPadding { index }),
        }
        out.extend_from_slice(&plain[..end]);
    }
    Ok(out)
}

/// Decrypts a whole `aes128gcm` body with a known IKM (RFC 8188 alone).
///
/// # Errors
/// As [`Header::parse`] and [`decrypt_records`].
pub fn decrypt_with_ikm(ikm: &[u8], body: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let (header, records) = Header::parse(body)?;
    decrypt_records(ikm, &header, records)
}
