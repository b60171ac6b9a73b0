//! Structured data for search engines: schema.org `NewsArticle` as JSON-LD,
//! or `LiveBlogPosting` for a live story, safe to embed in a
//! `<script type="application/ld+json">` element.

use serde_json::{Value, json};

/// The publisher, as schema.org describes it.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    pub url: String,
    pub logo_url: String,
}

/// Everything the `NewsArticle` needs, with absolute URLs.
#[derive(Debug, Clone)]
pub struct ArticleFacts<'a> {
    pub url: &'a str,
    pub headline: &'a str,
    pub description: &'a str,
    /// The social image first (when set), then the featured image.
    pub images: Vec<&'a str>,
    pub published: chrono::DateTime<chrono::Utc>,
    pub modified: chrono::DateTime<chrono::Utc>,
    pub authors: &'a [String],
    pub sections: Vec<&'a str>,
    pub publisher: &'a Publisher,
}

/// The `NewsArticle` object.
pub fn news_article(facts: &ArticleFacts<'_>) -> Value {
    let mut article = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": facts.url},
        "url": facts.url,
        "headline": facts.headline,
        "description": facts.description,
        "datePublished": facts.published.to_rfc3339(),
        "dateModified": facts.modified.to_rfc3339(),
        "author": facts.authors.iter()
            .map(|name| json!({"@type": "Person", "name": name}))
            .collect::<Vec<_>>(),
        "publisher": {
            "@type": "Organization",
            "name": facts.publisher.name,
            "url": facts.publisher.url,
            "logo": {"@type": "ImageObject", "url": facts.publisher.logo_url},
        },
        "articleSection": facts.sections,
        "keywords": facts.sections.join(", "),
    });
    if !facts.images.is_empty() {
        article["image"] = json!(facts.images);
    }
    article
}

/// A live story's coverage: when it started and ended, and its latest
/// entries.
#[derive(Debug, Clone)]
pub struct LiveFacts {
    pub start: chrono::DateTime<chrono::Utc>,
    /// `None` while the coverage lasts.
    pub end: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest entries, newest first.
    pub updates: Vec<LiveUpdate>,
}

/// One entry of a live story, as a `BlogPosting`.
#[derive(Debug, Clone)]
pub struct LiveUpdate {
    /// Absolute, with the entry's `#entry-{id}`.
    pub url: String,
    pub headline: String,
    /// Plain text.
    pub body: String,
    pub published: chrono::DateTime<chrono::Utc>,
    pub modified: chrono::DateTime<chrono::Utc>,
    pub author: String,
}

/// The `LiveBlogPosting` object: the article's fields, with its coverage
/// times and latest entries.
pub fn live_blog_posting(facts: &ArticleFacts<'_>, live: &LiveFacts) -> Value {
    let mut posting = news_article(facts);
    posting["@type"] = json!("LiveBlogPosting");
    posting["coverageStartTime"] = json!(live.start.to_rfc3339());
    if let Some(end) = live.end {
        posting["coverageEndTime"] = json!(end.to_rfc3339());
    }
    posting["liveBlogUpdate"] = live
        .updates
        .iter()
        .map(|u| {
            json!({
                "@type": "BlogPosting",
                "@id": u.url,
                "url": u.url,
                "headline": u.headline,
                "articleBody": u.body,
                "datePublished": u.published.to_rfc3339(),
                "dateModified": u.modified.to_rfc3339(),
                "author": {"@type": "Person", "name": u.author},
            })
        })
        .collect();
    posting
}

/// Serialises JSON-LD so that no sequence in it can end the `<script>`
/// element or open a comment: `<`, `>` and `&` become JSON escapes.
pub fn to_script_text(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_the_element() {
        let text = to_script_text(&json!({"headline": "</script><script>alert(1)</script>"}));
        assert!(!text.contains("</script"), "{text}");
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["headline"], "</script><script>alert(1)</script>");
    }
}
