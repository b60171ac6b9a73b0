-- Readers' push subscriptions and the topics they follow. A subscription has
-- no account behind it: its token (kept only as a SHA-256) is the reader's
-- credential.

CREATE TABLE push_subscriptions (
    id              INTEGER PRIMARY KEY,
    endpoint        TEXT    NOT NULL UNIQUE,
    p256dh          TEXT    NOT NULL, -- base64url, 65 bytes
    auth            TEXT    NOT NULL, -- base64url, 16 bytes
    expiration_time INTEGER,          -- ms since the epoch, as browsers give it
    token_hash      TEXT    NOT NULL UNIQUE,
    paused          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL
);

CREATE TABLE push_follows (
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    topic_id        INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, topic_id)
);
-- "Every subscription that follows any of these topics", in id order.
CREATE INDEX push_follows_by_topic ON push_follows (topic_id, subscription_id);

CREATE TABLE push_clicks (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER REFERENCES push_subscriptions (id) ON DELETE SET NULL,
    story_id        INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    clicked_at      INTEGER NOT NULL
);
CREATE INDEX push_clicks_by_story ON push_clicks (story_id);

-- Every site has a breaking-news topic.
INSERT INTO topics (slug, name, description, created_at)
VALUES ('breaking', 'Breaking news', 'The biggest stories, as they break.', 0)
ON CONFLICT (slug) DO NOTHING;
