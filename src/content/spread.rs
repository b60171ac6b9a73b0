//! A notification delivered over some minutes rather than at once (the
//! push panel's and the admin API's `spread_minutes`): when each
//! subscriber's turn comes.
//!
//! The turns are cut along subscriber ids: subscriber `id` of a job whose
//! shards cover ids `first..=last` is due at
//! `start + span × (id − first) / (last − first + 1)`. Any worker, on any
//! node, after any crash, computes the same turn from the id alone: a
//! shard is ready when its first subscriber's turn comes, and a worker
//! hands it back until the next turn rather than wait holding it.
//!
//! Breaking news goes at once, whatever the spread, unless the editor
//! asked to spread it too ([`minutes`]).

/// The minutes a notification is spread over: `spread_minutes`, except for
/// breaking news, which goes at once unless `spread_breaking` is set.
pub fn minutes(spread_minutes: u32, spread_breaking: bool, breaking: bool) -> u32 {
    if breaking && !spread_breaking {
        0
    } else {
        spread_minutes
    }
}

/// A job's turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    /// Unix ms when the job was planned: the first subscriber's turn.
    start_ms: i64,
    span_ms: i64,
    first: i64,
    /// Subscriber ids in the job's range.
    count: i64,
}

impl Spread {
    /// The turns of a job planned at `start_ms` over subscriber ids
    /// `first..=last`, spread over `minutes`; `None` when it goes at once.
    pub fn new(start_ms: i64, minutes: u32, (first, last): (i64, i64)) -> Option<Spread> {
        (minutes > 0 && last >= first).then(|| Spread {
            start_ms,
            span_ms: i64::from(minutes) * 60_000,
            first,
            count: last - first + 1,
        })
    }

    /// When subscriber `id`'s turn comes (Unix ms).
    pub fn due_at(&self, id: i64) -> i64 {
        let offset = i128::from((id - self.first).clamp(0, self.count));
        let into = offset * i128::from(self.span_ms) / i128::from(self.count);
        self.start_ms + i64::try_from(into).unwrap_or(self.span_ms)
    }

    /// The last subscriber id whose turn has come by `at_ms`.
    pub fn last_due_by(&self, at_ms: i64) -> i64 {
        let elapsed = at_ms - self.start_ms;
        if elapsed < 0 {
            return self.first - 1;
        }
        if elapsed >= self.span_ms {
            return self.first + self.count - 1;
        }
        let ids = i128::from(elapsed) * i128::from(self.count) / i128::from(self.span_ms);
        self.first + i64::try_from(ids).unwrap_or(self.count - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_are_cut_along_subscriber_ids_over_the_span() {
        let spread = Spread::new(1_000, 10, (101, 200)).expect("spread");
        assert_eq!(spread.due_at(101), 1_000);
        assert_eq!(spread.due_at(151), 1_000 + 300_000);
        assert_eq!(spread.due_at(200), 1_000 + 594_000);
        assert_eq!(spread.last_due_by(999), 100);
        assert_eq!(spread.last_due_by(1_000), 101);
        assert_eq!(spread.last_due_by(1_000 + 300_000), 151);
        assert_eq!(spread.last_due_by(1_000 + 600_000), 200);
        for id in 101..=200 {
            assert!(spread.last_due_by(spread.due_at(id)) >= id, "{id}");
        }
        assert_eq!(Spread::new(1_000, 0, (1, 5)), None);
    }

    #[test]
    fn breaking_news_goes_at_once_unless_the_editor_asks() {
        assert_eq!(minutes(30, false, false), 30);
        assert_eq!(minutes(30, false, true), 0);
        assert_eq!(minutes(30, true, true), 30);
    }
}
