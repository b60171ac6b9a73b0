//! What a cached page shows, and so which content changes drop it.
//!
//! A page says its scope when rendered: a story's page shows that story and
//! the other stories of its topics ("More on …"), a topic's page and feeds
//! show that topic's stories, and every other page (home, the site's feeds,
//! sitemaps, the topic index) lists stories from anywhere. A change says
//! what it touched ([`Touched`], from the store's change log): the changed
//! stories' slugs and their topics, or everything. A page drops when the
//! change may show on it; a site-wide page drops on every change.

use crate::store::Touched;

/// What a cached page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    /// Stories from anywhere (home, the site's feeds, sitemaps), or site
    /// settings alone: drops on every content change.
    #[default]
    Site,
    /// One story's page: the story, and its topics' other stories.
    Story { slug: String, topics: Vec<String> },
    /// One topic's page or feed.
    Topic(String),
}

impl Scope {
    /// Whether a change that touched `touched` may show on this page.
    pub fn touched_by(&self, touched: &Touched) -> bool {
        if touched.everything {
            return true;
        }
        match self {
            Scope::Site => !touched.is_empty(),
            Scope::Story { slug, topics } => {
                touched.stories.contains(slug) || topics.iter().any(|t| touched.topics.contains(t))
            }
            Scope::Topic(slug) => touched.topics.contains(slug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story_change(slug: &str, topics: &[&str]) -> Touched {
        Touched {
            everything: false,
            stories: [slug.to_owned()].into(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    #[test]
    fn a_story_change_drops_its_pages_and_lists_but_not_unrelated_ones() {
        let change = story_change("new-one", &["politics"]);
        let story = |slug: &str, topics: &[&str]| Scope::Story {
            slug: slug.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        };
        assert!(Scope::Site.touched_by(&change));
        assert!(story("new-one", &[]).touched_by(&change));
        assert!(story("other", &["sport", "politics"]).touched_by(&change));
        assert!(!story("other", &["sport"]).touched_by(&change));
        assert!(Scope::Topic("politics".into()).touched_by(&change));
        assert!(!Scope::Topic("sport".into()).touched_by(&change));
        assert!(Scope::Topic("sport".into()).touched_by(&Touched::everything()));
        assert!(!Scope::Site.touched_by(&Touched::default()));
    }
}
