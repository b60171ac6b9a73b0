//! API tokens: `hrd_` and 32 random bytes (base64url), shown once when
//! created; the database keeps only the SHA-256. A token acts with its
//! user's role as it is at each request, and stops working when revoked or
//! when its user is disabled or removed.

use super::secret::{hash_secret, random_secret};
use super::{AccountError, Principal, Via};
use crate::store::{Store, StoreError, TokenRecord};

/// What every token starts with, so that a leaked one is recognisable
/// (secret scanners look for such prefixes).
pub const TOKEN_PREFIX: &str = "hrd_";

/// The longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 64;

/// `last_used` is written at most this often per token.
const TOUCH_AFTER_SECONDS: i64 = 5 * 60;

/// A token just created: the only time its secret is seen.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub created_at: i64,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Valid(Principal),
    /// No such token (or not a token at all).
    Unknown,
    Revoked,
    /// Its user is disabled.
    UserDisabled,
}

/// `input` as a token name: trimmed, one short line; a generated name when
/// empty.
pub fn token_name(input: Option<&str>) -> Result<String, AccountError> {
    let name = input.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        let mut bytes = [0u8; 3];
        getrandom::fill(&mut bytes).map_err(AccountError::Random)?;
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        return Ok(format!("token-{suffix}"));
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err(AccountError::invalid(
            "name",
            format!("a token name is at most {MAX_TOKEN_NAME_CHARS} characters long"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AccountError::invalid(
            "name",
            "a token name is a single line of text",
        ));
    }
    Ok(name.to_owned())
}

/// Creates a token for `user_id` named `name` (generated when `None` or
/// empty).
pub async fn create_token(
    store: &Store,
    user_id: i64,
    name: Option<&str>,
    now: i64,
) -> Result<CreatedToken, AccountError> {
    let name = token_name(name)?;
    let token = format!(
        "{TOKEN_PREFIX}{}",
        random_secret().map_err(AccountError::Random)?
    );
    let id = store
        .create_api_token(user_id, &name, &hash_secret(&token), now)
        .await?;
    tracing::info!(user.id = user_id, token.id = id, "API token created");
    Ok(CreatedToken {
        id,
        name,
        token,
        created_at: now,
    })
}

/// Who `token` authenticates, noting its use.
pub async fn authenticate(store: &Store, token: &str, now: i64) -> Result<TokenCheck, StoreError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(TokenCheck::Unknown);
    }
    let Some(owner) = store.token_by_hash(&hash_secret(token)).await? else {
        return Ok(TokenCheck::Unknown);
    };
    if owner.revoked_at.is_some() {
        return Ok(TokenCheck::Revoked);
    }
    if owner.user_disabled {
        return Ok(TokenCheck::UserDisabled);
    }
    if owner
        .last_used_at
        .is_none_or(|last| now - last >= TOUCH_AFTER_SECONDS)
    {
        store.touch_api_token(owner.token_id, now).await?;
    }
    Ok(TokenCheck::Valid(Principal {
        user_id: owner.user_id,
        email: owner.email,
        name: owner.name,
        role: owner.role,
        via: Via::Token {
            token_id: owner.token_id,
        },
    }))
}

/// Revokes the working token whose id or name is `id_or_name` (the
/// operator's command); a name that several accounts use is refused as
/// ambiguous.
pub async fn revoke_by_id_or_name(
    store: &Store,
    id_or_name: &str,
    now: i64,
) -> Result<TokenRecord, AccountError> {
    let found = store.find_api_tokens(id_or_name.trim()).await?;
    // An id wins over a token that happens to be named like one.
    let by_id = found.iter().find(|t| t.id.to_string() == id_or_name.trim());
    let token = match (by_id, found.as_slice()) {
        (Some(token), _) | (None, [token]) => token.clone(),
        (None, []) => {
            return Err(AccountError::invalid(
                "token",
                format!("no working token has the id or name {id_or_name:?}"),
            ));
        }
        (None, _) => {
            let ids: Vec<String> = found
                .iter()
                .map(|t| format!("{} ({})", t.id, t.email))
                .collect();
            return Err(AccountError::invalid(
                "token",
                format!(
                    "several tokens are named {id_or_name:?}: {}; revoke one by its id",
                    ids.join(", ")
                ),
            ));
        }
    };
    store.revoke_api_token(token.id, None, now).await?;
    tracing::info!(token.id = token.id, "API token revoked");
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_generated_or_checked() {
        assert!(token_name(None).expect("generated").starts_with("token-"));
        assert!(
            token_name(Some("  "))
                .expect("generated")
                .starts_with("token-")
        );
        assert_eq!(token_name(Some(" ci ")).expect("valid"), "ci");
        assert!(token_name(Some(&"x".repeat(65))).is_err());
        assert!(token_name(Some("a\tb")).is_err());
    }
}
