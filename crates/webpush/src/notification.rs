//! A notification payload and fitting its text into the payload budget.
//!
//! The JSON a service worker reads (`{"title","body","url","tag",…}`).
//! [`Notification::fit`] shortens the body, then the title, on a character
//! boundary and with an ellipsis, until the serialised JSON fits a byte
//! budget: the text is shortened visibly, never cut silently.

use serde::{Deserialize, Serialize};

const ELLIPSIS: &str = "…";

/// The notification a service worker shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Notification {
    /// Title line.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Page to open on click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Replaces an earlier notification with the same tag on the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Any other fields the service worker reads.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
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

impl Notification {
    /// Serialises to JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Strings and JSON values always serialise.
        serde_json::to_vec(self).unwrap_or_default()
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
            url: Some("https://news.example/s/1".into()),
            tag: Some("1".into()),
            ..Notification::default()
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

    #[test]
    fn extra_fields_are_kept() {
        let json = br#"{"title":"a","body":"b","story":7}"#;
        let n: Notification = serde_json::from_slice(json).expect("parse");
        assert_eq!(n.extra["story"], 7);
        assert_eq!(n.to_json(), json.to_vec());
    }
}
