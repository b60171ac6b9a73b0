//! The JSON shape in which stories enter Herald (`herald story add`, and
//! scripts that import content), and its validation. Parsing is strict:
//! unknown fields are refused, and every problem is reported with the field
//! it concerns, before anything is stored.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::seo::{Seo, SeoInput};
use super::slug;

/// A story as written in the import JSON. See README.md, "Story JSON".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryInput {
    pub headline: String,
    pub body_markdown: String,
    pub slug: Option<String>,
    /// The slug this story had before; the story is found by it, renamed,
    /// and its old URL redirects permanently to the new one.
    pub previous_slug: Option<String>,
    pub standfirst: Option<String>,
    pub image: Option<ImageInput>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    pub call_to_action: Option<CallToActionInput>,
    /// RFC 3339, e.g. `2026-11-27T08:00:00Z`.
    pub published_at: Option<String>,
    /// The notification sent when the story is published.
    pub notification: Option<NotificationInput>,
    /// What search engines and social posts show instead of the headline,
    /// standfirst and featured image.
    pub seo: Option<SeoInput>,
    /// Live coverage: the story holds entries (see `editorial::live`).
    #[serde(default)]
    pub live: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationInput {
    /// Instead of the headline.
    pub title: Option<String>,
    /// Instead of the standfirst.
    pub body: Option<String>,
    /// How long a push service keeps it for an offline device (60 s to 28 days).
    pub ttl_seconds: Option<u32>,
}

/// What a story's notification says when it is not the headline and
/// standfirst, and how long it may wait for an offline device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSettings {
    pub title: Option<String>,
    pub body: Option<String>,
    pub ttl_seconds: Option<u32>,
    /// Publishing sends no notification when false.
    pub send: bool,
    /// Breaking news: urgency high, sent to every subscriber, not only
    /// the followers of the story's topics.
    pub breaking: bool,
    /// Deliver over this many minutes rather than at once (0: at once).
    pub spread_minutes: u32,
    /// Spread even breaking news, which otherwise goes at once.
    pub spread_breaking: bool,
}

/// The longest a notification may be spread over: a day.
pub const MAX_SPREAD_MINUTES: u32 = 1440;

impl Default for NotificationSettings {
    fn default() -> NotificationSettings {
        NotificationSettings {
            title: None,
            body: None,
            ttl_seconds: None,
            send: true,
            breaking: false,
            spread_minutes: 0,
            spread_breaking: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    /// A local JPEG, PNG, WebP, GIF or SVG file, relative to the JSON file.
    pub path: Option<String>,
    /// An absolute http(s) URL of an image hosted elsewhere, or the
    /// `/media/…` path of an image uploaded to Herald (the `src` the upload
    /// API answers), which must exist when the story is saved.
    pub url: Option<String>,
    pub alt: String,
    pub credit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallToActionInput {
    pub text: String,
    pub url: String,
}

/// Where a featured image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    Path(String),
    Url(String),
}

/// A validated featured image, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDraft {
    pub source: ImageSource,
    pub alt: String,
    pub credit: Option<String>,
}

/// A topic named by a story: its display name and derived slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicName {
    pub name: String,
    pub slug: String,
}

/// A story that passed validation and can be stored as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryDraft {
    pub slug: String,
    pub previous_slug: Option<String>,
    pub headline: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub image: Option<ImageDraft>,
    pub topics: Vec<TopicName>,
    pub authors: Vec<String>,
    pub call_to_action: Option<super::CallToAction>,
    pub published_at: Option<DateTime<Utc>>,
    pub notification: NotificationSettings,
    pub seo: Seo,
    /// Live coverage: the story holds entries.
    pub live: bool,
}

impl StoryDraft {
    /// The story this draft would be, for a preview before it is saved:
    /// numbered `id`, changed `now`. A featured image given as a local
    /// file (the command line's) is left out: only a stored one can show.
    pub fn as_preview(&self, id: i64, now: DateTime<Utc>) -> super::Story {
        super::Story {
            id,
            slug: self.slug.clone(),
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            body_markdown: self.body_markdown.clone(),
            image: self.image.as_ref().and_then(|image| match &image.source {
                ImageSource::Url(src) => Some(super::Image {
                    src: src.clone(),
                    alt: image.alt.clone(),
                    credit: image.credit.clone(),
                }),
                ImageSource::Path(_) => None,
            }),
            call_to_action: self.call_to_action.clone(),
            seo: self.seo.clone(),
            authors: self.authors.clone(),
            topics: self
                .topics
                .iter()
                .map(|t| super::TopicRef {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                })
                .collect(),
            sample: false,
            published_at: None,
            updated_at: None,
            modified_at: now,
            live: self.live,
            live_ended_at: None,
        }
    }
}

/// One thing wrong with the input, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The JSON path of the field, e.g. `image.alt` or `topics[2]`.
    pub field: String,
    pub message: String,
}

/// Everything wrong with an input, so that an author can fix it in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct InputErrors(pub Vec<FieldError>);

const MAX_HEADLINE: usize = 200;
const MAX_STANDFIRST: usize = 500;
const MAX_BODY: usize = 200_000;
const MAX_SHORT_TEXT: usize = 300;
const MAX_TOPICS: usize = 12;
const MAX_AUTHORS: usize = 10;

/// Parses the import JSON, naming the field of any type or shape error.
pub fn parse_story_json(text: &str) -> Result<StoryInput, InputErrors> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "story".to_owned()
        } else {
            path
        };
        InputErrors(vec![FieldError {
            field,
            message: e.into_inner().to_string(),
        }])
    })
}

/// A headline as stored: on one line, not empty, bounded. On error, the
/// text as normalised and what is wrong with it.
pub fn check_headline(text: &str) -> Result<String, (String, String)> {
    let headline = one_line(text);
    if headline.is_empty() {
        Err((headline, "must not be empty".into()))
    } else if headline.chars().count() > MAX_HEADLINE {
        Err((
            headline,
            format!("must be at most {MAX_HEADLINE} characters"),
        ))
    } else {
        Ok(headline)
    }
}

/// A standfirst as stored: on one line, bounded (empty is allowed).
pub fn check_standfirst(text: &str) -> Result<String, (String, String)> {
    let standfirst = one_line(text);
    if standfirst.chars().count() > MAX_STANDFIRST {
        Err((
            standfirst,
            format!("must be at most {MAX_STANDFIRST} characters"),
        ))
    } else {
        Ok(standfirst)
    }
}

impl NotificationInput {
    /// The notification overrides as stored, by the rules of a story's
    /// `notification` wherever they come from (the story JSON, the
    /// newsroom's push panel): errors name `{prefix}.title`, `{prefix}.body`,
    /// `{prefix}.ttl_seconds`.
    pub fn validate(self, prefix: &str) -> Result<NotificationSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(FieldError {
                field: format!("{prefix}.{field}"),
                message,
            })
        };
        let title = self
            .title
            .as_deref()
            .map(one_line)
            .filter(|t| !t.is_empty());
        let body = self.body.as_deref().map(one_line).filter(|b| !b.is_empty());
        if title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_HEADLINE)
        {
            fail(
                "title",
                format!("must be at most {MAX_HEADLINE} characters"),
            );
        }
        if body
            .as_ref()
            .is_some_and(|b| b.chars().count() > MAX_STANDFIRST)
        {
            fail(
                "body",
                format!("must be at most {MAX_STANDFIRST} characters"),
            );
        }
        if self
            .ttl_seconds
            .is_some_and(|t| !(60..=2_419_200).contains(&t))
        {
            fail(
                "ttl_seconds",
                "must be between 60 s and 28 days (2419200 s)".into(),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NotificationSettings {
            title,
            body,
            ttl_seconds: self.ttl_seconds,
            ..NotificationSettings::default()
        })
    }
}

impl StoryInput {
    /// Checks every field and returns the draft to store, or every problem.
    pub fn validate(self) -> Result<StoryDraft, InputErrors> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            })
        };

        let headline = check_headline(&self.headline).unwrap_or_else(|(given, message)| {
            fail("headline", message);
            given
        });
        if self.body_markdown.trim().is_empty() {
            fail("body_markdown", "must not be empty".into());
        } else if self.body_markdown.len() > MAX_BODY {
            fail("body_markdown", format!("must be at most {MAX_BODY} bytes"));
        } else if let Some(message) =
            missing_alt_message(&super::markdown::images_without_alt(&self.body_markdown))
        {
            fail("body_markdown", message);
        }
        let standfirst = check_standfirst(self.standfirst.as_deref().unwrap_or("")).unwrap_or_else(
            |(given, message)| {
                fail("standfirst", message);
                given
            },
        );

        let slug = match &self.slug {
            Some(given) if !slug::is_valid(given) => {
                fail(
                    "slug",
                    format!(
                        "{given:?} is not a slug: use lowercase ASCII letters and digits in words joined by single hyphens, at most {} characters",
                        slug::MAX_LEN
                    ),
                );
                String::new()
            }
            Some(given) => given.clone(),
            None => {
                let derived = slug::slugify(&headline);
                if derived.is_empty() && !headline.is_empty() {
                    fail(
                        "slug",
                        "cannot be derived from a headline without letters or digits; give one"
                            .into(),
                    );
                }
                derived
            }
        };
        if let Some(previous) = self.previous_slug.as_ref().filter(|p| !slug::is_valid(p)) {
            fail("previous_slug", format!("{previous:?} is not a slug"));
        }

        let image = self.image.and_then(|image| {
            let alt = one_line(&image.alt);
            if alt.is_empty() {
                fail(
                    "image.alt",
                    "describe the image for readers who cannot see it".into(),
                );
            }
            let credit = image
                .credit
                .as_deref()
                .map(one_line)
                .filter(|c| !c.is_empty());
            if credit
                .as_ref()
                .is_some_and(|c| c.chars().count() > MAX_SHORT_TEXT)
            {
                fail(
                    "image.credit",
                    format!("must be at most {MAX_SHORT_TEXT} characters"),
                );
            }
            let source = match (image.path, image.url) {
                (Some(path), None) if !path.trim().is_empty() => Some(ImageSource::Path(path)),
                (None, Some(url)) => match image_url(&url) {
                    Ok(()) => Some(ImageSource::Url(url)),
                    Err(reason) => {
                        fail("image.url", reason);
                        None
                    }
                },
                (Some(_), Some(_)) => {
                    fail("image", "give either path or url, not both".into());
                    None
                }
                _ => {
                    fail("image", "needs a path (a local file) or a url".into());
                    None
                }
            };
            source.map(|source| ImageDraft {
                source,
                alt,
                credit,
            })
        });

        let mut topics: Vec<TopicName> = Vec::new();
        if self.topics.len() > MAX_TOPICS {
            fail("topics", format!("at most {MAX_TOPICS} topics"));
        }
        for (i, name) in self.topics.iter().enumerate() {
            let name = one_line(name);
            let slug = slug::slugify(&name);
            if slug.is_empty() {
                fail(
                    &format!("topics[{i}]"),
                    "a topic name needs letters or digits".into(),
                );
            } else if name.chars().count() > 60 {
                fail(
                    &format!("topics[{i}]"),
                    "must be at most 60 characters".into(),
                );
            } else if !topics.iter().any(|t| t.slug == slug) {
                topics.push(TopicName { name, slug });
            }
        }

        let mut authors = Vec::new();
        if self.authors.len() > MAX_AUTHORS {
            fail("authors", format!("at most {MAX_AUTHORS} authors"));
        }
        for (i, author) in self.authors.iter().enumerate() {
            let author = one_line(author);
            if author.is_empty() || author.chars().count() > 100 {
                fail(
                    &format!("authors[{i}]"),
                    "must be a name of 1 to 100 characters".into(),
                );
            } else {
                authors.push(author);
            }
        }

        let call_to_action = self.call_to_action.map(|cta| {
            let text = one_line(&cta.text);
            if text.is_empty() || text.chars().count() > MAX_SHORT_TEXT {
                fail(
                    "call_to_action.text",
                    format!("must be 1 to {MAX_SHORT_TEXT} characters"),
                );
            }
            let url = cta.url.trim().to_owned();
            let url_ok = if url.starts_with('/') {
                site_path(&url)
            } else {
                absolute_http_url(&url)
            };
            if let Err(reason) = url_ok {
                fail("call_to_action.url", reason);
            }
            super::CallToAction { text, url }
        });

        let published_at = self.published_at.as_deref().and_then(|value| {
            match DateTime::parse_from_rfc3339(value.trim()) {
                Ok(at) => Some(at.with_timezone(&Utc)),
                Err(e) => {
                    fail(
                        "published_at",
                        format!(
                            "{value:?} is not an RFC 3339 time such as 2026-11-27T08:00:00Z ({e})"
                        ),
                    );
                    None
                }
            }
        });

        let notification = match self.notification {
            None => NotificationSettings::default(),
            Some(n) => n.validate("notification").unwrap_or_else(|problems| {
                errors.extend(problems);
                NotificationSettings::default()
            }),
        };

        let seo = self
            .seo
            .unwrap_or_default()
            .validate()
            .unwrap_or_else(|problems| {
                errors.extend(problems);
                Seo::default()
            });

        if !errors.is_empty() {
            return Err(InputErrors(errors));
        }
        Ok(StoryDraft {
            slug,
            previous_slug: self.previous_slug,
            headline,
            standfirst,
            body_markdown: self.body_markdown,
            image,
            topics,
            authors,
            call_to_action,
            published_at,
            notification,
            seo,
            live: self.live,
        })
    }
}

/// Collapses runs of whitespace (newlines included) into single spaces.
/// What to tell an author whose body has images without a text
/// alternative (`sources`: their `src`), if it has any.
fn missing_alt_message(sources: &[String]) -> Option<String> {
    let fix = "describe what it shows, as in ![a flooded street](photo.jpg), or, if it is \
               only decoration, mark it so with <img src=\"…\" alt=\"\">";
    match sources {
        [] => None,
        [src] => Some(format!(
            "the image {src:?} has no text for readers who cannot see it: {fix}"
        )),
        several => Some(format!(
            "{} images have no text for readers who cannot see them ({}): for each, {fix}",
            several.len(),
            several
                .iter()
                .map(|src| format!("{src:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Accepts an uploaded image's `/media/{name}` path (whether it exists is
/// the store's to check) or an absolute http(s) URL.
pub(crate) fn image_url(value: &str) -> Result<(), String> {
    if value.starts_with("/media/") {
        return match super::images::media_name(value) {
            Some(_) => Ok(()),
            None => Err(format!(
                "{value:?} is not the path of an uploaded image (/media/ and its name)"
            )),
        };
    }
    absolute_http_url(value)
}

/// Accepts only absolute http and https URLs with a host.
pub fn absolute_http_url(value: &str) -> Result<(), String> {
    match url::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        Ok(url) => Err(format!(
            "{:?} must be an http or https URL (got scheme {:?})",
            value,
            url.scheme()
        )),
        Err(e) => Err(format!("{value:?} is not a URL ({e})")),
    }
}

/// A path on this site: `/` alone, or `/` followed by a character other
/// than `/` and `\`, which browsers read as the start of another host
/// (`//evil.example`, `/\evil.example`); and nothing that browsers drop
/// from a URL before reading it (tabs, newlines, other control characters),
/// so that `/<TAB>/evil.example` cannot become `//evil.example`.
pub fn site_path(value: &str) -> Result<(), String> {
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "{value:?} has a space or a control character: write the path without them"
        ));
    }
    match value.as_bytes() {
        [b'/'] => Ok(()),
        [b'/', second, ..] if *second != b'/' && *second != b'\\' => Ok(()),
        _ => Err(format!(
            "{value:?} is not a path on this site: a path starts with a single / followed by a name (e.g. /notifications)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_to_action_path_cannot_lead_off_the_site() {
        for path in ["/notifications", "/", "/topics/politics?x=1#y"] {
            assert_eq!(site_path(path), Ok(()), "{path}");
        }
        for path in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/a b",
            "/\u{7f}x",
        ] {
            assert!(site_path(path).is_err(), "{path:?} was accepted");
        }
        for url in ["/\\evil.example", "/\t/evil.example"] {
            let json = serde_json::json!({
                "headline": "H", "body_markdown": "B",
                "call_to_action": {"text": "Go", "url": url},
            });
            let err = parse(&json.to_string()).expect_err("refused");
            assert_eq!(err.0[0].field, "call_to_action.url", "{url:?}");
        }
    }

    fn parse(json: &str) -> Result<StoryDraft, InputErrors> {
        parse_story_json(json)?.validate()
    }

    #[test]
    fn a_minimal_story_derives_its_slug() {
        let draft = parse(r#"{"headline": "Floods hit the valley", "body_markdown": "Water."}"#)
            .expect("valid");
        assert_eq!(draft.slug, "floods-hit-the-valley");
        assert!(draft.topics.is_empty());
        assert_eq!(draft.published_at, None);
    }

    #[test]
    fn topics_are_deduplicated_by_slug_and_keep_their_names() {
        let draft = parse(
            r#"{"headline": "H", "body_markdown": "B", "topics": ["World News", "world news", "Politics"]}"#,
        )
        .expect("valid");
        let slugs: Vec<_> = draft.topics.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["world-news", "politics"]);
        assert_eq!(draft.topics[0].name, "World News");
    }

    #[test]
    fn missing_required_field_is_named() {
        let err = parse(r#"{"headline": "H"}"#)
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("body_markdown"), "{err}");
    }

    #[test]
    fn wrong_type_is_named_by_its_path() {
        let err = parse(r#"{"headline": "H", "body_markdown": "B", "image": {"alt": 3}}"#)
            .expect_err("invalid")
            .to_string();
        assert!(err.starts_with("image.alt"), "{err}");
    }

    #[test]
    fn unknown_field_is_refused() {
        let err = parse(r#"{"headline": "H", "body_markdown": "B", "hedline": "x"}"#)
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("hedline"), "{err}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = parse(
            r#"{"headline": " ", "body_markdown": "B", "slug": "Bad Slug",
                "image": {"url": "javascript:alert(1)", "alt": ""},
                "call_to_action": {"text": "Give", "url": "data:text/html,x"},
                "published_at": "yesterday"}"#,
        )
        .expect_err("invalid");
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "headline",
                "slug",
                "image.alt",
                "image.url",
                "call_to_action.url",
                "published_at"
            ]
        );
    }

    #[test]
    fn an_image_of_the_body_without_a_description_is_named() {
        let err = parse(r#"{"headline": "H", "body_markdown": "Text.\n\n![](/media/river.jpg)"}"#)
            .expect_err("refused");
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].field, "body_markdown");
        assert!(
            err.0[0]
                .message
                .starts_with("the image \"/media/river.jpg\" has no text"),
            "{err}"
        );
        let err = parse(
            r#"{"headline": "H", "body_markdown": "<img src=\"a.png\"> <img src=\"b.png\">"}"#,
        )
        .expect_err("refused");
        assert!(
            err.0[0].message.starts_with("2 images have no text")
                && err.0[0].message.contains("(\"a.png\", \"b.png\")"),
            "{err}"
        );
        for decorated in [
            "![The river in flood](/media/river.jpg)",
            "<img src=\"rule.png\" alt=\"\">",
            "<img src=\"rule.png\" role=\"presentation\">",
        ] {
            let body = serde_json::json!({"headline": "H", "body_markdown": decorated});
            assert!(parse(&body.to_string()).is_ok(), "{decorated}");
        }
    }

    #[test]
    fn published_at_accepts_offsets() {
        let draft = parse(
            r#"{"headline": "H", "body_markdown": "B", "published_at": "2026-11-27T09:30:00+01:00"}"#,
        )
        .expect("valid");
        assert_eq!(
            draft.published_at.map(|t| t.to_rfc3339()),
            Some("2026-11-27T08:30:00+00:00".to_owned())
        );
    }

    #[test]
    fn an_image_may_be_an_uploaded_one() {
        let draft = parse(
            r#"{"headline": "H", "body_markdown": "B", "image": {"url": "/media/0123456789abcdef0123456789abcdef-640x480.jpg", "alt": "A"}}"#,
        )
        .expect("valid");
        assert_eq!(
            draft.image.map(|i| i.source),
            Some(ImageSource::Url(
                "/media/0123456789abcdef0123456789abcdef-640x480.jpg".into()
            ))
        );
        for bad in ["/media/../secret", "/media/", "/other/x.jpg"] {
            let err = parse(&format!(
                r#"{{"headline": "H", "body_markdown": "B", "image": {{"url": "{bad}", "alt": "A"}}}}"#
            ))
            .expect_err("refused");
            assert_eq!(err.0[0].field, "image.url", "{bad}");
        }
    }

    #[test]
    fn call_to_action_may_point_inside_the_site() {
        let draft = parse(
            r#"{"headline": "H", "body_markdown": "B", "call_to_action": {"text": "Follow", "url": "/notifications"}}"#,
        )
        .expect("valid");
        assert_eq!(
            draft.call_to_action.map(|c| c.url),
            Some("/notifications".to_owned())
        );
        let err = parse(
            r#"{"headline": "H", "body_markdown": "B", "call_to_action": {"text": "Go", "url": "//evil.example"}}"#,
        )
        .expect_err("protocol-relative URL refused");
        assert_eq!(err.0[0].field, "call_to_action.url");
    }
}
