//! The HTTP status of each refusal of the editorial rules: one table for
//! the admin API, the newsroom's pages and its autosave, so that a rule
//! refused in one place is refused the same way in every other.

use axum::http::StatusCode;

use crate::editorial::EditorialError;

/// How the API answers `e`: not allowed 403, no such thing 404, a clash
/// with the story as it is now 409, bad input 400, our failure 500.
pub fn status_of(e: &EditorialError) -> StatusCode {
    match e {
        EditorialError::Store(_) | EditorialError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        EditorialError::Forbidden(_) | EditorialError::TopicCreationForbidden { .. } => {
            StatusCode::FORBIDDEN
        }
        EditorialError::NotFound(_) => StatusCode::NOT_FOUND,
        EditorialError::EditConflict(_)
        | EditorialError::SlugTaken(_)
        | EditorialError::SlugLocked { .. }
        | EditorialError::AlreadyPublished
        | EditorialError::NotPublished
        | EditorialError::TopicNameTaken(_)
        | EditorialError::NotLive
        | EditorialError::LiveEnded(_)
        | EditorialError::EntryDeleted => StatusCode::CONFLICT,
        EditorialError::InvalidStory(_)
        | EditorialError::InvalidTopic(_)
        | EditorialError::InvalidEntry(_)
        | EditorialError::BadSchedule(_) => StatusCode::BAD_REQUEST,
    }
}

/// How the newsroom answers `e`: as the API does, except that bad input
/// in a form is 422, as the newsroom's forms answer it when they show it
/// again.
pub fn form_status_of(e: &EditorialError) -> StatusCode {
    match status_of(e) {
        StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
        status => status,
    }
}
