-- Follow this story (issue 18): a reader's subscription follows a live
-- story, and each key event posted in it is a notification to them. A
-- follow lapses a day after the story's coverage ends: not counted, not
-- listed, not notified after that, and swept away by the reminders'
-- housekeeping.
--
-- The PostgreSQL twin of migrations/sqlite/0022_story_follows.sql.
CREATE TABLE story_follows (
    subscription_id BIGINT  NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    story_id        BIGINT  NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (subscription_id, story_id)
);
-- "Every subscription that follows this story", in id order (the fan-out's
-- shards read it), and the live desk's follower count.
CREATE INDEX story_follows_by_story ON story_follows (story_id, subscription_id);

-- A key event's notification is a fan-out job of its story that names the
-- entry. Its kind stays 'original', as on SQLite (where migration 8's
-- CHECK cannot change without rebuilding push_jobs); the entry marks it. One job per
-- entry, however often the entry is edited: the unique index holds it.
ALTER TABLE push_jobs ADD COLUMN entry_id BIGINT REFERENCES live_entries (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX push_jobs_one_per_entry ON push_jobs (entry_id) WHERE entry_id IS NOT NULL;
