//! The OpenSearch 1.1 description of the site's search
//! (`/opensearch.xml`), which lets a browser add the site as a search
//! engine: the site's name, and the URL template of `/search`.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::sitemap::{text_element, write};

/// The media type of an OpenSearch description.
pub const CONTENT_TYPE: &str = "application/opensearchdescription+xml";

const NAMESPACE: &str = "http://a9.com/-/spec/opensearch/1.1/";
/// The specification's limit on `ShortName`, in characters.
const SHORT_NAME_CHARS: usize = 16;

/// What the description says.
#[derive(Debug, Clone)]
pub struct SearchDescription<'a> {
    pub site_name: &'a str,
    /// Absolute URLs.
    pub search_url: &'a str,
    pub self_url: &'a str,
    pub icon_url: &'a str,
}

/// The description as XML.
pub fn description(d: &SearchDescription<'_>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let short_name: String = d.site_name.chars().take(SHORT_NAME_CHARS).collect();
    write(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut root = BytesStart::new("OpenSearchDescription");
    root.push_attribute(("xmlns", NAMESPACE));
    write(&mut w, Event::Start(root));
    text_element(&mut w, "ShortName", &short_name);
    text_element(
        &mut w,
        "Description",
        &format!("Search the stories of {}", d.site_name),
    );
    text_element(&mut w, "InputEncoding", "UTF-8");
    let mut image = BytesStart::new("Image");
    image.push_attribute(("type", "image/svg+xml"));
    image.push_attribute(("width", "64"));
    image.push_attribute(("height", "64"));
    write(&mut w, Event::Start(image));
    write(&mut w, Event::Text(BytesText::new(d.icon_url)));
    write(&mut w, Event::End(BytesEnd::new("Image")));
    let template = format!("{}?q={{searchTerms}}", d.search_url);
    for (kind, rel, template) in [
        ("text/html", "results", template.as_str()),
        (CONTENT_TYPE, "self", d.self_url),
    ] {
        let mut url = BytesStart::new("Url");
        url.push_attribute(("type", kind));
        url.push_attribute(("rel", rel));
        url.push_attribute(("method", "get"));
        url.push_attribute(("template", template));
        write(&mut w, Event::Empty(url));
    }
    write(&mut w, Event::End(BytesEnd::new("OpenSearchDescription")));
    String::from_utf8(w.into_inner()).expect("quick-xml writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_site_and_the_search_template_escaped() {
        let xml = description(&SearchDescription {
            site_name: "Tom & Jerry's Daily Gazette",
            search_url: "https://news.example/search",
            self_url: "https://news.example/opensearch.xml",
            icon_url: "https://news.example/logo.svg",
        });
        assert!(
            xml.contains("<ShortName>Tom &amp; Jerry&apos;s Da</ShortName>"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"template="https://news.example/search?q={searchTerms}""#),
            "{xml}"
        );
        assert!(xml.contains(r#"xmlns="http://a9.com/-/spec/opensearch/1.1/""#));
    }
}
