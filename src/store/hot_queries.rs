//! The fan-out's and the reminder sweeps' hot queries and their plans. Each query that runs once per
//! batch or per shard must find its rows through an index: a full scan is
//! harmless with a thousand subscribers and a stall with ten million. The
//! query-plan test (tests/query_plans.rs) asks the database how it would run
//! each of them, with the very SQL the store runs, so that a dropped index
//! or a query rewritten into a scan fails CI.

use sqlx::{Executor, Row};

use super::fanout::{
    SUBSCRIBER_RANGE_SQL, due_jobs_sql, due_retries_sql, everyone_batch_sql, followers_batch_sql,
    lease_shard_sql, story_followers_batch_sql,
};
use super::{Backend, Store, StoreError};

/// One hot query with example arguments (all integers).
#[derive(Debug, Clone)]
pub struct HotQuery {
    pub name: &'static str,
    pub sql: String,
    pub args: Vec<HotArg>,
}

/// An argument of a [`HotQuery`].
#[derive(Debug, Clone)]
pub enum HotArg {
    Int(i64),
    Text(&'static str),
}

/// The tables that grow with subscribers or their messages: no hot query
/// may read one of them whole.
pub const LARGE_TABLES: &[&str] = &[
    "push_subscriptions",
    "push_follows",
    "story_follows",
    "push_retries",
    "push_shards",
    "push_jobs",
    "push_reminders",
    "push_opened",
];

impl Store {
    /// The queries the fan-out runs per batch, shard or planner tick, and
    /// the reminder sweeps per tick, as this backend runs them.
    pub fn hot_queries(&self) -> Vec<HotQuery> {
        use HotArg::{Int, Text};
        let now_ms = 1_800_000_000_000;
        let fanout = vec![
            HotQuery {
                name: "due jobs",
                sql: due_jobs_sql(),
                args: vec![Int(now_ms / 1000)],
            },
            HotQuery {
                name: "subscriber id range",
                sql: SUBSCRIBER_RANGE_SQL.to_owned(),
                args: vec![],
            },
            HotQuery {
                name: "lease a shard",
                sql: lease_shard_sql(self.backend).to_owned(),
                args: vec![Text("worker"), Int(now_ms + 60_000), Int(now_ms)],
            },
            HotQuery {
                name: "followers batch",
                sql: followers_batch_sql(self.backend, 3, 500),
                args: vec![Int(1000), Int(3500), Int(1), Int(2), Int(3)],
            },
            HotQuery {
                name: "story followers batch",
                sql: story_followers_batch_sql(self.backend, 500),
                args: vec![Int(1000), Int(3500), Int(1), Int(2)],
            },
            HotQuery {
                name: "everyone batch",
                sql: everyone_batch_sql(self.backend, 500),
                args: vec![Int(1000), Int(3500)],
            },
            HotQuery {
                name: "due retries",
                sql: due_retries_sql(self.backend, 500),
                args: vec![Int(now_ms)],
            },
        ];
        fanout
            .into_iter()
            .chain(self.reminder_hot_queries())
            .collect()
    }

    /// How the database would run `query`: SQLite's `EXPLAIN QUERY PLAN`
    /// lines, or PostgreSQL's `EXPLAIN` with sequential scans priced out
    /// (`enable_seqscan = off`), so that a test database of a few rows gets
    /// the plan a large one would: a scan remains only where no index can
    /// serve. Nothing is executed.
    pub async fn query_plan(&self, query: &HotQuery) -> Result<Vec<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let explain = match self.backend {
            Backend::Sqlite => format!("EXPLAIN QUERY PLAN {}", query.sql),
            Backend::Postgres => {
                tx.execute("SET LOCAL enable_seqscan = off").await?;
                format!("EXPLAIN {}", query.sql)
            }
        };
        let mut statement = sqlx::query(&explain);
        for arg in &query.args {
            statement = match arg {
                HotArg::Int(value) => statement.bind(*value),
                HotArg::Text(value) => statement.bind(*value),
            };
        }
        let detail_column = match self.backend {
            Backend::Sqlite => 3,
            Backend::Postgres => 0,
        };
        let lines = statement
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get::<String, _>(detail_column))
            .collect::<Result<_, _>>()?;
        tx.rollback().await?;
        Ok(lines)
    }
}
