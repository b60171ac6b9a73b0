-- Site search (issue 17): each story's text as a weighted tsvector
-- (headline A, standfirst B, body C) in a column of its own, with a GIN
-- index. The text search configuration (the stemming dictionary) follows
-- the site's language: site_state.search_config, which Herald sets at start
-- from site.language (Store::use_search_language, re-indexing every story
-- when it changes). Until then, and for languages PostgreSQL has no
-- dictionary for, 'simple'.
--
-- A trigger computes the column inside the very statement that changes a
-- story, so in the transaction of every write (save, import, publish,
-- unpublish, restore). Whether a story may be found (it is published and
-- its time has come) is read when searching, so a scheduled story is
-- indexed but not found before its time.
ALTER TABLE site_state ADD COLUMN search_config TEXT NOT NULL DEFAULT 'simple';
ALTER TABLE stories ADD COLUMN search_document tsvector;

CREATE FUNCTION herald_search_document(config regconfig, headline TEXT, standfirst TEXT, body TEXT)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(config, headline), 'A')
        || setweight(to_tsvector(config, standfirst), 'B')
        || setweight(to_tsvector(config, body), 'C')
$$;

-- FOR KEY SHARE: a change of configuration (which locks the row FOR UPDATE
-- while it re-indexes every story) waits for the stories being written, and
-- they for it, so no story keeps a document in the old configuration. Story
-- writes do not wait for each other here (their own UPDATE of site_state
-- does not conflict with KEY SHARE).
CREATE FUNCTION herald_story_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    config TEXT;
BEGIN
    SELECT search_config INTO config FROM site_state WHERE id = 1 FOR KEY SHARE;
    NEW.search_document := herald_search_document(
        config::regconfig, NEW.headline, NEW.standfirst, NEW.body_markdown);
    RETURN NEW;
END
$$;

CREATE TRIGGER story_search_document
BEFORE INSERT OR UPDATE OF headline, standfirst, body_markdown ON stories
FOR EACH ROW EXECUTE FUNCTION herald_story_search_document();

-- The stories written before this migration.
UPDATE stories SET search_document =
    herald_search_document('simple', headline, standfirst, body_markdown);

CREATE INDEX stories_search ON stories USING GIN (search_document);
