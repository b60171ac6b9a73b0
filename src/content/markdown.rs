//! Story bodies: Markdown in, safe HTML out.
//!
//! On top of CommonMark (with tables, strikethrough and smart punctuation):
//! - a bare link alone in its paragraph to a known network becomes an embed
//!   card (see [`super::embed`]);
//! - a block quote whose first line is `[!PULLQUOTE]` becomes a pull quote;
//! - headings are shifted so that the story's highest one is an `<h2>`: the
//!   headline is the page's only `<h1>`, and no level is skipped.
//!
//! Whatever the author wrote — raw HTML included — the result passes through
//! an allow-list sanitiser: no script, no event handlers, no `javascript:`
//! URLs, no frames, no styles.
//!
//! Every image needs a text alternative ([`images_without_alt`], checked
//! when a story is validated): Markdown's `![what it shows](src)`, or an
//! `<img>` with an `alt`. An image that is only decoration says so, with
//! an explicit empty `alt=""` or `role="presentation"` (or `"none"`) on an
//! `<img>`, and is rendered with `alt=""`. A Markdown `![](src)` is not
//! taken as decorative: an empty description there is far more often
//! forgotten than meant.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, TextMergeStream};

use super::embed;
use super::html_tags::{attribute, rewrite_start_tags, start_tags};

/// The marker that turns a block quote into a pull quote.
const PULL_QUOTE_MARKER: &str = "[!PULLQUOTE]";

/// Renders a story body to sanitised HTML.
pub fn render_body(markdown: &str) -> String {
    finish(&SANITIZER.clean(&to_html(markdown)).to_string())
}

/// Renders a story body for use outside the site (feeds): relative links and
/// image sources are made absolute against `base`.
pub fn render_body_absolute(markdown: &str, base: &url::Url) -> String {
    let mut builder = sanitizer();
    builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    finish(&builder.clean(&to_html(markdown)).to_string())
}

/// The `src` of each image of a story body that has no text alternative
/// and is not marked decorative (see the module's documentation), in the
/// order found: Markdown images with an empty description first, then
/// `<img>` tags without `alt`. An image whose `src` was refused by the
/// sanitiser is named `(no src)`.
pub fn images_without_alt(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut parser = Parser::new_ext(markdown, options());
    while let Some(event) = parser.next() {
        if let Event::Start(Tag::Image { dest_url, .. }) = event {
            let mut description = String::new();
            for inner in parser.by_ref() {
                match inner {
                    Event::End(TagEnd::Image) => break,
                    Event::Text(text) | Event::Code(text) => description.push_str(&text),
                    _ => {}
                }
            }
            if description.trim().is_empty() {
                found.push(dest_url.into_string());
            }
        }
    }
    let html = SANITIZER.clean(&to_html(markdown)).to_string();
    found.extend(
        start_tags(&html, "img")
            .filter(|tag| attribute(tag, "alt").is_none() && !is_decorative(tag))
            .map(|tag| attribute(tag, "src").unwrap_or_else(|| "(no src)".to_owned())),
    );
    found
}

/// What the sanitiser sets on every link, `href` or not.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// The roles that mark an `<img>` as decoration; the sanitiser drops any
/// other `role` of an image.
const DECORATIVE_ROLES: [&str; 2] = ["presentation", "none"];

/// Whether a sanitised `<img>` tag is marked as decoration.
fn is_decorative(tag: &str) -> bool {
    attribute(tag, "role").is_some_and(|role| DECORATIVE_ROLES.contains(&role.as_str()))
}

/// The sanitiser's output made valid where the allow-list alone cannot:
///
/// - `rel` is taken off each `<a>` that has no `href` (one whose
///   `javascript:` or other refused URL was removed): such an `<a>` is a
///   placeholder, valid HTML only without link attributes;
/// - a decorative `<img>` without `alt` gets `alt=""`, which is what its
///   role means. An `<img>` with neither was refused when the story was
///   saved ([`images_without_alt`]).
fn finish(html: &str) -> String {
    let rel = format!(" rel=\"{LINK_REL}\"");
    let html = rewrite_start_tags(html, "a", |tag| {
        (attribute(tag, "href").is_none() && tag.contains(&rel)).then(|| tag.replacen(&rel, "", 1))
    });
    rewrite_start_tags(&html, "img", |tag| {
        (attribute(tag, "alt").is_none() && is_decorative(tag))
            .then(|| tag.replacen("<img ", "<img alt=\"\" ", 1))
    })
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

fn to_html(markdown: &str) -> String {
    let events: Vec<Event> = TextMergeStream::new(Parser::new_ext(markdown, options())).collect();
    let events = transform(events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Rewrites embeds, pull quotes and heading levels.
fn transform(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    // The story's highest heading becomes an <h2>, whatever level the author
    // wrote, so that no level is skipped after the headline's <h1>.
    let top = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { level, .. }) => Some(*level as usize),
            _ => None,
        })
        .min()
        .unwrap_or(2);
    let demote = |level: HeadingLevel| {
        let shifted = (level as usize + 2).saturating_sub(top).clamp(2, 6);
        HeadingLevel::try_from(shifted).unwrap_or(HeadingLevel::H6)
    };
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    // For each open block quote: whether it is a pull quote.
    let mut quotes: Vec<bool> = Vec::new();
    while i < events.len() {
        match &events[i] {
            // Paragraph, one text, end: maybe an embed.
            Event::Start(Tag::Paragraph) => {
                if let (Some(Event::Text(text)), Some(Event::End(TagEnd::Paragraph))) =
                    (events.get(i + 1), events.get(i + 2))
                    && let Some(found) = embed::recognise(text)
                {
                    out.push(Event::Html(CowStr::from(embed::render(&found))));
                    i += 3;
                    continue;
                }
                out.push(events[i].clone());
            }
            Event::Start(Tag::BlockQuote(_)) => {
                let is_pull = matches!(
                    (events.get(i + 1), events.get(i + 2)),
                    (Some(Event::Start(Tag::Paragraph)), Some(Event::Text(t)))
                        if t.trim_start().starts_with(PULL_QUOTE_MARKER)
                );
                quotes.push(is_pull);
                if is_pull {
                    out.push(Event::Html("<blockquote class=\"pull-quote\">\n".into()));
                    out.push(Event::Start(Tag::Paragraph));
                    if let Some(Event::Text(t)) = events.get(i + 2) {
                        let rest = t.trim_start()[PULL_QUOTE_MARKER.len()..].trim_start();
                        if !rest.is_empty() {
                            out.push(Event::Text(CowStr::from(rest.to_owned())));
                        }
                    }
                    i += 3;
                    // The line break after the marker starts the quote proper.
                    while matches!(events.get(i), Some(Event::SoftBreak | Event::HardBreak)) {
                        i += 1;
                    }
                    continue;
                }
                out.push(events[i].clone());
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                if quotes.pop() == Some(true) {
                    out.push(Event::Html("</blockquote>\n".into()));
                } else {
                    out.push(events[i].clone());
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level: demote(*level),
                id: id.clone(),
                classes: classes.clone(),
                attrs: attrs.clone(),
            })),
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(demote(*level))))
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out
}

/// The allow-list: ammonia's conservative defaults (no script, style, frames
/// or forms; no event handlers; only safe URL schemes) plus the markup that
/// embeds and pull quotes need, with only their own classes, and the
/// decorative roles of an image.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["figure", "figcaption"])
        .add_tag_attributes("figure", ["data-embed-provider", "data-embed-id"])
        .add_allowed_classes("blockquote", ["pull-quote"])
        .add_allowed_classes("a", ["embed-link"])
        .add_allowed_classes("span", ["embed-provider", "embed-url"])
        .add_allowed_classes("figcaption", ["embed-note"])
        .add_allowed_classes("figure", ["embed"])
        .add_allowed_classes("figure", embed::Provider::ALL.map(embed::Provider::class))
        .add_tag_attributes("img", ["role"])
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "role" {
                let role = value.trim().to_ascii_lowercase();
                DECORATIVE_ROLES
                    .contains(&role.as_str())
                    .then(|| role.into())
            } else {
                Some(value.into())
            }
        })
        .link_rel(Some(LINK_REL));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_quotes_and_headings_render() {
        let html = render_body("# Big\n\nIntro *text*.\n\n> \"Quoted,\" she said.\n");
        assert!(html.contains("<h2>Big</h2>"), "{html}");
        assert!(html.contains("<em>text</em>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
    }

    #[test]
    fn the_highest_heading_becomes_h2_and_levels_keep_their_steps() {
        let html = render_body("## Sub\n\ntext\n\n### Detail\n");
        assert!(
            html.contains("<h2>Sub</h2>") && html.contains("<h3>Detail</h3>"),
            "{html}"
        );
        let html = render_body("### Only\n");
        assert!(html.contains("<h2>Only</h2>"), "{html}");
    }

    #[test]
    fn pull_quote_marker_makes_a_pull_quote() {
        let html = render_body("> [!PULLQUOTE]\n> The river does not care about borders.\n");
        assert!(
            html.contains(
                "<blockquote class=\"pull-quote\">\n<p>The river does not care about borders.</p>"
            ),
            "{html}"
        );
        assert!(!html.contains("PULLQUOTE"), "{html}");
    }

    #[test]
    fn images_need_a_description_or_a_decorative_mark() {
        let missing = images_without_alt(
            "![](empty.jpg) ![ ](blank.jpg) ![A boat at dawn](boat.jpg)\n\n\
             <img src=\"bare.png\"> <img src=\"described.png\" alt=\"A map\">\n\n\
             <img src=\"decoration.png\" alt=\"\"> <img src=\"rule.png\" role=\"presentation\">\n\n\
             <img src=\"none.png\" role=\"None\"> <img src=\"button.png\" role=\"button\">\n\n\
             <img src=\"javascript:alert(1)\">\n",
        );
        assert_eq!(
            missing,
            [
                "empty.jpg",
                "blank.jpg",
                "bare.png",
                "button.png",
                "(no src)"
            ]
        );
        assert!(images_without_alt("No pictures, *emphasis* and <b>bold</b>.").is_empty());
    }

    #[test]
    fn a_decorative_image_is_rendered_with_an_empty_alt() {
        let html = render_body(
            "<img src=\"rule.png\" role=\"presentation\"> <img src=\"dot.png\" alt=\"\"> \
             <img src=\"x.png\" alt=\"A map\" role=\"button\">\n\n![A boat](boat.jpg)\n",
        );
        assert!(
            html.contains("<img alt=\"\" src=\"rule.png\" role=\"presentation\">"),
            "{html}"
        );
        assert!(html.contains("<img src=\"dot.png\" alt=\"\">"), "{html}");
        assert!(html.contains("<img src=\"x.png\" alt=\"A map\">"), "{html}");
        assert!(
            html.contains("<img src=\"boat.jpg\" alt=\"A boat\">"),
            "{html}"
        );
        let feed = render_body_absolute(
            "<img src=\"/rule.png\" role=\"none\">",
            &url::Url::parse("https://news.example.org/").expect("url"),
        );
        assert!(feed.contains("alt=\"\""), "{feed}");
    }

    #[test]
    fn a_bare_link_alone_becomes_an_embed_but_not_inside_text() {
        let html = render_body(
            "Before.\n\nhttps://youtu.be/abcdefghijk\n\nSee https://youtu.be/abcdefghijk too.\n",
        );
        assert_eq!(html.matches("<figure").count(), 1, "{html}");
        assert!(html.contains("data-embed-id=\"abcdefghijk\""), "{html}");
        assert!(html.contains("class=\"embed embed-youtube\""), "{html}");
    }
}
