//! A submitted newsroom form as its name–value pairs, in order, with
//! repeated names kept (checkboxes), which a plain struct cannot hold.

/// A form's fields, as [`CsrfForm<Vec<(String, String)>>`] gives them.
///
/// [`CsrfForm<Vec<(String, String)>>`]: crate::web::csrf::CsrfForm
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or "" when it was not sent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox `name` was checked (sent at all).
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_repeated_names_and_checkboxes() {
        let fields = Fields(vec![
            ("topics".into(), "Politics".into()),
            ("headline".into(), "Vote".into()),
            ("topics".into(), "World News".into()),
            ("push_send".into(), "on".into()),
        ]);
        assert_eq!(fields.get("headline"), "Vote");
        assert_eq!(fields.get("missing"), "");
        assert_eq!(fields.all("topics"), ["Politics", "World News"]);
        assert!(fields.checked("push_send"));
        assert!(!fields.checked("push_breaking"));
    }
}
