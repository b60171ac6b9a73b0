//! A fragment of a story's Markdown as a reader would read it: for search
//! snippets, which the database cuts from the stored Markdown anywhere,
//! often in the middle of a link or an emphasis. What is only syntax goes
//! (emphasis marks, heading and quote markers, link targets and bare URLs,
//! the pull-quote marker); the words stay, whitespace collapses to single
//! spaces. Characters outside that syntax are kept as they are, so markers
//! put in the text by the caller (private-use characters) survive.
//!
//! The result is plain text, not HTML: the caller escapes it.

/// `fragment` without Markdown's syntax, on one line.
pub fn plain_excerpt(fragment: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for line in fragment.lines() {
        let line = line.trim_start_matches(|c: char| c == '#' || c == '>' || c.is_whitespace());
        let line = line.replace("[!PULLQUOTE]", " ");
        for word in line.split_whitespace() {
            if let Some(kept) = plain_word(word) {
                words.push(kept);
            }
        }
    }
    words.join(" ")
}

/// The first sentence of plain `text`: up to its first `.`, `!`, `?` or
/// `…` that ends a word (followed by a space or the end), else all of it.
/// A key event's notification says it when the entry has no title.
pub fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '…')
            && chars.peek().is_none_or(|(_, next)| next.is_whitespace())
        {
            return &text[..at + c.len_utf8()];
        }
    }
    text
}

/// One whitespace-separated piece of Markdown as text, or `None` when it
/// is only syntax or a URL.
fn plain_word(word: &str) -> Option<String> {
    // A link's target, whole or cut: `[text](https://…)` keeps "text".
    let word = match word.find("](") {
        Some(at) => &word[..at],
        None => word,
    };
    let bare = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    if bare.starts_with("http://") || bare.starts_with("https://") || bare.starts_with("www.") {
        return None;
    }
    let kept: String = word
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '[' | ']' | '|' | '\\'))
        .collect();
    // Underscores are emphasis at a word's edges, part of it inside.
    let kept = kept.trim_matches('_');
    let is_syntax = kept
        .chars()
        .all(|c| matches!(c, '-' | '=' | '!' | '(' | ')' | '~' | '+'));
    (!kept.is_empty() && !is_syntax).then(|| kept.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_goes_and_words_stay() {
        assert_eq!(
            plain_excerpt(
                "## Rivers\n\n> The **flood** _waters_ rose, [see](https://example.org/x) `now`."
            ),
            "Rivers The flood waters rose, see now."
        );
        assert_eq!(
            plain_excerpt("cut in a link [the mayor](https://exa"),
            "cut in a link the mayor"
        );
        assert_eq!(
            plain_excerpt("https://twitter.com/x/status/1\n\nAfter the embed"),
            "After the embed"
        );
        assert_eq!(plain_excerpt("> [!PULLQUOTE]\n> Quoted"), "Quoted");
        assert_eq!(plain_excerpt("- one\n- two\n\n---"), "one two");
        assert_eq!(plain_excerpt("snake_case stays"), "snake_case stays");
    }

    #[test]
    fn a_first_sentence_ends_at_its_full_stop() {
        assert_eq!(
            first_sentence("The river crests at 4.2 m. Roads close."),
            "The river crests at 4.2 m."
        );
        assert_eq!(first_sentence("Evacuate now! Then wait"), "Evacuate now!");
        assert_eq!(first_sentence("  No stop at all  "), "No stop at all");
        assert_eq!(first_sentence("Is it over? Not yet."), "Is it over?");
        assert_eq!(first_sentence(""), "");
    }

    #[test]
    fn markers_and_angle_brackets_are_left_for_the_caller() {
        assert_eq!(
            plain_excerpt("a \u{E000}flood\u{E001} <script>"),
            "a \u{E000}flood\u{E001} <script>"
        );
    }
}
