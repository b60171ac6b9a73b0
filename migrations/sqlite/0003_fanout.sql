-- The fan-out: one job per story notification (written in the transaction
-- that publishes the story: the outbox), split into shards of subscriber id
-- ranges that any worker can lease and resume from their checkpoint. No
-- per-subscriber row is written at publish time; only messages that must be
-- tried again, and permanent failures, get rows of their own.

CREATE TABLE push_jobs (
    id           INTEGER PRIMARY KEY,
    story_id     INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    title        TEXT,             -- overrides the headline when set
    body         TEXT,             -- overrides the standfirst when set
    ttl_seconds  INTEGER NOT NULL,
    not_before   INTEGER NOT NULL, -- the story's publication time
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'planned', 'done', 'cancelled')),
    queued       INTEGER NOT NULL DEFAULT 0, -- matching subscribers when planned
    sent         INTEGER NOT NULL DEFAULT 0, -- requests made, retries included
    delivered    INTEGER NOT NULL DEFAULT 0,
    gone         INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    planned_at   INTEGER,          -- ms
    finished_at  INTEGER
);
CREATE INDEX push_jobs_due ON push_jobs (state, not_before);
CREATE INDEX push_jobs_by_story ON push_jobs (story_id);

CREATE TABLE push_shards (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL REFERENCES push_jobs (id) ON DELETE CASCADE,
    first_subscriber INTEGER NOT NULL,
    last_subscriber  INTEGER NOT NULL,
    checkpoint       INTEGER NOT NULL, -- every subscriber up to here is handled
    state            TEXT    NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'leased', 'done')),
    lease_owner      TEXT,
    lease_until      INTEGER,          -- ms
    handled          INTEGER NOT NULL DEFAULT 0 -- subscribers handled so far
);
CREATE INDEX push_shards_open ON push_shards (state, id);
CREATE INDEX push_shards_by_job ON push_shards (job_id);

-- Messages to try again (429, 5xx, timeouts), until their TTL ends.
CREATE TABLE push_retries (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES push_jobs (id) ON DELETE CASCADE,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    due_at          INTEGER NOT NULL, -- ms
    expires_at      INTEGER NOT NULL, -- ms: the message's TTL
    last_error      TEXT    NOT NULL,
    UNIQUE (job_id, subscription_id)
);
CREATE INDEX push_retries_due ON push_retries (due_at);

-- Messages refused for good, with the push service's reason.
CREATE TABLE push_failures (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES push_jobs (id) ON DELETE CASCADE,
    subscription_id INTEGER,
    status          INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    failed_at       INTEGER NOT NULL
);
CREATE INDEX push_failures_by_job ON push_failures (job_id);
