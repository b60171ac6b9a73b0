//! The demo's newsroom account. On a site without any account, `serve
//! --demo` creates an admin with a random password and keeps both in a file
//! of the data folder that only its owner may read, so that a newcomer can
//! open the newsroom without another command. The password is never
//! logged: the log names the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::DemoError;
use crate::accounts::Role;
use crate::accounts::secret::random_secret;
use crate::accounts::users::{NewAccount, add_user};
use crate::store::Store;

/// The demo account's email.
pub const DEMO_EMAIL: &str = "editor@demo.example";

/// The file in the data folder that holds the demo login.
pub const LOGIN_FILE: &str = "demo-login.txt";

/// Creates the demo account when the site has no account at all, and
/// returns the file with its login, when there is one. Its random password
/// passes the rules for new passwords, which check it against `site_name`.
pub async fn ensure_login(
    store: &Store,
    data: &Path,
    site_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>, DemoError> {
    let path = data.join(LOGIN_FILE);
    if !store.list_users().await?.is_empty() {
        return Ok(path.exists().then_some(path));
    }
    let password = random_secret().map_err(|e| DemoError::Login(e.to_string()))?;
    // The file first: an account whose password nobody knows helps no one.
    write_private(
        &path,
        &format!(
            "Herald demo newsroom login (an admin; change the password in the newsroom)\n\
             Page:     /newsroom\nEmail:    {DEMO_EMAIL}\nPassword: {password}\n"
        ),
    )
    .map_err(|e| DemoError::Login(format!("cannot write {}: {e}", path.display())))?;
    add_user(
        store,
        NewAccount {
            email: DEMO_EMAIL.to_owned(),
            name: "Demo Editor".to_owned(),
            role: Role::Admin,
            password,
        },
        site_name,
        now.timestamp(),
    )
    .await
    .map_err(|e| DemoError::Login(e.to_string()))?;
    Ok(Some(path))
}

/// Writes `text` to `path`, readable and writable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
