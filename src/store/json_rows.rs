//! Many rows as one value: the delivery engine's batches cross between
//! Herald and the database as a single JSON document each way.
//!
//! Why: the SQLite driver runs each connection on its own thread and hands
//! every result row across with a channel, one wake-up per row; and it
//! looks up every `$N` parameter by name, a cost that grows with the square
//! of their count. A batch of 500 recipients read as 500 rows, and 500
//! claims bound as 1,500 parameters, cost the engine more CPU than their
//! SQL. Read as one row and bound as one parameter, they cost one hand-off
//! and one bind, on PostgreSQL as on SQLite.

use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, StoreError};

/// A `SELECT` whose one row, one column, is a JSON array of the rows that
/// `SELECT {key}, {columns} {tail}` finds, each row an array of `columns`,
/// in `key` order. `columns` may nest an array with [`json_array`].
/// `tail` is the rest of the query (`FROM … WHERE … ORDER BY … LIMIT …`)
/// and binds what it would bind alone. No rows reads `[]`.
pub(super) fn json_rows_sql(backend: Backend, key: &str, columns: &str, tail: &str) -> String {
    let (row, aggregate) = match backend {
        Backend::Sqlite => (json_array(backend, columns), "group_concat"),
        Backend::Postgres => (
            format!("{}::text", json_array(backend, columns)),
            "string_agg",
        ),
    };
    format!(
        "SELECT COALESCE('[' || {aggregate}(j, ',' ORDER BY k) || ']', '[]') \
         FROM (SELECT {key} AS k, {row} AS j {tail}) AS json_rows"
    )
}

/// A JSON array of `values` (comma-separated expressions).
pub(super) fn json_array(backend: Backend, values: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_array({values})"),
        Backend::Postgres => format!("json_build_array({values})"),
    }
}

/// A table to select from whose rows come from parameter `$param`, a JSON
/// array of arrays of integers (written by [`int_rows_param`]): column
/// `names[i]` is each row's element `i`.
pub(super) fn int_rows_table(backend: Backend, param: usize, names: &[&str]) -> String {
    let columns = |element: &dyn Fn(usize) -> String| {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| format!("{} AS {name}", element(i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match backend {
        Backend::Sqlite => format!(
            "(SELECT {} FROM json_each(${param}))",
            columns(&|i| format!("value ->> {i}"))
        ),
        Backend::Postgres => format!(
            "(SELECT {} FROM json_array_elements(${param}::text::json) AS e(value))",
            columns(&|i| format!("(value ->> {i})::bigint"))
        ),
    }
}

/// Rows of integers as the one parameter [`int_rows_table`] reads.
pub(super) fn int_rows_param<R: AsRef<[i64]>>(rows: impl IntoIterator<Item = R>) -> String {
    use std::fmt::Write;
    let mut json = String::from("[");
    for (i, row) in rows.into_iter().enumerate() {
        json.push_str(if i == 0 { "[" } else { ",[" });
        for (j, value) in row.as_ref().iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(json, "{value}");
        }
        json.push(']');
    }
    json.push(']');
    json
}

/// Decodes the one column of a [`json_rows_sql`] row into `T`s; `what`
/// names the rows in the error should the database hold something else.
pub(super) fn parse_json_rows<T: DeserializeOwned>(
    row: &AnyRow,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    let text: String = row.try_get(0)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_rows_are_one_json_array_of_arrays() {
        assert_eq!(int_rows_param([[1, 2], [3, -4]]), "[[1,2],[3,-4]]");
        assert_eq!(int_rows_param(Vec::<[i64; 3]>::new()), "[]");
    }

    #[test]
    fn each_backend_names_its_own_json_functions() {
        let sqlite = json_rows_sql(Backend::Sqlite, "s.id", "s.id, s.name", "FROM t s");
        assert!(sqlite.contains("json_array(s.id, s.name)"), "{sqlite}");
        assert!(
            sqlite.contains("group_concat(j, ',' ORDER BY k)"),
            "{sqlite}"
        );
        let postgres = json_rows_sql(Backend::Postgres, "s.id", "s.id", "FROM t s");
        assert!(
            postgres.contains("json_build_array(s.id)::text"),
            "{postgres}"
        );
        assert!(
            postgres.contains("string_agg(j, ',' ORDER BY k)"),
            "{postgres}"
        );
        assert_eq!(
            int_rows_table(Backend::Sqlite, 2, &["id", "day"]),
            "(SELECT value ->> 0 AS id, value ->> 1 AS day FROM json_each($2))"
        );
    }
}
