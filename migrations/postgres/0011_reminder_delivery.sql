-- Reminders in delivery: what a fan-out held back, and the sweep over
-- silent subscriptions.
--
-- The PostgreSQL twin of migrations/sqlite/0011_reminder_delivery.sql.

-- Recipients a job did not send to because of their settings (cap, quiet
-- hours, digest topics): for an original notification, held in their
-- reminders; for an update, left out (see src/push/worker.rs). So that
-- queued = sent + held, and sent = delivered + gone + failed + retrying +
-- superseded.
ALTER TABLE push_jobs ADD COLUMN held BIGINT NOT NULL DEFAULT 0;

-- The sweep for "still interested?" reads the head of this index: the
-- active subscriptions last seen before the cut-off, oldest first (a paused
-- subscription is never asked: its reader chose silence).
CREATE INDEX push_subscriptions_last_seen ON push_subscriptions (last_seen_at)
    WHERE paused = 0;
-- And the pruning of those asked and silent since: only asked ones are
-- indexed.
CREATE INDEX push_subscriptions_asked ON push_subscriptions (still_interested_at)
    WHERE still_interested_at IS NOT NULL;

-- Tries of a digest that the push service asked to retry (429, 5xx, no
-- answer): the next is due after the retry policy's delay for that many.
ALTER TABLE push_reminders ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;

-- When the reminders' housekeeping ("still interested?", pruning silent
-- subscriptions and old reminders) last ran, for every process of the
-- site: it runs at most once an interval (an hour) per site, and first an
-- interval after this migration, so that installing it never sends every
-- long-silent subscription a question at the very start.
CREATE TABLE reminder_housekeeping (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    last_run_at BIGINT NOT NULL       -- Unix seconds
);
INSERT INTO reminder_housekeeping (id, last_run_at) VALUES (1, CAST(EXTRACT(EPOCH FROM now()) AS BIGINT));
