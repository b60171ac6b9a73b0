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
