//! The story list at `/newsroom/stories`: filters by status, topic and
//! author, search by headline, pages; each story links to its editor. The
//! list itself is [`editorial::list_stories`]'s.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::layout::{self, Chrome, Section};
use super::page_error;
use crate::content::dates::Shown;
use crate::editorial::{self, AuthorFilter, StoryFilter, StoryListItem, StoryStatus};
use crate::web::AppState;
use crate::web::NewsroomUser;

pub fn routes() -> Router<AppState> {
    Router::new().route("/newsroom/stories", get(list_stories))
}

/// The list's query string; every part optional, anything unusable ignored
/// with a message.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub topic: Option<String>,
    pub author: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// A choice in a filter's `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A row of the list.
#[derive(Debug, Clone)]
pub struct ListRow {
    pub headline: String,
    pub edit_href: String,
    pub status: &'static str,
    pub topics: String,
    pub authors: String,
    pub owner: String,
    /// The publication time for a published or scheduled story, the
    /// creation time for a draft; relative to now, as the list is scanned.
    pub when: Shown,
    /// Its notification numbers' page, for a story published or scheduled.
    pub stats_href: Option<String>,
    pub can_edit: bool,
}

#[derive(Template)]
#[template(path = "newsroom/stories.html")]
pub struct StoriesPage {
    pub chrome: Chrome,
    pub statuses: Vec<Choice>,
    pub topics: Vec<Choice>,
    pub author: String,
    pub q: String,
    pub rows: Vec<ListRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
    /// "Stories you own" when the author filter is the user's own id.
    pub mine_href: String,
    pub showing_mine: bool,
}

/// Capitalised status for people.
pub fn status_label(status: StoryStatus) -> &'static str {
    match status {
        StoryStatus::Draft => "Draft",
        StoryStatus::Scheduled => "Scheduled",
        StoryStatus::Published => "Published",
    }
}

/// The filter a query asks for, and what in it could not be used.
pub fn filter_of(query: &ListQuery) -> (StoryFilter, Vec<String>) {
    let mut problems = Vec::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let status = text(&query.status).and_then(|s| match s.parse() {
        Ok(status) => Some(status),
        Err(e) => {
            problems.push(e);
            None
        }
    });
    let page = match text(&query.page) {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                problems.push(format!("{p:?} is not a page number; showing page 1"));
                1
            }
        },
    };
    let filter = StoryFilter {
        status,
        topic: text(&query.topic),
        author: text(&query.author).map(|a| AuthorFilter::parse(&a)),
        q: text(&query.q),
        page,
        ..StoryFilter::default()
    };
    (filter, problems)
}

/// The list's URL for `filter` on `page`.
pub fn list_href(filter: &StoryFilter, page: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(status) = filter.status {
        query.append_pair("status", status.as_str());
    }
    if let Some(topic) = &filter.topic {
        query.append_pair("topic", topic);
    }
    match &filter.author {
        Some(AuthorFilter::Owner(id)) => {
            query.append_pair("author", &id.to_string());
        }
        Some(AuthorFilter::Name(name)) => {
            query.append_pair("author", name);
        }
        None => {}
    }
    if let Some(q) = &filter.q {
        query.append_pair("q", q);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/newsroom/stories".to_owned()
    } else {
        format!("/newsroom/stories?{query}")
    }
}

fn list_row(item: &StoryListItem, now: DateTime<Utc>, zone: Tz) -> ListRow {
    let story = &item.story;
    let when = story.published_at.unwrap_or(story.created_at);
    ListRow {
        headline: story.headline.clone(),
        edit_href: format!("/newsroom/stories/{}", story.id),
        status: status_label(item.status),
        topics: story
            .topics
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        authors: story.authors.join(", "),
        owner: story.owner_name.clone().unwrap_or_default(),
        when: Shown::relative(when, now, zone),
        stats_href: (item.status != StoryStatus::Draft)
            .then(|| format!("/newsroom/stories/{}/stats", story.id)),
        can_edit: item.allowed.edit,
    }
}

/// `GET /newsroom/stories`.
async fn list_stories(
    State(state): State<AppState>,
    NewsroomUser(user): NewsroomUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let now = Utc::now();
    let (filter, problems) = filter_of(&query);
    let list = match editorial::list_stories(&state.store, &user, &filter, now).await {
        Ok(list) => list,
        Err(e) => return page_error(&state, &user, e),
    };
    let topics = match editorial::list_topics(&state.store, &user, now).await {
        Ok(topics) => topics,
        Err(e) => return page_error(&state, &user, e),
    };
    let mut chrome = Chrome::for_user(&state, &user, Section::Stories);
    for problem in problems {
        chrome = chrome.with_flash("error", problem);
    }
    let statuses = StoryStatus::ALL
        .into_iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: status_label(s).to_owned(),
            selected: filter.status == Some(s),
        })
        .collect();
    let topic_choices = topics
        .iter()
        .map(|t| Choice {
            value: t.topic.slug.clone(),
            label: t.topic.name.clone(),
            selected: filter.topic.as_deref() == Some(t.topic.slug.as_str()),
        })
        .collect();
    let showing_mine = filter.author == Some(AuthorFilter::Owner(user.user_id));
    let mine = StoryFilter {
        author: Some(AuthorFilter::Owner(user.user_id)),
        ..StoryFilter::default()
    };
    let page = StoriesPage {
        chrome,
        statuses,
        topics: topic_choices,
        author: match &filter.author {
            Some(AuthorFilter::Name(name)) => name.clone(),
            Some(AuthorFilter::Owner(id)) => id.to_string(),
            None => String::new(),
        },
        q: filter.q.clone().unwrap_or_default(),
        rows: list
            .stories
            .iter()
            .map(|item| list_row(item, now, state.config.site.time_zone))
            .collect(),
        total: list.total,
        page: list.page,
        pages: list.pages,
        newer: (list.page > 1).then(|| list_href(&filter, list.page - 1)),
        older: (list.page < list.pages).then(|| list_href(&filter, list.page + 1)),
        mine_href: list_href(&mine, 1),
        showing_mine,
    };
    layout::render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_becomes_a_filter_and_back() {
        let query = ListQuery {
            status: Some("scheduled".into()),
            topic: Some("politics".into()),
            author: Some("Ana Reporter".into()),
            q: Some(" vote ".into()),
            page: Some("2".into()),
        };
        let (filter, problems) = filter_of(&query);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(filter.status, Some(StoryStatus::Scheduled));
        assert_eq!(filter.q.as_deref(), Some("vote"));
        assert_eq!(
            filter.author,
            Some(AuthorFilter::Name("Ana Reporter".into()))
        );
        assert_eq!(
            list_href(&filter, 3),
            "/newsroom/stories?status=scheduled&topic=politics&author=Ana+Reporter&q=vote&page=3"
        );
        assert_eq!(list_href(&StoryFilter::default(), 1), "/newsroom/stories");
    }

    #[test]
    fn unusable_parts_are_dropped_with_a_message() {
        let query = ListQuery {
            status: Some("lost".into()),
            page: Some("-4".into()),
            q: Some("   ".into()),
            ..ListQuery::default()
        };
        let (filter, problems) = filter_of(&query);
        assert_eq!(filter.status, None);
        assert_eq!(filter.page, 1);
        assert_eq!(filter.q, None);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
