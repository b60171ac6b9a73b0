-- What each content change touched (issue 20), so that every web node drops
-- only those cached pages instead of all of them. One row per bump of
-- site_state.content_version, written in the same transaction; a node's
-- content watcher reads the rows after the version it last saw. Only the
-- latest thousand are kept: a node further behind clears its whole cache.
--
-- The PostgreSQL twin of migrations/sqlite/0020_content_changes.sql.
CREATE TABLE content_changes (
    version    BIGINT PRIMARY KEY, -- the content_version this change made
    everything BIGINT NOT NULL,    -- 1: not attributable to stories; every page drops
    stories    TEXT   NOT NULL,    -- JSON array of story slugs (before and after the change)
    topics     TEXT   NOT NULL     -- JSON array of topic slugs (before and after the change)
);

-- Paced delivery (issue 20): a notification delivered over some minutes
-- rather than at once, from the newsroom's push panel or the admin API's
-- "push": {"spread_minutes": N}. Breaking news goes at once unless
-- spread_breaking says the editor asked to spread it too.
ALTER TABLE push_jobs ADD COLUMN spread_minutes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE push_jobs ADD COLUMN spread_breaking BIGINT NOT NULL DEFAULT 0;
-- A spread job's shard is ready from ready_at (Unix ms) on: when its first
-- subscribers' turn comes, and again, when a worker hands it back until
-- its next subscribers' turn. 0: ready at once.
ALTER TABLE push_shards ADD COLUMN ready_at BIGINT NOT NULL DEFAULT 0;
