//! The top of the home page: which story leads, and whether breaking news
//! is fresh enough for the band over it.

use chrono::{DateTime, Duration, Utc};

use crate::content::StorySummary;

/// How long a breaking story leads the home page, under the band.
pub const BREAKING_FRESH_HOURS: i64 = 6;

/// The lead of page 1: the newest breaking story when it was published in
/// the last [`BREAKING_FRESH_HOURS`] (then `breaking` is true and the band
/// shows), else the newest story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead<'a> {
    pub story: &'a StorySummary,
    pub breaking: bool,
}

/// Chooses the lead from the newest breaking story and the newest story.
pub fn choose_lead<'a>(
    newest_breaking: Option<&'a StorySummary>,
    newest: Option<&'a StorySummary>,
    now: DateTime<Utc>,
) -> Option<Lead<'a>> {
    let fresh = newest_breaking.filter(|s| {
        now.signed_duration_since(s.published_at) < Duration::hours(BREAKING_FRESH_HOURS)
    });
    match fresh {
        Some(story) => Some(Lead {
            story,
            breaking: true,
        }),
        None => newest.map(|story| Lead {
            story,
            breaking: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(id: i64, published_at: DateTime<Utc>) -> StorySummary {
        StorySummary {
            id,
            slug: format!("s{id}"),
            headline: format!("Story {id}"),
            standfirst: String::new(),
            image: None,
            authors: Vec::new(),
            topics: Vec::new(),
            sample: false,
            published_at,
            updated_at: None,
            modified_at: published_at,
        }
    }

    #[test]
    fn a_fresh_breaking_story_leads_else_the_newest() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid");
        let newest = story(1, now - Duration::minutes(5));
        let fresh = story(2, now - Duration::hours(5));
        let stale = story(3, now - Duration::hours(6));
        let lead = choose_lead(Some(&fresh), Some(&newest), now).expect("lead");
        assert_eq!((lead.story.id, lead.breaking), (2, true));
        let lead = choose_lead(Some(&stale), Some(&newest), now).expect("lead");
        assert_eq!((lead.story.id, lead.breaking), (1, false));
        let lead = choose_lead(None, Some(&newest), now).expect("lead");
        assert_eq!((lead.story.id, lead.breaking), (1, false));
        assert_eq!(choose_lead(None, None, now), None);
    }
}
