//! Keeping the search index quick to read (`herald::search::upkeep`): on
//! SQLite, merging FTS5's segments into one changes no result, leaves an
//! index that FTS5's own check finds intact and that takes new stories,
//! and ends (a merged index has nothing left to merge); on PostgreSQL
//! there is never anything to merge. Runs on SQLite, and on PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod common;

use chrono::{DateTime, Utc};
use common::TestStore;
use herald::content::input::parse_story_json;
use herald::search::upkeep::merge_index;
use herald::store::{Backend, SearchParams, SearchResults, Store};
use tokio::sync::watch;

/// Publishes a story whose headline has "tide", in a write of its own (so
/// a segment of its own in FTS5).
async fn tide_story(store: &Store, i: usize, now: DateTime<Utc>) {
    let mut draft = parse_story_json(&common::story_json(
        &format!("tide-{i}"),
        &format!("Tide tables for harbour {i}"),
        &["Politics"],
    ))
    .and_then(|input| input.validate())
    .expect("valid story");
    draft.notification.send = false;
    draft.published_at = Some(now - chrono::Duration::minutes(i as i64));
    herald::editorial::import_story(store, &draft, None, true, false, now)
        .await
        .expect("saved");
}

/// Pages 1 and 2 of "tide" (ids in order) and the total.
async fn tide_pages(store: &Store, now: DateTime<Utc>) -> Vec<(Vec<i64>, i64)> {
    let terms = herald::search::parse_query("tide harbour").expect("terms");
    let mut pages = Vec::new();
    for offset in [0, 10] {
        let SearchResults { hits, total, .. } = store
            .search_stories(&SearchParams {
                terms: &terms,
                topic_id: None,
                now,
                limit: 10,
                offset,
                recency_seconds: 86_400.0,
                count_limit: 1000,
            })
            .await
            .expect("search");
        pages.push((hits.iter().map(|h| h.story.id).collect(), total));
    }
    pages
}

#[tokio::test]
async fn merging_the_index_changes_no_result_and_ends() {
    let test = TestStore::open().await;
    let store = &test.store;
    let now = Utc::now();
    for i in 0..24 {
        tide_story(store, i, now).await;
    }
    let before = tide_pages(store, now).await;
    assert_eq!(before[0].1, 24);
    assert_eq!(before[0].0.len(), 10);
    let (_running, mut stop) = watch::channel(false);

    if store.backend() == Backend::Postgres {
        assert_eq!(merge_index(store, &mut stop).await.expect("merged"), 0);
        assert_eq!(tide_pages(store, now).await, before);
        return;
    }
    // 24 writes leave FTS5 several segments, which take steps to merge.
    let steps = merge_index(store, &mut stop).await.expect("merged");
    assert!(steps > 0, "{steps} steps");
    assert!(
        !store.merge_search_index_step(64).await.expect("step"),
        "a merged index has nothing left to merge"
    );
    assert_eq!(merge_index(store, &mut stop).await.expect("merged"), 0);
    assert_eq!(tide_pages(store, now).await, before);
    common::assert_search_index_intact(store, test.data.path()).await;

    // New stories go into segments of their own, merged at the next run.
    tide_story(store, 24, now).await;
    let after = tide_pages(store, now).await;
    assert_eq!(after[0].1, 25);
    assert!(merge_index(store, &mut stop).await.expect("merged") > 0);
    assert_eq!(tide_pages(store, now).await, after);
    common::assert_search_index_intact(store, test.data.path()).await;
}

#[tokio::test]
async fn a_merge_stops_when_asked() {
    let test = TestStore::open().await;
    let store = &test.store;
    let now = Utc::now();
    for i in 0..24 {
        tide_story(store, i, now).await;
    }
    let (stopping, mut stop) = watch::channel(false);
    stopping.send(true).expect("sent");
    assert_eq!(merge_index(store, &mut stop).await.expect("stopped"), 0);
    if store.backend() == Backend::Sqlite {
        assert!(
            store.merge_search_index_step(64).await.expect("step"),
            "the stopped merge left the work for later"
        );
    }
}
