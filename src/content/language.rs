//! What the site's language (`site.language`, a BCP 47 tag) says about
//! how its text is written: the direction the web app's manifest and every
//! notification declare.

/// Languages written right to left, by primary subtag.
const RIGHT_TO_LEFT: [&str; 10] = ["ar", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"];

/// Whether text in `language` (e.g. `ar-EG`, `en-GB`) runs right to left.
pub fn is_right_to_left(language: &str) -> bool {
    let primary = language.split(['-', '_']).next().unwrap_or_default();
    RIGHT_TO_LEFT.contains(&primary.to_ascii_lowercase().as_str())
}

/// `rtl` or `ltr`, as HTML, the manifest and the Notifications API spell it.
pub fn direction(language: &str) -> &'static str {
    if is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_the_primary_subtag() {
        for (language, expected) in [
            ("en", "ltr"),
            ("en-GB", "ltr"),
            ("ar-EG", "rtl"),
            ("HE", "rtl"),
            ("fa_IR", "rtl"),
            ("fr", "ltr"),
            ("", "ltr"),
        ] {
            assert_eq!(direction(language), expected, "{language}");
        }
    }
}
