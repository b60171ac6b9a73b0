//! Sitemaps for search engines: the sitemaps.org 0.9 protocol for every page
//! worth indexing, and the Google News extension for recent stories.

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// One page in the sitemap.
#[derive(Debug, Clone)]
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// One recent story in the news sitemap.
#[derive(Debug, Clone)]
pub struct NewsUrl {
    pub loc: String,
    pub title: String,
    pub published: DateTime<Utc>,
}

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// `<urlset>` with `<loc>` and `<lastmod>` for every URL.
pub fn sitemap(urls: &[SitemapUrl]) -> String {
    write_urlset(&[("xmlns", SITEMAP_NS)], |w| {
        for url in urls {
            element(w, "url", |w| {
                text_element(w, "loc", &url.loc);
                if let Some(lastmod) = url.lastmod {
                    text_element(w, "lastmod", &w3c_datetime(lastmod));
                }
            });
        }
    })
}

/// The Google News sitemap: stories of the last 48 hours, with the
/// publication's name and language.
pub fn news_sitemap(publication: &str, language: &str, urls: &[NewsUrl]) -> String {
    write_urlset(&[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)], |w| {
        for url in urls {
            element(w, "url", |w| {
                text_element(w, "loc", &url.loc);
                element(w, "news:news", |w| {
                    element(w, "news:publication", |w| {
                        text_element(w, "news:name", publication);
                        text_element(w, "news:language", language);
                    });
                    text_element(w, "news:publication_date", &w3c_datetime(url.published));
                    text_element(w, "news:title", &url.title);
                });
            });
        }
    })
}

fn w3c_datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An XML document being written in memory (shared with `opensearch`).
pub(super) type XmlWriter = Writer<Vec<u8>>;

fn write_urlset(namespaces: &[(&str, &str)], body: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut start = BytesStart::new("urlset");
    for (name, value) in namespaces {
        start.push_attribute((*name, *value));
    }
    write(&mut w, Event::Start(start));
    body(&mut w);
    write(&mut w, Event::End(BytesEnd::new("urlset")));
    String::from_utf8(w.into_inner()).expect("quick-xml writes UTF-8")
}

pub(super) fn element(w: &mut XmlWriter, name: &str, body: impl FnOnce(&mut XmlWriter)) {
    write(w, Event::Start(BytesStart::new(name)));
    body(w);
    write(w, Event::End(BytesEnd::new(name)));
}

pub(super) fn text_element(w: &mut XmlWriter, name: &str, text: &str) {
    element(w, name, |w| write(w, Event::Text(BytesText::new(text))));
}

pub(super) fn write(w: &mut XmlWriter, event: Event<'_>) {
    // Writing to a Vec cannot fail.
    let _ = w.write_event(event);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let xml = news_sitemap(
            "A & B",
            "en",
            &[NewsUrl {
                loc: "https://n.example/stories/a?x=1&y=2".into(),
                title: "Tom & Jerry <live>".into(),
                published: DateTime::UNIX_EPOCH,
            }],
        );
        assert!(xml.contains("<news:name>A &amp; B</news:name>"), "{xml}");
        assert!(xml.contains("Tom &amp; Jerry &lt;live&gt;"), "{xml}");
        assert!(
            xml.contains("<news:publication_date>1970-01-01T00:00:00Z</news:publication_date>")
        );
    }
}
