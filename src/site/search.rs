//! The reader's search: `/search?q=…[&topic=slug][&page=N]`, a plain GET
//! form in every page's header that works without script, and
//! `/opensearch.xml`, which lets a browser offer the site as a search
//! engine. The rules are the domain's (`crate::search`).
//!
//! Search pages are never kept in the page cache: any reader can ask for
//! any query, and each would take a place there. They still carry an ETag
//! (a repeated request gets 304) and are not in the sitemap. Results are
//! `noindex`: any query makes a page, and search engines ask that a site's
//! own results stay out of theirs (else anyone could have "No stories match
//! <spam>" indexed under the site's name). The bare form, `/search`, is a
//! page like any other.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::pages::PAGE_CACHE_CONTROL;
use super::templates::{Pager, SearchPage, SearchResultView};
use super::view;
use crate::content::TopicRef;
use crate::content::opensearch::{self, SearchDescription};
use crate::search::{self, SearchError, SearchOutcome, SearchRequest};
use crate::web::AppState;
use crate::web::cache::{CachedPage, Rendered};
use crate::web::page_error::AppError;
use crate::web::page_scope::Scope;

/// What a reader may need to know to search well.
const HELP: &str = "Type words to find the stories that have them all, or put a phrase \
                    in quotes, as in \"heavy rain\".";

/// The parameters of a search request, as sent.
#[derive(Debug, Default)]
pub struct SearchQuery {
    pub q: String,
    pub topic: Option<String>,
    pub page: Option<String>,
}

impl SearchQuery {
    /// Reads `q`, `topic` and `page` from a query string; others are
    /// ignored, a repeated one counts once (the first).
    pub fn parse(query: Option<&str>) -> SearchQuery {
        let (mut q, mut topic, mut page) = (None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match key.as_ref() {
                "q" => &mut q,
                "topic" => &mut topic,
                "page" => &mut page,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value.into_owned());
            }
        }
        SearchQuery {
            q: q.unwrap_or_default(),
            topic,
            page,
        }
    }

    pub fn request(&self) -> SearchRequest<'_> {
        SearchRequest {
            query: &self.q,
            topic: self.topic.as_deref(),
            page: self.page.as_deref(),
        }
    }
}

/// The address of a search: `/search?q=…`, with the topic and a page
/// after the first when given.
pub fn search_href(query: &str, topic: Option<&str>, page: i64) -> String {
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    params.append_pair("q", query);
    if let Some(topic) = topic {
        params.append_pair("topic", topic);
    }
    if page > 1 {
        params.append_pair("page", &page.to_string());
    }
    format!("/search?{}", params.finish())
}

/// `GET /search`.
pub async fn show_search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = SearchQuery::parse(query.as_deref());
    let outcome = search::search(&state.store, params.request(), Utc::now())
        .await
        .map_err(page_error)?;
    let body = render(&state, &params, outcome).await?;
    let page = CachedPage::new(Rendered {
        body: Bytes::from(body),
        content_type: "text/html; charset=utf-8",
        last_modified: Utc::now(),
        cache_control: PAGE_CACHE_CONTROL,
        scope: Scope::Site,
    });
    Ok(page.respond(&headers))
}

/// A search the reader must change is a 400 page saying what to change.
fn page_error(error: SearchError) -> AppError {
    match error {
        SearchError::Store(e) => AppError::Store(e),
        other => AppError::BadRequest(other.to_string()),
    }
}

async fn render(
    state: &AppState,
    params: &SearchQuery,
    outcome: SearchOutcome,
) -> Result<String, AppError> {
    let site = view::site_view(state).await?;
    let results = !matches!(outcome, SearchOutcome::Empty);
    let (heading, summary, help, found) = match outcome {
        SearchOutcome::Empty => (
            "Search".to_owned(),
            "Type something to search.".to_owned(),
            HELP,
            None,
        ),
        SearchOutcome::NoWords { query } => (
            format!("Search results for “{query}”"),
            format!("No results: “{query}” has no words to look for."),
            HELP,
            None,
        ),
        SearchOutcome::Results(found) => {
            let matching = count(found.total, found.total_exact);
            let summary = match (found.total, found.hits.is_empty()) {
                (0, _) => format!("No stories match “{}”.", found.query),
                (_, true) => format!("No more results: {matching} on {} pages.", found.pages),
                (_, false) if found.pages > 1 => {
                    format!("{matching}. Page {} of {}.", found.page, found.pages)
                }
                (_, false) => format!("{matching}."),
            };
            let help = if found.total == 0 {
                "Check the spelling, or try fewer or other words."
            } else {
                ""
            };
            (
                format!("Search results for “{}”", found.query),
                summary,
                help,
                Some(found),
            )
        }
    };
    let mut meta = view::page_meta(
        state,
        &heading,
        &format!("Search the stories of {}.", state.config.site.name),
        "/search",
    );
    meta.noindex = results;
    meta.search_query = params.q.trim().to_owned();
    let topic = found.as_ref().and_then(|f| f.topic.clone());
    let pager = match &found {
        Some(found) => {
            let topic_slug = topic.as_ref().map(|(slug, _)| slug.as_str());
            let link = |n: i64| search_href(&found.query, topic_slug, n);
            Pager {
                page: found.page,
                pages: found.pages,
                newer: (found.page > 1).then(|| link((found.page - 1).min(found.pages))),
                older: (found.page < found.pages).then(|| link(found.page + 1)),
            }
        }
        None => Pager {
            page: 1,
            pages: 1,
            newer: None,
            older: None,
        },
    };
    let results = found
        .map(|found| {
            found
                .hits
                .into_iter()
                .map(|hit| SearchResultView {
                    path: hit.story.path(),
                    headline: hit.story.headline,
                    standfirst: hit.story.standfirst,
                    snippet_html: hit.snippet_html,
                    published_iso: hit.story.published_at.to_rfc3339(),
                    published_human: crate::content::dates::full(
                        hit.story.published_at,
                        state.config.site.time_zone,
                    ),
                    topics: hit.story.topics,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SearchPage {
        site: &site,
        all_topics_href: search_href(params.q.trim(), None, 1),
        topic: topic.map(|(slug, name)| TopicRef { slug, name }),
        meta,
        heading,
        summary,
        help: help.to_owned(),
        results,
        pager,
    }
    .render()?)
}

/// "1 story matches", "12 stories match", or, when counting stopped at
/// `total`, "More than 1,000 stories match".
fn count(total: i64, exact: bool) -> String {
    match (total, exact) {
        (1, true) => "1 story matches".to_owned(),
        (total, true) => format!("{} stories match", thousands(total)),
        (total, false) => format!("More than {} stories match", thousands(total)),
    }
}

/// `total` with a comma between thousands: "1,000".
fn thousands(total: i64) -> String {
    let digits = total.unsigned_abs().to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if total < 0 {
        text.push('-');
    }
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `GET /opensearch.xml`.
pub async fn opensearch_description(State(state): State<AppState>) -> Response {
    let config = &state.config;
    let body = opensearch::description(&SearchDescription {
        site_name: &config.site.name,
        search_url: &config.absolute("/search"),
        self_url: &config.absolute("/opensearch.xml"),
        icon_url: &config.absolute("/logo.svg"),
    });
    (
        [
            (header::CONTENT_TYPE, opensearch::CONTENT_TYPE),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_once_each_and_links_keep_them() {
        let q = SearchQuery::parse(Some("q=heavy+rain&topic=weather&page=2&q=other&x=1"));
        assert_eq!(
            (q.q.as_str(), q.topic.as_deref(), q.page.as_deref()),
            ("heavy rain", Some("weather"), Some("2"))
        );
        assert_eq!(SearchQuery::parse(None).q, "");
        assert_eq!(
            search_href("\"a&b\"", Some("weather"), 3),
            "/search?q=%22a%26b%22&topic=weather&page=3"
        );
        assert_eq!(search_href("x", None, 1), "/search?q=x");
    }

    #[test]
    fn a_count_that_stopped_says_more_than() {
        assert_eq!(count(1, true), "1 story matches");
        assert_eq!(count(23, true), "23 stories match");
        assert_eq!(count(1000, true), "1,000 stories match");
        assert_eq!(count(1000, false), "More than 1,000 stories match");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
