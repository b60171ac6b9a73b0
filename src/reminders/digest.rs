//! The words of a digest notification: "3 new stories in Politics and
//! Russia", with the top headline as its body.

/// A story waiting in a reader's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    pub headline: String,
    /// The names of the story's topics that brought it to the reader.
    pub topics: Vec<String>,
    /// Unix seconds.
    pub published_at: i64,
    pub breaking: bool,
}

/// A digest notification's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestText {
    /// "3 new stories in Politics and Russia".
    pub title: String,
    /// The top headline: the newest breaking story, else the newest story.
    pub body: String,
    pub count: usize,
}

/// The digest of `items`; `None` when there is nothing to say.
///
/// Topics are named most frequent first (ties: in the order of the stories,
/// newest first), at most three, then "and N more".
pub fn digest_text(items: &[DigestItem]) -> Option<DigestText> {
    let mut ordered: Vec<&DigestItem> = items.iter().collect();
    ordered.sort_by_key(|item| std::cmp::Reverse(item.published_at));
    let top = ordered
        .iter()
        .find(|item| item.breaking)
        .or_else(|| ordered.first())?;
    // (name, stories, first seen)
    let mut topics: Vec<(&str, usize, usize)> = Vec::new();
    for item in &ordered {
        for name in &item.topics {
            match topics.iter_mut().find(|(n, _, _)| n == name) {
                Some(entry) => entry.1 += 1,
                None => topics.push((name, 1, topics.len())),
            }
        }
    }
    topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let names: Vec<&str> = topics.iter().map(|(name, _, _)| *name).collect();
    let count = items.len();
    let stories = if count == 1 {
        "1 new story".to_owned()
    } else {
        format!("{count} new stories")
    };
    let title = if names.is_empty() {
        stories
    } else {
        format!("{stories} in {}", join_names(&names))
    };
    Some(DigestText {
        title,
        body: top.headline.clone(),
        count,
    })
}

/// Names joined as a reader would: "A", "A and B", "A, B and C",
/// "A, B and 2 more".
pub fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, c] => format!("{a}, {b} and {c}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(headline: &str, topics: &[&str], published_at: i64) -> DigestItem {
        DigestItem {
            headline: headline.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            published_at,
            breaking: false,
        }
    }

    #[test]
    fn names_are_joined_naturally() {
        assert_eq!(join_names(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
        assert_eq!(join_names(&["A", "B", "C", "D"]), "A, B and 2 more");
        assert_eq!(join_names(&["A", "B", "C", "D", "E"]), "A, B and 3 more");
    }

    #[test]
    fn three_stories_in_two_topics() {
        let text = digest_text(&[
            item("Budget passes", &["Politics"], 100),
            item("Talks resume", &["Russia", "Politics"], 300),
            item("Minister resigns", &["Politics"], 200),
        ])
        .expect("a digest");
        assert_eq!(text.title, "3 new stories in Politics and Russia");
        assert_eq!(text.body, "Talks resume");
        assert_eq!(text.count, 3);
    }

    #[test]
    fn one_story() {
        let text = digest_text(&[item("Budget passes", &["Politics"], 100)]).expect("a digest");
        assert_eq!(text.title, "1 new story in Politics");
        assert_eq!(text.body, "Budget passes");
        let bare = digest_text(&[item("Untitled", &[], 1)]).expect("a digest");
        assert_eq!(bare.title, "1 new story");
    }

    #[test]
    fn breaking_news_is_the_top_headline() {
        let mut urgent = item("Earthquake", &["World"], 10);
        urgent.breaking = true;
        let text =
            digest_text(&[item("Later, smaller", &["Sport"], 20), urgent]).expect("a digest");
        assert_eq!(text.body, "Earthquake");
        assert_eq!(text.title, "2 new stories in Sport and World");
    }

    #[test]
    fn many_topics_are_summed_up() {
        let text = digest_text(&[
            item("a", &["Politics", "Russia"], 4),
            item("b", &["Politics", "Sport"], 3),
            item("c", &["Science"], 2),
            item("d", &["Culture"], 1),
        ])
        .expect("a digest");
        assert_eq!(text.title, "4 new stories in Politics, Russia and 3 more");
    }

    #[test]
    fn nothing_pending_is_no_digest() {
        assert_eq!(digest_text(&[]), None);
    }
}
