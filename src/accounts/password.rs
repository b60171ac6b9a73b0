//! Passwords: the rules a new one must meet, and Argon2id hashing (PHC
//! strings, the `argon2` crate's default parameters: 19 MiB, 2 passes).
//! Hashing is deliberately slow, so it runs on tokio's blocking pool, never
//! on a request's worker thread.
//!
//! The rules follow NIST SP 800-63B (3.1.1.2): a length, no composition
//! rules, and a refusal of what an attacker tries first: one character
//! repeated, passwords in a list of common ones
//! ([`super::common_passwords`]), and words of the context, the site's name
//! and the account's email (see [`check_new_password`]).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::AccountError;
use super::common_passwords;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The longest password accepted, in bytes: hashing is costly enough
/// without megabyte inputs.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The shortest word of the context a password may not contain, in
/// letters: shorter ones ("ana", "the") are too likely by chance.
const MIN_CONTEXT_WORD_LETTERS: usize = 4;

/// What a password is checked against besides itself: the words an
/// attacker who knows the site and the account tries first.
#[derive(Debug, Clone, Copy)]
pub struct PasswordContext<'a> {
    /// The site's name (`site.name`).
    pub site_name: &'a str,
    /// The email of the account the password is for.
    pub email: &'a str,
}

/// Whether `password` may become an account's password; the message says
/// what is wrong. In order:
///
/// - at least [`MIN_PASSWORD_CHARS`] characters, at most
///   [`MAX_PASSWORD_BYTES`] bytes, not only spaces;
/// - not one character repeated (`aaaaaaaaaaaa`);
/// - not in the list of common passwords, ignoring case;
/// - not containing the site's name or the email's local part (the part
///   before the `@`), nor any word of either: each is compared by its
///   letters alone, ignoring case, digits, spaces and punctuation, and
///   only words of at least four letters count. With the site "The Daily
///   Herald" and `ana.reporter1987@example.org`, the words are
///   "thedailyherald", "daily", "herald", "anareporter" and "reporter", so
///   `Herald-2024-news` and `my reporter days` are refused. The email's
///   domain is not a word: it names the newsroom, not the person.
pub fn check_new_password(password: &str, context: &PasswordContext<'_>) -> Result<(), String> {
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
    let mut characters = password.chars();
    if let Some(first) = characters.next()
        && characters.all(|c| c == first)
    {
        return Err("the password must not be one character repeated".into());
    }
    if common_passwords::is_common(password) {
        return Err(
            "this password is in a list of commonly used passwords; choose one that is harder \
             to guess, such as a few unrelated words"
                .into(),
        );
    }
    let letters = letters_of(password);
    if let Some(word) = find_word(&letters, context.site_name) {
        return Err(format!(
            "the password must not contain the site's name (it contains \"{word}\")"
        ));
    }
    let local_part = context.email.split('@').next().unwrap_or_default();
    if let Some(word) = find_word(&letters, local_part) {
        return Err(format!(
            "the password must not contain the name of the account's email address (it \
             contains \"{word}\")"
        ));
    }
    Ok(())
}

/// The letters of `text`, lowercase, without anything else.
fn letters_of(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The first word of `context` found in `letters`: the whole of it, then
/// each of its words, by their letters alone, when at least
/// [`MIN_CONTEXT_WORD_LETTERS`] long.
fn find_word(letters: &str, context: &str) -> Option<String> {
    std::iter::once(context)
        .chain(context.split(|c: char| !c.is_alphanumeric()))
        .map(letters_of)
        .filter(|word| word.chars().count() >= MIN_CONTEXT_WORD_LETTERS)
        .find(|word| letters.contains(word.as_str()))
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

    const CONTEXT: PasswordContext<'static> = PasswordContext {
        site_name: "The Daily Herald",
        email: "ana.reporter1987@example.org",
    };

    fn refusal(password: &str) -> String {
        check_new_password(password, &CONTEXT).expect_err(password)
    }

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        assert!(refusal("short").contains("at least 12 characters"));
        assert!(refusal(&" ".repeat(12)).contains("only spaces"));
        assert!(refusal(&"xy".repeat(1000)).contains("at most 1024 bytes"));
        assert!(check_new_password("correct horse battery", &CONTEXT).is_ok());
    }

    #[test]
    fn one_character_repeated_is_refused() {
        for repeated in ["aaaaaaaaaaaa", "############", &"é".repeat(20)] {
            let message = refusal(repeated);
            assert!(message.contains("one character repeated"), "{message}");
        }
        assert!(check_new_password("aaaaaaaaaaab", &CONTEXT).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in ["password1234", "PASSWORD1234", "qwertyuiop12"] {
            let message = refusal(common);
            assert!(
                message.contains("in a list of commonly used passwords"),
                "{common}: {message}"
            );
        }
    }

    #[test]
    fn the_site_name_and_its_words_are_refused() {
        for password in [
            "thedailyherald!",
            "my Herald 2024 pass",
            "DAILY-bread-and-jam",
        ] {
            let message = refusal(password);
            assert!(
                message.contains("must not contain the site's name"),
                "{password}: {message}"
            );
        }
        // "The" is too short a word to refuse.
        assert!(check_new_password("then the rain came", &CONTEXT).is_ok());
    }

    #[test]
    fn the_email_local_part_and_its_words_are_refused() {
        for password in [
            "ana.reporter1987",
            "AnaReporter-secret",
            "a good reporter never tells",
        ] {
            let message = refusal(password);
            assert!(
                message.contains("must not contain the name of the account's email address"),
                "{password}: {message}"
            );
        }
        // Three letters ("ana") are too few, and the domain is not a word.
        assert!(check_new_password("banana split sunday", &CONTEXT).is_ok());
        assert!(check_new_password("an example of words", &CONTEXT).is_ok());
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
