//! Site search: the full-text index of stories, read through one call,
//! [`Store::search_stories`], on either backend. SQLite keeps an FTS5 index
//! (`story_search`, Porter stemming over Unicode words, `sqlite.rs`) with
//! the stories table as its content and each story's topics as tokens of
//! their own (migration 23); PostgreSQL keeps a weighted `tsvector` per
//! story (`stories.search_document`, GIN-indexed, `postgres.rs`) in the
//! text search configuration of the site's language. Triggers written by
//! migrations 13 and 23 keep both in step inside every statement that
//! changes a story's text, topics or publication time.
//!
//! The store takes the terms already parsed and checked by the domain
//! (`crate::search`) and binds every one of them as a value: no reader's
//! text ever becomes query syntax. Only published stories whose time has
//! come are found. The rank weighs the headline over the standfirst over
//! the body, and is divided by `1 + age / recency_seconds`, so that of two
//! equally good matches the newer comes first. The page is the best of all
//! matches, never of a capped subset: SQLite reads matches newest first and
//! stops when no older match could outrank the page (bm25 has a ceiling);
//! PostgreSQL ranks every match. Only the total is bounded: matches are
//! counted up to `count_limit`, and past it the total says "more than".
//! Snippets are made for the page only.

mod postgres;
mod sqlite;

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
    /// Counting stops past this many matches: the total is then this
    /// number and not exact (a common word would otherwise cost a read of
    /// every story that has it, for a figure no reader pages through).
    pub count_limit: i64,
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
    /// How many stories match, at most `count_limit`.
    pub total: i64,
    /// False when more than `total` stories match (counting stopped).
    pub total_exact: bool,
    pub hits: Vec<SearchHit>,
}

/// The page of a search, ranked, before its rows are read.
struct Ranked {
    /// How many visible stories match, at most `count_limit`.
    total: i64,
    /// False when more than `total` match.
    exact: bool,
    /// The page's stories, best first: (id, the index's key for it).
    page: Vec<(i64, i64)>,
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
                total_exact: true,
                hits: Vec::new(),
            });
        }
        let ranked = match self.backend {
            Backend::Sqlite => sqlite::rank(&self.search_pool, params).await?,
            Backend::Postgres => postgres::rank(&self.search_pool, params).await?,
        };
        let ids: Vec<i64> = ranked.page.iter().map(|(id, _)| *id).collect();
        let keys: Vec<i64> = ranked.page.iter().map(|(_, key)| *key).collect();
        // The page's stories and their snippets at the same time, on two
        // connections: a reader waits for the longer, not for both.
        let snippets = async {
            match (self.backend, keys.is_empty()) {
                (_, true) => Ok(Vec::new()),
                (Backend::Sqlite, false) => {
                    sqlite::snippets(&self.search_pool, params.terms, &keys).await
                }
                (Backend::Postgres, false) => {
                    postgres::snippets(&self.search_pool, params.terms, &keys).await
                }
            }
        };
        let (stories, snippets) = tokio::join!(self.summaries_in_order(&ids), snippets);
        let (stories, mut snippets) = (stories?, snippets?);
        let hits = stories
            .into_iter()
            .map(|story| {
                let key = ranked
                    .page
                    .iter()
                    .find(|(id, _)| *id == story.id)
                    .map_or(story.id, |(_, key)| *key);
                SearchHit {
                    snippet: snippets
                        .iter()
                        .position(|(k, _)| *k == key)
                        .map(|at| snippets.swap_remove(at).1)
                        .unwrap_or_default(),
                    story,
                }
            })
            .collect();
        Ok(SearchResults {
            total: ranked.total,
            total_exact: ranked.exact,
            hits,
        })
    }

    /// One step of keeping the index quick to read (see
    /// `crate::search::upkeep`): on SQLite, merges the index's segments
    /// into one, writing about `pages` pages; true when there was work and
    /// there may be more. PostgreSQL's GIN index merges its own pending
    /// entries (at vacuum), so there is never work here.
    pub async fn merge_search_index_step(&self, pages: u32) -> Result<bool, StoreError> {
        match self.backend {
            Backend::Sqlite => sqlite::merge_step(&self.pool, pages).await,
            Backend::Postgres => Ok(false),
        }
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

/// `(key, snippet)` rows as pairs.
fn pairs(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(i64, String)>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// How much a story's age divides its text rank: 1 when new, 2 at
/// `recency_seconds`, 3 at twice that.
fn age_divisor(now: i64, published_at: i64, recency_seconds: f64) -> f64 {
    1.0 + (now - published_at).max(0) as f64 / recency_seconds.max(1.0)
}
