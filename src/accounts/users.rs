//! Managing accounts: the rules for emails, names and passwords, and the
//! changes people make to their own account or, as admins, to others'.

use super::password::{PasswordContext, check_new_password, hash_password, verify_password};
use super::{AccountError, Principal, Role, Via};
use crate::store::{NewUser, Store, UserRecord};

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// An account to add.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    /// The email's local part when empty.
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// `input` as an account email: trimmed, lowercase, one `@` between a
/// local part and a domain, no spaces.
pub fn normalize_email(input: &str) -> Result<String, AccountError> {
    let email = input.trim().to_lowercase();
    let invalid = |message: &str| AccountError::invalid("email", message);
    if email.is_empty() {
        return Err(invalid("enter an email address"));
    }
    if email.len() > 254 {
        return Err(invalid("an email address is at most 254 characters long"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid("an email address has an @, as in name@example.org"));
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "this is not an email address; write it as name@example.org",
        ));
    }
    Ok(email)
}

/// `input` as a display name: trimmed, not empty, at most
/// [`MAX_NAME_CHARS`] characters, no control characters.
pub fn check_name(input: &str) -> Result<String, AccountError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(AccountError::invalid("name", "enter a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AccountError::invalid(
            "name",
            format!("a name is at most {MAX_NAME_CHARS} characters long"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AccountError::invalid(
            "name",
            "a name is a single line of text",
        ));
    }
    Ok(name.to_owned())
}

/// `input` as a new account's display name ([`check_name`]), or the
/// local part of its (normalized) `email` when empty.
pub fn name_or_default(input: &str, email: &str) -> Result<String, AccountError> {
    if input.trim().is_empty() {
        Ok(email.split('@').next().unwrap_or_default().to_owned())
    } else {
        check_name(input)
    }
}

/// Adds an account after checking every field; returns its id. The
/// password may not contain `site_name` (the site's `site.name`), among
/// the other rules of [`check_new_password`].
pub async fn add_user(
    store: &Store,
    account: NewAccount,
    site_name: &str,
    now: i64,
) -> Result<i64, AccountError> {
    let email = normalize_email(&account.email)?;
    let name = name_or_default(&account.name, &email)?;
    let context = PasswordContext {
        site_name,
        email: &email,
    };
    check_new_password(&account.password, &context)
        .map_err(|message| AccountError::invalid("password", message))?;
    refuse_existing_account(store, &email).await?;
    let password_hash = hash_password(account.password).await?;
    let id = store
        .create_user(
            &NewUser {
                email,
                name,
                role: account.role,
                password_hash,
            },
            now,
        )
        .await?;
    tracing::info!(user.id = id, role = %account.role, "account added");
    Ok(id)
}

/// A conflict on `email` when an account already has it.
pub(super) async fn refuse_existing_account(
    store: &Store,
    email: &str,
) -> Result<(), AccountError> {
    if store.user_by_email(email).await?.is_some() {
        return Err(AccountError::Conflict {
            field: "email",
            message: format!("an account with the email {email} already exists"),
        });
    }
    Ok(())
}

/// The account of `principal`, as stored now.
pub async fn own_account(store: &Store, principal: &Principal) -> Result<UserRecord, AccountError> {
    store
        .user_by_id(principal.user_id)
        .await?
        .ok_or(AccountError::NotFound)
}

/// Whether `password` may be the account's new password
/// ([`check_new_password`], refused on the input `field`) and `confirm`
/// (the input `confirm_password`) repeats it.
pub(super) fn check_password_pair(
    password: &str,
    confirm: &str,
    context: &PasswordContext<'_>,
    field: &'static str,
) -> Result<(), AccountError> {
    check_new_password(password, context)
        .map_err(|message| AccountError::invalid(field, message))?;
    if password != confirm {
        return Err(AccountError::invalid(
            "confirm_password",
            "the two new passwords are not the same",
        ));
    }
    Ok(())
}

/// Changes `principal`'s password after checking the current one; every
/// other session of the account ends. The new one is checked by
/// [`check_new_password`], against `site_name` and the account's email.
pub async fn change_password(
    store: &Store,
    principal: &Principal,
    site_name: &str,
    current: String,
    new: String,
    confirm: &str,
) -> Result<(), AccountError> {
    let account = own_account(store, principal).await?;
    if !verify_password(Some(account.password_hash), current).await {
        return Err(AccountError::invalid(
            "current_password",
            "this is not your current password",
        ));
    }
    let context = PasswordContext {
        site_name,
        email: &account.email,
    };
    check_password_pair(&new, confirm, &context, "new_password")?;
    let hash = hash_password(new).await?;
    let keep = match &principal.via {
        Via::Session { session_id, .. } => Some(*session_id),
        Via::Token { .. } => None,
    };
    store.set_password_hash(account.id, &hash, keep).await?;
    tracing::info!(user.id = account.id, "password changed");
    Ok(())
}

/// Changes `principal`'s display name.
pub async fn rename(store: &Store, principal: &Principal, name: &str) -> Result<(), AccountError> {
    let name = check_name(name)?;
    if !store.rename_user(principal.user_id, &name).await? {
        return Err(AccountError::NotFound);
    }
    Ok(())
}

pub(super) fn check_admin(actor: &Principal) -> Result<(), AccountError> {
    if actor.role.can_manage_users() {
        Ok(())
    } else {
        Err(AccountError::Forbidden(
            "only admins manage accounts".into(),
        ))
    }
}

/// An admin changes another account's role (the last admin keeps theirs).
pub async fn change_role(
    store: &Store,
    actor: &Principal,
    user_id: i64,
    role: Role,
) -> Result<(), AccountError> {
    check_admin(actor)?;
    if !store.set_user_role(user_id, role).await? {
        return Err(AccountError::NotFound);
    }
    tracing::info!(user.id = user_id, by = actor.user_id, role = %role, "role changed");
    Ok(())
}

/// An admin disables (logging it out everywhere) or enables another account.
pub async fn set_disabled(
    store: &Store,
    actor: &Principal,
    user_id: i64,
    disabled: bool,
    now: i64,
) -> Result<(), AccountError> {
    check_admin(actor)?;
    if disabled && user_id == actor.user_id {
        return Err(AccountError::invalid(
            "user",
            "you cannot disable your own account; ask another admin",
        ));
    }
    if !store.set_user_disabled(user_id, disabled, now).await? {
        return Err(AccountError::NotFound);
    }
    tracing::info!(
        user.id = user_id,
        by = actor.user_id,
        disabled,
        "account access changed"
    );
    Ok(())
}

/// An admin removes another account, with its sessions and tokens.
pub async fn remove(store: &Store, actor: &Principal, user_id: i64) -> Result<(), AccountError> {
    check_admin(actor)?;
    if user_id == actor.user_id {
        return Err(AccountError::invalid(
            "user",
            "you cannot remove your own account; ask another admin",
        ));
    }
    if !store.delete_user(user_id).await? {
        return Err(AccountError::NotFound);
    }
    tracing::info!(user.id = user_id, by = actor.user_id, "account removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ana@Example.ORG ").expect("valid"),
            "ana@example.org"
        );
        for bad in [
            "",
            "ana",
            "@example.org",
            "ana@",
            "a b@example.org",
            "a@b@c",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_one_short_line() {
        assert_eq!(
            check_name("  Ana Reporter ").expect("valid"),
            "Ana Reporter"
        );
        assert!(check_name("  ").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
    }
}
