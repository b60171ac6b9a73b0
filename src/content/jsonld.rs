//! Structured data for search engines: schema.org `NewsArticle` as JSON-LD,
//! safe to embed in a `<script type="application/ld+json">` element.

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
