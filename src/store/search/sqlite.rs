//! Search on SQLite: FTS5's `bm25` over the index `story_search`, whose
//! rowid is a story's `search_key` (`search_key` below, migration 25):
//! the visible stories are one rowid range, and FTS5 lists matches newest
//! first in its own ascending order, without sorting (a list read
//! backwards, as the key of migration 13 needed, cost about 40% more on
//! the slowest queries). A story's topics are tokens of the index
//! (column `search_topics`, migration 23), so a search in a topic is one
//! more term of the full-text query, intersected by FTS5 itself, not a
//! join over every match.
//!
//! Ranking every match by `bm25` costs about as much as the matches are
//! many (a common word matches tens of thousands of stories). But a
//! story's rank is its `bm25` divided by `1 + age / recency`, and `bm25`
//! has a ceiling for each query: each phrase adds at most
//! `idf * (k1 + 1)`, however often it occurs. So matches are read newest
//! first, as one stream, and reading stops as soon as the page's last
//! story outranks the ceiling divided by the age of the story just read:
//! no older match can rank higher. The page is exactly the best of all
//! matches; only fewer of them are scored.
//!
//! The ceiling comes from the same statement: `bm25` with every text
//! column weighted 10^12 gives each phrase's `idf * (k1 + 1)` to within
//! 10^-10 (the hits swamp the length normalisation), from the document
//! frequencies FTS5 reads once per statement for the rank itself. One
//! statement, one scan of each phrase's document list: the old way (a
//! count, a count per phrase for the ceiling, then batches each paying
//! `bm25`'s scans again) read the common words' lists four or five times.
//!
//! The total is counted as far as `count_limit` + 1 (a big site says
//! "more than 1,000 results"): a common word then costs a page of
//! matches to count, not all of them. Once a match arrives after the page
//! is full (before that ranking cannot stop early), it is counted while the
//! rest is ranked, on a second connection: a reader waits for the longer
//! of the two, not for both (a phrase of 288 matches: 8.5 ms to rank, 5 ms
//! to count).

use futures_util::TryStreamExt;
use sqlx::{AnyPool, Row};
use tokio::task::JoinHandle;

use super::{Bind, Ranked, SearchParams, SearchTerms, age_divisor, bind_all, pairs};
use crate::store::StoreError;
use crate::store::batch::row_placeholders;

/// The column weights of `bm25` (headline, standfirst, body, topics):
/// topics never change the rank.
const BM25_WEIGHTS: &str = "10.0, 4.0, 1.0, 0.0";
/// Weights that make `bm25` return its ceiling for the query (see the
/// module's documentation).
const CEILING_WEIGHTS: &str = "1e12, 1e12, 1e12, 0.0";
/// How much the ceiling read from `bm25` is raised, for rounding: far
/// above the 10^-10 it may fall short by, far below what would make the
/// reading go on much longer.
const CEILING_MARGIN: f64 = 1e-6;
/// How many tokens a snippet shows at most.
const SNIPPET_TOKENS: i64 = 28;
/// The factor of a story's publication time in its `search_key`: ids are
/// below it.
const KEY_SCALE: i64 = 1 << 30;
/// The first second a `search_key` can hold (1900-01-01, migration 25).
const FIRST_SECOND: i64 = -2_208_988_800;
/// The second after the last one a `search_key` can hold (in 2172): keys
/// count publication times down from it, so newer is smaller.
const KEY_END: i64 = FIRST_SECOND + (1 << 33) - 1;
/// What starts a topic's token in the index (migration 23), followed by
/// the topic's id: a private-use character, never in a reader's word.
const TOPIC_TOKEN_MARK: char = '\u{E010}';

/// The FTS5 query: one quoted string per word and per phrase, all of which
/// must match, and the topic's token in the topics column when a topic is
/// given. Every term is a string, never an operator.
fn fts5_query(terms: &SearchTerms, topic_id: Option<i64>) -> String {
    let mut query = phrases(terms).join(" ");
    if let Some(topic_id) = topic_id {
        query.push_str(&format!(
            " search_topics : \"{TOPIC_TOKEN_MARK}{topic_id}\""
        ));
    }
    query
}

/// The same words and phrases, any of which matches (see [`snippets`]).
fn fts5_any(terms: &SearchTerms) -> String {
    phrases(terms).join(" OR ")
}

/// Each word and each phrase as an FTS5 string.
fn phrases(terms: &SearchTerms) -> Vec<String> {
    let quote = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
    terms
        .words
        .iter()
        .map(|word| quote(word))
        .chain(
            terms
                .phrases
                .iter()
                .filter(|phrase| !phrase.is_empty())
                .map(|phrase| quote(&phrase.join(" "))),
        )
        .collect()
}

/// A published story's key in the index, as migration 25's generated
/// column computes it for a time from `FIRST_SECOND` to `KEY_END - 1` and
/// an id below `KEY_SCALE`: the later the time, and of one second the
/// larger the id, the smaller the key. Drafts and stories outside those
/// bounds have negative keys, never visible.
fn search_key(published_at: i64, id: i64) -> i64 {
    (KEY_END - published_at) * KEY_SCALE + (KEY_SCALE - 1 - id)
}

/// The publication time and id of a published story's key.
fn published_at_and_id(key: i64) -> (i64, i64) {
    (KEY_END - key / KEY_SCALE, KEY_SCALE - 1 - key % KEY_SCALE)
}

/// The key range of the stories visible at `now`: from the last id of
/// `now` to the first id of the first second.
fn visible_keys(now: i64) -> (i64, i64) {
    (
        search_key(now.clamp(FIRST_SECOND, KEY_END - 1), KEY_SCALE - 1),
        search_key(FIRST_SECOND, 0),
    )
}

/// The best `wanted` matches seen so far, best first: (rank, key); of two
/// equal ranks the newer (the one read first) first.
struct Best {
    wanted: usize,
    ranked: Vec<(f64, i64)>,
}

impl Best {
    fn new(wanted: usize) -> Best {
        Best {
            wanted,
            ranked: Vec::with_capacity(wanted + 1),
        }
    }

    /// Keeps a match read after every one kept (so older, or of the same
    /// second and a smaller id): after those of an equal rank.
    fn offer(&mut self, rank: f64, key: i64) {
        let at = self.ranked.partition_point(|(kept, _)| *kept >= rank);
        if at < self.wanted {
            self.ranked.insert(at, (rank, key));
            self.ranked.truncate(self.wanted);
        }
    }

    /// Whether the page holds as many matches as it wants.
    fn is_full(&self) -> bool {
        self.ranked.len() == self.wanted
    }

    /// Whether no match ranked at most `reachable` can enter the page.
    fn beats(&self, reachable: f64) -> bool {
        self.is_full()
            && self
                .ranked
                .last()
                .is_none_or(|(worst, _)| *worst >= reachable)
    }
}

/// The page of `params`, exactly as if every match were ranked, and the
/// total counted up to `params.count_limit` (past it, not exact).
pub(super) async fn rank(pool: &AnyPool, params: &SearchParams<'_>) -> Result<Ranked, StoreError> {
    let query = fts5_query(params.terms, params.topic_id);
    let now = params.now.timestamp();
    let (low, high) = visible_keys(now);
    let count_limit = params.count_limit.max(0);
    let mut best = Best::new((params.offset + params.limit).max(0) as usize);
    let sql = format!(
        "SELECT rowid, bm25(story_search, {BM25_WEIGHTS}), bm25(story_search, {CEILING_WEIGHTS})
         FROM story_search WHERE story_search MATCH $1 AND rowid BETWEEN $2 AND $3
         ORDER BY rowid"
    );
    // Ranking can stop before the last match only once a match arrives
    // after the page is full; from then on the total is counted beside it,
    // on another connection, so that a reader waits for the longer of the
    // two, not for both. A query whose matches all fit on the page never
    // starts the count: ranking reads them all anyway.
    let start_count = || {
        Counting(tokio::spawn(count_matches(
            pool.clone(),
            query.clone(),
            (low, high),
            count_limit,
        )))
    };
    let mut count = None;
    let mut read: i64 = 0;
    let mut every_match_read = best.wanted > 0;
    if best.wanted > 0 {
        let mut rows = sqlx::query(&sql)
            .bind(query.as_str())
            .bind(low)
            .bind(high)
            .fetch(pool);
        let mut ceiling = f64::INFINITY;
        while let Some(row) = rows.try_next().await? {
            let key: i64 = row.try_get(0)?;
            let bm25: f64 = row.try_get(1)?;
            if read == 0 {
                let top: f64 = row.try_get(2)?;
                ceiling = -top * (1.0 + CEILING_MARGIN);
            }
            read += 1;
            if count.is_none() && best.is_full() {
                count = Some(start_count());
            }
            let (published_at, _) = published_at_and_id(key);
            let divisor = age_divisor(now, published_at, params.recency_seconds);
            best.offer(-bm25 / divisor, key);
            // Every match left is at least as old as this one.
            if best.beats(ceiling / divisor) {
                every_match_read = false;
                break;
            }
        }
    }
    let counted = if every_match_read || read > count_limit {
        read
    } else {
        count.unwrap_or_else(start_count).total().await?
    };
    let page = best
        .ranked
        .into_iter()
        .skip(params.offset.max(0) as usize)
        .map(|(_, key)| (published_at_and_id(key).1, key))
        .collect();
    Ok(Ranked {
        total: counted.min(count_limit),
        exact: counted <= count_limit,
        page,
    })
}

/// A count of matches running beside the ranking, on a task of its own:
/// stopped when dropped unread (the ranking read every match itself, or
/// failed, or the reader went away), so that no count outlives its search.
struct Counting(JoinHandle<Result<i64, StoreError>>);

impl Counting {
    async fn total(mut self) -> Result<i64, StoreError> {
        match (&mut self.0).await {
            Ok(counted) => counted,
            Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
            // Cancelled: only when the runtime itself is stopping.
            Err(_) => Err(StoreError::Database(sqlx::Error::PoolClosed)),
        }
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How many matches of `query` have keys in `range`, counted as far as
/// `limit` + 1, in the index's own order (newest first).
async fn count_matches(
    pool: AnyPool,
    query: String,
    (low, high): (i64, i64),
    limit: i64,
) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM story_search
         WHERE story_search MATCH $1 AND rowid BETWEEN $2 AND $3 LIMIT $4)";
    Ok(sqlx::query(sql)
        .bind(query)
        .bind(low)
        .bind(high)
        .bind(limit + 1)
        .fetch_one(&pool)
        .await?
        .try_get(0)?)
}

/// `(key, snippet)` for the stories with these keys: the body around the
/// terms, the terms between the snippet markers.
///
/// The statement matches any of the terms, not all: every story on the
/// page has them all, so the snippet is the same, but FTS5 finds each key
/// by seeking in each term's list, where the query of all terms first
/// walks the lists to their first common story (for eight common words
/// that hardly ever meet, most of each list, once per key).
pub(super) async fn snippets(
    pool: &AnyPool,
    terms: &SearchTerms,
    keys: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    let text = format!(
        "SELECT rowid, snippet(story_search, 2, $2, $3, '…', {SNIPPET_TOKENS})
         FROM story_search WHERE story_search MATCH $1 AND rowid IN ({})",
        row_placeholders::<i64>(4, keys.len())
    );
    let binds: Vec<Bind> = [
        Bind::Text(fts5_any(terms)),
        Bind::Text(super::SNIPPET_START.to_string()),
        Bind::Text(super::SNIPPET_END.to_string()),
    ]
    .into_iter()
    .chain(keys.iter().map(|key| Bind::Int(*key)))
    .collect();
    pairs(&bind_all(&text, &binds).fetch_all(pool).await?)
}

/// Where FTS5 keeps the list of its index's segments (`FTS5_STRUCTURE_ROWID`).
const STRUCTURE_ROW: i64 = 10;

/// One step of merging the index's segments into one, writing at most
/// about `pages` pages: true when it changed the index (there may be more
/// to do), false when the index was already one segment.
///
/// FTS5 writes each change as a segment of its own and merges them a few
/// at a time; a query reads (and seeks in) every segment holding its terms.
/// A negative `merge` takes every segment, whatever its level, and goes on
/// from where the last step stopped.
pub(super) async fn merge_step(pool: &AnyPool, pages: u32) -> Result<bool, StoreError> {
    let structure = "SELECT block FROM story_search_data WHERE id = $1";
    let before: Option<Vec<u8>> = sqlx::query_scalar(structure)
        .bind(STRUCTURE_ROW)
        .fetch_optional(pool)
        .await?;
    sqlx::query("INSERT INTO story_search (story_search, rank) VALUES ('merge', $1)")
        .bind(-i64::from(pages.max(1)))
        .execute(pool)
        .await?;
    let after: Option<Vec<u8>> = sqlx::query_scalar(structure)
        .bind(STRUCTURE_ROW)
        .fetch_optional(pool)
        .await?;
    Ok(before != after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_a_quoted_string() {
        let terms = SearchTerms {
            words: vec!["near".into(), "a\"b".into()],
            phrases: vec![vec!["heavy".into(), "rain".into()], vec![]],
        };
        assert_eq!(fts5_query(&terms, None), r#""near" "a""b" "heavy rain""#);
        assert_eq!(
            fts5_query(&terms, Some(7)),
            "\"near\" \"a\"\"b\" \"heavy rain\" search_topics : \"\u{E010}7\""
        );
    }

    #[test]
    fn the_visible_range_holds_published_keys_only() {
        let (low, high) = visible_keys(1_800_000_000);
        let visible = |key: i64| (low..=high).contains(&key);
        assert!(visible(search_key(1_800_000_000, KEY_SCALE - 1)));
        assert!(visible(search_key(1_800_000_000, 1)));
        assert!(visible(search_key(FIRST_SECOND, 1)), "1900");
        assert!(
            !visible(search_key(1_800_000_001, KEY_SCALE - 1)),
            "scheduled"
        );
        // Drafts (-id) and what the key cannot hold (-2^62 - id).
        assert!(low > 0 && !visible(-1) && !visible(-(1 << 62) - 1));
        assert_eq!(visible_keys(KEY_END + 5).1, high, "clamped");
    }

    #[test]
    fn keys_run_newest_first_and_give_back_their_time_and_id() {
        let keys = [
            search_key(1_800_000_001, 1),
            search_key(1_800_000_000, 9),
            search_key(1_800_000_000, 8),
            search_key(-1, 5),
            search_key(FIRST_SECOND, KEY_SCALE - 1),
        ];
        assert!(keys.is_sorted(), "{keys:?}");
        assert_eq!(published_at_and_id(keys[1]), (1_800_000_000, 9));
        assert_eq!(published_at_and_id(keys[3]), (-1, 5));
        assert_eq!(published_at_and_id(keys[4]), (FIRST_SECOND, KEY_SCALE - 1));
        // The whole range of keys is positive and fits an i64.
        assert_eq!(search_key(KEY_END - 1, KEY_SCALE - 1), KEY_SCALE);
        assert_eq!(search_key(FIRST_SECOND, 0), i64::MAX);
    }

    #[test]
    fn the_best_keep_the_newer_of_equal_ranks_and_know_when_they_are_beaten() {
        let mut best = Best::new(2);
        assert!(!best.beats(0.0), "not full");
        best.offer(1.0, 60);
        best.offer(2.0, 70);
        best.offer(1.0, 80);
        assert_eq!(best.ranked, [(2.0, 70), (1.0, 60)]);
        best.offer(3.0, 90);
        assert_eq!(best.ranked, [(3.0, 90), (2.0, 70)]);
        assert!(best.beats(2.0), "an equal older rank comes after");
        assert!(!best.beats(2.5));
        assert!(Best::new(0).beats(f64::INFINITY));
    }
}
