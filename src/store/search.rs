//! Site search: the full-text index of stories, read through one call,
//! [`Store::search_stories`], on either backend. SQLite keeps an FTS5 index
//! (`story_search`, Porter stemming over Unicode words) with the stories
//! table as its content; PostgreSQL keeps a weighted `tsvector` per story
//! (`stories.search_document`, GIN-indexed) in the text search
//! configuration of the site's language. Triggers written by migration 13
//! keep both in step inside every statement that changes a story's text.
//!
//! The store takes the terms already parsed and checked by the domain
//! (`crate::search`) and binds every one of them as a value: no reader's
//! text ever becomes query syntax. Only published stories whose time has
//! come are found. Ranking weighs the headline over the standfirst over the
//! body, over every match (never a capped subset), and divides by the
//! story's age in units of `recency_seconds`, so that of two equally good
//! matches the newer comes first.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::batch::{AnyQuery, row_placeholders};
use super::rows::SUMMARY_COLUMNS;
use super::{Backend, Store, StoreError};
use crate::content::StorySummary;

/// Where a snippet's highlighted term starts: a private-use character that
/// the domain turns into `<mark>` after escaping the text around it.
pub const SNIPPET_START: char = '\u{E000}';
/// Where a snippet's highlighted term ends (see [`SNIPPET_START`]).
pub const SNIPPET_END: char = '\u{E001}';

/// SQLite: the column weights of `bm25` (headline, standfirst, body).
const BM25_WEIGHTS: &str = "10.0, 4.0, 1.0";
/// SQLite: how many tokens a snippet shows at most.
const SNIPPET_TOKENS: i64 = 28;

/// PostgreSQL: what stands for `<` in the text `ts_headline` reads. Its
/// parser takes `<…>` for markup and leaves it out of the headline, but a
/// snippet shows the body as written (escaped by the domain), as SQLite's
/// does; the character is put back when the snippet is read.
const LT_STAND_IN: char = '\u{E002}';

/// PostgreSQL: the configuration the index is in, as a scalar subquery.
const CONFIG: &str = "(SELECT search_config::regconfig FROM site_state WHERE id = 1)";

/// The text search configuration used when the wanted one does not exist.
const FALLBACK_CONFIG: &str = "simple";

/// What to look for, as the domain parsed it: every word and every phrase
/// must be in the story. Words hold letters and digits only; none is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms {
    pub words: Vec<String>,
    /// Each phrase's words, in order.
    pub phrases: Vec<Vec<String>>,
}

impl SearchTerms {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.iter().all(Vec::is_empty)
    }
}

/// One search: the terms, an optional topic, which page of results, and how
/// fast a story's age lowers its rank.
#[derive(Debug, Clone, Copy)]
pub struct SearchParams<'a> {
    pub terms: &'a SearchTerms,
    pub topic_id: Option<i64>,
    pub now: DateTime<Utc>,
    pub limit: i64,
    pub offset: i64,
    /// A story this many seconds old counts half as much as a new one with
    /// the same text rank.
    pub recency_seconds: f64,
}

/// One story found, with a snippet of its body around the terms, the
/// terms wrapped in [`SNIPPET_START`] and [`SNIPPET_END`] (not escaped).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub story: StorySummary,
    pub snippet: String,
}

/// One page of results, and how many stories match in all.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub total: i64,
    pub hits: Vec<SearchHit>,
}

/// The SQL of one search on one backend.
struct SearchSql {
    /// `FROM … WHERE …`: the visible stories that match.
    from_where: String,
    /// The rank, best first.
    order_by: String,
    /// The values of `from_where` and `order_by`, in order.
    binds: Vec<Bind>,
    /// Selects `(id, snippet)` of the stories whose ids replace `{ids}`;
    /// its own values are `snippet_binds`, then the ids.
    snippets: String,
    snippet_binds: Vec<Bind>,
}

/// A value bound to a search statement.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Store {
    /// The page of visible stories that match `params.terms` (and topic),
    /// best first, with how many match in all.
    pub async fn search_stories(
        &self,
        params: &SearchParams<'_>,
    ) -> Result<SearchResults, StoreError> {
        if params.terms.is_empty() {
            return Ok(SearchResults {
                total: 0,
                hits: Vec::new(),
            });
        }
        let sql = match self.backend {
            Backend::Sqlite => sqlite_sql(params),
            Backend::Postgres => postgres_sql(params),
        };
        let count_sql = format!("SELECT COUNT(*) {}", sql.from_where);
        let total: i64 = bind_all(&count_sql, &sql.binds)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if total <= params.offset.max(0) {
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        // The rank needs the index (and, on SQLite, the visibility index)
        // only: the page's ids first, then their rows.
        let page_sql = format!(
            "SELECT s.id {} ORDER BY {}, s.published_at DESC, s.id DESC
             LIMIT {limit} OFFSET {offset}",
            sql.from_where,
            sql.order_by,
            limit = params.limit.max(0),
            offset = params.offset.max(0),
        );
        let ids: Vec<i64> = bind_all(&page_sql, &sql.binds)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let stories = self.summaries_in_order(&ids).await?;
        let mut snippets = self.snippets(&sql, &stories).await?;
        let hits = stories
            .into_iter()
            .map(|story| SearchHit {
                snippet: snippets
                    .iter()
                    .position(|(id, _)| *id == story.id)
                    .map(|at| snippets.swap_remove(at).1)
                    .unwrap_or_default(),
                story,
            })
            .collect();
        Ok(SearchResults { total, hits })
    }

    /// The summaries of stories `ids`, in that order.
    async fn summaries_in_order(&self, ids: &[i64]) -> Result<Vec<StorySummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let text = format!(
            "SELECT {SUMMARY_COLUMNS} FROM stories s WHERE s.id IN ({})",
            row_placeholders::<i64>(1, ids.len())
        );
        let binds: Vec<Bind> = ids.iter().map(|id| Bind::Int(*id)).collect();
        let rows = bind_all(&text, &binds).fetch_all(&self.pool).await?;
        let mut found = self.summaries_with_topics(&rows).await?;
        found.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
        Ok(found)
    }

    /// The snippets of one page of results: computed for those stories
    /// only, not for every match.
    async fn snippets(
        &self,
        sql: &SearchSql,
        stories: &[StorySummary],
    ) -> Result<Vec<(i64, String)>, StoreError> {
        if stories.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Bind> = stories.iter().map(|s| Bind::Int(s.id)).collect();
        let placeholders = row_placeholders::<i64>(sql.snippet_binds.len() + 1, ids.len());
        let text = sql.snippets.replace("{ids}", &placeholders);
        let binds: Vec<Bind> = sql.snippet_binds.iter().cloned().chain(ids).collect();
        bind_all(&text, &binds)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let snippet: String = row.try_get(1)?;
                Ok((row.try_get(0)?, snippet.replace(LT_STAND_IN, "<")))
            })
            .collect()
    }

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

/// `sql` with `binds` bound in order.
fn bind_all<'q>(sql: &'q str, binds: &'q [Bind]) -> AnyQuery<'q> {
    binds
        .iter()
        .fold(sqlx::query(sql), |query, bind| match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Float(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.as_str()),
        })
}

/// The visibility and topic conditions both backends share, their values
/// appended to `binds` (`s` is the stories table).
fn visible_and_topic(params: &SearchParams<'_>, binds: &mut Vec<Bind>) -> String {
    binds.push(Bind::Int(params.now.timestamp()));
    let mut sql = format!(
        "s.published_at IS NOT NULL AND s.published_at <= ${}",
        binds.len()
    );
    if let Some(topic_id) = params.topic_id {
        binds.push(Bind::Int(topic_id));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM story_topics st WHERE st.story_id = s.id AND st.topic_id = ${})",
            binds.len()
        ));
    }
    sql
}

/// How much a story's age divides its text rank: 1 when new, 2 at
/// `recency_seconds`, 3 at twice that. `$now` is the placeholder of now.
fn age_divisor(now: &str, recency: &str) -> String {
    format!(
        "(1.0 + (CASE WHEN {now} > s.published_at THEN {now} - s.published_at ELSE 0 END) / {recency})"
    )
}

/// SQLite: an FTS5 query of quoted strings, one per word and per phrase,
/// all of which must match: every term is a string, never an operator.
fn fts5_query(terms: &SearchTerms) -> String {
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
        .collect::<Vec<_>>()
        .join(" ")
}

fn sqlite_sql(params: &SearchParams<'_>) -> SearchSql {
    let query = fts5_query(params.terms);
    let mut binds = vec![Bind::Text(query.clone())];
    let visible = visible_and_topic(params, &mut binds);
    binds.push(Bind::Float(params.recency_seconds.max(1.0)));
    let recency = format!("${}", binds.len());
    SearchSql {
        from_where: format!(
            "FROM story_search JOIN stories s INDEXED BY stories_visibility
                ON s.id = story_search.rowid
             WHERE story_search MATCH $1 AND {visible}"
        ),
        // bm25 is negative, lower is better: divided by the age, an old
        // story's rank moves towards zero.
        order_by: format!(
            "bm25(story_search, {BM25_WEIGHTS}) / {}",
            age_divisor("$2", &recency)
        ),
        binds,
        snippets: format!(
            "SELECT rowid, snippet(story_search, 2, $2, $3, '…', {SNIPPET_TOKENS})
             FROM story_search WHERE story_search MATCH $1 AND rowid IN ({{ids}})"
        ),
        snippet_binds: vec![
            Bind::Text(query),
            Bind::Text(SNIPPET_START.to_string()),
            Bind::Text(SNIPPET_END.to_string()),
        ],
    }
}

/// PostgreSQL: the query is built by `plainto_tsquery` (the words) and
/// `phraseto_tsquery` (each phrase) from bound text, which read no
/// operators, in the site's configuration.
fn postgres_sql(params: &SearchParams<'_>) -> SearchSql {
    let terms = params.terms;
    let mut binds = Vec::new();
    let mut parts = Vec::new();
    if !terms.words.is_empty() {
        binds.push(Bind::Text(terms.words.join(" ")));
        parts.push(format!("plainto_tsquery(c.config, ${})", binds.len()));
    }
    for phrase in terms.phrases.iter().filter(|p| !p.is_empty()) {
        binds.push(Bind::Text(phrase.join(" ")));
        parts.push(format!("phraseto_tsquery(c.config, ${})", binds.len()));
    }
    // Scalar subqueries, which PostgreSQL evaluates once (an InitPlan) and
    // may then use in a GIN index scan, as it could not a CTE's column.
    let query = format!(
        "(SELECT {} FROM (SELECT {CONFIG} AS config) c)",
        parts.join(" && ")
    );
    let snippet_binds = binds.clone();
    let visible = visible_and_topic(params, &mut binds);
    let now = format!("${}", binds.len() - usize::from(params.topic_id.is_some()));
    binds.push(Bind::Float(params.recency_seconds.max(1.0)));
    let recency = format!("${}", binds.len());
    // ShortWord=0: short words at the edges (“The”) stay, as on SQLite.
    let options = format!(
        "StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords=30, MinWords=12, ShortWord=0"
    );
    SearchSql {
        from_where: format!("FROM stories s WHERE s.search_document @@ {query} AND {visible}"),
        order_by: format!(
            "ts_rank(s.search_document, {query}) / {} DESC",
            age_divisor(&now, &recency)
        ),
        snippets: format!(
            "SELECT s.id,
                ts_headline({CONFIG}, replace(s.body_markdown, '<', ${lt}), {query}, ${options})
             FROM stories s WHERE s.id IN ({{ids}})",
            lt = snippet_binds.len() + 1,
            options = snippet_binds.len() + 2,
        ),
        snippet_binds: snippet_binds
            .into_iter()
            .chain([Bind::Text(LT_STAND_IN.to_string()), Bind::Text(options)])
            .collect(),
        binds,
    }
}
