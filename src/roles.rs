//! Newsroom roles: what an account may do. A shared value type, below the
//! store (which keeps an account's role) and the domain (which decides by
//! it, in [`crate::accounts`] and [`crate::editorial`]).

use std::fmt;
use std::str::FromStr;

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
