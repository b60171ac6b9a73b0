//! How the admin API reads ids from its paths and writes times, in one
//! place for every admin route: an id that is not a whole number names
//! nothing (404 `not_found`, as an id that names nothing), and a time is
//! RFC 3339 in UTC to the second (`2026-12-04T20:13:00Z`).

use chrono::{DateTime, SecondsFormat, Utc};

use crate::editorial::EditorialError;
use crate::web::api_error::ApiError;

/// The id in a path, of a `what` ("story", "revision"): anything but a
/// whole number names no such thing.
pub fn path_id(text: &str, what: &'static str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| EditorialError::NotFound(what).into())
}

/// A time as the admin API writes it: `2026-12-04T20:13:00Z`.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Unix time (seconds) as [`time`] writes it.
pub fn unix_time(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(time)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_to_the_second() {
        assert_eq!(unix_time(1_796_415_180), "2026-12-04T20:13:00Z");
    }

    #[test]
    fn ids_that_are_not_numbers_name_nothing() {
        assert_eq!(path_id("42", "story").expect("a number"), 42);
        for bad in ["", "4x", "-", "1.5", "99999999999999999999"] {
            assert!(path_id(bad, "story").is_err(), "{bad}");
        }
    }
}
