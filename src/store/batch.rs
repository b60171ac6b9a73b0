//! Statements over many rows. A caller writes its SQL once, with the
//! statement's own parameters first (`$1…`) and a place for the rows'
//! placeholders; the rows (ids, or tuples of ids and values) are bound after
//! them, cut into statements of at most [`ROWS_PER_STATEMENT`] rows, far
//! under either backend's limit on bound values. No caller writes a
//! placeholder list or a bind loop of its own.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::StoreError;

/// Rows per statement when reading or writing a batch.
pub(super) const ROWS_PER_STATEMENT: usize = 500;

/// A query on either backend, as sqlx builds it.
pub(super) type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// One row of a batch: how many placeholders it takes, and how it binds
/// them.
pub(super) trait BatchRow: Sync {
    const WIDTH: usize;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q>;
}

impl BatchRow for i64 {
    const WIDTH: usize = 1;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(*self)
    }
}

impl BatchRow for String {
    const WIDTH: usize = 1;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(self.as_str())
    }
}

impl BatchRow for (i64, i64) {
    const WIDTH: usize = 2;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(self.0).bind(self.1)
    }
}

impl BatchRow for (i64, i64, i64) {
    const WIDTH: usize = 3;
    fn bind_to<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query.bind(self.0).bind(self.1).bind(self.2)
    }
}

/// The placeholders of `count` rows from `$first`: `$1, $2, $3` for single
/// values (what `IN (…)` takes), `($1, $2), ($3, $4)` for tuples (what
/// `VALUES …` takes).
pub(super) fn row_placeholders<R: BatchRow>(first: usize, count: usize) -> String {
    let one = |at: usize| {
        (at..at + R::WIDTH)
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (0..count)
        .map(|row| {
            let list = one(first + row * R::WIDTH);
            if R::WIDTH == 1 {
                list
            } else {
                format!("({list})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the statement `sql` makes (given the placeholders of a chunk of
/// rows) once per chunk of `rows`, binding `params` as `$1…` and then the
/// chunk; returns the rows every run returned, in order.
pub(super) async fn fetch_batched<R: BatchRow>(
    conn: &mut AnyConnection,
    params: &[i64],
    rows: &[R],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut found = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let text = sql(&row_placeholders::<R>(params.len() + 1, chunk.len()));
        found.extend(bound(&text, params, chunk).fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// As [`fetch_batched`], for statements that return no rows: how many rows
/// they changed in all.
pub(super) async fn execute_batched<R: BatchRow>(
    conn: &mut AnyConnection,
    params: &[i64],
    rows: &[R],
    sql: impl Fn(&str) -> String,
) -> Result<u64, StoreError> {
    let mut changed = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let text = sql(&row_placeholders::<R>(params.len() + 1, chunk.len()));
        changed += bound(&text, params, chunk)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(changed)
}

/// `sql` with `params`, then `rows`, bound in order.
fn bound<'q, R: BatchRow>(sql: &'q str, params: &'q [i64], rows: &'q [R]) -> AnyQuery<'q> {
    let query = params
        .iter()
        .fold(sqlx::query(sql), |query, param| query.bind(*param));
    rows.iter().fold(query, |query, row| row.bind_to(query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_statements_own_parameters() {
        assert_eq!(row_placeholders::<i64>(3, 2), "$3, $4");
        assert_eq!(row_placeholders::<(i64, i64)>(2, 2), "($2, $3), ($4, $5)");
        assert_eq!(row_placeholders::<(i64, i64, i64)>(1, 1), "($1, $2, $3)");
        assert_eq!(row_placeholders::<i64>(1, 0), "");
    }
}
