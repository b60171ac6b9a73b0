//! Embeds: a bare link to a post or video on a known social or video network,
//! alone on its own line, becomes a link card. The card loads no third-party
//! script or frame; the reader follows the link, or (for videos, with
//! JavaScript on) asks for the player to be loaded in place.

use std::fmt::Write;

use url::Url;

/// The networks Herald recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    X,
    YouTube,
    TikTok,
    Instagram,
    Facebook,
    Bluesky,
    Mastodon,
}

impl Provider {
    /// Stable key used in markup (`data-embed-provider`) and CSS classes.
    pub fn key(self) -> &'static str {
        match self {
            Provider::X => "x",
            Provider::YouTube => "youtube",
            Provider::TikTok => "tiktok",
            Provider::Instagram => "instagram",
            Provider::Facebook => "facebook",
            Provider::Bluesky => "bluesky",
            Provider::Mastodon => "mastodon",
        }
    }

    /// The CSS class that marks the card, e.g. `embed-youtube`.
    pub fn class(self) -> &'static str {
        match self {
            Provider::X => "embed-x",
            Provider::YouTube => "embed-youtube",
            Provider::TikTok => "embed-tiktok",
            Provider::Instagram => "embed-instagram",
            Provider::Facebook => "embed-facebook",
            Provider::Bluesky => "embed-bluesky",
            Provider::Mastodon => "embed-mastodon",
        }
    }

    /// What the card calls the embedded thing.
    fn label(self) -> &'static str {
        match self {
            Provider::X => "Post on X",
            Provider::YouTube => "Video on YouTube",
            Provider::TikTok => "Video on TikTok",
            Provider::Instagram => "Post on Instagram",
            Provider::Facebook => "Post on Facebook",
            Provider::Bluesky => "Post on Bluesky",
            Provider::Mastodon => "Post on Mastodon",
        }
    }

    /// Every key, for the sanitiser's allow-list.
    pub const ALL: [Provider; 7] = [
        Provider::X,
        Provider::YouTube,
        Provider::TikTok,
        Provider::Instagram,
        Provider::Facebook,
        Provider::Bluesky,
        Provider::Mastodon,
    ];
}

/// A recognised embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub provider: Provider,
    pub url: Url,
    /// The YouTube video id, which the page script needs to build a player.
    pub video_id: Option<String>,
}

/// Recognises a link to a post or video on a known network. Anything else —
/// other hosts, other schemes, profile pages — is not an embed.
pub fn recognise(text: &str) -> Option<Embed> {
    let text = text.trim();
    if text.contains(char::is_whitespace) {
        return None;
    }
    let url = Url::parse(text).ok()?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("m.").unwrap_or(host);
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let (provider, video_id) = match (host, segments.as_slice()) {
        ("x.com" | "twitter.com" | "mobile.twitter.com", [_, "status", id, ..])
            if is_digits(id) =>
        {
            (Provider::X, None)
        }
        ("youtube.com", ["watch"]) => {
            let id = url.query_pairs().find(|(k, _)| k == "v")?.1.into_owned();
            (Provider::YouTube, Some(youtube_id(&id)?))
        }
        ("youtube.com", ["shorts" | "embed" | "live", id]) | ("youtu.be", [id]) => {
            (Provider::YouTube, Some(youtube_id(id)?))
        }
        ("tiktok.com", [user, "video", id]) if user.starts_with('@') && is_digits(id) => {
            (Provider::TikTok, None)
        }
        ("instagram.com", ["p" | "reel" | "tv", _]) => (Provider::Instagram, None),
        ("facebook.com" | "fb.watch", [_, ..]) => (Provider::Facebook, None),
        ("bsky.app", ["profile", _, "post", _]) => (Provider::Bluesky, None),
        (_, [user, id]) if user.starts_with('@') && user.len() > 1 && is_digits(id) => {
            (Provider::Mastodon, None)
        }
        _ => return None,
    };
    Some(Embed {
        provider,
        url,
        video_id,
    })
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn youtube_id(id: &str) -> Option<String> {
    let valid = id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| id.to_owned())
}

/// The card's HTML. Every dynamic part is escaped here; the result still goes
/// through the sanitiser with the rest of the body.
pub fn render(embed: &Embed) -> String {
    let href = escape(embed.url.as_str());
    let shown = escape(&display_url(&embed.url));
    let key = embed.provider.key();
    let class = embed.provider.class();
    let mut html = format!("<figure class=\"embed {class}\" data-embed-provider=\"{key}\"");
    if let Some(id) = &embed.video_id {
        let _ = write!(html, " data-embed-id=\"{}\"", escape(id));
    }
    let _ = write!(
        html,
        "><a class=\"embed-link\" href=\"{href}\"><span class=\"embed-provider\">{label}</span> \
         <span class=\"embed-url\">{shown}</span></a>\
         <figcaption class=\"embed-note\">Embedded content from {host} loads only when you open it.</figcaption></figure>",
        label = embed.provider.label(),
        host = escape(embed.url.host_str().unwrap_or("")),
    );
    html.push('\n');
    html
}

fn display_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let mut shown = format!("{host}{}", url.path());
    if let Some(q) = url.query() {
        shown.push('?');
        shown.push_str(q);
    }
    shown
}

/// Escapes text for use in HTML text and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(url: &str) -> Option<Provider> {
        recognise(url).map(|e| e.provider)
    }

    #[test]
    fn known_networks_are_recognised() {
        let cases = [
            ("https://x.com/cityhall/status/1234567890", Provider::X),
            (
                "https://twitter.com/cityhall/status/1234567890?s=20",
                Provider::X,
            ),
            (
                "https://www.youtube.com/watch?v=abcdefghijk",
                Provider::YouTube,
            ),
            ("https://youtu.be/abcdefghijk", Provider::YouTube),
            (
                "https://www.youtube.com/shorts/abcdefghijk",
                Provider::YouTube,
            ),
            (
                "https://www.tiktok.com/@newsdesk/video/7312345678901234567",
                Provider::TikTok,
            ),
            (
                "https://www.instagram.com/p/C0abcDEF123/",
                Provider::Instagram,
            ),
            (
                "https://www.facebook.com/cityhall/posts/123456",
                Provider::Facebook,
            ),
            (
                "https://bsky.app/profile/newsdesk.bsky.social/post/3kabc",
                Provider::Bluesky,
            ),
            (
                "https://mastodon.social/@newsdesk/111222333444",
                Provider::Mastodon,
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(provider(url), Some(expected), "{url}");
        }
    }

    #[test]
    fn other_links_are_not_embeds() {
        for url in [
            "https://example.org/story",
            "https://x.com/cityhall",
            "https://www.youtube.com/watch?v=short",
            "javascript:alert(1)//x.com/a/status/1",
            "https://x.com/a/status/1 and more",
            "ftp://youtu.be/abcdefghijk",
        ] {
            assert_eq!(provider(url), None, "{url}");
        }
    }

    #[test]
    fn the_card_escapes_the_url_and_names_the_video() {
        let embed =
            recognise("https://www.youtube.com/watch?v=abcdefghijk&t=\"><script>").expect("embed");
        let html = render(&embed);
        assert!(html.contains("data-embed-id=\"abcdefghijk\""), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Video on YouTube"));
    }
}
