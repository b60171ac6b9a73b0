-- A story's topic tokens (migration 23) are rebuilt by the triggers on
-- story_topics from the view story_topic_tokens, a GROUP BY over the
-- whole table: SQLite materialises the view before it filters it, so
-- every topic added to, changed on or taken from one story read every
-- story_topics row (EXPLAIN QUERY PLAN: "SCAN story_topics"), a cost that
-- grows with the site (loading 100,000 stories took over 20 minutes).
-- The triggers now read the story's own rows through the primary key
-- (story_id, topic_id); the tokens are the same.

DROP TRIGGER story_search_topics_after_insert;
DROP TRIGGER story_search_topics_after_delete;
DROP TRIGGER story_search_topics_after_update;
DROP VIEW story_topic_tokens;

CREATE TRIGGER story_search_topics_after_insert AFTER INSERT ON story_topics BEGIN
    UPDATE stories SET search_topics = COALESCE(
        (SELECT group_concat(char(57360) || topic_id, ' ') FROM story_topics
         WHERE story_id = stories.id), '')
    WHERE id = new.story_id;
END;

CREATE TRIGGER story_search_topics_after_delete AFTER DELETE ON story_topics BEGIN
    UPDATE stories SET search_topics = COALESCE(
        (SELECT group_concat(char(57360) || topic_id, ' ') FROM story_topics
         WHERE story_id = stories.id), '')
    WHERE id = old.story_id;
END;

CREATE TRIGGER story_search_topics_after_update AFTER UPDATE ON story_topics BEGIN
    UPDATE stories SET search_topics = COALESCE(
        (SELECT group_concat(char(57360) || topic_id, ' ') FROM story_topics
         WHERE story_id = stories.id), '')
    WHERE id IN (old.story_id, new.story_id);
END;
