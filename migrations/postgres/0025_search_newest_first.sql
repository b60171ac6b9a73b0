-- The SQLite twin of this migration gives its full-text index a key that
-- lists the newest stories first in ascending order, which FTS5 reads
-- faster. PostgreSQL's search has no such key (it ranks every match with
-- a GIN index, store/search/postgres.rs): nothing changes here; the
-- migration keeps both backends' numbers equal.
SELECT 1;
