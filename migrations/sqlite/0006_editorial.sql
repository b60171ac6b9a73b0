-- Newsroom story management: who owns a story, a version for lost-update
-- detection, a correction note shown on the story, and the revision history.
--
-- owner_id and user ids in revisions are users.id (migration 0005); they are
-- plain integers, not foreign keys, so that removing an account keeps the
-- stories and history it wrote. NULL means a story imported from the command
-- line or the demo.

ALTER TABLE stories ADD COLUMN owner_id INTEGER;
-- Grows by one with every change an editor makes (save, publish, schedule,
-- unpublish, correction, restore): a save that names an older version is
-- refused instead of silently overwriting another editor's work.
ALTER TABLE stories ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stories ADD COLUMN correction TEXT;
ALTER TABLE stories ADD COLUMN correction_at INTEGER;
-- The publication time once the story has been visible; until then it
-- follows published_at. The slug is fixed once this lies in the past.
ALTER TABLE stories ADD COLUMN first_published_at INTEGER;
UPDATE stories SET first_published_at = published_at;
CREATE INDEX stories_by_owner ON stories (owner_id);
CREATE INDEX stories_by_creation ON stories (created_at DESC, id DESC);

-- One row per change, numbered from 1 per story, with a JSON snapshot of
-- the editable fields after the change.
CREATE TABLE story_revisions (
    id         INTEGER PRIMARY KEY,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    user_id    INTEGER,          -- NULL for the command line and the demo
    user_name  TEXT,             -- as it was when the change was made
    action     TEXT    NOT NULL, -- created, saved, published, scheduled, unpublished, corrected, restored
    created_at INTEGER NOT NULL,
    snapshot   TEXT    NOT NULL,
    UNIQUE (story_id, number)
);
