//! Editorial work on stories, whoever asks (the admin API or the newsroom
//! pages): create, edit with a check against lost updates, publish now or
//! later with its notification, unpublish, correct, and restore a revision.
//! Permissions are checked here, with [`crate::accounts::Role`].
