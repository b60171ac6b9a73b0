//! Slugs: the stable, human-readable part of a story's or topic's URL.
//! A slug is lowercase ASCII letters and digits in words joined by single
//! hyphens, e.g. "World News" → `world-news`.

/// Longest slug Herald derives or accepts.
pub const MAX_LEN: usize = 80;

/// Derives a slug from a headline or a topic name: transliterates to ASCII,
/// lowercases, and joins the words with hyphens. Returns an empty string when
/// the text has no letters or digits at all.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > MAX_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

/// Whether `slug` is in the canonical form `slugify` produces.
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_LEN
        && slug.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_become_hyphenated_lowercase_words() {
        assert_eq!(slugify("World News"), "world-news");
        assert_eq!(slugify("  Breaking   news! "), "breaking-news");
        assert_eq!(
            slugify("Café Society: Zürich's 2026 season"),
            "cafe-society-zurich-s-2026-season"
        );
        assert_eq!(slugify("¿¡!?"), "");
    }

    #[test]
    fn long_headlines_are_cut_between_words() {
        let slug = slugify(&"word ".repeat(40));
        assert!(slug.len() <= MAX_LEN);
        assert!(is_valid(&slug));
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn validity_matches_the_canonical_form() {
        assert!(is_valid("world-news"));
        assert!(is_valid("g7"));
        for bad in ["", "World", "a--b", "-a", "a-", "a_b", "a b", "é"] {
            assert!(!is_valid(bad), "{bad:?} accepted");
        }
    }
}
