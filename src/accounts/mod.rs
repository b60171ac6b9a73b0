//! The newsroom's people: accounts with roles, Argon2id passwords, sessions,
//! API tokens, optional TOTP two-factor, and login throttling. Handlers learn
//! who is asking through the extractors in [`extract`]; what each role may do
//! is decided here, by [`Role`], and nowhere else.

pub mod extract;

use std::fmt;
use std::str::FromStr;

pub use extract::{ApiUser, NewsroomUser};

/// What a newsroom account may do. Each role can do everything the one
/// before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Writes and edits their own drafts.
    Contributor,
    /// Publishes, schedules, sends pushes, edits any story, manages topics.
    Editor,
    /// Manages users and site settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Contributor, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Publish, schedule, unpublish, send notifications, edit any story,
    /// manage topics.
    pub fn can_publish(self) -> bool {
        self >= Role::Editor
    }

    /// Add, change and remove accounts; change site settings.
    pub fn can_manage_users(self) -> bool {
        self >= Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role; use contributor, editor or admin"))
    }
}

/// Who is making a request, and how they proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub via: Via,
}

/// How a request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A newsroom session cookie. State-changing requests must carry
    /// `csrf_token` (a form field `csrf`, or the `X-CSRF-Token` header).
    Session { session_id: i64, csrf_token: String },
    /// An API token (`Authorization: Bearer`), acting with its user's role.
    Token { token_id: i64 },
}

impl Principal {
    /// The CSRF token forms must carry, when the request came with a
    /// session cookie; `None` for API tokens, which need none.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token { .. } => None,
        }
    }
}
