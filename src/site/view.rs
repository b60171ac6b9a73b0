//! Building what templates read: the site's chrome, page heads, and pagers.
//! Shared by every page handler so that each one states only what is its own.

use chrono::Utc;

use super::assets;
use super::templates::{CorrectionView, FeedLink, PageMeta, Pager, SiteView};
use crate::content::{Story, Topic, TopicRef, dates};
use crate::store::TopicFollowers;
use crate::web::AppState;
use crate::web::page_error::AppError;

/// The site's chrome. The navigation lists `site.nav_topics` in that order
/// (those that exist), or else every topic with stories, most followed
/// first (counted at most once a minute, see `AppState::nav_followers`)
/// and then by name: an order that does not move as stories publish.
pub async fn site_view(state: &AppState) -> Result<SiteView, AppError> {
    let topics = state.store.topics(Utc::now()).await?;
    let site = &state.config.site;
    let nav_topics = match &site.nav_topics {
        Some(slugs) => configured_nav(&topics, slugs),
        None => {
            let store = &state.store;
            let followers = state.nav_followers.get(|| store.follower_counts()).await?;
            most_followed_nav(topics, &followers)
        }
    };
    Ok(SiteView {
        name: site.name.clone(),
        description: site.description.clone(),
        language: site.language.clone(),
        og_locale: site.language.replace('-', "_"),
        nav_topics,
        current_topic: None,
        stylesheet: assets::stylesheet_path(),
        script: assets::script_path(),
        prompt_text: state.config.prompt.text.clone(),
        prompt_delay_seconds: state.config.prompt.delay_seconds,
        prompt_scroll_fraction: state.config.prompt.scroll_fraction,
        prompt_snooze_days: state.config.prompt.snooze_days,
        short_name: site.short_name.clone(),
        theme_color: site.theme_color.clone(),
    })
}

/// The topics of `slugs` that exist, in that order.
fn configured_nav(topics: &[Topic], slugs: &[String]) -> Vec<TopicRef> {
    slugs
        .iter()
        .filter_map(|slug| topics.iter().find(|t| &t.slug == slug))
        .map(|t| TopicRef {
            slug: t.slug.clone(),
            name: t.name.clone(),
        })
        .collect()
}

/// Every topic with stories, most followed first, ties by name.
fn most_followed_nav(mut topics: Vec<Topic>, followers: &[TopicFollowers]) -> Vec<TopicRef> {
    topics.retain(|t| t.story_count > 0);
    let count = |t: &Topic| {
        followers
            .iter()
            .find(|f| f.topic_id == t.id)
            .map_or(0, |f| f.followers)
    };
    topics.sort_by(|a, b| count(b).cmp(&count(a)).then_with(|| a.name.cmp(&b.name)));
    topics
        .into_iter()
        .map(|t| TopicRef {
            slug: t.slug,
            name: t.name,
        })
        .collect()
}

/// A story's correction note, ready for its page.
pub async fn correction_view(
    state: &AppState,
    story_id: i64,
) -> Result<Option<CorrectionView>, AppError> {
    Ok(state
        .store
        .story_correction(story_id)
        .await?
        .map(|c| CorrectionView {
            text: c.text,
            at_iso: c.at.to_rfc3339(),
            at_human: dates::full(c.at, state.config.site.time_zone),
        }))
}

/// The feeds a page advertises: the site's, and a topic's when given.
pub fn feed_links(state: &AppState, topic: Option<&TopicRef>) -> Vec<FeedLink> {
    let site = &state.config.site.name;
    match topic {
        Some(t) => feeds_at(
            &format!("/topics/{}", t.slug),
            &format!("{site}: {}", t.name),
        ),
        None => feeds_at("", site),
    }
}

/// A live story's feeds of entries, which its page advertises.
pub fn story_feed_links(state: &AppState, story: &Story) -> Vec<FeedLink> {
    let title = format!("{}: {}", state.config.site.name, story.headline);
    feeds_at(&story.path(), &title)
}

/// The three formats of the feed under `prefix`, named `title`.
fn feeds_at(prefix: &str, title: &str) -> Vec<FeedLink> {
    [
        ("application/rss+xml", "RSS", "feed.xml"),
        ("application/atom+xml", "Atom", "atom.xml"),
        ("application/feed+json", "JSON Feed", "feed.json"),
    ]
    .into_iter()
    .map(|(mime, kind, file)| FeedLink {
        mime,
        title: format!("{title} ({kind})"),
        href: format!("{prefix}/{file}"),
    })
    .collect()
}

/// A plain page head: title, description and canonical URL.
pub fn page_meta(state: &AppState, title: &str, description: &str, path: &str) -> PageMeta {
    let site = &state.config.site.name;
    PageMeta {
        title: if title == site.as_str() {
            site.clone()
        } else {
            format!("{title} | {site}")
        },
        og_title: title.to_owned(),
        description: description.to_owned(),
        canonical: state.config.absolute(path),
        og_type: "website",
        image: None,
        feeds: feed_links(state, None),
        article: None,
        noindex: false,
        prompt: false,
        search_query: String::new(),
    }
}

/// The head of an error page, kept out of search engines.
pub fn error_meta(state: &AppState, heading: &str) -> PageMeta {
    PageMeta {
        noindex: true,
        ..page_meta(state, heading, heading, "/")
    }
}

/// The page number in a `page=N` query. Absent means 1; anything that is not
/// a whole number from 1 is a clear 400.
pub fn page_number(query: Option<&str>) -> Result<i64, AppError> {
    let value = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.into_owned())
    });
    match value {
        None => Ok(1),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => Ok(n),
            _ => Err(AppError::BadRequest(format!(
                "The page number {v:?} is not valid: use a whole number from 1, as in ?page=2."
            ))),
        },
    }
}

/// Links to the newer and older pages of a list at `path`. A page past the
/// last is not found (except page 1 of an empty list).
pub fn pager(path: &str, page: i64, page_size: i64, total: i64) -> Result<Pager, AppError> {
    let pages = ((total + page_size - 1) / page_size).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let link = |n: i64| {
        if n == 1 {
            path.to_owned()
        } else {
            format!("{path}?page={n}")
        }
    };
    Ok(Pager {
        page,
        pages,
        newer: (page > 1).then(|| link(page - 1)),
        older: (page < pages).then(|| link(page + 1)),
    })
}

/// The cache key and canonical path of page `page` of a list at `path`.
pub fn list_path(path: &str, page: i64) -> String {
    if page == 1 {
        path.to_owned()
    } else {
        format!("{path}?page={page}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_whole_numbers_from_one() {
        assert_eq!(page_number(None).ok(), Some(1));
        assert_eq!(page_number(Some("page=3")).ok(), Some(3));
        assert_eq!(page_number(Some("utm=x&page=2")).ok(), Some(2));
        for bad in [
            "page=0",
            "page=-1",
            "page=abc",
            "page=",
            "page=1.5",
            "page=99999999999999999999",
        ] {
            assert!(
                matches!(page_number(Some(bad)), Err(AppError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    fn topic(id: i64, slug: &str, name: &str, story_count: i64) -> Topic {
        Topic {
            id,
            slug: slug.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            last_modified: None,
            story_count,
        }
    }

    fn slugs(nav: &[TopicRef]) -> Vec<&str> {
        nav.iter().map(|t| t.slug.as_str()).collect()
    }

    #[test]
    fn nav_is_most_followed_then_by_name_or_the_sites_order() {
        let topics = vec![
            topic(1, "world", "World", 9),
            topic(2, "arts", "Arts", 1),
            topic(3, "science", "Science", 5),
            topic(4, "empty", "Empty", 0),
        ];
        let followers = |id: i64, n: i64| TopicFollowers {
            topic_id: id,
            slug: String::new(),
            name: String::new(),
            followers: n,
        };
        let nav = most_followed_nav(topics.clone(), &[followers(3, 7), followers(4, 50)]);
        assert_eq!(slugs(&nav), ["science", "arts", "world"]);
        let configured = ["world".to_owned(), "gone".to_owned(), "empty".to_owned()];
        assert_eq!(
            slugs(&configured_nav(&topics, &configured)),
            ["world", "empty"]
        );
    }

    #[test]
    fn pager_links_and_edges() {
        let p = pager("/", 1, 10, 25).expect("page 1");
        assert_eq!(
            (p.pages, p.newer, p.older.as_deref()),
            (3, None, Some("/?page=2"))
        );
        let p = pager("/", 3, 10, 25).expect("page 3");
        assert_eq!((p.newer.as_deref(), p.older), (Some("/?page=2"), None));
        assert!(matches!(pager("/", 4, 10, 25), Err(AppError::NotFound)));
        assert_eq!(pager("/", 1, 10, 0).expect("empty list").pages, 1);
        assert_eq!(pager("/", 2, 10, 20).expect("exact").older, None);
    }
}
