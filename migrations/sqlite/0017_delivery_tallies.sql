-- A story's stats page (issue 16): deliveries over time and per push
-- service. Outcomes are added up per job, per minute and per push
-- service's host as each batch is recorded (one row written or updated per
-- host a batch reached, in the batch's own transaction), never a row per
-- message. The host only: an endpoint is a capability and is not kept here.
CREATE TABLE push_tallies (
    job_id    INTEGER NOT NULL REFERENCES push_jobs (id) ON DELETE CASCADE,
    minute    INTEGER NOT NULL, -- Unix minutes when the outcomes were recorded
    host      TEXT    NOT NULL, -- the push service's host name, e.g. fcm.googleapis.com
    delivered INTEGER NOT NULL DEFAULT 0,
    gone      INTEGER NOT NULL DEFAULT 0,
    failed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, minute, host)
);
