//! Feeds — RSS 2.0, Atom (RFC 4287) and JSON Feed 1.1 — built from one list of
//! prepared entries by feed libraries and serialisers, never by gluing strings.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// The page the feed mirrors, e.g. the home page or a topic page.
    pub home_url: String,
    /// Where this very feed is served.
    pub self_url: String,
    pub language: String,
    pub updated: DateTime<Utc>,
}

/// One story as a feed item.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The full body as sanitised HTML, when feeds carry full content.
    pub content_html: Option<String>,
    pub image_url: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
}

/// RSS 2.0.
pub fn rss(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    let items: Vec<rss::Item> = entries
        .iter()
        .map(|e| {
            let mut item = rss::Item::default();
            item.set_title(e.title.clone());
            item.set_link(e.url.clone());
            item.set_guid(rss::Guid {
                value: e.url.clone(),
                permalink: true,
            });
            // RSS readers take a description as HTML; the summary is text.
            item.set_description(super::embed::escape(&e.summary));
            item.set_content(e.content_html.clone());
            item.set_pub_date(e.published.to_rfc2822());
            if !e.authors.is_empty() {
                item.set_dublin_core_ext(rss::extension::dublincore::DublinCoreExtension {
                    creators: e.authors.clone(),
                    ..Default::default()
                });
            }
            item.set_categories(
                e.categories
                    .iter()
                    .map(|name| rss::Category {
                        name: name.clone(),
                        domain: None,
                    })
                    .collect::<Vec<_>>(),
            );
            item
        })
        .collect();
    let mut channel = rss::Channel::default();
    channel.set_title(meta.title.clone());
    channel.set_link(meta.home_url.clone());
    channel.set_description(meta.description.clone());
    channel.set_language(meta.language.clone());
    channel.set_last_build_date(meta.updated.to_rfc2822());
    channel.set_generator("Herald".to_owned());
    channel.set_atom_ext(rss::extension::atom::AtomExtension {
        links: vec![rss::extension::atom::Link {
            href: meta.self_url.clone(),
            rel: "self".into(),
            mime_type: Some("application/rss+xml".into()),
            ..Default::default()
        }],
    });
    channel.set_items(items);
    channel.to_string()
}

/// Atom (RFC 4287).
pub fn atom(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Text};
    let link = |href: &str, rel: &str, mime: Option<&str>| Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Default::default()
    };
    let feed_entries: Vec<Entry> = entries
        .iter()
        .map(|e| Entry {
            id: e.url.clone(),
            title: Text::plain(e.title.clone()),
            updated: e.updated.fixed_offset(),
            published: Some(e.published.fixed_offset()),
            authors: e
                .authors
                .iter()
                .map(|name| Person {
                    name: name.clone(),
                    ..Default::default()
                })
                .collect(),
            categories: e
                .categories
                .iter()
                .map(|name| Category {
                    term: name.clone(),
                    ..Default::default()
                })
                .collect(),
            links: vec![link(&e.url, "alternate", Some("text/html"))],
            summary: Some(Text::plain(e.summary.clone())),
            content: e.content_html.as_ref().map(|html| Content {
                value: Some(html.clone()),
                content_type: Some("html".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let feed = Feed {
        id: meta.self_url.clone(),
        title: Text::plain(meta.title.clone()),
        subtitle: Some(Text::plain(meta.description.clone())),
        updated: meta.updated.fixed_offset(),
        lang: Some(meta.language.clone()),
        links: vec![
            link(&meta.home_url, "alternate", Some("text/html")),
            link(&meta.self_url, "self", Some("application/atom+xml")),
        ],
        generator: Some(atom_syndication::Generator {
            value: "Herald".into(),
            ..Default::default()
        }),
        entries: feed_entries,
        ..Default::default()
    };
    feed.to_string()
}

/// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
pub fn json_feed(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    #[derive(Serialize)]
    struct JsonFeed<'a> {
        version: &'static str,
        title: &'a str,
        home_page_url: &'a str,
        feed_url: &'a str,
        description: &'a str,
        language: &'a str,
        items: Vec<JsonItem<'a>>,
    }
    #[derive(Serialize)]
    struct JsonItem<'a> {
        id: &'a str,
        url: &'a str,
        title: &'a str,
        summary: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_html: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_text: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        image: Option<&'a str>,
        date_published: String,
        date_modified: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        authors: Vec<JsonAuthor<'a>>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        tags: &'a [String],
    }
    #[derive(Serialize)]
    struct JsonAuthor<'a> {
        name: &'a str,
    }
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        home_page_url: &meta.home_url,
        feed_url: &meta.self_url,
        description: &meta.description,
        language: &meta.language,
        items: entries
            .iter()
            .map(|e| JsonItem {
                id: &e.url,
                url: &e.url,
                title: &e.title,
                summary: &e.summary,
                content_html: e.content_html.as_deref(),
                // An item must carry content: the summary stands in for it.
                content_text: e.content_html.is_none().then_some(e.summary.as_str()),
                image: e.image_url.as_deref(),
                date_published: e.published.to_rfc3339(),
                date_modified: e.updated.to_rfc3339(),
                authors: e.authors.iter().map(|name| JsonAuthor { name }).collect(),
                tags: &e.categories,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).expect("a feed of strings always serialises")
}
