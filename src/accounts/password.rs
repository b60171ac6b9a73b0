//! Passwords: the rules a new one must meet, and Argon2id hashing (PHC
//! strings, the `argon2` crate's default parameters: 19 MiB, 2 passes).
//! Hashing is deliberately slow, so it runs on tokio's blocking pool, never
//! on a request's worker thread.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::AccountError;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The longest password accepted, in bytes: hashing is costly enough
/// without megabyte inputs.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Whether `password` may become an account's password; the message says
/// what is wrong.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long (it has {chars})"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password must be at most {MAX_PASSWORD_BYTES} bytes long"
        ));
    }
    if password.trim().is_empty() {
        return Err("the password cannot be only spaces".into());
    }
    Ok(())
}

/// The Argon2id PHC string for `password`, with a fresh random salt.
pub async fn hash_password(password: String) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(AccountError::Random)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hash(e.to_string()))?
}

/// Whether `password` matches `hash`. With no hash (an unknown email) the
/// same work is done against a throwaway salt, so that the answer takes as
/// long for an account that does not exist as for one that does.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let outcome = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => match PasswordHash::new(&hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "a stored password hash cannot be read");
                false
            }
        },
        None => {
            // Hashing costs what verifying costs: verifying is hashing
            // with the stored salt and comparing.
            if let Ok(salt) = SaltString::encode_b64(&[0u8; 16]) {
                let _ = Argon2::default().hash_password(password.as_bytes(), &salt);
            }
            false
        }
    })
    .await;
    outcome.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        let message = check_new_password("short").expect_err("too short");
        assert!(message.contains("at least 12 characters"), "{message}");
        assert!(check_new_password("           ").is_err());
        assert!(check_new_password("correct horse battery").is_ok());
        assert!(check_new_password(&"x".repeat(2000)).is_err());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password(Some(hash.clone()), "correct horse battery".into()).await);
        assert!(!verify_password(Some(hash), "correct horse batterz".into()).await);
        assert!(!verify_password(None, "correct horse battery".into()).await);
        assert!(!verify_password(Some("not a hash".into()), "x".into()).await);
    }
}
