-- Reminders, not noise: each reader's cap, quiet hours, digest topics and
-- digest time; their count of notifications on their current local day;
-- the stories held for them; the stories they opened.
--
-- The preferences are columns of the subscription, so the fan-out's
-- recipient query reads them with the row it already reads (no join). NULL
-- means "the site's default" (for quiet hours: none; for the zone: UTC).

ALTER TABLE push_subscriptions ADD COLUMN reminder_max_per_day INTEGER;
ALTER TABLE push_subscriptions ADD COLUMN quiet_start INTEGER;  -- minutes after local midnight
ALTER TABLE push_subscriptions ADD COLUMN quiet_end INTEGER;    -- both set, or both NULL
ALTER TABLE push_subscriptions ADD COLUMN time_zone TEXT;       -- IANA name
ALTER TABLE push_subscriptions ADD COLUMN digest_time INTEGER;  -- minutes after local midnight
ALTER TABLE push_subscriptions ADD COLUMN breaking_overrides INTEGER; -- 0/1
-- Notifications sent on the reader's local day `sent_day` (days since
-- 1970-01-01 of the local date); a count of another day is 0 today.
ALTER TABLE push_subscriptions ADD COLUMN sent_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_subscriptions ADD COLUMN sent_count INTEGER NOT NULL DEFAULT 0;
-- When the subscription was asked "still interested?" (last_seen_at says
-- when it was last seen).
ALTER TABLE push_subscriptions ADD COLUMN still_interested_at INTEGER;

-- Topics a reader takes "in a daily digest" rather than story by story.
-- Kept apart from the follows, so that changing what one follows does not
-- forget how one takes it.
CREATE TABLE push_digest_topics (
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    topic_id        INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (subscription_id, topic_id)
);

-- Stories held for a reader (cap, quiet hours, digest topic) until due_at;
-- a digest that sends them sets due_at to NULL and digested_at, and they
-- stay listed as missed for a while.
CREATE TABLE push_reminders (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    story_id        INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    reason          TEXT    NOT NULL CHECK (reason IN ('cap', 'quiet_hours', 'digest')),
    due_at          INTEGER,          -- Unix seconds; NULL once sent in a digest
    created_at      INTEGER NOT NULL,
    digested_at     INTEGER,
    UNIQUE (subscription_id, story_id)
);
-- The digest sweeper reads the head of this index: what is due now.
CREATE INDEX push_reminders_due ON push_reminders (due_at);

-- Stories a reader opened (a notification click, or a visit from the
-- browser that holds the subscription): never reminded.
CREATE TABLE push_opened (
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    story_id        INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    opened_at       INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, story_id)
);
