-- Subscribers per topic over time: one row per topic per UTC day, written
-- once that day (the first writer wins; later writers do nothing), so the
-- newsroom can chart each topic's followers. `day` is the Unix time (seconds)
-- of that day's midnight, UTC.
--
-- The PostgreSQL twin of migrations/sqlite/0009_audience.sql.

CREATE TABLE topic_followers_daily (
    day       BIGINT NOT NULL,
    topic_id  BIGINT NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    followers BIGINT NOT NULL,
    PRIMARY KEY (day, topic_id)
);
CREATE INDEX topic_followers_daily_by_topic ON topic_followers_daily (topic_id, day);
