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

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, TextMergeStream};

use super::embed;

/// The marker that turns a block quote into a pull quote.
const PULL_QUOTE_MARKER: &str = "[!PULLQUOTE]";

/// Renders a story body to sanitised HTML.
pub fn render_body(markdown: &str) -> String {
    without_placeholder_rel(&SANITIZER.clean(&to_html(markdown)).to_string())
}

/// Renders a story body for use outside the site (feeds): relative links and
/// image sources are made absolute against `base`.
pub fn render_body_absolute(markdown: &str, base: &url::Url) -> String {
    let mut builder = sanitizer();
    builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    without_placeholder_rel(&builder.clean(&to_html(markdown)).to_string())
}

/// What the sanitiser sets on every link, `href` or not.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// The sanitiser output with `rel` taken off each `<a>` that has no `href`
/// (one whose `javascript:` or other refused URL was removed): such an `<a>`
/// is a placeholder, valid HTML only without link attributes.
///
/// The output is html5ever's serialisation, in which every attribute value
/// is double-quoted and a `"` inside one is written `&quot;`: a quoted
/// ` href="` or ` rel="…"` found in a tag is that attribute, never text
/// inside another one. Each tag is read to its end with quotes in mind,
/// whatever a value holds.
fn without_placeholder_rel(html: &str) -> String {
    let rel = format!(" rel=\"{LINK_REL}\"");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        out.push_str(&rest[..start]);
        let tag_len = tag_length(&rest[start..]);
        let tag = &rest[start..start + tag_len];
        if tag.contains(" href=\"") {
            out.push_str(tag);
        } else {
            out.push_str(&tag.replacen(&rel, "", 1));
        }
        rest = &rest[start + tag_len..];
    }
    out.push_str(rest);
    out
}

/// The length of the start tag at the beginning of `html`, through its `>`.
fn tag_length(html: &str) -> usize {
    let mut quoted = false;
    for (i, c) in html.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return i + 1,
            _ => {}
        }
    }
    html.len()
}

fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let events: Vec<Event> = TextMergeStream::new(Parser::new_ext(markdown, options)).collect();
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
/// embeds and pull quotes need, with only their own classes.
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
    fn a_bare_link_alone_becomes_an_embed_but_not_inside_text() {
        let html = render_body(
            "Before.\n\nhttps://youtu.be/abcdefghijk\n\nSee https://youtu.be/abcdefghijk too.\n",
        );
        assert_eq!(html.matches("<figure").count(), 1, "{html}");
        assert!(html.contains("data-embed-id=\"abcdefghijk\""), "{html}");
        assert!(html.contains("class=\"embed embed-youtube\""), "{html}");
    }
}
