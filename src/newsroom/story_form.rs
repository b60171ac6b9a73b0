//! The story editor's form as text: filled from a stored story or from a
//! submission (so that nothing typed is lost when a save is refused),
//! turned into the editorial service's input, and the service's refusals
//! turned into messages beside the inputs they are about.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::field_errors::FieldErrors;
use super::form::Fields;
use crate::accounts::Principal;
use crate::content::input::{CallToActionInput, FieldError, ImageInput, StoryInput};
use crate::content::seo::SeoInput;
use crate::editorial::{EditableStory, EditorialError, PushOptions};

/// What the editor's submit button asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Show the body as the site will, without saving.
    Preview,
    Save,
    Publish,
    Schedule,
}

impl Action {
    pub fn parse(value: &str) -> Action {
        match value {
            "preview" => Action::Preview,
            "publish" => Action::Publish,
            "schedule" => Action::Schedule,
            _ => Action::Save,
        }
    }
}

/// Every input of the editor, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryForm {
    pub headline: String,
    pub slug: String,
    pub standfirst: String,
    pub body_markdown: String,
    pub image_url: String,
    pub image_alt: String,
    pub image_credit: String,
    /// Names of the topics ticked.
    pub topics: Vec<String>,
    /// A topic to create (editors).
    pub new_topic: String,
    pub cta_text: String,
    pub cta_url: String,
    /// Byline names, separated by commas.
    pub authors: String,
    /// The search and social fields; empty means "use the headline,
    /// standfirst, featured image".
    pub seo_title: String,
    pub seo_description: String,
    pub seo_image: String,
    /// Live coverage: the story holds entries.
    pub live: bool,
    pub push_send: bool,
    pub push_title: String,
    pub push_body: String,
    pub push_breaking: bool,
    /// Minutes to deliver the notification over; empty: at once.
    pub push_spread_minutes: String,
    /// Spread it even when it is breaking news.
    pub push_spread_breaking: bool,
    /// `YYYY-MM-DDTHH:MM`, in the zone `tz_offset` says.
    pub schedule_at: String,
    /// Minutes east of UTC of the editor's zone at `schedule_at`, as the
    /// browser gave it; empty (UTC) without JavaScript.
    pub tz_offset: String,
    /// `schedule_at` is UTC from the server, for the script to show in the
    /// editor's zone (RFC 3339); empty when the editor typed it.
    pub schedule_utc: String,
}

/// The datetime-local format.
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

impl StoryForm {
    /// A new story's form: the author is the writer; a notification is
    /// sent unless they say otherwise.
    pub fn blank(user: &Principal) -> StoryForm {
        StoryForm {
            authors: user.name.clone(),
            push_send: true,
            ..StoryForm::default()
        }
    }

    /// The form for a stored story.
    pub fn of_story(editable: &EditableStory) -> StoryForm {
        let story = &editable.story;
        let (schedule_at, schedule_utc) = match story.published_at {
            Some(at) if editable.status == crate::editorial::StoryStatus::Scheduled => (
                at.format(LOCAL_FORMAT).to_string(),
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            _ => (String::new(), String::new()),
        };
        StoryForm {
            headline: story.headline.clone(),
            slug: story.slug.clone(),
            standfirst: story.standfirst.clone(),
            body_markdown: story.body_markdown.clone(),
            image_url: story
                .image
                .as_ref()
                .map(|i| i.src.clone())
                .unwrap_or_default(),
            image_alt: story
                .image
                .as_ref()
                .map(|i| i.alt.clone())
                .unwrap_or_default(),
            image_credit: story
                .image
                .as_ref()
                .and_then(|i| i.credit.clone())
                .unwrap_or_default(),
            topics: story.topics.iter().map(|t| t.name.clone()).collect(),
            new_topic: String::new(),
            cta_text: story
                .call_to_action
                .as_ref()
                .map(|c| c.text.clone())
                .unwrap_or_default(),
            cta_url: story
                .call_to_action
                .as_ref()
                .map(|c| c.url.clone())
                .unwrap_or_default(),
            authors: story.authors.join(", "),
            seo_title: story.seo.title.clone().unwrap_or_default(),
            seo_description: story.seo.description.clone().unwrap_or_default(),
            seo_image: story.seo.image.clone().unwrap_or_default(),
            live: story.live,
            push_send: true,
            push_title: String::new(),
            push_body: String::new(),
            push_breaking: false,
            push_spread_minutes: String::new(),
            push_spread_breaking: false,
            schedule_at,
            tz_offset: String::new(),
            schedule_utc,
        }
    }

    /// The form as submitted.
    pub fn of_fields(fields: &Fields) -> StoryForm {
        let text = |name: &str| fields.get(name).to_owned();
        StoryForm {
            headline: text("headline"),
            slug: text("slug"),
            standfirst: text("standfirst"),
            body_markdown: text("body_markdown"),
            image_url: text("image_url"),
            image_alt: text("image_alt"),
            image_credit: text("image_credit"),
            topics: fields
                .all("topics")
                .into_iter()
                .map(str::to_owned)
                .collect(),
            new_topic: text("new_topic"),
            cta_text: text("cta_text"),
            cta_url: text("cta_url"),
            authors: text("authors"),
            seo_title: text("seo_title"),
            seo_description: text("seo_description"),
            seo_image: text("seo_image"),
            live: fields.checked("live"),
            push_send: fields.checked("push_send"),
            push_title: text("push_title"),
            push_body: text("push_body"),
            push_breaking: fields.checked("push_breaking"),
            push_spread_minutes: text("push_spread_minutes"),
            push_spread_breaking: fields.checked("push_spread_breaking"),
            schedule_at: text("schedule_at"),
            tz_offset: text("tz_offset"),
            schedule_utc: String::new(),
        }
    }

    /// The story's content as text to compare line by line: one line per
    /// field, then the body (the push panel and schedule are not content).
    pub fn as_text(&self) -> String {
        let fields = [
            ("Headline", &self.headline),
            ("Slug", &self.slug),
            ("Standfirst", &self.standfirst),
            ("Topics", &self.topics.join(", ")),
            ("Image", &self.image_url),
            ("Image description", &self.image_alt),
            ("Image credit", &self.image_credit),
            ("Call to action", &self.cta_text),
            ("Call to action link", &self.cta_url),
            ("Authors", &self.authors),
            ("Title for search engines", &self.seo_title),
            ("Description for search engines", &self.seo_description),
            ("Social image", &self.seo_image),
        ];
        let mut text = String::new();
        for (name, value) in fields {
            text.push_str(&format!("{name}: {}\n", value.trim()));
        }
        text.push_str("Body:\n");
        text.push_str(&self.body_markdown.replace("\r\n", "\n"));
        text.push('\n');
        text
    }

    /// Whether any search and social field is filled in.
    pub fn seo_custom(&self) -> bool {
        [&self.seo_title, &self.seo_description, &self.seo_image]
            .iter()
            .any(|field| !field.trim().is_empty())
    }

    /// The search title's length as search engines count it, and whether
    /// it passes the length they show (as the editor's script says it).
    pub fn seo_title_count(&self) -> String {
        let ideal = crate::content::seo::RECOMMENDED_TITLE;
        let length = crate::content::input::one_line(&self.seo_title)
            .chars()
            .count();
        if length > ideal {
            format!("{length} characters: over {ideal}, search results may cut it")
        } else {
            format!("{length} characters")
        }
    }

    /// Whether topic `name` is ticked.
    pub fn has_topic(&self, name: &str) -> bool {
        self.topics.iter().any(|t| t.eq_ignore_ascii_case(name))
    }

    /// The service's input. The slug is left out when it is locked (the
    /// story keeps its own) or empty (derived from the headline).
    pub fn story_input(&self, slug_locked: bool) -> StoryInput {
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let mut topics = self.topics.clone();
        if let Some(new) = optional(&self.new_topic)
            && !self.has_topic(&new)
        {
            topics.push(new);
        }
        let image = optional(&self.image_url).map(|url| ImageInput {
            path: None,
            url: Some(url),
            alt: self.image_alt.clone(),
            credit: optional(&self.image_credit),
        });
        let call_to_action = (optional(&self.cta_text).is_some()
            || optional(&self.cta_url).is_some())
        .then(|| CallToActionInput {
            text: self.cta_text.clone(),
            url: self.cta_url.clone(),
        });
        StoryInput {
            headline: self.headline.clone(),
            body_markdown: self.body_markdown.clone(),
            slug: if slug_locked {
                None
            } else {
                optional(&self.slug)
            },
            previous_slug: None,
            standfirst: Some(self.standfirst.clone()),
            image,
            topics,
            authors: self
                .authors
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            call_to_action,
            published_at: None,
            notification: None,
            seo: Some(SeoInput {
                title: Some(self.seo_title.clone()),
                description: Some(self.seo_description.clone()),
                image: Some(self.seo_image.clone()),
            }),
            live: self.live,
        }
    }

    /// The push panel's choices.
    pub fn push_options(&self) -> PushOptions {
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        PushOptions {
            send: Some(self.push_send),
            title: optional(&self.push_title),
            body: optional(&self.push_body),
            breaking: Some(self.push_breaking),
            ttl_seconds: None,
            // Not a number: out of range, so refused with the range.
            spread_minutes: optional(&self.push_spread_minutes)
                .map(|n| n.parse().unwrap_or(u32::MAX)),
            spread_breaking: Some(self.push_spread_breaking),
        }
    }

    /// The scheduled time in UTC.
    pub fn schedule_time(&self) -> Result<DateTime<Utc>, String> {
        schedule_time(&self.schedule_at, &self.tz_offset)
    }
}

/// A datetime-local value in a zone `offset_minutes` east of UTC (empty:
/// UTC), as a UTC time.
pub fn schedule_time(local: &str, offset_minutes: &str) -> Result<DateTime<Utc>, String> {
    let local = local.trim();
    if local.is_empty() {
        return Err("choose the date and time to publish the story".to_owned());
    }
    let naive = NaiveDateTime::parse_from_str(local, LOCAL_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M"))
        .map_err(|_| format!("{local:?} is not a date and time: use YYYY-MM-DD HH:MM"))?;
    let offset: i64 = match offset_minutes.trim() {
        "" => 0,
        text => text
            .parse()
            .ok()
            .filter(|m: &i64| m.abs() <= 18 * 60)
            .ok_or_else(|| format!("{text:?} is not a time zone offset in minutes"))?,
    };
    Ok((naive - chrono::Duration::minutes(offset)).and_utc())
}

/// The input (its id) and the name people know it by, for a field the
/// service names.
pub fn input_of(field: &str) -> (&'static str, &'static str) {
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "headline" => ("headline", "Headline"),
        "slug" | "previous_slug" => ("slug", "Slug"),
        "standfirst" => ("standfirst", "Standfirst"),
        "body_markdown" => ("body_markdown", "Body"),
        "image" | "image.url" | "image.path" => ("image_url", "Image address"),
        "image.alt" => ("image_alt", "Image description"),
        "image.credit" => ("image_credit", "Image credit"),
        "topics" => ("topics", "Topics"),
        "authors" => ("authors", "Authors"),
        "call_to_action.text" => ("cta_text", "Call to action text"),
        "call_to_action.url" => ("cta_url", "Call to action link"),
        "seo.title" => ("seo_title", "Title for search engines"),
        "seo.description" => ("seo_description", "Description"),
        "seo.image" => ("seo_image", "Social image address"),
        "push.title" => ("push_title", "Notification title"),
        "push.body" => ("push_body", "Notification text"),
        "push.spread_minutes" => ("push_spread_minutes", "Deliver over"),
        "push" | "push.ttl_seconds" => ("push_send", "Notification"),
        "published_at" | "schedule" => ("schedule_at", "Publication time"),
        _ => ("story-form", "Story"),
    }
}

/// Field errors as the editor shows them: on their input, labelled.
pub fn field_errors(errors: &[FieldError]) -> FieldErrors {
    let mut out = FieldErrors::none();
    for e in errors {
        let (input, label) = input_of(&e.field);
        out.items.push(super::field_errors::FieldError {
            field: input.to_owned(),
            message: format!("{label}: {}", e.message),
        });
    }
    out
}

/// How the editor shows a refusal of a save, publish or schedule: errors
/// on inputs, or a message for the whole form. `None` for refusals that
/// are not about the form (not found, not allowed, our failure).
pub fn form_errors(e: &EditorialError) -> Option<FieldErrors> {
    let one = |input: &str, message: String| FieldErrors::one(input, message);
    Some(match e {
        EditorialError::InvalidStory(errors) => field_errors(&errors.0),
        EditorialError::SlugTaken(_) | EditorialError::SlugLocked { .. } => {
            one("slug", format!("Slug: {e}"))
        }
        EditorialError::TopicCreationForbidden { .. } => one("topics", format!("Topics: {e}")),
        EditorialError::BadSchedule(message) => {
            one("schedule_at", format!("Publication time: {message}"))
        }
        EditorialError::AlreadyPublished | EditorialError::NotPublished => {
            one("story-form", e.to_string())
        }
        EditorialError::Forbidden(_)
        | EditorialError::NotFound(_)
        | EditorialError::EditConflict(_)
        | EditorialError::InvalidTopic(_)
        | EditorialError::TopicNameTaken(_)
        | EditorialError::NotLive
        | EditorialError::LiveEnded(_)
        | EditorialError::EntryDeleted
        | EditorialError::InvalidEntry(_)
        | EditorialError::Store(_)
        | EditorialError::Random(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_submission_becomes_the_services_input() {
        let form = StoryForm::of_fields(&fields(&[
            ("headline", "Vote tonight"),
            ("slug", ""),
            ("standfirst", "Polls close at ten."),
            ("body_markdown", "Text."),
            ("image_url", "/media/abc.jpg"),
            ("image_alt", "A ballot box"),
            ("image_credit", ""),
            ("topics", "Politics"),
            ("topics", "World News"),
            ("new_topic", "Elections"),
            ("cta_text", ""),
            ("cta_url", ""),
            ("authors", "Ana Reporter,  Bo Writer ,"),
            ("push_send", "on"),
            ("push_title", "  "),
        ]));
        let input = form.story_input(false);
        assert_eq!(input.slug, None, "derived from the headline");
        assert_eq!(input.topics, ["Politics", "World News", "Elections"]);
        assert_eq!(input.authors, ["Ana Reporter", "Bo Writer"]);
        assert!(input.call_to_action.is_none());
        let image = input.image.expect("image");
        assert_eq!(image.url.as_deref(), Some("/media/abc.jpg"));
        assert_eq!(image.credit, None);
        let push = form.push_options();
        assert_eq!(push.send, Some(true));
        assert_eq!(push.title, None);
        assert_eq!(push.breaking, Some(false));
        // A locked slug is never sent: the story keeps its own.
        let locked = StoryForm {
            slug: "other".into(),
            ..form
        };
        assert_eq!(locked.story_input(true).slug, None);
        assert_eq!(locked.story_input(false).slug.as_deref(), Some("other"));
    }

    #[test]
    fn search_fields_left_empty_mean_not_set_and_filled_ones_are_sent() {
        let plain = StoryForm {
            headline: "Vote tonight".into(),
            body_markdown: "Text.".into(),
            ..StoryForm::default()
        };
        assert!(!plain.seo_custom());
        let seo = plain.story_input(false).validate().expect("valid").seo;
        assert_eq!(seo, crate::content::Seo::default());
        let form = StoryForm::of_fields(&fields(&[
            ("headline", "Vote tonight"),
            ("body_markdown", "Text."),
            ("seo_title", " Vote: what to know "),
            ("seo_description", ""),
            ("seo_image", "https://img.example.org/card.jpg"),
        ]));
        assert!(form.seo_custom());
        let seo = form.story_input(false).validate().expect("valid").seo;
        assert_eq!(seo.title.as_deref(), Some("Vote: what to know"));
        assert_eq!(seo.description, None);
        assert_eq!(
            seo.image.as_deref(),
            Some("https://img.example.org/card.jpg")
        );
        assert_eq!(form.seo_title_count(), "18 characters");
        let long = StoryForm {
            seo_title: "x".repeat(61),
            ..StoryForm::default()
        };
        assert_eq!(
            long.seo_title_count(),
            "61 characters: over 60, search results may cut it"
        );
    }

    #[test]
    fn half_a_call_to_action_is_sent_to_be_refused() {
        let form = StoryForm {
            cta_text: "Donate".into(),
            ..StoryForm::default()
        };
        let cta = form.story_input(false).call_to_action.expect("sent");
        assert_eq!(cta.url, "");
    }

    #[test]
    fn schedule_times_are_read_in_the_editors_zone() {
        let utc = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        assert_eq!(
            schedule_time("2026-07-01T09:30", "120"),
            Ok(utc("2026-07-01T07:30:00Z"))
        );
        assert_eq!(
            schedule_time("2026-07-01T09:30", "-300"),
            Ok(utc("2026-07-01T14:30:00Z"))
        );
        assert_eq!(
            schedule_time("2026-07-01T09:30", ""),
            Ok(utc("2026-07-01T09:30:00Z"))
        );
        assert_eq!(
            schedule_time("2026-07-01 09:30", "0"),
            Ok(utc("2026-07-01T09:30:00Z"))
        );
        assert!(schedule_time("", "0").is_err());
        assert!(schedule_time("tomorrow", "0").is_err());
        assert!(schedule_time("2026-07-01T09:30", "9999").is_err());
        assert!(schedule_time("2026-07-01T09:30", "east").is_err());
    }

    #[test]
    fn the_services_field_names_point_at_inputs() {
        let errors = field_errors(&[
            FieldError {
                field: "headline".into(),
                message: "must not be empty".into(),
            },
            FieldError {
                field: "authors[2]".into(),
                message: "must be a name of 1 to 100 characters".into(),
            },
            FieldError {
                field: "push.title".into(),
                message: "too long".into(),
            },
        ]);
        assert_eq!(errors.get("headline"), Some("Headline: must not be empty"));
        assert!(errors.get("authors").is_some());
        assert_eq!(
            errors.get("push_title"),
            Some("Notification title: too long")
        );
        assert_eq!(input_of("image.alt").0, "image_alt");
        assert_eq!(input_of("seo.title").0, "seo_title");
        assert_eq!(input_of("seo.description").0, "seo_description");
        assert_eq!(input_of("seo.image").0, "seo_image");
        assert_eq!(input_of("mystery").0, "story-form");
    }
}
