-- Site search, faster (issue 17). The SQLite twin of this migration puts
-- each story's topics into its full-text index; here a search in a topic
-- already reads story_topics by its index for each story the search reads
-- (newest first, stopping at the page: Store::search_stories), and a
-- story's topics are read when searching, so they follow every change in
-- the writing transaction with nothing to keep in step.
--
-- What changes is the GIN index's pending list. With fastupdate on (the
-- default), new entries wait in an unsorted list of up to 4 MB until a
-- vacuum, and every search reads that whole list: after a burst of
-- writes (an import, a re-index for the site's language) each search
-- paid for it. With fastupdate off, a story's entries go straight into
-- the index in its own transaction (a little more work per save, a few
-- dozen words each) and searches read only the index.
ALTER INDEX stories_search SET (fastupdate = off);
-- Whatever waits in the pending list now goes into the index.
SELECT gin_clean_pending_list('stories_search'::regclass);
