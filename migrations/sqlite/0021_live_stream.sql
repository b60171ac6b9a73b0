-- Live streams (issue 18): the end of a story's coverage takes the site's
-- next live change number too, so a reader's stream that resumes after
-- change N is told of an end that came later, as it is of entries.
ALTER TABLE stories ADD COLUMN live_end_seq INTEGER;
CREATE INDEX stories_by_live_end_seq ON stories (live_end_seq) WHERE live_end_seq IS NOT NULL;
