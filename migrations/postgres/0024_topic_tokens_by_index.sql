-- The SQLite twin of this migration makes the triggers that keep a
-- story's topic tokens in its full-text index read that story's topics by
-- index instead of the whole table. PostgreSQL keeps no topic tokens
-- (migration 23): a search in a topic reads story_topics by its index.
-- Nothing changes here; the migration keeps both backends' numbers equal.
SELECT 1;
