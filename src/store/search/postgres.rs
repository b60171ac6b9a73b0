//! Search on PostgreSQL: `stories.search_document`, a `tsvector` with the
//! headline at weight A, the standfirst at B and the body at C, behind a
//! GIN index, in the configuration `site_state.search_config` names. The
//! query is built by `plainto_tsquery` (the words) and `phraseto_tsquery`
//! (each phrase) from bound text, which read no operators. Matches are
//! ranked by `ts_rank`, divided by the story's age, newest first until no
//! older one can outrank the page, and counted up to the search's
//! `count_limit` (reading every match of a common word, its `tsvector`
//! detoasted for `ts_rank`, took most of a second at 100,000 stories).

use sqlx::{AnyPool, Row};

use super::{Bind, Ranked, SearchParams, SearchTerms, age_divisor, bind_all, pairs};
use crate::store::batch::row_placeholders;
use crate::store::{Backend, Store, StoreError};

/// What stands for `<` in the text `ts_headline` reads. Its parser takes
/// `<…>` for markup and leaves it out of the headline, but a snippet shows
/// the body as written (escaped by the domain), as SQLite's does; the
/// character is put back when the snippet is read.
const LT_STAND_IN: char = '\u{E002}';

/// The configuration the index is in, as a scalar subquery.
const CONFIG: &str = "(SELECT search_config::regconfig FROM site_state WHERE id = 1)";

/// The text search configuration used when the wanted one does not exist.
const FALLBACK_CONFIG: &str = "simple";

/// The tsquery of `terms`, its text bound from `$first` on, as a scalar
/// subquery: PostgreSQL evaluates it once (an InitPlan) and may use it in
/// a GIN index scan, which it could not with a CTE's column.
fn tsquery(terms: &SearchTerms, binds: &mut Vec<Bind>) -> String {
    let mut parts = Vec::new();
    if !terms.words.is_empty() {
        binds.push(Bind::Text(terms.words.join(" ")));
        parts.push(format!("plainto_tsquery(c.config, ${})", binds.len()));
    }
    for phrase in terms.phrases.iter().filter(|p| !p.is_empty()) {
        binds.push(Bind::Text(phrase.join(" ")));
        parts.push(format!("phraseto_tsquery(c.config, ${})", binds.len()));
    }
    format!(
        "(SELECT {} FROM (SELECT {CONFIG} AS config) c)",
        parts.join(" && ")
    )
}

/// The most `ts_rank` gives with its default weights (A = 1.0, B = 0.4,
/// C = 0.2, D = 0.1) for a document made as `herald_search_document`
/// makes it. For `&` and `<->` queries `ts_rank` is
/// `1 - Π (1 - w)` over pairs of positions, each `w` below 1. For a word
/// alone it is `(w₀ + Σ wⱼ / (j+1)²) / (π²/6)` over the word's positions
/// in order, with `w₀` its heaviest weight: the headline's positions come
/// first in the document, then the standfirst's, then the body's, so the
/// first position is the heaviest and the sum at most π²/6. Either way,
/// at most 1.
const TS_RANK_CEILING: f64 = 1.0;
/// Matches ranked in the first batch; each next batch is four times
/// larger, up to [`MAX_BATCH`].
const FIRST_BATCH: i64 = 256;
const MAX_BATCH: i64 = 4096;

/// The page of `params`, exactly as if every match were ranked. The
/// matches are counted up to `params.count_limit` + 1. Up to the limit,
/// every match is ranked; past it, matches are read newest first, in
/// growing batches, and reading stops as soon as the page's last story
/// outranks [`TS_RANK_CEILING`] divided by the age of the next story to
/// read (as on SQLite, see `sqlite.rs`).
pub(super) async fn rank(pool: &AnyPool, params: &SearchParams<'_>) -> Result<Ranked, StoreError> {
    let mut binds = Vec::new();
    let query = tsquery(params.terms, &mut binds);
    let now_at = params.now.timestamp();
    binds.push(Bind::Int(now_at));
    let now = binds.len();
    let mut from_where = format!(
        "FROM stories s WHERE s.search_document @@ {query}
           AND s.published_at IS NOT NULL AND s.published_at <= ${now}"
    );
    if let Some(topic_id) = params.topic_id {
        binds.push(Bind::Int(topic_id));
        from_where.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM story_topics st WHERE st.story_id = s.id AND st.topic_id = ${})",
            binds.len()
        ));
    }
    let count_limit = params.count_limit.max(0);
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {}) AS matches",
        count_limit + 1
    );
    // The planner takes a sequential scan for a common word, expecting to
    // find the first thousand matches early; but each row's tsvector is
    // then detoasted to test it (about six times slower at 100,000
    // stories than the GIN index's list of rows, which needs none).
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('enable_seqscan', 'off', true)")
        .execute(&mut *tx)
        .await?;
    let counted: i64 = bind_all(&count_sql, &binds)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let wanted = (params.offset + params.limit).max(0) as usize;
    let ranked = |page| Ranked {
        total: counted.min(count_limit),
        exact: counted <= count_limit,
        page,
    };
    if counted <= params.offset || wanted == 0 {
        tx.commit().await?;
        return Ok(ranked(Vec::new()));
    }
    if counted <= count_limit {
        // Few matches: the GIN index lists them all, and ranking them all
        // is cheap. (Reading newest first would walk the stories by date
        // and detoast each one to test it, however rare the match.)
        binds.push(Bind::Float(params.recency_seconds.max(1.0)));
        let page_sql = format!(
            "SELECT s.id {from_where}
             ORDER BY ts_rank(s.search_document, {query})::float8
                 / (1.0 + GREATEST(${now} - s.published_at, 0) / ${recency}) DESC,
               s.published_at DESC, s.id DESC
             LIMIT {limit} OFFSET {offset}",
            recency = binds.len(),
            limit = params.limit.max(0),
            offset = params.offset.max(0),
        );
        let page = bind_all(&page_sql, &binds)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get(0).map(|id: i64| (id, id)))
            .collect::<Result<_, _>>()?;
        tx.commit().await?;
        return Ok(ranked(page));
    }
    tx.commit().await?;
    // Many matches (a common word): they are dense among the stories, so
    // the newest are found at once in date order.
    // Older than the last story read: (published_at, id) below ($a, $b).
    let (after_at, after_id) = (binds.len() + 1, binds.len() + 2);
    let batch_sql = |size: i64| {
        format!(
            "SELECT s.id, s.published_at, ts_rank(s.search_document, {query})::float8 {from_where}
               AND (s.published_at, s.id) < (${after_at}, ${after_id})
             ORDER BY s.published_at DESC, s.id DESC LIMIT {size}"
        )
    };
    // (rank, published_at, id), best first; ties go to the newer.
    let mut best: Vec<(f64, i64, i64)> = Vec::new();
    let mut after = (i64::MAX, i64::MAX);
    let mut size = FIRST_BATCH;
    loop {
        let mut batch_binds = binds.clone();
        batch_binds.push(Bind::Int(after.0));
        batch_binds.push(Bind::Int(after.1));
        let sql = batch_sql(size);
        let rows = bind_all(&sql, &batch_binds).fetch_all(pool).await?;
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let published_at: i64 = row.try_get(1)?;
            let text_rank: f64 = row.try_get(2)?;
            let rank = text_rank / age_divisor(now_at, published_at, params.recency_seconds);
            best.push((rank, published_at, id));
            after = (published_at, id);
        }
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        best.truncate(wanted);
        if (rows.len() as i64) < size {
            break;
        }
        // Every match left is at least as old as the last one read.
        let reachable =
            TS_RANK_CEILING * (1.0 + 1e-6) / age_divisor(now_at, after.0, params.recency_seconds);
        if best.len() == wanted && best[wanted - 1].0 >= reachable {
            break;
        }
        size = (size * 4).min(MAX_BATCH);
    }
    Ok(ranked(
        best.into_iter()
            .skip(params.offset.max(0) as usize)
            .map(|(_, _, id)| (id, id))
            .collect(),
    ))
}

/// `(id, snippet)` for stories `ids`: the body around the terms, the terms
/// between the snippet markers.
pub(super) async fn snippets(
    pool: &AnyPool,
    terms: &SearchTerms,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut binds = Vec::new();
    let query = tsquery(terms, &mut binds);
    // ShortWord=0: short words at the edges ("The") stay, as on SQLite.
    binds.push(Bind::Text(LT_STAND_IN.to_string()));
    binds.push(Bind::Text(format!(
        "StartSel={}, StopSel={}, MaxWords=30, MinWords=12, ShortWord=0",
        super::SNIPPET_START,
        super::SNIPPET_END
    )));
    let text = format!(
        "SELECT s.id, ts_headline({CONFIG}, replace(s.body_markdown, '<', ${lt}), {query}, ${options})
         FROM stories s WHERE s.id IN ({ids})",
        lt = binds.len() - 1,
        options = binds.len(),
        ids = row_placeholders::<i64>(binds.len() + 1, ids.len()),
    );
    binds.extend(ids.iter().map(|id| Bind::Int(*id)));
    let found = pairs(&bind_all(&text, &binds).fetch_all(pool).await?)?;
    Ok(found
        .into_iter()
        .map(|(id, snippet)| (id, snippet.replace(LT_STAND_IN, "<")))
        .collect())
}

impl Store {
    /// Makes the PostgreSQL index use the text search configuration named
    /// `wanted` (e.g. "english", see `crate::search::text_search_config`),
    /// or "simple" when the server has no such configuration; when that
    /// changes the configuration in use, every story is re-indexed in the
    /// same transaction. Returns the configuration in use. SQLite's index
    /// always stems with Porter's (English) rules: nothing to do.
    pub async fn use_search_language(&self, wanted: &str) -> Result<String, StoreError> {
        if self.backend == Backend::Sqlite {
            return Ok("porter unicode61".to_owned());
        }
        let known: i64 =
            sqlx::query("SELECT COUNT(*) FROM pg_catalog.pg_ts_config WHERE cfgname = $1")
                .bind(wanted)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        let config = if known > 0 { wanted } else { FALLBACK_CONFIG };
        let current: String = sqlx::query("SELECT search_config FROM site_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if current == config {
            return Ok(current);
        }
        // The row lock makes every story write wait (see the trigger in
        // migration 13), so none keeps a document in the old configuration.
        let mut tx = self.begin_write().await?;
        let current: String =
            sqlx::query("SELECT search_config FROM site_state WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        if current != config {
            sqlx::query("UPDATE site_state SET search_config = $1 WHERE id = 1")
                .bind(config)
                .execute(&mut *tx)
                .await?;
            let indexed = sqlx::query(
                "UPDATE stories SET search_document =
                    herald_search_document($1::regconfig, headline, standfirst, body_markdown)",
            )
            .bind(config)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tracing::info!(
                config,
                stories = indexed,
                "search index re-indexed for the site's language"
            );
        }
        tx.commit().await?;
        Ok(config.to_owned())
    }
}
