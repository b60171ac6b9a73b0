//! The fan-out's and the reminder sweeps' hot queries find their rows
//! through indexes, on the
//! backend under test (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is
//! set). The plans are asked of the database for the very SQL the store
//! runs ([`Store::hot_queries`]), so dropping an index, or rewriting a query
//! into one no index can serve, fails here rather than at ten million
//! subscribers.

mod common;

use std::collections::HashMap;

use common::TestStore;
use herald::store::{Backend, HotArg, HotQuery, LARGE_TABLES};

/// The tables a query reads, by the name its plan uses for them (the
/// alias when it has one).
fn plan_names(sql: &str) -> HashMap<String, String> {
    let mut words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    words.push("WHERE"); // a table named last has no alias
    let mut names = HashMap::new();
    for pair in words.windows(3) {
        let keyword = pair[0].to_ascii_uppercase();
        if (keyword == "FROM" || keyword == "JOIN" || keyword == "UPDATE")
            && LARGE_TABLES.contains(&pair[1])
        {
            names.insert(pair[1].to_owned(), pair[1].to_owned());
            let alias = pair[2];
            let reserved = ["WHERE", "SET", "JOIN", "ON", "ORDER", "LIMIT"];
            if !reserved.contains(&alias.to_ascii_uppercase().as_str()) {
                names.insert(alias.to_owned(), pair[1].to_owned());
            }
        }
    }
    names
}

/// The large tables a plan reads whole.
fn full_scans(backend: Backend, plan: &[String], names: &HashMap<String, String>) -> Vec<String> {
    let mut scanned = Vec::new();
    for line in plan {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '-' || c == '>');
        let target = match backend {
            // "SCAN s" or "SCAN s USING COVERING INDEX …": every row.
            Backend::Sqlite => line.strip_prefix("SCAN "),
            // "Seq Scan on push_subscriptions s".
            Backend::Postgres => line.split_once("Seq Scan on ").map(|(_, rest)| rest),
        };
        let Some(target) = target else { continue };
        let words: Vec<&str> = target.split_whitespace().collect();
        for word in words.iter().take(2) {
            if let Some(table) = names.get(*word) {
                scanned.push(table.clone());
                break;
            }
        }
    }
    scanned
}

#[tokio::test]
async fn hot_fanout_queries_use_indexes() {
    let test = TestStore::open().await;
    let store = &test.store;
    let queries = store.hot_queries();
    assert!(queries.len() >= 9, "every hot query is checked");
    let mut failures = Vec::new();
    for query in &queries {
        let plan = store.query_plan(query).await.expect("explain");
        assert!(!plan.is_empty(), "{}: no plan", query.name);
        let names = plan_names(&query.sql);
        assert!(!names.is_empty(), "{}: reads no large table?", query.name);
        let scans = full_scans(store.backend(), &plan, &names);
        if !scans.is_empty() {
            failures.push(format!(
                "{} reads {} whole:\n  {}",
                query.name,
                scans.join(", "),
                plan.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn the_check_notices_a_query_no_index_serves() {
    // The detector itself: a filter on an unindexed column must read the
    // table whole, and be reported as such on either backend.
    let test = TestStore::open().await;
    let store = &test.store;
    let query = HotQuery {
        name: "unindexed",
        sql: "SELECT r.id FROM push_retries r WHERE r.last_error = $1".to_owned(),
        args: vec![HotArg::Text("timeout")],
    };
    let plan = store.query_plan(&query).await.expect("explain");
    let scans = full_scans(store.backend(), &plan, &plan_names(&query.sql));
    assert_eq!(scans, ["push_retries"], "plan: {plan:?}");
}
