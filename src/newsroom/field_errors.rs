//! Form errors on newsroom pages: each tied to the input it is about (its
//! id), listed in an error summary at the top of the form that takes focus,
//! and repeated beside the input, which points at it with
//! `aria-describedby` (templates/newsroom/error_summary.html).

use crate::accounts::AccountError;

/// What is wrong with a submitted form.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    pub items: Vec<FieldError>,
}

/// One problem, and the id of the input it is about.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldErrors {
    pub fn none() -> FieldErrors {
        FieldErrors::default()
    }

    /// One problem with the input `field`.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> FieldErrors {
        FieldErrors {
            items: vec![FieldError {
                field: field.into(),
                message: message.into(),
            }],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message about `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether any of `fields` has a problem.
    pub fn any_of(&self, fields: &[&str]) -> bool {
        self.items
            .iter()
            .any(|e| fields.contains(&e.field.as_str()))
    }

    /// An account error as a form error: on its field when it names one
    /// (the field names are the inputs' ids), otherwise on `fallback`.
    /// `None` when it is not the person's to fix (a storage failure).
    pub fn from_account_error(error: &AccountError, fallback: &str) -> Option<FieldErrors> {
        match error {
            AccountError::Store(_) | AccountError::Random(_) | AccountError::Hash(_) => None,
            AccountError::NotFound => Some(FieldErrors::one(fallback, "there is no such account")),
            AccountError::Forbidden(message) => Some(FieldErrors::one(fallback, message.clone())),
            AccountError::Invalid { field, message }
            | AccountError::Conflict { field, message } => {
                Some(FieldErrors::one(*field, message.clone()))
            }
        }
    }
}
