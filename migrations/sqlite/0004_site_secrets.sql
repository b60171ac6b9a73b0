-- Secrets every node of a site must share, kept in the database when many
-- nodes run on PostgreSQL: the VAPID key pair above all, so that every node
-- signs with the same key and a second node never makes a second pair.
-- (A single SQLite node keeps its key in the data folder instead.)

CREATE TABLE site_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
