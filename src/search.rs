//! Site search, the rules: what a reader's query means, what it may be,
//! and what a result shows. The index and the ranking live in the store
//! (`Store::search_stories`); the reader's page and the JSON API call
//! [`search`] and show what it returns.
//!
//! A query is words and "quoted phrases"; a story is found when it has
//! every word and every phrase (stemmed: "flooding" finds "floods"). A word
//! is a run of letters and digits: everything else, FTS operators and
//! punctuation included (`AND`, `NEAR`, `*`, `-`, `(`), separates words or
//! is an ordinary word, so no input can become query syntax. An unclosed
//! quote runs to the end of the query. Limits keep one query cheap:
//! [`MAX_QUERY_CHARS`], [`MAX_TERMS`], [`MAX_PAGE`].
//!
//! Ranking (in the store) weighs the headline over the standfirst over the
//! body and prefers recent stories: a story [`RECENCY_DAYS`] old counts half
//! as much as a new one with the same text rank. Only published stories
//! whose time has come are found. The total is exact up to
//! [`COUNT_LIMIT`]; past it a search says "more than 1,000".

pub mod upkeep;

use chrono::{DateTime, Utc};

use crate::content::StorySummary;
use crate::content::embed::escape;
use crate::content::excerpt::plain_excerpt;
use crate::store::{SNIPPET_END, SNIPPET_START, SearchParams, SearchTerms, Store, StoreError};

/// The longest query read, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words a query may hold, phrases' words included.
pub const MAX_TERMS: usize = 16;
/// Results per page.
pub const PAGE_SIZE: i64 = 10;
/// The last page a search shows: past the first 500 results, a reader
/// narrows the search instead.
pub const MAX_PAGE: i64 = 50;
/// The age at which a story's rank is halved.
pub const RECENCY_DAYS: f64 = 90.0;
/// Matches are counted up to this many: past it a search says "more than
/// 1,000" (as big sites do) instead of reading every story that has a
/// common word to count them. Above the [`MAX_PAGE`] × [`PAGE_SIZE`]
/// results a reader may page through, so the pages are all there.
pub const COUNT_LIMIT: i64 = 1000;

/// A search as a reader asked it: the query, and optionally a topic slug
/// and a page number, as typed (unchecked).
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub topic: Option<&'a str>,
    pub page: Option<&'a str>,
}

/// Why a search cannot be run: the reader's mistake (all but `Store`),
/// told with what to change.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(
        "The search is {chars} characters long: keep it to {MAX_QUERY_CHARS} characters or fewer."
    )]
    TooLong { chars: usize },
    #[error("The search has {count} words: use {MAX_TERMS} words or fewer.")]
    TooManyTerms { count: usize },
    #[error("The page number {0:?} is not valid: use a whole number from 1 to {MAX_PAGE}.")]
    BadPage(String),
    #[error("There is no topic {0:?} to search in.")]
    UnknownTopic(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SearchError {
    /// The request parameter at fault, for API errors.
    pub fn parameter(&self) -> &'static str {
        match self {
            SearchError::TooLong { .. } | SearchError::TooManyTerms { .. } => "q",
            SearchError::BadPage(_) => "page",
            SearchError::UnknownTopic(_) => "topic",
            SearchError::Store(_) => "",
        }
    }
}

/// What a search found.
#[derive(Debug, Clone)]
pub enum SearchOutcome {
    /// Nothing was typed.
    Empty,
    /// Something was typed, but not one word to look for (only
    /// punctuation, say): nothing can match.
    NoWords { query: String },
    /// The search ran.
    Results(SearchPage),
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// The query as typed, trimmed.
    pub query: String,
    /// The topic searched in, when one was given: (slug, name).
    pub topic: Option<(String, String)>,
    pub page: i64,
    /// How many stories match in all, at most [`COUNT_LIMIT`].
    pub total: i64,
    /// False when more than `total` stories match (counting stopped at
    /// [`COUNT_LIMIT`]).
    pub total_exact: bool,
    /// Pages of results there are (at least 1), at most [`MAX_PAGE`].
    pub pages: i64,
    pub hits: Vec<SearchHit>,
}

/// One story found.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub story: StorySummary,
    /// A passage of the body around the terms, as HTML: escaped text with
    /// the terms in `<mark>`.
    pub snippet_html: String,
}

/// Runs a reader's search at `now`.
pub async fn search(
    store: &Store,
    request: SearchRequest<'_>,
    now: DateTime<Utc>,
) -> Result<SearchOutcome, SearchError> {
    let query = request.query.trim();
    let terms = parse_query(query)?;
    let page = page_number(request.page)?;
    let topic = match request.topic.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(slug) => {
            let found = if crate::content::slug::is_valid(slug) {
                store.topic_id_by_slug(slug).await?
            } else {
                None
            };
            let (id, name) = found.ok_or_else(|| SearchError::UnknownTopic(slug.to_owned()))?;
            Some((id, slug.to_owned(), name))
        }
    };
    if query.is_empty() {
        return Ok(SearchOutcome::Empty);
    }
    if terms.is_empty() {
        return Ok(SearchOutcome::NoWords {
            query: query.to_owned(),
        });
    }
    let found = store
        .search_stories(&SearchParams {
            terms: &terms,
            topic_id: topic.as_ref().map(|(id, _, _)| *id),
            now,
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
            recency_seconds: RECENCY_DAYS * 86_400.0,
            count_limit: COUNT_LIMIT,
        })
        .await?;
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).clamp(1, MAX_PAGE);
    Ok(SearchOutcome::Results(SearchPage {
        query: query.to_owned(),
        topic: topic.map(|(_, slug, name)| (slug, name)),
        page,
        total: found.total,
        total_exact: found.total_exact,
        pages,
        hits: found
            .hits
            .into_iter()
            .map(|hit| SearchHit {
                snippet_html: snippet_html(&hit.snippet),
                story: hit.story,
            })
            .collect(),
    }))
}

/// The words and phrases of a query (see the module's documentation).
pub fn parse_query(query: &str) -> Result<SearchTerms, SearchError> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(SearchError::TooLong { chars });
    }
    let mut terms = SearchTerms::default();
    // Between quotes: a phrase; outside: words. Odd pieces are inside.
    for (at, piece) in query.split('"').enumerate() {
        let words = words_of(piece);
        if at % 2 == 1 && words.len() > 1 {
            if !terms.phrases.contains(&words) {
                terms.phrases.push(words);
            }
        } else {
            for word in words {
                if !terms.words.contains(&word) {
                    terms.words.push(word);
                }
            }
        }
    }
    let count = terms.words.len() + terms.phrases.iter().map(Vec::len).sum::<usize>();
    if count > MAX_TERMS {
        return Err(SearchError::TooManyTerms { count });
    }
    Ok(terms)
}

/// The runs of letters and digits in `text`, lowercased.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The page asked for: absent or empty means 1.
pub fn page_number(page: Option<&str>) -> Result<i64, SearchError> {
    match page.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| SearchError::BadPage(text.to_owned())),
    }
}

/// A snippet from the store as HTML: Markdown syntax removed, every
/// character escaped, then the store's markers turned into `<mark>`
/// elements, always balanced (a marker that would open a second `<mark>`,
/// or close none, is dropped; one left open is closed).
pub fn snippet_html(raw: &str) -> String {
    let escaped = escape(&plain_excerpt(raw));
    let mut html = String::with_capacity(escaped.len() + 16);
    let mut open = false;
    for c in escaped.chars() {
        match c {
            SNIPPET_START if !open => {
                html.push_str("<mark>");
                open = true;
            }
            SNIPPET_END if open => {
                html.push_str("</mark>");
                open = false;
            }
            SNIPPET_START | SNIPPET_END => {}
            other => html.push(other),
        }
    }
    if open {
        html.push_str("</mark>");
    }
    html
}

/// The PostgreSQL text search configuration for a site's language (a BCP
/// 47 tag such as `en-GB`): the stemming dictionary of that language, or
/// "simple" (no stemming) for languages PostgreSQL has none for.
pub fn text_search_config(language: &str) -> &'static str {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "ar" => "arabic",
        "hy" => "armenian",
        "eu" => "basque",
        "ca" => "catalan",
        "da" => "danish",
        "nl" => "dutch",
        "en" => "english",
        "fi" => "finnish",
        "fr" => "french",
        "de" => "german",
        "el" => "greek",
        "hi" => "hindi",
        "hu" => "hungarian",
        "id" => "indonesian",
        "ga" => "irish",
        "it" => "italian",
        "lt" => "lithuanian",
        "ne" => "nepali",
        "no" | "nb" | "nn" => "norwegian",
        "pt" => "portuguese",
        "ro" => "romanian",
        "ru" => "russian",
        "sr" => "serbian",
        "es" => "spanish",
        "sv" => "swedish",
        "ta" => "tamil",
        "tr" => "turkish",
        "yi" => "yiddish",
        _ => "simple",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_and_quoted_phrases() {
        let terms = parse_query(r#"Flooding "heavy rain" Wales"#).expect("parses");
        assert_eq!(terms.words, words(&["flooding", "wales"]));
        assert_eq!(terms.phrases, vec![words(&["heavy", "rain"])]);
        // An unclosed quote runs to the end; a one-word phrase is a word.
        let terms = parse_query(r#"storm "red warning"#).expect("parses");
        assert_eq!(terms.phrases, vec![words(&["red", "warning"])]);
        let terms = parse_query(r#""storm""#).expect("parses");
        assert_eq!((terms.words, terms.phrases.len()), (words(&["storm"]), 0));
    }

    #[test]
    fn operators_and_punctuation_are_never_syntax() {
        for hostile in [
            "\"",
            "AND (",
            "*",
            "NEAR",
            "-",
            "a OR b",
            "x NOT y",
            "NEAR(a b, 2)",
            "col:word",
            "^start",
            "a + b",
            "'); DROP TABLE stories; --",
            "\\\"",
            "{a b}",
            "\u{0}",
        ] {
            let terms = parse_query(hostile).expect("parses");
            for word in terms.words.iter().chain(terms.phrases.iter().flatten()) {
                assert!(
                    word.chars().all(char::is_alphanumeric),
                    "{hostile:?} gave {word:?}"
                );
            }
        }
        assert!(parse_query("*** -- ()").expect("parses").is_empty());
        assert_eq!(
            parse_query("AND NEAR").expect("parses").words,
            words(&["and", "near"])
        );
    }

    #[test]
    fn limits() {
        assert!(parse_query(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(matches!(
            parse_query(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(SearchError::TooLong { chars: 201 })
        ));
        let many: Vec<String> = (0..=MAX_TERMS).map(|n| format!("w{n}")).collect();
        assert!(matches!(
            parse_query(&many.join(" ")),
            Err(SearchError::TooManyTerms { count: 17 })
        ));
        assert_eq!(page_number(None).ok(), Some(1));
        assert_eq!(page_number(Some("3")).ok(), Some(3));
        for bad in ["0", "-1", "x", "1.5", "51", "99999999999999999999"] {
            assert!(
                matches!(page_number(Some(bad)), Err(SearchError::BadPage(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn snippets_are_escaped_with_balanced_marks() {
        let (s, e) = (SNIPPET_START, SNIPPET_END);
        assert_eq!(
            snippet_html(&format!("the {s}flood{e} <script>alert(1)</script> & more")),
            "the <mark>flood</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
        );
        assert_eq!(
            snippet_html(&format!("{e}a {s}{s}b{e}{e} {s}c")),
            "a <mark>b</mark> <mark>c</mark>"
        );
    }

    #[test]
    fn languages_choose_a_dictionary() {
        assert_eq!(text_search_config("en-GB"), "english");
        assert_eq!(text_search_config("fr"), "french");
        assert_eq!(text_search_config("de_DE"), "german");
        assert_eq!(text_search_config("ja"), "simple");
        assert_eq!(text_search_config(""), "simple");
    }
}
