-- Site search (issue 17): a full-text index of every story's headline,
-- standfirst and body, with the stories table as its external content
-- (the text is stored once; the index keeps only the tokens). Porter
-- stemming over Unicode words: "flooding" finds "floods".
--
-- Triggers keep the index in step with the stories table inside the very
-- statement that changes a story, so in the transaction of every write
-- (save, import, publish, unpublish, restore): the index can never show a
-- story's text that was not committed. Whether a story may be found (it is
-- published and its time has come) is read from the stories table when
-- searching, so a scheduled story is indexed but not found before its time.
CREATE VIRTUAL TABLE story_search USING fts5(
    headline,
    standfirst,
    body_markdown,
    content = 'stories',
    content_rowid = 'id',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER story_search_after_insert AFTER INSERT ON stories BEGIN
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown)
    VALUES (new.id, new.headline, new.standfirst, new.body_markdown);
END;

CREATE TRIGGER story_search_after_delete AFTER DELETE ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown)
    VALUES ('delete', old.id, old.headline, old.standfirst, old.body_markdown);
END;

-- Only a change of the indexed text re-indexes: a version bump or a
-- publication time does not.
CREATE TRIGGER story_search_after_update
AFTER UPDATE OF headline, standfirst, body_markdown ON stories BEGIN
    INSERT INTO story_search (story_search, rowid, headline, standfirst, body_markdown)
    VALUES ('delete', old.id, old.headline, old.standfirst, old.body_markdown);
    INSERT INTO story_search (rowid, headline, standfirst, body_markdown)
    VALUES (new.id, new.headline, new.standfirst, new.body_markdown);
END;

-- The stories written before this migration.
INSERT INTO story_search (story_search) VALUES ('rebuild');

-- Whether a match may be shown, read without the story's row: a search
-- checks published_at of every match, and in the row it lies after the
-- body, often on an overflow page (a count over 40,000 matches took
-- several times longer through the row).
CREATE INDEX stories_visibility ON stories (id, published_at);
