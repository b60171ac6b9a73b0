-- The editor's work between saves (issue 16): what each person has typed
-- into a story and not yet saved, kept a few seconds after they stop
-- typing, and when each last had the story open (who else is editing).
-- Never shown on the site; cleared when that person saves.
CREATE TABLE story_autosaves (
    story_id      INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The editor's form as JSON ([[name, value], ...]); NULL: only open.
    fields        TEXT,
    -- The story's version the fields were typed over.
    base_version  INTEGER NOT NULL,
    saved_at      INTEGER,
    seen_at       INTEGER NOT NULL,
    PRIMARY KEY (story_id, user_id)
);
