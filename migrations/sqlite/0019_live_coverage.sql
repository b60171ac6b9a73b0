-- Live coverage (issue 18): a story marked live holds entries, newest
-- first, until its coverage ends (live_ended_at).
ALTER TABLE stories ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN live_ended_at INTEGER;

-- The site's change counter for live entries: every write of an entry
-- (post, edit, delete) takes the next number as the entry's seq, so a
-- reader's stream can resume "after change N", edits and deletions too.
ALTER TABLE site_state ADD COLUMN live_seq INTEGER NOT NULL DEFAULT 0;

-- One entry of a live story. Deleting is soft (state 'deleted'): an edit
-- of a deleted entry is told so, and a stream can announce the deletion.
CREATE TABLE live_entries (
    id            INTEGER PRIMARY KEY,
    story_id      INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name   TEXT    NOT NULL,
    title         TEXT,
    body_markdown TEXT    NOT NULL,
    key_event     INTEGER NOT NULL DEFAULT 0,
    breaking      INTEGER NOT NULL DEFAULT 0,
    state         TEXT    NOT NULL CHECK (state IN ('draft', 'posted', 'deleted')),
    published_at  INTEGER,                -- when first posted; NULL for a draft
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    seq           INTEGER NOT NULL UNIQUE -- the site's live change number of its last write
);
CREATE INDEX live_entries_by_story ON live_entries (story_id, id);
