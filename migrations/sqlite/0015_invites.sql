-- Invites (issue 16): an admin adds a person without a password; the
-- person opens a one-time link and sets it, and only then does the account
-- exist. The link's token is shown once; the database keeps its SHA-256
-- (hex). At most one invite per email waits at a time: a new one (a
-- resend) revokes the one before it in the same transaction.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    email       TEXT    NOT NULL CHECK (email = lower(email)),
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('contributor', 'editor', 'admin')),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL, -- NULL: the command line
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    revoked_at  INTEGER,                                          -- revoked, or replaced by a resend
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL  -- the account it became
);
CREATE UNIQUE INDEX invites_waiting_email ON invites (email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
