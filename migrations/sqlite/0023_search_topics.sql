-- Site search, faster (issue 17): the topic filter happens inside the
-- full-text index instead of a join over every match.
--
-- Before, a search in a topic read every story that has the words and kept
-- those on the topic (a common word in a topic read tens of thousands of
-- matches to keep a few thousand). Now each story's topics are tokens of
-- the index, in a column of their own (search_topics), and a search in a
-- topic is one more term of the full-text query: FTS5 intersects the two
-- lists of rows itself and can stop at the first page.
--
-- A topic's token is U+E010 followed by the topic's id (so a rename, which
-- keeps the id, changes nothing). U+E010 is a private-use character: FTS5's
-- unicode61 tokenizer keeps it inside a token, and a reader's query never
-- holds one (crate::search keeps letters and digits only), so a reader's
-- word never matches a topic token; the filter names the column as well.
-- The column's bm25 weight is 0: topics never change the rank.
--
-- stories.search_topics holds the tokens of the story's topics, written by
-- triggers on story_topics inside the statement that changes them, so in
-- the story's transaction: saving a story (which rewrites its topics) or
-- removing a topic re-indexes the stories concerned before commit. The
-- index's own update trigger reads the old tokens from the row, so the
-- index always deletes exactly what it inserted.
ALTER TABLE stories ADD COLUMN search_topics TEXT NOT NULL DEFAULT '';

DROP TRIGGER story_search_after_insert;
DROP TRIGGER story_search_after_delete;
DROP TRIGGER story_search_after_update;
DROP TABLE story_search;

-- The one place that says what a story's topic tokens are.
CREATE VIEW story_topic_tokens AS
    SELECT story_id, group_concat(char(57360) || topic_id, ' ') AS tokens
    FROM story_topics GROUP BY story_id;

UPDATE stories SET search_topics =
    COALESCE((SELECT tokens FROM story_topic_tokens WHERE story_id = stories.id), '');

CREATE VIRTUAL TABLE story_search USING fts5(
    headline,
    standfirst,
    body_markdown,
    search_topics,
    content = 'stories',
    content_rowid = 'search_key',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER story_search_after_insert AFTER INSERT ON stories BEGIN
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown, search_topics)
    VALUES (new.search_key, new.headline, new.standfirst, new.body_markdown, new.search_topics);
END;

CREATE TRIGGER story_search_after_delete AFTER DELETE ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown, search_topics)
    VALUES ('delete', old.search_key, old.headline, old.standfirst, old.body_markdown, old.search_topics);
END;

CREATE TRIGGER story_search_after_update
AFTER UPDATE OF headline, standfirst, body_markdown, published_at, search_topics ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown, search_topics)
    VALUES ('delete', old.search_key, old.headline, old.standfirst, old.body_markdown, old.search_topics);
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown, search_topics)
    VALUES (new.search_key, new.headline, new.standfirst, new.body_markdown, new.search_topics);
END;

-- A story's topics changed: its tokens follow (and so its index row).
-- When a story is deleted, its story_topics rows go after it (ON DELETE
-- CASCADE): the UPDATE then finds no row, and the delete trigger above
-- has already removed the index row with the tokens it had.
CREATE TRIGGER story_search_topics_after_insert AFTER INSERT ON story_topics BEGIN
    UPDATE stories SET search_topics =
        COALESCE((SELECT tokens FROM story_topic_tokens WHERE story_id = stories.id), '')
    WHERE id = new.story_id;
END;

CREATE TRIGGER story_search_topics_after_delete AFTER DELETE ON story_topics BEGIN
    UPDATE stories SET search_topics =
        COALESCE((SELECT tokens FROM story_topic_tokens WHERE story_id = stories.id), '')
    WHERE id = old.story_id;
END;

CREATE TRIGGER story_search_topics_after_update AFTER UPDATE ON story_topics BEGIN
    UPDATE stories SET search_topics =
        COALESCE((SELECT tokens FROM story_topic_tokens WHERE story_id = stories.id), '')
    WHERE id IN (old.story_id, new.story_id);
END;

-- Every story written before this migration, with its topics.
INSERT INTO story_search (story_search) VALUES ('rebuild');
