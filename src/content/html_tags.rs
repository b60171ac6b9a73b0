//! Reading and touching up start tags in the sanitiser's output, without a
//! second HTML parser.
//!
//! Only for html5ever's serialisation (what ammonia returns), in which
//! every attribute is written ` name="value"`, lowercase, double-quoted,
//! with a `"` inside a value written `&quot;`: a quoted ` name="` found in
//! a tag is that attribute, never text inside another one, and each tag is
//! read to its end with quotes in mind, whatever a value holds. Text is
//! escaped too (`<` as `&lt;`), so `<name ` starts a tag wherever it
//! appears.

/// Each start tag `<name …>` of `html`, whole, in document order.
pub(crate) fn start_tags<'a>(html: &'a str, name: &str) -> impl Iterator<Item = &'a str> {
    tag_spans(html, name).map(|(_, tag)| tag)
}

/// `html` with each start tag `<name …>` replaced by what `rewrite`
/// returns for it, or kept when it returns `None`.
pub(crate) fn rewrite_start_tags(
    html: &str,
    name: &str,
    mut rewrite: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    for (start, tag) in tag_spans(html, name) {
        if let Some(replacement) = rewrite(tag) {
            out.push_str(&html[copied..start]);
            out.push_str(&replacement);
            copied = start + tag.len();
        }
    }
    out.push_str(&html[copied..]);
    out
}

/// Each start tag `<name …>` (or `<name>`) of `html` with the offset it
/// starts at.
fn tag_spans<'a>(html: &'a str, name: &str) -> impl Iterator<Item = (usize, &'a str)> {
    let opening = format!("<{name}");
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let start = from + html[from..].find(&opening)?;
            let after = start + opening.len();
            if !matches!(html.as_bytes().get(after), Some(b' ' | b'>' | b'/')) {
                // Another tag whose name begins the same (`<a` of `<abbr`).
                from = after;
                continue;
            }
            let end = start + tag_length(&html[start..]);
            from = end;
            return Some((start, &html[start..end]));
        }
    })
}

/// The value of the attribute `name` in `tag`, unescaped; `None` when the
/// tag has no such attribute.
pub(crate) fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let length = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + length]))
}

/// An attribute value as html5ever escapes it (`&amp;`, `&quot;`,
/// `&nbsp;`), back to its text.
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
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

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = "<p><img src=\"a.jpg\" alt=\"a photo\"> and \
        <img src=\"b.jpg?q=&quot;alt=&quot;&amp;z\"><a href=\"c\">c</a> \
        <abbr title=\"x\">X</abbr><img></p>";

    #[test]
    fn tags_are_read_whole_whatever_their_values_hold() {
        let tags: Vec<&str> = start_tags(HTML, "img").collect();
        assert_eq!(tags.len(), 3, "{tags:?}");
        assert_eq!(tags[2], "<img>");
        assert_eq!(
            start_tags(HTML, "a").collect::<Vec<_>>(),
            ["<a href=\"c\">"]
        );
        assert_eq!(attribute(tags[0], "alt").as_deref(), Some("a photo"));
        assert_eq!(
            attribute(tags[1], "src").as_deref(),
            Some("b.jpg?q=\"alt=\"&z")
        );
        // The ` alt="` inside the second one's src is no attribute.
        assert_eq!(attribute(tags[1], "alt"), None);
    }

    #[test]
    fn rewriting_touches_only_the_chosen_tags() {
        // The bare `<img>` is offered too, and kept as it is.
        let out = rewrite_start_tags(HTML, "img", |tag| {
            (attribute(tag, "alt").is_none() && tag != "<img>")
                .then(|| tag.replacen("<img ", "<img alt=\"\" ", 1))
        });
        assert_eq!(
            out,
            HTML.replacen("<img src=\"b.jpg", "<img alt=\"\" src=\"b.jpg", 1)
        );
        assert_eq!(rewrite_start_tags(HTML, "video", |_| None), HTML);
    }
}
