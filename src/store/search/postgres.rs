//! Search on PostgreSQL: `stories.search_document`, a `tsvector` with the
//! headline at weight A, the standfirst at B and the body at C, behind a
//! GIN index, in the configuration `site_state.search_config` names. The
//! query is built by `plainto_tsquery` (the words) and `phraseto_tsquery`
//! (each phrase) from bound text, which read no operators. Every match is
//! ranked by `ts_rank`, divided by the story's age; matches are counted up
//! to the search's `count_limit`.

use sqlx::{AnyPool, Row};

use super::{Bind, Ranked, SearchParams, SearchTerms, bind_all, pairs};
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

/// The page of `params`: every match ranked, and counted up to
/// `params.count_limit` + 1. (Reading newest first and stopping at a rank
/// ceiling, as on SQLite, was measured slower here: ts_rank's ceiling of 1
/// is loose, and a date-ordered walk detoasts every story it tests.)
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
    let rows = if counted <= count_limit {
        // Few matches: the GIN index lists them (seqscan still off).
        let rows = bind_all(&page_sql, &binds).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows
    } else {
        // Many: the planner's parallel sequential scan is the fastest way
        // to rank them all.
        tx.commit().await?;
        bind_all(&page_sql, &binds).fetch_all(pool).await?
    };
    let page = rows
        .iter()
        .map(|row| row.try_get(0).map(|id: i64| (id, id)))
        .collect::<Result<_, _>>()?;
    Ok(ranked(page))
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
