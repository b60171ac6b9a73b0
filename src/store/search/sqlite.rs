//! Search on SQLite: FTS5's `bm25` over the index `story_search`, whose
//! rowid is a story's `search_key` (published_at * 2^31 + id, see
//! migration 13): the visible stories are one rowid range, and FTS5 lists
//! matches newest first without sorting.
//!
//! Ranking every match by `bm25` costs about as much as the matches are
//! many (a common word matches tens of thousands of stories). But a
//! story's rank is its `bm25` divided by `1 + age / recency`, and `bm25`
//! has a ceiling for each query: each phrase adds at most
//! `idf * (k1 + 1)`, however often it occurs. So matches are read newest
//! first, in growing batches, and reading stops as soon as the page's last
//! story outranks the ceiling divided by the age of the next story to
//! read: no older match can rank higher. The page is exactly the best of
//! all matches; only fewer of them are scored.

use sqlx::{AnyPool, Row};

use super::{Bind, Ranked, SearchParams, SearchTerms, age_divisor, bind_all, pairs};
use crate::store::StoreError;
use crate::store::batch::row_placeholders;

/// The column weights of `bm25` (headline, standfirst, body).
const BM25_WEIGHTS: &str = "10.0, 4.0, 1.0";
/// FTS5's `bm25` parameter k1: a phrase adds at most `idf * (k1 + 1)`.
const BM25_K1: f64 = 1.2;
/// How many tokens a snippet shows at most.
const SNIPPET_TOKENS: i64 = 28;
/// The factor of a story's publication time in its `search_key`.
const KEY_SCALE: i64 = 1 << 31;
/// Matches read in the first batch; each next batch is four times larger,
/// up to [`MAX_BATCH`].
const FIRST_BATCH: i64 = 1024;
const MAX_BATCH: i64 = 16_384;

/// The FTS5 query: one quoted string per word and per phrase, all of which
/// must match. Every term is a string, never an operator.
fn fts5_query(terms: &SearchTerms) -> String {
    phrases(terms).join(" ")
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

/// The key range of the stories visible at `now`: from the first second
/// to the last id of `now`.
fn visible_keys(now: i64) -> (i64, i64) {
    (KEY_SCALE, now.saturating_mul(KEY_SCALE) + KEY_SCALE - 1)
}

/// The page of `params`, exactly as if every match were ranked.
pub(super) async fn rank(pool: &AnyPool, params: &SearchParams<'_>) -> Result<Ranked, StoreError> {
    let query = fts5_query(params.terms);
    let now = params.now.timestamp();
    let (low, high) = visible_keys(now);
    // The conditions every statement shares: $1 the query, $2 and $3 the
    // key range, $4 the topic.
    let topic = match params.topic_id {
        Some(_) => {
            " AND (rowid % 2147483648) IN (SELECT story_id FROM story_topics WHERE topic_id = $4)"
        }
        None => "",
    };
    let binds = |upper: i64| {
        let mut binds = vec![Bind::Text(query.clone()), Bind::Int(low), Bind::Int(upper)];
        binds.extend(params.topic_id.map(Bind::Int));
        binds
    };
    let count_sql = format!(
        "SELECT COUNT(*) FROM story_search
         WHERE story_search MATCH $1 AND rowid BETWEEN $2 AND $3{topic}"
    );
    let total: i64 = bind_all(&count_sql, &binds(high))
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let wanted = (params.offset + params.limit).max(0) as usize;
    if total <= params.offset || wanted == 0 {
        return Ok(Ranked {
            total,
            page: Vec::new(),
        });
    }
    let ceiling = rank_ceiling(pool, params.terms).await?;

    let batch_sql = |size: i64| {
        format!(
            "SELECT rowid, bm25(story_search, {BM25_WEIGHTS}) FROM story_search
             WHERE story_search MATCH $1 AND rowid BETWEEN $2 AND $3{topic}
             ORDER BY rowid DESC LIMIT {size}"
        )
    };
    // (rank, key), best first; ties go to the newer (the larger key).
    let mut best: Vec<(f64, i64)> = Vec::new();
    let mut upper = high;
    let mut size = FIRST_BATCH;
    loop {
        let rows = bind_all(&batch_sql(size), &binds(upper))
            .fetch_all(pool)
            .await?;
        for row in &rows {
            let key: i64 = row.try_get(0)?;
            let bm25: f64 = row.try_get(1)?;
            let published_at = key / KEY_SCALE;
            let rank = -bm25 / age_divisor(now, published_at, params.recency_seconds);
            best.push((rank, key));
            upper = key - 1;
        }
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        best.truncate(wanted);
        if (rows.len() as i64) < size || upper < low {
            break;
        }
        // Every match left is at least as old as the last one read.
        let last_published = (upper + 1) / KEY_SCALE;
        let reachable = ceiling / age_divisor(now, last_published, params.recency_seconds);
        if best.len() == wanted && best[wanted - 1].0 >= reachable {
            break;
        }
        size = (size * 4).min(MAX_BATCH);
    }
    let page = best
        .into_iter()
        .skip(params.offset.max(0) as usize)
        .map(|(_, key)| (key % KEY_SCALE, key))
        .collect();
    Ok(Ranked { total, page })
}

/// A bound no story's `bm25` rank (made positive) reaches for `terms`:
/// `(k1 + 1) * idf` summed over the phrases, with each phrase's `idf` as
/// FTS5 computes it from the rows of the index and the rows that have it.
async fn rank_ceiling(pool: &AnyPool, terms: &SearchTerms) -> Result<f64, StoreError> {
    // The index holds one row per story (drafts and scheduled included).
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM stories")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let mut ceiling = 0.0;
    for phrase in phrases(terms) {
        let having: i64 =
            sqlx::query("SELECT COUNT(*) FROM story_search WHERE story_search MATCH $1")
                .bind(phrase)
                .fetch_one(pool)
                .await?
                .try_get(0)?;
        let idf = (((rows - having) as f64 + 0.5) / (having as f64 + 0.5)).ln();
        ceiling += (BM25_K1 + 1.0) * idf.max(1e-6);
    }
    // Room for rounding: the bound must not fall below a real rank.
    Ok(ceiling * (1.0 + 1e-9) + 1e-12)
}

/// `(key, snippet)` for the stories with these keys: the body around the
/// terms, the terms between the snippet markers.
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
        Bind::Text(fts5_query(terms)),
        Bind::Text(super::SNIPPET_START.to_string()),
        Bind::Text(super::SNIPPET_END.to_string()),
    ]
    .into_iter()
    .chain(keys.iter().map(|key| Bind::Int(*key)))
    .collect();
    pairs(&bind_all(&text, &binds).fetch_all(pool).await?)
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
        assert_eq!(fts5_query(&terms), r#""near" "a""b" "heavy rain""#);
    }

    #[test]
    fn the_visible_range_holds_published_keys_only() {
        let (low, high) = visible_keys(1_800_000_000);
        let key = |published: i64, id: i64| published * KEY_SCALE + id;
        assert!(low > 5_000_000, "a draft's key is its id");
        assert!((low..=high).contains(&key(1_800_000_000, KEY_SCALE - 1)));
        assert!((low..=high).contains(&key(1, 1)));
        assert!(!(low..=high).contains(&key(1_800_000_001, 1)), "scheduled");
    }
}
