-- Site search (issue 17): a full-text index of every story's headline,
-- standfirst and body, with the stories table as its external content
-- (the text is stored once; the index keeps only the tokens). Porter
-- stemming over Unicode words: "flooding" finds "floods".
--
-- The index's rowid is search_key, a story's publication time and id in
-- one integer (published_at * 2^31 + id; a draft's is its id alone). So
-- the stories a reader may see at time T are one rowid range (from 2^31,
-- the first second, to T * 2^31 + 2^31 - 1): drafts lie below it and
-- scheduled stories above it until their time comes, with no join to
-- read; and the index lists matches newest first, so that a search can
-- rank the newest matches and stop as soon as no older one could rank
-- higher (Store::search_stories).
--
-- Triggers keep the index in step with the stories table inside the very
-- statement that changes a story, so in the transaction of every write
-- (save, import, publish, schedule, unpublish, restore): the index never
-- holds text or a publication time that was not committed.
ALTER TABLE stories ADD COLUMN search_key INTEGER GENERATED ALWAYS AS (
    CASE WHEN published_at IS NULL THEN id ELSE published_at * 2147483648 + id END
) VIRTUAL;
CREATE UNIQUE INDEX stories_by_search_key ON stories (search_key);

CREATE VIRTUAL TABLE story_search USING fts5(
    headline,
    standfirst,
    body_markdown,
    content = 'stories',
    content_rowid = 'search_key',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER story_search_after_insert AFTER INSERT ON stories BEGIN
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown)
    VALUES (new.search_key, new.headline, new.standfirst, new.body_markdown);
END;

CREATE TRIGGER story_search_after_delete AFTER DELETE ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown)
    VALUES ('delete', old.search_key, old.headline, old.standfirst, old.body_markdown);
END;

-- A change of the text or of the publication time re-indexes; a version
-- bump or a correction note does not.
CREATE TRIGGER story_search_after_update
AFTER UPDATE OF headline, standfirst, body_markdown, published_at ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown)
    VALUES ('delete', old.search_key, old.headline, old.standfirst, old.body_markdown);
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown)
    VALUES (new.search_key, new.headline, new.standfirst, new.body_markdown);
END;

-- The stories written before this migration.
INSERT INTO story_search (story_search) VALUES ('rebuild');
