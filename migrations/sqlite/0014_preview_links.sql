-- Links that show a draft to someone without an account (issue 16): the
-- token itself is shown once; the database keeps its SHA-256 (hex).
CREATE TABLE preview_links (
    id          INTEGER PRIMARY KEY,
    story_id    INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX preview_links_by_story ON preview_links (story_id);
