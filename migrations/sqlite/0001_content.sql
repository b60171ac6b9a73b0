-- Stories, topics and what the reader's site needs to serve them.
-- Times are Unix seconds (UTC). A story is a draft while published_at is
-- NULL, scheduled while it lies in the future, and visible after.

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    headline      TEXT    NOT NULL,
    standfirst    TEXT    NOT NULL DEFAULT '',
    body_markdown TEXT    NOT NULL,
    image_src     TEXT,
    image_alt     TEXT,
    image_credit  TEXT,
    cta_text      TEXT,
    cta_url       TEXT,
    authors       TEXT    NOT NULL DEFAULT '[]', -- JSON array of names
    sample        INTEGER NOT NULL DEFAULT 0,
    published_at  INTEGER,
    updated_at    INTEGER,
    created_at    INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL
);
CREATE INDEX stories_by_publication ON stories (published_at DESC, id DESC);

CREATE TABLE story_topics (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (story_id, topic_id)
);
CREATE INDEX story_topics_by_topic ON story_topics (topic_id, story_id);

-- Old slugs of renamed stories, answered with a permanent redirect.
CREATE TABLE story_redirects (
    old_slug TEXT    PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE
);

-- Images stored with the content so that every web node can serve them.
CREATE TABLE media (
    name         TEXT    PRIMARY KEY, -- content hash and extension
    content_type TEXT    NOT NULL,
    bytes        BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- One row. content_version grows with every content change, so that every
-- process serving pages knows when its cached pages are stale.
CREATE TABLE site_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    content_version INTEGER NOT NULL,
    demo_seeded     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO site_state (id, content_version, demo_seeded) VALUES (1, 0, 0);
