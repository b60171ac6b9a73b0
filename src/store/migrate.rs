//! Schema migrations, embedded in the binary, one folder per backend with the
//! same numbering, applied in order at start-up. Each runs in its own
//! transaction together with the record that it ran.
//!
//! On PostgreSQL several nodes may start at once: each migration step takes
//! a transaction-scoped advisory lock and checks again, inside the lock,
//! whether another node applied it meanwhile, so every migration runs once.

use sqlx::{Any, Executor, Row, Transaction};

use super::{Backend, Store, StoreError};

/// A numbered migration.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "content",
        sql: include_str!("../../migrations/sqlite/0001_content.sql"),
    },
    Migration {
        version: 2,
        name: "push_subscriptions",
        sql: include_str!("../../migrations/sqlite/0002_push_subscriptions.sql"),
    },
    Migration {
        version: 3,
        name: "fanout",
        sql: include_str!("../../migrations/sqlite/0003_fanout.sql"),
    },
    Migration {
        version: 4,
        name: "site_secrets",
        sql: include_str!("../../migrations/sqlite/0004_site_secrets.sql"),
    },
    Migration {
        version: 5,
        name: "accounts",
        sql: include_str!("../../migrations/sqlite/0005_accounts.sql"),
    },
    Migration {
        version: 6,
        name: "editorial",
        sql: include_str!("../../migrations/sqlite/0006_editorial.sql"),
    },
    Migration {
        version: 7,
        name: "images",
        sql: include_str!("../../migrations/sqlite/0007_images.sql"),
    },
    Migration {
        version: 8,
        name: "push_options",
        sql: include_str!("../../migrations/sqlite/0008_push_options.sql"),
    },
    Migration {
        version: 9,
        name: "audience",
        sql: include_str!("../../migrations/sqlite/0009_audience.sql"),
    },
    Migration {
        version: 10,
        name: "reminders",
        sql: include_str!("../../migrations/sqlite/0010_reminders.sql"),
    },
    Migration {
        version: 11,
        name: "reminder_delivery",
        sql: include_str!("../../migrations/sqlite/0011_reminder_delivery.sql"),
    },
    Migration {
        version: 12,
        name: "one_click_per_subscription",
        sql: include_str!("../../migrations/sqlite/0012_one_click_per_subscription.sql"),
    },
    Migration {
        version: 13,
        name: "search",
        sql: include_str!("../../migrations/sqlite/0013_search.sql"),
    },
    Migration {
        version: 14,
        name: "preview_links",
        sql: include_str!("../../migrations/sqlite/0014_preview_links.sql"),
    },
    Migration {
        version: 15,
        name: "invites",
        sql: include_str!("../../migrations/sqlite/0015_invites.sql"),
    },
    Migration {
        version: 16,
        name: "autosaves",
        sql: include_str!("../../migrations/sqlite/0016_autosaves.sql"),
    },
    Migration {
        version: 17,
        name: "delivery_tallies",
        sql: include_str!("../../migrations/sqlite/0017_delivery_tallies.sql"),
    },
    Migration {
        version: 18,
        name: "story_seo",
        sql: include_str!("../../migrations/sqlite/0018_story_seo.sql"),
    },
    Migration {
        version: 19,
        name: "live_coverage",
        sql: include_str!("../../migrations/sqlite/0019_live_coverage.sql"),
    },
    Migration {
        version: 20,
        name: "content_changes",
        sql: include_str!("../../migrations/sqlite/0020_content_changes.sql"),
    },
    Migration {
        version: 21,
        name: "live_stream",
        sql: include_str!("../../migrations/sqlite/0021_live_stream.sql"),
    },
    Migration {
        version: 22,
        name: "story_follows",
        sql: include_str!("../../migrations/sqlite/0022_story_follows.sql"),
    },
    Migration {
        version: 23,
        name: "search_topics",
        sql: include_str!("../../migrations/sqlite/0023_search_topics.sql"),
    },
    Migration {
        version: 24,
        name: "topic_tokens_by_index",
        sql: include_str!("../../migrations/sqlite/0024_topic_tokens_by_index.sql"),
    },
    Migration {
        version: 25,
        name: "search_newest_first",
        sql: include_str!("../../migrations/sqlite/0025_search_newest_first.sql"),
    },
];

/// The PostgreSQL twins of [`SQLITE`]: same numbers, same meaning.
const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "content",
        sql: include_str!("../../migrations/postgres/0001_content.sql"),
    },
    Migration {
        version: 2,
        name: "push_subscriptions",
        sql: include_str!("../../migrations/postgres/0002_push_subscriptions.sql"),
    },
    Migration {
        version: 3,
        name: "fanout",
        sql: include_str!("../../migrations/postgres/0003_fanout.sql"),
    },
    Migration {
        version: 4,
        name: "site_secrets",
        sql: include_str!("../../migrations/postgres/0004_site_secrets.sql"),
    },
    Migration {
        version: 5,
        name: "accounts",
        sql: include_str!("../../migrations/postgres/0005_accounts.sql"),
    },
    Migration {
        version: 6,
        name: "editorial",
        sql: include_str!("../../migrations/postgres/0006_editorial.sql"),
    },
    Migration {
        version: 7,
        name: "images",
        sql: include_str!("../../migrations/postgres/0007_images.sql"),
    },
    Migration {
        version: 8,
        name: "push_options",
        sql: include_str!("../../migrations/postgres/0008_push_options.sql"),
    },
    Migration {
        version: 9,
        name: "audience",
        sql: include_str!("../../migrations/postgres/0009_audience.sql"),
    },
    Migration {
        version: 10,
        name: "reminders",
        sql: include_str!("../../migrations/postgres/0010_reminders.sql"),
    },
    Migration {
        version: 11,
        name: "reminder_delivery",
        sql: include_str!("../../migrations/postgres/0011_reminder_delivery.sql"),
    },
    Migration {
        version: 12,
        name: "one_click_per_subscription",
        sql: include_str!("../../migrations/postgres/0012_one_click_per_subscription.sql"),
    },
    Migration {
        version: 13,
        name: "search",
        sql: include_str!("../../migrations/postgres/0013_search.sql"),
    },
    Migration {
        version: 14,
        name: "preview_links",
        sql: include_str!("../../migrations/postgres/0014_preview_links.sql"),
    },
    Migration {
        version: 15,
        name: "invites",
        sql: include_str!("../../migrations/postgres/0015_invites.sql"),
    },
    Migration {
        version: 16,
        name: "autosaves",
        sql: include_str!("../../migrations/postgres/0016_autosaves.sql"),
    },
    Migration {
        version: 17,
        name: "delivery_tallies",
        sql: include_str!("../../migrations/postgres/0017_delivery_tallies.sql"),
    },
    Migration {
        version: 18,
        name: "story_seo",
        sql: include_str!("../../migrations/postgres/0018_story_seo.sql"),
    },
    Migration {
        version: 19,
        name: "live_coverage",
        sql: include_str!("../../migrations/postgres/0019_live_coverage.sql"),
    },
    Migration {
        version: 20,
        name: "content_changes",
        sql: include_str!("../../migrations/postgres/0020_content_changes.sql"),
    },
    Migration {
        version: 21,
        name: "live_stream",
        sql: include_str!("../../migrations/postgres/0021_live_stream.sql"),
    },
    Migration {
        version: 22,
        name: "story_follows",
        sql: include_str!("../../migrations/postgres/0022_story_follows.sql"),
    },
    Migration {
        version: 23,
        name: "search_topics",
        sql: include_str!("../../migrations/postgres/0023_search_topics.sql"),
    },
    Migration {
        version: 24,
        name: "topic_tokens_by_index",
        sql: include_str!("../../migrations/postgres/0024_topic_tokens_by_index.sql"),
    },
    Migration {
        version: 25,
        name: "search_newest_first",
        sql: include_str!("../../migrations/postgres/0025_search_newest_first.sql"),
    },
];

/// The newest migration this Herald knows for SQLite.
pub(super) fn newest_sqlite_migration() -> i64 {
    SQLITE.last().map_or(0, |m| m.version)
}

/// The key of the PostgreSQL advisory lock held while migrating ("herald"
/// in ASCII), the same for every node of a site.
const MIGRATION_LOCK: i64 = 0x6865_7261_6c64;

/// Creates the table of applied migrations; portable SQL.
const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS herald_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Store {
    /// Applies every migration this database has not seen yet.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        match self.backend {
            Backend::Sqlite => {
                self.pool.execute(CREATE_MIGRATIONS_TABLE).await?;
            }
            Backend::Postgres => {
                // Two nodes creating the table at once would collide.
                let mut tx = self.pool.begin().await?;
                lock_migrations(&mut tx).await?;
                sqlx::query(CREATE_MIGRATIONS_TABLE)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        let applied: Vec<i64> = sqlx::query("SELECT version FROM herald_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        if let Some(newest) = applied.iter().max() {
            let known = migrations.last().map_or(0, |m| m.version);
            if *newest > known {
                return Err(StoreError::TooNew {
                    found: *newest,
                    known,
                });
            }
        }
        for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
            // SQLite: the write lock from the start; PostgreSQL: an advisory
            // lock. Either way one process at a time, and each checks again.
            let mut tx = self.begin_write().await?;
            if self.backend == Backend::Postgres {
                lock_migrations(&mut tx).await?;
            }
            {
                let done = sqlx::query("SELECT COUNT(*) FROM herald_migrations WHERE version = $1")
                    .bind(migration.version)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get::<i64, _>(0)?;
                if done > 0 {
                    // Another node applied it while this one waited.
                    tx.rollback().await?;
                    continue;
                }
            }
            // A plain string runs unprepared, so it may hold many statements.
            let started = std::time::Instant::now();
            tx.execute(migration.sql).await?;
            sqlx::query(
                "INSERT INTO herald_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(chrono::Utc::now().timestamp())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                seconds = started.elapsed().as_secs_f64(),
                "applied migration"
            );
        }
        Ok(())
    }
}

/// Waits for, and holds until the transaction ends, PostgreSQL's advisory
/// lock for migrations. (The function returns `void`, which the `Any`
/// driver cannot decode, hence the count around it.)
async fn lock_migrations(tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
    sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
        .bind(MIGRATION_LOCK)
        .fetch_one(&mut **tx)
        .await?;
    Ok(())
}
