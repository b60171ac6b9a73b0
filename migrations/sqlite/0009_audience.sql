-- Subscribers per topic over time: one row per topic per UTC day, written
-- once that day (the first writer wins; later writers do nothing), so the
-- newsroom can chart each topic's followers. `day` is the Unix time (seconds)
-- of that day's midnight, UTC.

CREATE TABLE topic_followers_daily (
    day       INTEGER NOT NULL,
    topic_id  INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    followers INTEGER NOT NULL,
    PRIMARY KEY (day, topic_id)
);
CREATE INDEX topic_followers_daily_by_topic ON topic_followers_daily (topic_id, day);
