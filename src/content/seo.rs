//! A story's search and social fields: the title, description and image
//! that search engines and social posts show instead of the headline, the
//! standfirst and the featured image. The visible page never changes; only
//! its head (`<title>`, the description, Open Graph, Twitter cards) and its
//! JSON-LD do. Each field is optional: unset, the page falls back.

use serde::{Deserialize, Serialize};

use super::input::{FieldError, image_url, one_line};

/// The search title a person should aim for: longer ones are cut in
/// search results.
pub const RECOMMENDED_TITLE: usize = 60;
/// The longest search title accepted.
pub const MAX_TITLE: usize = 120;
/// The longest search description accepted.
pub const MAX_DESCRIPTION: usize = 300;

/// A story's search and social fields as stored; `None` is "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seo {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// An absolute http(s) URL or the `/media/…` path of an uploaded image.
    #[serde(default)]
    pub image: Option<String>,
}

impl Seo {
    /// Whether any field is set.
    pub fn is_set(&self) -> bool {
        self.title.is_some() || self.description.is_some() || self.image.is_some()
    }
}

/// `"seo"` in the story JSON: every field optional, an empty string is
/// "not set".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeoInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub image: Option<String>,
}

impl SeoInput {
    /// The fields as stored; errors name `seo.title`, `seo.description`
    /// and `seo.image`. The image follows the featured image's rules.
    pub fn validate(self) -> Result<Seo, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(FieldError {
                field: format!("seo.{field}"),
                message,
            })
        };
        let set = |text: Option<String>| text.map(|t| one_line(&t)).filter(|t| !t.is_empty());
        let title = set(self.title);
        let description = set(self.description);
        let image = self
            .image
            .map(|i| i.trim().to_owned())
            .filter(|i| !i.is_empty());
        if let Some(length) = title.as_ref().map(|t| t.chars().count())
            && length > MAX_TITLE
        {
            fail(
                "title",
                format!(
                    "is {length} characters: search engines cut titles after about {RECOMMENDED_TITLE}; at most {MAX_TITLE} are accepted"
                ),
            );
        }
        if let Some(length) = description.as_ref().map(|d| d.chars().count())
            && length > MAX_DESCRIPTION
        {
            fail(
                "description",
                format!("is {length} characters: at most {MAX_DESCRIPTION} are accepted"),
            );
        }
        if let Some(Err(reason)) = image.as_deref().map(image_url) {
            fail("image", reason);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Seo {
            title,
            description,
            image,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::input::parse_story_json;

    fn seo(value: serde_json::Value) -> Result<Seo, Vec<FieldError>> {
        let json = serde_json::json!({"headline": "H", "body_markdown": "B", "seo": value});
        parse_story_json(&json.to_string())
            .map_err(|e| e.0)?
            .validate()
            .map(|draft| draft.seo)
            .map_err(|e| e.0)
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn fields_are_kept_on_one_line_and_empty_means_not_set() {
        let got = seo(serde_json::json!({
            "title": "  Floods:\n what to know ",
            "description": "",
            "image": "https://img.example.org/card.jpg",
        }))
        .expect("valid");
        assert_eq!(got.title.as_deref(), Some("Floods: what to know"));
        assert_eq!(got.description, None);
        assert_eq!(
            got.image.as_deref(),
            Some("https://img.example.org/card.jpg")
        );
        assert_eq!(seo(serde_json::json!({})).expect("valid"), Seo::default());
    }

    #[test]
    fn a_title_may_pass_the_recommendation_but_not_the_limit() {
        let long = "x".repeat(MAX_TITLE);
        assert_eq!(
            seo(serde_json::json!({"title": long}))
                .expect("valid")
                .title,
            Some(long)
        );
        let errors =
            seo(serde_json::json!({"title": "x".repeat(MAX_TITLE + 1)})).expect_err("too long");
        assert_eq!(fields(&errors), ["seo.title"]);
        assert!(
            errors[0].message.contains("121 characters") && errors[0].message.contains("120"),
            "{}",
            errors[0].message
        );
        let errors = seo(serde_json::json!({"description": "é".repeat(MAX_DESCRIPTION + 1)}))
            .expect_err("too long");
        assert_eq!(fields(&errors), ["seo.description"]);
    }

    #[test]
    fn the_image_follows_the_featured_images_rules() {
        for good in [
            "https://img.example.org/card.jpg",
            "/media/0123456789abcdef0123456789abcdef-640x480.jpg",
        ] {
            assert!(seo(serde_json::json!({"image": good})).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "card.jpg",
            "/media/../secret",
            "//evil.example/x.jpg",
        ] {
            let errors = seo(serde_json::json!({"image": bad})).expect_err(bad);
            assert_eq!(fields(&errors), ["seo.image"], "{bad}");
        }
    }

    #[test]
    fn an_unknown_field_is_refused_by_its_path() {
        let errors = seo(serde_json::json!({"keywords": "x"})).expect_err("unknown");
        assert_eq!(fields(&errors), ["seo.keywords"]);
        assert!(errors[0].message.contains("unknown field"), "{errors:?}");
        let errors = seo(serde_json::json!({"title": 3})).expect_err("wrong type");
        assert_eq!(fields(&errors), ["seo.title"]);
    }
}
