//! What a write would break: one variant per rule the store keeps inside
//! its transactions, so that the domain answers each by kind (an
//! `edit_conflict`, a taken slug, a gone endpoint) and never by matching a
//! field name or a message.

use std::fmt;

/// A write the store refused, and why. [`Conflict::field`] names the input
/// field a person can fix; `Display` says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A rename's `previous_slug` names no story.
    UnknownPreviousSlug(String),
    /// There is no story with this id.
    NoSuchStory(i64),
    /// Another story already has this slug.
    StorySlugTaken(String),
    /// The story moved on since the caller loaded it.
    StaleVersion { current: i64, expected: i64 },
    /// Topics that do not exist, which this caller may not create.
    TopicsNotCreated(Vec<String>),
    /// A draft names an image file (`image.path`) the caller did not read.
    ImageNotRead(String),
    /// A `/media/…` image URL that names no stored upload.
    ImageNotUploaded(String),
    /// A `/media/…` social image (`seo.image`) that names no stored upload.
    SocialImageNotUploaded(String),
    /// Another topic has this slug (`name` is that topic's name).
    TopicSlugTaken { slug: String, name: String },
    /// Another topic already has this name (told as that topic spells it).
    TopicNameTaken(String),
    /// A push endpoint already registered with other keys.
    EndpointKeysDiffer,
    /// Another account has this email.
    EmailTaken(String),
    /// The account already has a token with this name.
    TokenNameTaken(String),
    /// The change would leave the site without an active admin; `field` is
    /// what the change was to (`role` or `user`).
    LastAdmin { field: &'static str },
    /// The account's work is still on the site, so it cannot be removed.
    AccountInUse,
    /// A live entry posted to a story whose coverage is not open (not
    /// live, or ended meanwhile).
    LiveCoverageClosed(i64),
}

impl Conflict {
    /// The input field the conflict is about, as the API and forms name it.
    pub fn field(&self) -> &'static str {
        match self {
            Conflict::UnknownPreviousSlug(_) => "previous_slug",
            Conflict::NoSuchStory(_) => "id",
            Conflict::StorySlugTaken(_) | Conflict::TopicSlugTaken { .. } => "slug",
            Conflict::StaleVersion { .. } => "version",
            Conflict::TopicsNotCreated(_) => "topics",
            Conflict::ImageNotRead(_) => "image.path",
            Conflict::ImageNotUploaded(_) => "image.url",
            Conflict::SocialImageNotUploaded(_) => "seo.image",
            Conflict::TopicNameTaken(_) | Conflict::TokenNameTaken(_) => "name",
            Conflict::EndpointKeysDiffer => "subscription",
            Conflict::EmailTaken(_) => "email",
            Conflict::LastAdmin { field } => field,
            Conflict::AccountInUse => "user",
            Conflict::LiveCoverageClosed(_) => "id",
        }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::UnknownPreviousSlug(slug) => write!(f, "no story has the slug {slug:?}"),
            Conflict::NoSuchStory(id) => write!(f, "there is no story {id}"),
            Conflict::StorySlugTaken(slug) => {
                write!(f, "another story already has the slug {slug:?}")
            }
            Conflict::StaleVersion { current, expected } => {
                write!(f, "the story is at version {current}, not {expected}")
            }
            Conflict::TopicsNotCreated(topics) => f.write_str(&topics.join(", ")),
            Conflict::ImageNotRead(path) => write!(f, "{path:?} was not read"),
            Conflict::ImageNotUploaded(url) | Conflict::SocialImageNotUploaded(url) => write!(
                f,
                "{url:?} is not an uploaded image: upload it first (POST /api/v1/admin/images), or give an absolute http(s) URL"
            ),
            Conflict::TopicSlugTaken { slug, name } => {
                write!(f, "the topic {name:?} already has the slug {slug:?}")
            }
            Conflict::TopicNameTaken(name) => write!(f, "a topic is already called {name:?}"),
            Conflict::EndpointKeysDiffer => {
                f.write_str("this endpoint is registered with other keys")
            }
            Conflict::EmailTaken(email) => {
                write!(f, "an account with the email {email} already exists")
            }
            Conflict::TokenNameTaken(name) => {
                write!(
                    f,
                    "you already have a token named {name:?}; choose another name"
                )
            }
            Conflict::LastAdmin { .. } => {
                f.write_str("this is the last active admin; make another account admin first")
            }
            Conflict::AccountInUse => {
                f.write_str("this account's work is still on the site; disable the account instead")
            }
            Conflict::LiveCoverageClosed(id) => {
                write!(f, "story {id}'s live coverage is not open")
            }
        }
    }
}
