//! A notification payload in the Declarative Web Push format, and fitting
//! its text into the payload budget.
//!
//! The W3C Push API's *declarative push message*: a JSON object that a
//! browser supporting it (Safari 18.4 and later) shows by itself, without
//! waking a service worker, and that any service worker can read the same
//! way where the browser does not:
//!
//! ```json
//! {"web_push": 8030,
//!  "notification": {"title": "…", "navigate": "https://…", "body": "…", "tag": "…", …},
//!  "app_badge": 3, "mutable": true}
//! ```
//!
//! `title` and `navigate` (the absolute URL a click opens) are required;
//! the other members of `notification` are those of the Notifications API
//! (`body`, `tag`, `lang`, `dir`, `icon`, `image`, `timestamp`,
//! `renotify`, `data`). `mutable: true` lets the service worker see the
//! notification before it is shown; `app_badge` sets the app's badge.
//!
//! [`Notification::fit`] shortens the body, then the title, on a character
//! boundary and with an ellipsis, until the serialised JSON fits a byte
//! budget: the text is shortened visibly, never cut silently.

use serde::{Deserialize, Serialize};

const ELLIPSIS: &str = "…";

/// The `web_push` member's value that marks a declarative push message
/// (the RFC number of the Web Push protocol).
pub const DECLARATIVE_VERSION: u32 = 8030;

/// The notification's text direction (`dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Decided by the browser from the text.
    #[default]
    Auto,
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

/// A declarative push message: the notification a browser shows, and
/// what else the message asks of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notification {
    /// Title line (required).
    pub title: String,
    /// Body text.
    pub body: String,
    /// The absolute URL a click opens (required).
    pub navigate: String,
    /// Replaces an earlier notification with the same tag on the device.
    pub tag: Option<String>,
    /// Alerts again when replacing a notification with the same tag.
    pub renotify: bool,
    /// BCP 47 language tag of the title and body.
    pub lang: Option<String>,
    /// Text direction of the title and body.
    pub dir: Option<Direction>,
    /// Icon URL.
    pub icon: Option<String>,
    /// A large image URL.
    pub image: Option<String>,
    /// The time of the event the notification is about, in Unix ms.
    pub timestamp: Option<i64>,
    /// The application's own data (`notification.data`), left out when
    /// empty.
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The number to show on the app's icon (`app_badge`).
    pub app_badge: Option<u64>,
    /// Whether a service worker may see (and change) the notification
    /// before it is shown (`mutable`).
    pub mutable: bool,
}

/// The message as sent: the version mark, the notification, and the
/// members beside it.
#[derive(Serialize, Deserialize)]
struct Message<'a> {
    web_push: u32,
    #[serde(borrow)]
    notification: Shown<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_badge: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    mutable: bool,
}

/// The `notification` member.
#[derive(Serialize, Deserialize)]
struct Shown<'a> {
    #[serde(borrow)]
    title: std::borrow::Cow<'a, str>,
    #[serde(default, borrow, skip_serializing_if = "str::is_empty")]
    body: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    navigate: std::borrow::Cow<'a, str>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    tag: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    renotify: bool,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    lang: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dir: Option<Direction>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    icon: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    image: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    data: std::borrow::Cow<'a, serde_json::Map<String, serde_json::Value>>,
}

/// The notification does not fit even with an empty body and title.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification needs {needed} bytes with empty title and body; budget is {budget}")]
pub struct FitError {
    /// Bytes needed with title and body empty.
    pub needed: usize,
    /// Budget given.
    pub budget: usize,
}

/// Bytes that are not a declarative push message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, or a member of the wrong type, or `title` or `navigate`
    /// missing.
    #[error("not a declarative push message: {0}")]
    Shape(String),
    /// `web_push` is not 8030.
    #[error("web_push is {0}, not 8030")]
    Version(u32),
    /// `navigate` is not an absolute http(s) URL.
    #[error("navigate is not an absolute http(s) URL")]
    Navigate,
}

impl Notification {
    /// Serialises to the JSON bytes of a declarative push message.
    pub fn to_json(&self) -> Vec<u8> {
        let message = Message {
            web_push: DECLARATIVE_VERSION,
            notification: Shown {
                title: self.title.as_str().into(),
                body: self.body.as_str().into(),
                navigate: self.navigate.as_str().into(),
                tag: self.tag.as_deref().map(Into::into),
                renotify: self.renotify,
                lang: self.lang.as_deref().map(Into::into),
                dir: self.dir,
                icon: self.icon.as_deref().map(Into::into),
                image: self.image.as_deref().map(Into::into),
                timestamp: self.timestamp,
                data: std::borrow::Cow::Borrowed(&self.data),
            },
            app_badge: self.app_badge,
            mutable: self.mutable,
        };
        // Strings, numbers and JSON values always serialise.
        serde_json::to_vec(&message).unwrap_or_default()
    }

    /// Reads a declarative push message as a browser would: `web_push`
    /// must be 8030, `title` a string and `navigate` an absolute http(s)
    /// URL; other members of the wrong type make it no message at all.
    ///
    /// # Errors
    /// [`ParseError`] naming what is wrong.
    pub fn from_json(bytes: &[u8]) -> Result<Notification, ParseError> {
        let message: Message<'_> =
            serde_json::from_slice(bytes).map_err(|e| ParseError::Shape(e.to_string()))?;
        if message.web_push != DECLARATIVE_VERSION {
            return Err(ParseError::Version(message.web_push));
        }
        let shown = message.notification;
        let navigate = url::Url::parse(&shown.navigate).map_err(|_| ParseError::Navigate)?;
        if !matches!(navigate.scheme(), "https" | "http") {
            return Err(ParseError::Navigate);
        }
        Ok(Notification {
            title: shown.title.into_owned(),
            body: shown.body.into_owned(),
            navigate: shown.navigate.into_owned(),
            tag: shown.tag.map(std::borrow::Cow::into_owned),
            renotify: shown.renotify,
            lang: shown.lang.map(std::borrow::Cow::into_owned),
            dir: shown.dir,
            icon: shown.icon.map(std::borrow::Cow::into_owned),
            image: shown.image.map(std::borrow::Cow::into_owned),
            timestamp: shown.timestamp,
            data: shown.data.into_owned(),
            app_badge: message.app_badge,
            mutable: message.mutable,
        })
    }

    fn json_len(&self) -> usize {
        self.to_json().len()
    }

    /// Shortens body, then title, so the JSON is at most `budget` bytes.
    ///
    /// Returns whether anything was shortened.
    ///
    /// # Errors
    /// [`FitError`] when even an empty title and body do not fit; the
    /// notification is then left with both empty.
    pub fn fit(&mut self, budget: usize) -> Result<bool, FitError> {
        if self.json_len() <= budget {
            return Ok(false);
        }
        if shorten(self, budget, |n| &mut n.body) {
            return Ok(true);
        }
        if shorten(self, budget, |n| &mut n.title) {
            return Ok(true);
        }
        Err(FitError {
            needed: self.json_len(),
            budget,
        })
    }

    /// [`Notification::fit`] then [`Notification::to_json`].
    ///
    /// # Errors
    /// As [`Notification::fit`].
    pub fn to_json_within(mut self, budget: usize) -> Result<Vec<u8>, FitError> {
        self.fit(budget)?;
        Ok(self.to_json())
    }
}

/// Shortens one field to the longest prefix (plus ellipsis) that fits.
/// Leaves the field empty and returns false when even that does not fit.
fn shorten(
    n: &mut Notification,
    budget: usize,
    field: fn(&mut Notification) -> &mut String,
) -> bool {
    let original = std::mem::take(field(n));
    let cuts: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
    let candidate = |k: usize| -> String {
        if k == 0 {
            String::new()
        } else {
            format!("{}{ELLIPSIS}", original[..cuts[k]].trim_end())
        }
    };
    // Largest k in 0..cuts.len() whose candidate fits; size grows with k.
    let fits = |n: &mut Notification, k: usize| {
        *field(n) = candidate(k);
        n.json_len() <= budget
    };
    if !fits(n, 0) {
        return false;
    }
    let (mut lo, mut hi) = (0, cuts.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(n, mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    *field(n) = candidate(lo);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(title: &str, body: &str) -> Notification {
        Notification {
            title: title.into(),
            body: body.into(),
            navigate: "https://news.example/s/1".into(),
            tag: Some("1".into()),
            ..Notification::default()
        }
    }

    #[test]
    fn serialises_as_a_declarative_push_message() {
        let mut n = note("Title", "Body");
        n.lang = Some("en-GB".into());
        n.dir = Some(Direction::Ltr);
        n.timestamp = Some(1_800_000_000_000);
        n.data.insert("story".into(), 7.into());
        n.app_badge = Some(3);
        n.mutable = true;
        let json: serde_json::Value = serde_json::from_slice(&n.to_json()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "web_push": 8030,
                "notification": {
                    "title": "Title", "body": "Body",
                    "navigate": "https://news.example/s/1", "tag": "1",
                    "lang": "en-GB", "dir": "ltr", "timestamp": 1_800_000_000_000i64,
                    "data": {"story": 7}
                },
                "app_badge": 3,
                "mutable": true
            })
        );
        assert_eq!(Notification::from_json(&n.to_json()), Ok(n));
    }

    #[test]
    fn leaves_out_what_is_not_set() {
        let json: serde_json::Value =
            serde_json::from_slice(&note("T", "").to_json()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"web_push": 8030, "notification":
                {"title": "T", "navigate": "https://news.example/s/1", "tag": "1"}})
        );
    }

    #[test]
    fn reading_refuses_what_a_browser_would_not_show() {
        let shape = ParseError::Shape(String::new());
        let cases = [
            (r#"{"title":"a","url":"https://x.example/"}"#, &shape),
            (
                r#"{"web_push":8031,"notification":{"title":"a","navigate":"https://x.example/"}}"#,
                &ParseError::Version(8031),
            ),
            (
                r#"{"web_push":8030,"notification":{"navigate":"https://x.example/"}}"#,
                &shape,
            ),
            (
                r#"{"web_push":8030,"notification":{"title":"a","navigate":"/stories/a"}}"#,
                &ParseError::Navigate,
            ),
            (
                r#"{"web_push":8030,"notification":{"title":"a","navigate":"javascript:alert(1)"}}"#,
                &ParseError::Navigate,
            ),
        ];
        for (json, expected) in cases {
            let error = Notification::from_json(json.as_bytes()).expect_err(json);
            let same = match (&error, expected) {
                (ParseError::Shape(_), ParseError::Shape(_)) => true,
                (error, expected) => error == expected,
            };
            assert!(same, "{json}: {error:?}");
        }
    }

    #[test]
    fn leaves_a_fitting_notification_alone() {
        let mut n = note("Title", "Body");
        assert_eq!(n.fit(1000), Ok(false));
        assert_eq!(n.body, "Body");
    }

    #[test]
    fn shortens_body_first_on_a_char_boundary() {
        let mut n = note("Titre", &"é".repeat(500));
        let budget = 300;
        assert_eq!(n.fit(budget), Ok(true));
        let len = n.to_json().len();
        assert!(len <= budget && len > budget - 3, "{len}");
        assert!(n.body.ends_with('…'));
        assert_eq!(n.title, "Titre");
    }

    #[test]
    fn then_the_title() {
        let mut n = note(&"T".repeat(300), &"b".repeat(300));
        assert_eq!(n.fit(200), Ok(true));
        assert_eq!(n.body, "");
        assert!(n.title.ends_with('…'));
        assert!(n.to_json().len() <= 200);
    }

    #[test]
    fn refuses_when_nothing_can_fit() {
        let mut n = note("t", "b");
        assert!(n.fit(10).is_err());
    }
}
