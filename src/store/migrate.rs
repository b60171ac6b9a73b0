//! Schema migrations, embedded in the binary, one folder per backend with the
//! same numbering, applied in order at start-up. Each runs in its own
//! transaction together with the record that it ran.

use sqlx::{Executor, Row};

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
];

impl Store {
    /// Applies every migration this database has not seen yet.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE,
        };
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS herald_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
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
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
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
                "applied migration"
            );
        }
        Ok(())
    }
}
