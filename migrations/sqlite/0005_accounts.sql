-- Newsroom accounts: users with a role and an Argon2id password, their
-- sessions, their API tokens, and the failed logins that throttle guessing.
-- Secrets are never stored: sessions and tokens keep only a SHA-256 of the
-- secret the browser or the API client holds.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('contributor', 'editor', 'admin')),
    password_hash  TEXT    NOT NULL, -- Argon2id, PHC string
    totp_secret    TEXT,             -- base32; set while setting up, kept while enabled
    totp_enabled   INTEGER NOT NULL DEFAULT 0,
    totp_last_step INTEGER,          -- the last time step a code was accepted for
    disabled_at    INTEGER,          -- a disabled account cannot log in nor use its tokens
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  TEXT    NOT NULL UNIQUE, -- SHA-256 (hex) of the cookie's secret
    csrf_token   TEXT    NOT NULL,
    pending_totp INTEGER NOT NULL DEFAULT 0, -- password ok, TOTP code still needed
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE, -- SHA-256 (hex) of the token
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
-- A name is unique among a user's tokens that still work.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (user_id, name) WHERE revoked_at IS NULL;

-- One row per failed (or in-flight) login attempt, keyed "account:<email>"
-- or "ip:<address>"; shared by every web node.
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
